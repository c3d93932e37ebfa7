using System.Globalization;
using System.Net;
using Ms5.Integration.Tests.Api;
using Ms5.Integration.Tests.Support;
using static Ms5.Integration.Tests.Access.AccessTestKit;

namespace Ms5.Integration.Tests.Access;

/// <summary>
/// The rate limits, each set low in its own API (configuration only): login per client address and per user name,
/// every request per identity, ingest per key; a refused request is a 429 with Retry-After in whole seconds. Health
/// and metrics are never limited, and /metrics counts logins, lockouts and refusals by route.
/// </summary>
[Collection("stack")]
public sealed class RateLimitTests(StackFixture stack)
{
    private static ApiFactory Api(StackFixture stack, params (string Key, string Value)[] limits) =>
        new(stack, settings: limits.ToDictionary(l => $"Ms5:Auth:RateLimits:{l.Key}", l => l.Value));

    private static async Task<HttpResponseMessage> Send(HttpClient client, HttpMethod method, string path, string? body = null, string? address = null)
    {
        using var request = new HttpRequestMessage(method, U(path)) { Content = body is null ? null : Body(body) };
        if (address is not null)
        {
            request.Headers.Add(ClientAddressHeader, address);
        }

        return await client.SendAsync(request);
    }

    private static async Task AssertTooManyAsync(HttpResponseMessage response)
    {
        Assert.True(response.StatusCode == HttpStatusCode.TooManyRequests, await Describe(response));
        var retry = response.Headers.GetValues("Retry-After").Single();
        Assert.True(int.TryParse(retry, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds >= 1, $"Retry-After '{retry}' is not a whole number of seconds >= 1");
        Assert.Equal("Too many requests", (await JsonOf(response)).GetProperty("title").GetString());
    }

    [Fact]
    public async Task Login_PerClientAddress_TheFourthAttemptInAMinuteIs429_AnotherAddressIsNotAffected()
    {
        await using var root = Api(stack, ("LoginPerAddressPerMinute", "3"));
        await using var api = root.WithClientAddresses();
        var anon = api.Anonymous();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await LoginRawAsync(anon, Unique("acc-rl"), "some-password-123", address: "203.0.113.1")).StatusCode);
        }

        await AssertTooManyAsync(await LoginRawAsync(anon, Unique("acc-rl"), "some-password-123", address: "203.0.113.1"));
        // Refresh shares the login limit (it is the other door to a token).
        await AssertTooManyAsync(await Send(anon, HttpMethod.Post, "/api/auth/refresh", """{"refreshToken": "x"}""", "203.0.113.1"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await LoginRawAsync(anon, Unique("acc-rl"), "some-password-123", address: "203.0.113.2")).StatusCode);
    }

    [Fact]
    public async Task Login_PerUserName_FromAnyAddress_TheThirdAttemptIs429_OtherNamesAreNotAffected()
    {
        await using var root = Api(stack, ("LoginPerUserPerMinute", "2"));
        await using var api = root.WithClientAddresses();
        var anon = api.Anonymous();
        var name = Unique("acc-rlu");
        var password = StrongPassword();
        await CreateUserAsync(api.CreateClient(), name, password, "viewer");

        Assert.Equal(HttpStatusCode.Unauthorized, (await LoginRawAsync(anon, name, "guess-number-one", address: "198.51.100.1")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await LoginRawAsync(anon, name, "guess-number-two", address: "198.51.100.2")).StatusCode);
        var third = await LoginRawAsync(anon, name.ToUpperInvariant(), password, address: "198.51.100.3");
        await AssertTooManyAsync(third);
        Assert.Contains(name.ToUpperInvariant(), await DetailOf(third), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Unauthorized, (await LoginRawAsync(anon, Unique("acc-rlu"), "guess-number-one", address: "198.51.100.3")).StatusCode);
    }

    [Fact]
    public async Task Api_PerIdentity_AFloodGets429s_AnotherIdentityAndHealthAreNotLimited()
    {
        await using var api = Api(stack, ("ApiPerIdentityPerSecond", "1"), ("ApiBurst", "5"));
        var (flooder, _) = await CreateKeyAsync(api.CreateClient(), Unique("acc-flood"), "read");
        var (calm, _) = await CreateKeyAsync(api.CreateClient(), Unique("acc-calm"), "read");
        var client = api.Client(flooder);

        var responses = await Task.WhenAll(Enumerable.Range(0, 30).Select(_ => client.GetAsync(U("/api/machines"))));
        var codes = responses.Select(r => (int)r.StatusCode).ToList();
        // A burst of 5, then 1 a second: however slow this machine, most of 30 at once are refused.
        Assert.True(codes.Count(c => c == 200) >= 5, string.Join(",", codes));
        Assert.True(codes.Count(c => c == 429) >= 10, string.Join(",", codes));
        Assert.All(codes, c => Assert.True(c is 200 or 429, string.Join(",", codes)));
        await AssertTooManyAsync(responses.First(r => r.StatusCode == HttpStatusCode.TooManyRequests));

        Assert.Equal(HttpStatusCode.OK, (await api.Client(calm).GetAsync(U("/api/machines"))).StatusCode);

        var anon = api.Anonymous();
        var health = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => anon.GetAsync(U("/healthz"))));
        Assert.All(health, h => Assert.Equal(HttpStatusCode.OK, h.StatusCode));
        var metrics = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => anon.GetAsync(U("/metrics"))));
        Assert.All(metrics, h => Assert.Equal(HttpStatusCode.OK, h.StatusCode));
    }

    [Fact]
    public async Task Ingest_PerKey_AFloodGets429s()
    {
        await using var api = Api(stack, ("IngestPerKeyPerSecond", "1"));
        var (gateway, _) = await CreateKeyAsync(api.CreateClient(), Unique("acc-gw"), "ingest");
        var client = api.Client(gateway);

        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => client.PostAsync(U("/api/ingest/events"), Body("[]"))));
        var codes = responses.Select(r => (int)r.StatusCode).ToList();
        Assert.True(codes.Count(c => c == 429) >= 5, string.Join(",", codes));
        Assert.All(codes, c => Assert.True(c is 400 or 429, string.Join(",", codes)));
        await AssertTooManyAsync(responses.First(r => r.StatusCode == HttpStatusCode.TooManyRequests));

        // Reading is not ingest: the same API answers another key's GET.
        Assert.Equal(HttpStatusCode.OK, (await api.CreateClient().GetAsync(U("/api/machines"))).StatusCode);
    }

    private static double Sample(string metrics, string series) =>
        metrics.Split('\n').Where(l => l.StartsWith(series + " ", StringComparison.Ordinal))
            .Select(l => double.Parse(l[(series.Length + 1)..], CultureInfo.InvariantCulture)).SingleOrDefault();

    [Fact]
    public async Task Metrics_CountLogins_Lockouts_AndRefusalsByRouteAndStatus()
    {
        await using var api = new ApiFactory(stack);
        await using var limited = Api(stack, ("ApiPerIdentityPerSecond", "1"), ("ApiBurst", "2"));
        var anon = api.Anonymous();
        var before = await anon.GetStringAsync(U("/metrics"));

        var name = Unique("acc-metrics");
        var password = StrongPassword();
        await CreateUserAsync(api.CreateClient(), name, password, "viewer");
        await LoginAsync(anon, name, password);
        for (var i = 0; i < 5; i++)
        {
            await LoginRawAsync(anon, name, "wrong-password-" + i);
        }

        var (key, _) = await CreateKeyAsync(api.CreateClient(), Unique("acc-metrics"), "read");
        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => limited.Client(key).GetAsync(U("/api/machines"))));
        await api.Client(key).GetAsync(U("/api/users"));

        var after = await anon.GetStringAsync(U("/metrics"));
        string[] series =
        [
            "ms5_auth_logins_total{outcome=\"success\"}",
            "ms5_auth_logins_total{outcome=\"invalid\"}",
            "ms5_auth_logins_total{outcome=\"locked_out\"}",
            "ms5_auth_lockouts_total",
            "ms5_http_denied_total{route=\"/api/machines\",status=\"429\"}",
            "ms5_http_denied_total{route=\"/api/users/\",status=\"403\"}",
        ];
        double[] atLeast = [1, 4, 1, 1, 1, 1];
        for (var i = 0; i < series.Length; i++)
        {
            var delta = Sample(after, series[i]) - Sample(before, series[i]);
            Assert.True(delta >= atLeast[i], $"{series[i]} went up by {delta}, expected at least {atLeast[i]}:\n{string.Join("\n", after.Split('\n').Where(l => l.StartsWith("ms5_auth", StringComparison.Ordinal) || l.StartsWith("ms5_http_denied", StringComparison.Ordinal)))}");
        }
    }
}
