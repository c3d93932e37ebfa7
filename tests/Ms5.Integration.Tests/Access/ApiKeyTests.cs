using System.Net;
using System.Text;
using Ms5.Integration.Tests.Api;
using Ms5.Integration.Tests.Support;
using static Ms5.Integration.Tests.Access.AccessTestKit;

namespace Ms5.Integration.Tests.Access;

/// <summary>
/// API keys through the real API: shown once and stored hashed, accepted as "Authorization: Bearer" and "X-Api-Key",
/// limited to their scopes, refused once revoked (at once on the instance that revoked them, within the 5-second
/// cache on another) or expired, and malformed keys refused with a 401.
/// </summary>
[Collection("stack")]
public sealed class ApiKeyTests(StackFixture stack)
{
    [Fact]
    public async Task CreatedKey_IsShownOnce_AndOnlyItsHashIsStored()
    {
        await using var api = new ApiFactory(stack);
        var admin = api.CreateClient();
        var name = Unique("acc-key");
        var created = await admin.PostAsync(U("/api/apikeys"), Body(new { name, scopes = new[] { "read" } }));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await JsonOf(created);
        var key = body.GetProperty("key").GetString()!;
        var id = body.GetProperty("id").GetGuid();
        Assert.Matches("^ms5k_[A-Za-z0-9_-]{43}$", key);
        Assert.Equal($"/api/apikeys/{id}", created.Headers.Location?.OriginalString);

        var list = await admin.GetAsync(U("/api/apikeys"));
        var listText = await list.Content.ReadAsStringAsync();
        Assert.DoesNotContain(key, listText, StringComparison.Ordinal);
        var listed = (await JsonOf(list)).GetProperty("keys").EnumerateArray().Single(k => k.GetProperty("id").GetGuid() == id);
        Assert.Equal(name, listed.GetProperty("name").GetString());
        Assert.False(listed.TryGetProperty("key", out _));
        Assert.True(listed.GetProperty("active").GetBoolean());
        Assert.Equal(key[..12], listed.GetProperty("prefix").GetString());
        Assert.Equal("key:bootstrap-admin", listed.GetProperty("createdBy").GetString());

        var one = await admin.GetAsync(U($"/api/apikeys/{id}"));
        Assert.DoesNotContain(key, await one.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // In the database: a 32-byte hash that is not the key, and no column holds the key.
        await using var cmd = stack.Db.CreateCommand("SELECT key_hash, row_to_json(k)::text FROM api_keys k WHERE id = $1");
        cmd.Parameters.AddWithValue(id);
        await using var reader = await cmd.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        var hash = (byte[])reader[0];
        Assert.Equal(32, hash.Length);
        Assert.NotEqual(Encoding.UTF8.GetBytes(key), hash);
        Assert.DoesNotContain(key, reader.GetString(1), StringComparison.Ordinal);
        Assert.DoesNotContain(key[12..], reader.GetString(1), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Key_WorksAsBearerAndAsXApiKey_WithinItsScopes()
    {
        await using var api = new ApiFactory(stack);
        var (read, _) = await CreateKeyAsync(api.CreateClient(), Unique("acc-read"), "read");
        var (ingest, _) = await CreateKeyAsync(api.CreateClient(), Unique("acc-ingest"), "ingest");

        var bearer = api.Client(read);
        Assert.Equal(HttpStatusCode.OK, (await bearer.GetAsync(U("/api/machines"))).StatusCode);

        var header = api.Anonymous();
        header.DefaultRequestHeaders.Add("X-Api-Key", read);
        Assert.Equal(HttpStatusCode.OK, (await header.GetAsync(U("/api/machines"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await header.PostAsync(U("/api/ingest/events"), Body("[]"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await header.GetAsync(U("/api/users"))).StatusCode);

        var gateway = api.Anonymous();
        gateway.DefaultRequestHeaders.Add("X-Api-Key", ingest);
        Assert.Equal(HttpStatusCode.BadRequest, (await gateway.PostAsync(U("/api/ingest/events"), Body("[]"))).StatusCode);
        var denied = await gateway.GetAsync(U("/api/machines"));
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.Contains("scope ingest", await DetailOf(denied), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2020-01-01T00:00:00Z")]
    [InlineData("2027-01-01T00:00:00")]
    [InlineData("tomorrow")]
    public async Task ExpiresAt_InThePastOrNotAnInstant_Is400(string expiresAt)
    {
        await using var api = new ApiFactory(stack);
        var resp = await api.CreateClient().PostAsync(U("/api/apikeys"), Body(new { name = Unique("acc-exp"), scopes = new[] { "read" }, expiresAt }));
        Assert.Equal(HttpStatusCode.BadRequest, resp.StatusCode);
        Assert.True((await JsonOf(resp)).GetProperty("errors").TryGetProperty("expiresAt", out _));
    }

    [Fact]
    public async Task Key_WithAFutureExpiry_Works_AndUnknownScopesAreRefused()
    {
        await using var api = new ApiFactory(stack);
        var admin = api.CreateClient();
        var resp = await admin.PostAsync(U("/api/apikeys"), Body(new { name = Unique("acc-exp"), scopes = new[] { "read" }, expiresAt = DateTimeOffset.UtcNow.AddDays(1).ToString("O") }));
        Assert.Equal(HttpStatusCode.Created, resp.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.Client((await JsonOf(resp)).GetProperty("key").GetString()).GetAsync(U("/api/machines"))).StatusCode);

        foreach (var scopes in new object[] { new[] { "superuser" }, Array.Empty<string>(), "admin" })
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsync(U("/api/apikeys"), Body(new { name = Unique("acc-bad"), scopes }))).StatusCode);
        }
    }

    [Fact]
    public async Task RevokedKey_Is401SayingRevoked_AtOnceHere_AndWithinSixSecondsOnAnotherInstance()
    {
        await using var here = new ApiFactory(stack);
        await using var there = new ApiFactory(stack);
        var (key, id) = await CreateKeyAsync(here.CreateClient(), Unique("acc-revoke"), "read");
        var elsewhere = there.Client(key);
        Assert.Equal(HttpStatusCode.OK, (await elsewhere.GetAsync(U("/api/machines"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await here.Client(key).GetAsync(U("/api/machines"))).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await here.CreateClient().DeleteAsync(U($"/api/apikeys/{id}"))).StatusCode);

        var now = await here.Client(key).GetAsync(U("/api/machines"));
        Assert.Equal(HttpStatusCode.Unauthorized, now.StatusCode);
        Assert.Contains("revoked", await DetailOf(now), StringComparison.Ordinal);

        var started = DateTime.UtcNow;
        await Eventually.TrueAsync(async () => (await elsewhere.GetAsync(U("/api/machines"))).StatusCode == HttpStatusCode.Unauthorized,
            TimeSpan.FromSeconds(6), () => "the other instance to refuse the revoked key");
        Assert.Contains("revoked", await DetailOf(await elsewhere.GetAsync(U("/api/machines"))), StringComparison.Ordinal);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(6));

        var listed = (await JsonOf(await here.CreateClient().GetAsync(U($"/api/apikeys/{id}"))));
        Assert.False(listed.GetProperty("active").GetBoolean());
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, listed.GetProperty("revokedAt").ValueKind);
    }

    [Theory]
    [InlineData("Bearer", "ms5k_short")]
    [InlineData("Bearer", "ms5k_!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!")]
    [InlineData("Bearer", "ms5k_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("Bearer", "not-a-key-and-not-a-jwt")]
    [InlineData("Bearer", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.")]
    [InlineData("X-Api-Key", "ms5k_short")]
    [InlineData("X-Api-Key", "'; DROP TABLE api_keys;--")]
    [InlineData("X-Api-Key", "ms5k_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public async Task MalformedOrUnknownCredential_Is401(string how, string credential)
    {
        await using var api = new ApiFactory(stack);
        var client = api.Anonymous();
        using var request = new HttpRequestMessage(HttpMethod.Get, U("/api/machines"));
        if (how == "Bearer")
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + credential);
        }
        else
        {
            request.Headers.TryAddWithoutValidation("X-Api-Key", credential);
        }

        var resp = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, resp.StatusCode);
        Assert.StartsWith("Bearer", resp.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Contains("not accepted", await DetailOf(resp), StringComparison.Ordinal);
        Assert.Equal(1, await stack.ScalarAsync("SELECT count(*) FROM pg_tables WHERE tablename = 'api_keys'"));
    }

    [Fact]
    public async Task WithTheDatabaseUnreachable_TheApiStarts_AKeyGets503_AndHealthStillAnswers()
    {
        await using var api = new ApiFactory(stack, "Host=127.0.0.1;Port=1;Username=ms5;Database=nope;Timeout=2");
        var admin = api.CreateClient();

        var machines = await admin.GetAsync(U("/api/machines"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, machines.StatusCode);
        Assert.Contains("database is unreachable", await DetailOf(machines), StringComparison.Ordinal);
        Assert.Equal("5", machines.Headers.GetValues("Retry-After").Single());

        Assert.Equal(HttpStatusCode.Unauthorized, (await api.Anonymous().GetAsync(U("/api/machines"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync(U("/healthz"))).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await admin.GetAsync(U("/readyz"))).StatusCode);
    }
}
