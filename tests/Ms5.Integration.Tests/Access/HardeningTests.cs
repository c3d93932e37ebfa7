using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ms5.Integration.Tests.Api;
using Ms5.Integration.Tests.Support;
using OtpNet;
using static Ms5.Integration.Tests.Access.AccessTestKit;

namespace Ms5.Integration.Tests.Access;

/// <summary>What the security review asked for: deleted users, new board keys on an old screen, key guessing, TOTP replay, proxies.</summary>
[Collection("stack")]
public sealed class HardeningTests(StackFixture stack)
{
    [Fact]
    public async Task ADeletedUsersAccessToken_StopsWorking_WithinTheCredentialCache()
    {
        await using var api = new ApiFactory(stack);
        using var admin = api.CreateClient();
        var name = Unique("gone");
        var password = StrongPassword();
        await CreateUserAsync(admin, name, password, "supervisor");
        var (access, _) = await LoginAsync(api.CreateAnonymousClient(), name, password);
        using var user = api.CreateClient(access);
        Assert.Equal(HttpStatusCode.OK, (await user.GetAsync(U("/api/machines"))).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync(U($"/api/users/{name}"))).StatusCode);
        await Eventually.TrueAsync(async () => (await user.GetAsync(U("/api/machines"))).StatusCode == HttpStatusCode.Unauthorized,
            TimeSpan.FromSeconds(10), () => "the deleted user's token to be refused");
    }

    [Fact]
    public async Task AScreenWithTheCookieOfARevokedKey_TakesANewBoardKeyFromTheAddress()
    {
        await using var api = new ApiFactory(stack);
        using var admin = api.CreateClient();
        var (oldKey, oldId) = await CreateKeyAsync(admin, Unique("tv-old"), "board");
        var (newKey, _) = await CreateKeyAsync(admin, Unique("tv-new"), "board");
        using var tv = api.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        tv.DefaultRequestHeaders.Authorization = null;
        tv.DefaultRequestHeaders.Accept.ParseAdd("text/html");

        var first = await tv.GetAsync(U($"/andon?key={oldKey}"));
        Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        var oldCookie = first.Headers.GetValues("Set-Cookie").Single().Split(';')[0];
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync(U($"/api/apikeys/{oldId}"))).StatusCode);

        using var again = new HttpRequestMessage(HttpMethod.Get, U($"/andon?key={newKey}"));
        again.Headers.Add("Cookie", oldCookie);
        var second = await tv.SendAsync(again);
        Assert.Equal(HttpStatusCode.Redirect, second.StatusCode);
        Assert.Equal("/andon", second.Headers.Location!.OriginalString);
        var newCookie = second.Headers.GetValues("Set-Cookie").Single().Split(';')[0];
        Assert.NotEqual(oldCookie, newCookie);

        using var board = new HttpRequestMessage(HttpMethod.Get, U("/api/board"));
        board.Headers.Add("Cookie", newCookie);
        Assert.Equal(HttpStatusCode.OK, (await tv.SendAsync(board)).StatusCode);
    }

    [Fact]
    public async Task GuessingKeys_FromOneAddress_IsCutOffAfter30_WhileAnotherAddressStillWorks()
    {
        await using var api = new ApiFactory(stack);
        await using var factory = api.WithClientAddresses();
        using var client = factory.CreateClient();
        async Task<HttpResponseMessage> With(string key, string address)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, U("/api/machines"));
            request.Headers.Add("X-Api-Key", key);
            request.Headers.Add(ClientAddressHeader, address);
            return await client.SendAsync(request);
        }

        string Made() => "ms5k_" + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        for (var i = 0; i < 30; i++)
        {
            var r = await With(Made(), "10.9.8.7");
            Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
            Assert.Contains("unknown API key", await DetailOf(r), StringComparison.Ordinal);
        }

        var cut = await With(Made(), "10.9.8.7");
        Assert.Equal(HttpStatusCode.Unauthorized, cut.StatusCode);
        Assert.Contains("too many invalid credentials", await DetailOf(cut), StringComparison.Ordinal);
        // Even the right key from that address waits out the minute; from elsewhere it works.
        Assert.Equal(HttpStatusCode.Unauthorized, (await With(stack.AdminKey, "10.9.8.7")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await With(stack.AdminKey, "10.9.8.8")).StatusCode);
    }

    [Fact]
    public async Task ATotpCode_IsAcceptedOnce()
    {
        await using var api = new ApiFactory(stack);
        using var admin = api.CreateClient();
        var name = Unique("otp");
        var password = StrongPassword();
        await CreateUserAsync(admin, name, password, "viewer");
        var anonymous = api.CreateAnonymousClient();
        var (access, _) = await LoginAsync(anonymous, name, password);
        using var user = api.CreateClient(access);
        var setup = await (await user.PostAsync(U("/api/auth/2fa/setup"), null)).Content.ReadFromJsonAsync<JsonElement>();
        var totp = new Totp(Base32Encoding.ToBytes(setup.GetProperty("sharedKey").GetString()!));
        var previous = totp.ComputeTotp(DateTime.UtcNow.AddSeconds(-30));
        Assert.Equal(HttpStatusCode.OK, (await user.PostAsync(U("/api/auth/2fa/enable"), Body(new { code = previous }))).StatusCode);

        // The code that enabled it cannot sign in; a fresh one can, once.
        Assert.Equal(HttpStatusCode.Unauthorized, (await LoginRawAsync(anonymous, name, password, previous)).StatusCode);
        var current = totp.ComputeTotp();
        Assert.Equal(HttpStatusCode.OK, (await LoginRawAsync(anonymous, name, password, current)).StatusCode);
        var replay = await LoginRawAsync(anonymous, name, password, current);
        Assert.Equal(HttpStatusCode.Unauthorized, replay.StatusCode);
        Assert.Contains("wrong or expired", await DetailOf(replay), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BehindATrustedProxy_TheClientAddressComesFromXForwardedFor_AndOnlyFromIt()
    {
        await using var api = new ApiFactory(stack, settings: new Dictionary<string, string> { ["Ms5:Auth:TrustedProxies"] = "10.0.0.1" });
        await using var factory = api.WithClientAddresses();
        using var client = factory.CreateClient();
        var name = Unique("fwd");
        async Task<string?> AddressOfFailedLogin(string peer, string forwardedFor)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, U("/api/auth/login")) { Content = Body(new { userName = name, password = "not-the-password-at-all" }) };
            request.Headers.Add(ClientAddressHeader, peer);
            request.Headers.Add("X-Forwarded-For", forwardedFor);
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(request)).StatusCode);
            var audit = await client.GetFromJsonAsync<JsonElement>(U($"/api/audit?user={name}&action=auth.login&limit=1"));
            return audit.GetProperty("entries")[0].GetProperty("clientAddress").GetString();
        }

        Assert.Equal("192.168.7.9", await AddressOfFailedLogin("10.0.0.1", "192.168.7.9"));
        Assert.Equal("10.0.0.2", await AddressOfFailedLogin("10.0.0.2", "192.168.7.9"));
    }
}
