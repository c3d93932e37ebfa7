using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Ms5.Analytics.Plant;
using Ms5.Integration.Tests.Support;
using Ms5.Postgres;

namespace Ms5.Integration.Tests.Access;

/// <summary>
/// What the access tests share: accounts and API keys made through the API with the run's admin key, logins, a test
/// plant of their own (writes go there, never to the demo plant), and a way to say which client address a request
/// comes from (the test server has no network: <see cref="ClientAddressHeader"/>).
/// </summary>
internal static class AccessTestKit
{
    /// <summary>A request header the test server turns into the connection's remote address (see <see cref="WithClientAddresses"/>).</summary>
    public const string ClientAddressHeader = "X-Test-Client-Address";

    public const string PlantId = "acc-t";
    public const string LineId = "acc-line";
    public const string MachineId = "acc-m1";

    private const string PlantJson = """
        { "plantId": "acc-t", "timeZone": "UTC",
          "reasonCodes": [ { "code": "jam", "category": "unplanned" } ],
          "shifts": [ { "name": "early", "days": ["Mon","Tue","Wed","Thu","Fri"], "start": "06:00", "end": "14:00" } ],
          "lines": [ { "id": "acc-line", "name": "Access line", "machines": [ { "id": "acc-m1", "name": "Access M1", "idealCycleSeconds": 1.0 } ] } ] }
        """;

    /// <summary>Loads the access tests' own plant (idempotent).</summary>
    public static Task EnsurePlantAsync(StackFixture stack) => new PlantStore(stack.Db).SaveAsync(PlantConfigParser.Parse(PlantJson), PlantJson);

    public static Uri U(string relative) => new(relative, UriKind.Relative);

    public static StringContent Body(string body) => new(body, Encoding.UTF8, "application/json");

    public static StringContent Body(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    /// <summary>A name no other test (or earlier run against the same database) uses.</summary>
    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    /// <summary>A password that passes every rule: long, not on the common list, not the user name.</summary>
    public static string StrongPassword() => "Tq7-" + Convert.ToBase64String(Guid.NewGuid().ToByteArray()).TrimEnd('=').Replace('+', 'x').Replace('/', 'y');

    public static HttpClient Client(this WebApplicationFactory<Program> factory, string? bearer, bool redirects = true)
    {
        var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = redirects });
        client.DefaultRequestHeaders.Authorization = bearer is null ? null : new AuthenticationHeaderValue("Bearer", bearer);
        return client;
    }

    public static HttpClient Anonymous(this WebApplicationFactory<Program> factory, bool redirects = true) => factory.Client(null, redirects);

    /// <summary>The same factory whose requests take their client address from <see cref="ClientAddressHeader"/>, and optionally more services.</summary>
    public static WebApplicationFactory<Program> WithClientAddresses(this WebApplicationFactory<Program> factory, Action<IServiceCollection>? services = null) =>
        factory.WithWebHostBuilder(b => b.ConfigureTestServices(s =>
        {
            s.AddTransient<IStartupFilter, ClientAddressFilter>();
            services?.Invoke(s);
        }));

    private sealed class ClientAddressFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((ctx, nextMiddleware) =>
            {
                if (ctx.Request.Headers[ClientAddressHeader].ToString() is { Length: > 0 } a && IPAddress.TryParse(a, out var ip))
                {
                    ctx.Connection.RemoteIpAddress = ip;
                }

                return nextMiddleware(ctx);
            });
            next(app);
        };
    }

    public static async Task<JsonElement> JsonOf(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    public static async Task<string> Describe(HttpResponseMessage response) =>
        $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";

    /// <summary>Creates an account through POST /api/users (asserting 201).</summary>
    public static async Task CreateUserAsync(HttpClient admin, string userName, string password, params string[] roles)
    {
        var resp = await admin.PostAsync(U("/api/users"), Body(new { userName, password, roles }));
        Assert.True(resp.StatusCode == HttpStatusCode.Created, $"POST /api/users {userName}: {await Describe(resp)}");
    }

    /// <summary>Creates an API key through POST /api/apikeys (asserting 201) and returns the key and its id.</summary>
    public static async Task<(string Key, Guid Id)> CreateKeyAsync(HttpClient admin, string name, params string[] scopes)
    {
        var resp = await admin.PostAsync(U("/api/apikeys"), Body(new { name, scopes }));
        Assert.True(resp.StatusCode == HttpStatusCode.Created, $"POST /api/apikeys {name}: {await Describe(resp)}");
        var body = await JsonOf(resp);
        return (body.GetProperty("key").GetString()!, body.GetProperty("id").GetGuid());
    }

    public static async Task<HttpResponseMessage> LoginRawAsync(HttpClient client, string userName, string password, string? totpCode = null, string? recoveryCode = null, string? address = null)
    {
        var body = new Dictionary<string, string> { ["userName"] = userName, ["password"] = password };
        if (totpCode is not null)
        {
            body["totpCode"] = totpCode;
        }

        if (recoveryCode is not null)
        {
            body["recoveryCode"] = recoveryCode;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, U("/api/auth/login")) { Content = Body(body) };
        if (address is not null)
        {
            request.Headers.Add(ClientAddressHeader, address);
        }

        return await client.SendAsync(request);
    }

    /// <summary>Signs in (asserting 200) and returns the access and refresh tokens.</summary>
    public static async Task<(string Access, string Refresh)> LoginAsync(HttpClient client, string userName, string password, string? totpCode = null)
    {
        var resp = await LoginRawAsync(client, userName, password, totpCode);
        Assert.True(resp.StatusCode == HttpStatusCode.OK, $"login {userName}: {await Describe(resp)}");
        var body = await JsonOf(resp);
        return (body.GetProperty("accessToken").GetString()!, body.GetProperty("refreshToken").GetString()!);
    }

    public static Task<HttpResponseMessage> RefreshAsync(HttpClient client, string refreshToken) =>
        client.PostAsync(U("/api/auth/refresh"), Body(new { refreshToken }));

    /// <summary>GET with a bearer credential on one request (the client's own header is replaced).</summary>
    public static Task<HttpResponseMessage> GetAs(this HttpClient client, string path, string? bearer)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, U(path));
        request.Headers.Authorization = bearer is null ? null : new AuthenticationHeaderValue("Bearer", bearer);
        return client.SendAsync(request);
    }

    /// <summary>The problem's "detail" (empty when there is none).</summary>
    public static async Task<string> DetailOf(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        try
        {
            return JsonDocument.Parse(text).RootElement.TryGetProperty("detail", out var d) ? d.GetString() ?? "" : "";
        }
        catch (JsonException)
        {
            return "";
        }
    }
}
