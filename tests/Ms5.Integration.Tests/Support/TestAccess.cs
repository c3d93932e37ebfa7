using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Ms5.Integration.Tests.Support;

/// <summary>
/// Access settings every test API gets: rate limits the whole suite stays under (tests of the limits set low ones);
/// and accounts and API keys made through the API with the run's admin key.
/// </summary>
internal static class TestAccess
{
    public static readonly IReadOnlyDictionary<string, string> Settings = new Dictionary<string, string>
    {
        ["Ms5:Auth:RateLimits:ApiPerIdentityPerSecond"] = "100000",
        ["Ms5:Auth:RateLimits:ApiBurst"] = "100000",
        ["Ms5:Auth:RateLimits:IngestPerKeyPerSecond"] = "100000",
        ["Ms5:Auth:RateLimits:LoginPerAddressPerMinute"] = "100000",
        ["Ms5:Auth:RateLimits:LoginPerUserPerMinute"] = "100000",
    };

    /// <summary>A person's account with one role (POST /api/users), a new name each time: "prefix-1a2b3c4d".</summary>
    public static async Task<(string UserName, string Password)> CreateUserAsync(HttpClient admin, string role, string prefix = "user")
    {
        var userName = $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";
        var password = "Pw " + Guid.NewGuid().ToString("N");
        var resp = await admin.PostAsJsonAsync(new Uri("api/users", UriKind.Relative), new { userName, password, roles = new[] { role } });
        Assert.True(resp.StatusCode == HttpStatusCode.Created, $"POST /api/users: {(int)resp.StatusCode} {await resp.Content.ReadAsStringAsync()}");
        return (userName, password);
    }

    /// <summary>An API key with these scopes (POST /api/apikeys): its id and the key itself.</summary>
    public static async Task<(Guid Id, string Key)> CreateKeyAsync(HttpClient admin, string name, params string[] scopes)
    {
        var resp = await admin.PostAsJsonAsync(new Uri("api/apikeys", UriKind.Relative), new { name = $"{name}-{Guid.NewGuid().ToString("N")[..6]}", scopes });
        var text = await resp.Content.ReadAsStringAsync();
        Assert.True(resp.StatusCode == HttpStatusCode.Created, $"POST /api/apikeys: {(int)resp.StatusCode} {text}");
        using var doc = JsonDocument.Parse(text);
        return (doc.RootElement.GetProperty("id").GetGuid(), doc.RootElement.GetProperty("key").GetString()!);
    }
}
