using System.Text.Json;

namespace Ms5.Ops.Checks;

/// <summary>Check 2: the API at --url answers /healthz, /readyz and GET /api/auth/me with the admin key.</summary>
internal static class ApiCheck
{
    public static Check Create(Uri? api, Http http) => new("api", async ct =>
    {
        if (api is null)
        {
            return CheckOutcome.Fail("no API address: pass --url or set MS5_API_URL");
        }

        var health = await ProcessChecks.HealthAndReadyAsync(http, "api", new Uri(api, "/healthz"), new Uri(api, "/readyz"), ct);
        if (health.Status != CheckStatus.Pass)
        {
            return health;
        }

        if (http.ApiToken is null)
        {
            return CheckOutcome.Fail("MS5_API_TOKEN is not set: cannot call GET /api/auth/me");
        }

        var (status, body) = await http.GetAsync(new Uri(api, "/api/auth/me"), ct, withToken: true);
        if (status != 200)
        {
            return CheckOutcome.Fail($"GET /api/auth/me answered {status}: {body}");
        }

        using var me = JsonDocument.Parse(body);
        var who = me.RootElement.TryGetProperty("name", out var n) ? n.GetString() : "?";
        return CheckOutcome.Pass($"{api.GetLeftPart(UriPartial.Authority)}: /healthz 200, /readyz 200, /api/auth/me 200 as {who}");
    });
}
