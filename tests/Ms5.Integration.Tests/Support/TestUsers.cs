using System.Net.Http.Json;
using System.Text.Json;

namespace Ms5.Integration.Tests.Support;

/// <summary>Accounts for tests, made through the API with the run's admin key.</summary>
internal static class TestUsers
{
    /// <summary>A password no rule refuses.</summary>
    public static string Password() => "Tst-" + Guid.NewGuid().ToString("N")[..16] + "-q9";

    /// <summary>Creates <paramref name="userName"/> with <paramref name="roles"/> and returns its access token.</summary>
    public static async Task<string> CreateAndLoginAsync(HttpClient admin, string userName, params string[] roles)
    {
        var password = Password();
        var created = await admin.PostAsJsonAsync(new Uri("/api/users", UriKind.Relative), new { userName, password, roles });
        if (!created.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"could not create {userName}: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}");
        }

        var login = await admin.PostAsJsonAsync(new Uri("/api/auth/login", UriKind.Relative), new { userName, password });
        var body = await login.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("accessToken").GetString() ?? throw new InvalidOperationException("no access token for " + userName);
    }
}
