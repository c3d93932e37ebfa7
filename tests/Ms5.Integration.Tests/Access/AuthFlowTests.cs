using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Ms5.Integration.Tests.Api;
using Ms5.Integration.Tests.Support;
using OtpNet;
using static Ms5.Integration.Tests.Access.AccessTestKit;

namespace Ms5.Integration.Tests.Access;

/// <summary>
/// Signing in and out through the real API: passwords and their rules, lockout and its expiry (in an injected
/// clock), two-factor enrolment and login (codes from Otp.NET, as an authenticator app computes them), the
/// production profile's two-factor duty for administrators, refresh-token rotation and reuse detection, logout.
/// </summary>
[Collection("stack")]
public sealed class AuthFlowTests(StackFixture stack)
{
    [Fact]
    public async Task Login_GivesTokens_AndAWrongPasswordAndAnUnknownUserGetTheSame401()
    {
        await using var api = new ApiFactory(stack);
        var name = Unique("acc-login");
        var password = StrongPassword();
        await CreateUserAsync(api.CreateClient(), name, password, "operator");
        var anon = api.CreateAnonymousClient();

        var ok = await LoginRawAsync(anon, name, password);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var tokens = await JsonOf(ok);
        Assert.Equal(900, tokens.GetProperty("expiresIn").GetInt32());
        Assert.Equal("Bearer", tokens.GetProperty("tokenType").GetString());
        Assert.StartsWith("ms5r_", tokens.GetProperty("refreshToken").GetString(), StringComparison.Ordinal);
        Assert.Equal(3, tokens.GetProperty("accessToken").GetString()!.Split('.').Length);

        var wrong = await LoginRawAsync(anon, name, password + "x");
        var unknown = await LoginRawAsync(anon, Unique("acc-nobody"), password);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        var w = await JsonOf(wrong);
        var u = await JsonOf(unknown);
        Assert.Equal(w.GetProperty("title").GetString(), u.GetProperty("title").GetString());
        Assert.Equal(w.GetProperty("detail").GetString(), u.GetProperty("detail").GetString());
        Assert.Equal("the user name or password is wrong", u.GetProperty("detail").GetString());

        // A body without the fields is a 400, not a login attempt.
        var empty = await anon.PostAsync(U("/api/auth/login"), Body("{}"));
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
    }

    [Theory]
    [InlineData("Xk9#mQ2$vLp", "too_short")]
    [InlineData("password1234", "common")]
    [InlineData("{user}-Qx81!zzA", "contains_user_name")]
    public async Task CreateUser_WithAWeakPassword_Is400NamingTheRule(string password, string rule)
    {
        await using var api = new ApiFactory(stack);
        var name = Unique("acc-weak");
        var resp = await api.CreateClient().PostAsync(U("/api/users"), Body(new { userName = name, password = password.Replace("{user}", name, StringComparison.Ordinal), roles = new[] { "viewer" } }));
        Assert.True(resp.StatusCode == HttpStatusCode.BadRequest, await Describe(resp));
        var body = await JsonOf(resp);
        Assert.Contains(rule, body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains(body.GetProperty("errors").GetProperty("password").EnumerateArray(), e => e.GetString()!.Contains($"(rule {rule})", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.NotFound, (await api.CreateClient().GetAsync(U($"/api/users/{name}"))).StatusCode);
    }

    [Fact]
    public async Task CreateUser_Twice_Is409()
    {
        await using var api = new ApiFactory(stack);
        var admin = api.CreateClient();
        var name = Unique("acc-dup");
        await CreateUserAsync(admin, name, StrongPassword(), "viewer");
        var again = await admin.PostAsync(U("/api/users"), Body(new { userName = name, password = StrongPassword(), roles = new[] { "admin" } }));
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        var user = await JsonOf(await admin.GetAsync(U($"/api/users/{name}")));
        Assert.Equal(["viewer"], user.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task FiveWrongPasswords_LockTheAccount_EvenForTheRightPassword_UntilFifteenMinutesPass()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var root = new ApiFactory(stack);
        await using var api = root.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(clock)));
        var admin = api.CreateClient();
        var anon = api.Anonymous();
        var name = Unique("acc-lock");
        var password = StrongPassword();
        await CreateUserAsync(admin, name, password, "operator");

        for (var i = 1; i <= 4; i++)
        {
            var wrong = await LoginRawAsync(anon, name, $"wrong-password-{i}");
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
            Assert.Equal("the user name or password is wrong", await DetailOf(wrong));
        }

        var fifth = await LoginRawAsync(anon, name, "wrong-password-5");
        Assert.Equal(HttpStatusCode.Unauthorized, fifth.StatusCode);
        Assert.Contains("locked", await DetailOf(fifth), StringComparison.Ordinal);

        var right = await LoginRawAsync(anon, name, password);
        Assert.Equal(HttpStatusCode.Unauthorized, right.StatusCode);
        Assert.Contains("locked", await DetailOf(right), StringComparison.Ordinal);

        var user = await JsonOf(await admin.GetAsync(U($"/api/users/{name}")));
        Assert.True(user.GetProperty("lockedOut").GetBoolean());
        var until = user.GetProperty("lockoutEnd").GetDateTimeOffset();
        Assert.InRange(until - clock.GetUtcNow(), TimeSpan.FromMinutes(15) - TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(15));

        clock.Advance(TimeSpan.FromMinutes(14));
        Assert.Equal(HttpStatusCode.Unauthorized, (await LoginRawAsync(anon, name, password)).StatusCode);

        clock.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        var after = await LoginRawAsync(anon, name, password);
        Assert.True(after.StatusCode == HttpStatusCode.OK, await Describe(after));
        Assert.False((await JsonOf(await admin.GetAsync(U($"/api/users/{name}")))).GetProperty("lockedOut").GetBoolean());
    }

    [Fact]
    public async Task Unlock_LiftsALockout_AndResetsTheCount()
    {
        await using var api = new ApiFactory(stack);
        var admin = api.CreateClient();
        var anon = api.Anonymous();
        var name = Unique("acc-unlock");
        var password = StrongPassword();
        await CreateUserAsync(admin, name, password, "viewer");
        for (var i = 0; i < 5; i++)
        {
            await LoginRawAsync(anon, name, "not-the-password");
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await LoginRawAsync(anon, name, password)).StatusCode);
        Assert.True((await JsonOf(await admin.GetAsync(U($"/api/users/{name}")))).GetProperty("lockedOut").GetBoolean());

        var unlock = await admin.PostAsync(U($"/api/users/{name}/unlock"), null);
        Assert.Equal(HttpStatusCode.OK, unlock.StatusCode);
        Assert.False((await JsonOf(unlock)).GetProperty("lockedOut").GetBoolean());

        // Four more failures do not lock again (the count was reset), and the right password works.
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal("the user name or password is wrong", await DetailOf(await LoginRawAsync(anon, name, "not-the-password")));
        }

        Assert.Equal(HttpStatusCode.OK, (await LoginRawAsync(anon, name, password)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsync(U("/api/users/acc-no-such-user/unlock"), null)).StatusCode);
    }

    /// <summary>The code an authenticator app shows <paramref name="steps"/> 30-second steps from now.</summary>
    private static string Code(string sharedKey, int steps = 0) =>
        new Totp(Base32Encoding.ToBytes(sharedKey)).ComputeTotp(DateTime.UtcNow.AddSeconds(30 * steps));

    /// <summary>Enrols two-factor with the caller's token; returns the shared key and the recovery codes.</summary>
    private static async Task<(string SharedKey, List<string> RecoveryCodes)> EnrolAsync(HttpClient client, string accessToken)
    {
        using var setupRequest = new HttpRequestMessage(HttpMethod.Post, U("/api/auth/2fa/setup"));
        setupRequest.Headers.Authorization = new("Bearer", accessToken);
        var setup = await client.SendAsync(setupRequest);
        Assert.True(setup.StatusCode == HttpStatusCode.OK, await Describe(setup));
        var s = await JsonOf(setup);
        var key = s.GetProperty("sharedKey").GetString()!;
        Assert.StartsWith("otpauth://totp/MS5:", s.GetProperty("authenticatorUri").GetString(), StringComparison.Ordinal);
        Assert.Contains($"secret={key}", s.GetProperty("authenticatorUri").GetString(), StringComparison.Ordinal);

        using var enableRequest = new HttpRequestMessage(HttpMethod.Post, U("/api/auth/2fa/enable")) { Content = Body(new { code = Code(key) }) };
        enableRequest.Headers.Authorization = new("Bearer", accessToken);
        var enable = await client.SendAsync(enableRequest);
        Assert.True(enable.StatusCode == HttpStatusCode.OK, await Describe(enable));
        var codes = (await JsonOf(enable)).GetProperty("recoveryCodes").EnumerateArray().Select(c => c.GetString()!).ToList();
        Assert.Equal(10, codes.Count);
        return (key, codes);
    }

    [Fact]
    public async Task TwoFactor_Enrolled_LoginNeedsTheCode_AndARecoveryCodeWorksOnce()
    {
        await using var api = new ApiFactory(stack);
        var admin = api.CreateClient();
        var anon = api.Anonymous();
        var name = Unique("acc-2fa");
        var password = StrongPassword();
        await CreateUserAsync(admin, name, password, "supervisor");
        var (access, _) = await LoginAsync(anon, name, password);

        var (key, recovery) = await EnrolAsync(anon, access);
        Assert.True((await JsonOf(await admin.GetAsync(U($"/api/users/{name}")))).GetProperty("twoFactorEnabled").GetBoolean());

        var without = await LoginRawAsync(anon, name, password);
        Assert.Equal(HttpStatusCode.Unauthorized, without.StatusCode);
        Assert.True((await JsonOf(without)).GetProperty("twoFactorRequired").GetBoolean());

        // The next step's code (an authenticator a little ahead; never the one enable just used).
        var withCode = await LoginRawAsync(anon, name, password, totpCode: Code(key, 1));
        Assert.True(withCode.StatusCode == HttpStatusCode.OK, await Describe(withCode));

        var wrongCode = Enumerable.Range(0, 1_000_000).Select(i => i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture))
            .First(c => !Enumerable.Range(-3, 7).Select(s => Code(key, s)).Contains(c));
        var wrong = await LoginRawAsync(anon, name, password, totpCode: wrongCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal("Invalid two-factor code", (await JsonOf(wrong)).GetProperty("title").GetString());

        var once = await LoginRawAsync(anon, name, password, recoveryCode: recovery[3]);
        Assert.True(once.StatusCode == HttpStatusCode.OK, await Describe(once));
        var twice = await LoginRawAsync(anon, name, password, recoveryCode: recovery[3]);
        Assert.Equal(HttpStatusCode.Unauthorized, twice.StatusCode);

        // Without the password, a code is worth nothing.
        Assert.Equal(HttpStatusCode.Unauthorized, (await LoginRawAsync(anon, name, "not-the-password", totpCode: Code(key))).StatusCode);
    }

    [Fact]
    public async Task Production_AnAdministratorWithoutTwoFactor_MayOnlyEnrol_UntilTheyHave()
    {
        await using var api = new ApiFactory(stack, settings: new Dictionary<string, string> { ["Ms5:Profile"] = "production" });
        var anon = api.Anonymous();
        var name = Unique("acc-prodadm");
        var password = StrongPassword();
        await CreateUserAsync(api.CreateClient(), name, password, "admin");
        var (access, _) = await LoginAsync(anon, name, password);

        var me = await anon.GetAs("/api/auth/me", access);
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        var meBody = await JsonOf(me);
        Assert.True(meBody.GetProperty("twoFactorRequired").GetBoolean());
        Assert.False(meBody.GetProperty("twoFactorEnabled").GetBoolean());

        var users = await anon.GetAs("/api/users", access);
        Assert.Equal(HttpStatusCode.Forbidden, users.StatusCode);
        Assert.Contains("two-factor", await DetailOf(users), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await anon.GetAs("/api/machines", access)).StatusCode);

        var (key, _) = await EnrolAsync(anon, access);
        var (enrolled, _) = await LoginAsync(anon, name, password, totpCode: Code(key, 1));
        Assert.Equal(HttpStatusCode.OK, (await anon.GetAs("/api/users", enrolled)).StatusCode);
        Assert.False((await JsonOf(await anon.GetAs("/api/auth/me", enrolled))).GetProperty("twoFactorRequired").GetBoolean());
    }

    [Fact]
    public async Task Refresh_Rotates_AndPresentingASpentTokenAgain_RevokesTheWholeFamily()
    {
        await using var api = new ApiFactory(stack);
        var anon = api.Anonymous();
        var name = Unique("acc-refresh");
        var password = StrongPassword();
        await CreateUserAsync(api.CreateClient(), name, password, "viewer");
        var (access1, refresh1) = await LoginAsync(anon, name, password);

        var rotated = await RefreshAsync(anon, refresh1);
        Assert.True(rotated.StatusCode == HttpStatusCode.OK, await Describe(rotated));
        var r = await JsonOf(rotated);
        var access2 = r.GetProperty("accessToken").GetString()!;
        var refresh2 = r.GetProperty("refreshToken").GetString()!;
        Assert.NotEqual(access1, access2);
        Assert.NotEqual(refresh1, refresh2);
        Assert.Equal(HttpStatusCode.OK, (await anon.GetAs("/api/auth/me", access2)).StatusCode);

        var replay = await RefreshAsync(anon, refresh1);
        Assert.Equal(HttpStatusCode.Unauthorized, replay.StatusCode);
        Assert.Contains("used before", await DetailOf(replay), StringComparison.Ordinal);

        // The rotated one was never spent, but it belongs to the revoked family.
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(anon, refresh2)).StatusCode);

        // And so do the family's access tokens (checked every few seconds).
        await Eventually.TrueAsync(async () => (await anon.GetAs("/api/auth/me", access2)).StatusCode == HttpStatusCode.Unauthorized,
            TimeSpan.FromSeconds(6), () => "the revoked family's access token to stop working");
        Assert.Equal(HttpStatusCode.Unauthorized, (await anon.GetAs("/api/auth/me", access1)).StatusCode);

        // A new login starts a new family.
        var (fresh, _) = await LoginAsync(anon, name, password);
        Assert.Equal(HttpStatusCode.OK, (await anon.GetAs("/api/auth/me", fresh)).StatusCode);

        // Garbage is a 400 (not a refresh token), an unknown well-formed one a 401.
        Assert.Equal(HttpStatusCode.BadRequest, (await RefreshAsync(anon, "not-a-token")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(anon, "ms5r_" + new string('A', 43))).StatusCode);
    }

    [Fact]
    public async Task Logout_RevokesTheAccessTokenAndItsRefreshToken()
    {
        await using var api = new ApiFactory(stack);
        var anon = api.Anonymous();
        var name = Unique("acc-logout");
        var password = StrongPassword();
        await CreateUserAsync(api.CreateClient(), name, password, "operator");
        var (access, refresh) = await LoginAsync(anon, name, password);
        var (other, _) = await LoginAsync(anon, name, password);

        using var logout = new HttpRequestMessage(HttpMethod.Post, U("/api/auth/logout"));
        logout.Headers.Authorization = new("Bearer", access);
        Assert.Equal(HttpStatusCode.NoContent, (await anon.SendAsync(logout)).StatusCode);

        await Eventually.TrueAsync(async () => (await anon.GetAs("/api/auth/me", access)).StatusCode == HttpStatusCode.Unauthorized,
            TimeSpan.FromSeconds(6), () => "the signed-out access token to stop working");
        var me = await anon.GetAs("/api/auth/me", access);
        Assert.Contains("signed out", await DetailOf(me), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(anon, refresh)).StatusCode);

        // Another session of the same account is not affected.
        Assert.Equal(HttpStatusCode.OK, (await anon.GetAs("/api/auth/me", other)).StatusCode);
    }

    [Fact]
    public async Task Me_DescribesAUserAndAKey()
    {
        await using var api = new ApiFactory(stack);
        var admin = api.CreateClient();
        var anon = api.Anonymous();
        var name = Unique("acc-me");
        var password = StrongPassword();
        await CreateUserAsync(admin, name, password, "engineer");
        var (access, _) = await LoginAsync(anon, name, password);

        var user = await JsonOf(await anon.GetAs("/api/auth/me", access));
        Assert.Equal(name, user.GetProperty("name").GetString());
        Assert.Equal("user", user.GetProperty("kind").GetString());
        Assert.Equal(["engineer"], user.GetProperty("roles").EnumerateArray().Select(e => e.GetString()));
        Assert.Empty(user.GetProperty("scopes").EnumerateArray());
        Assert.False(user.GetProperty("twoFactorEnabled").GetBoolean());
        Assert.NotEqual(JsonValueKind.Null, user.GetProperty("lastLoginAt").ValueKind);

        var keyName = Unique("acc-me-key");
        var (key, _) = await CreateKeyAsync(admin, keyName, "read", "board");
        var k = await JsonOf(await anon.GetAs("/api/auth/me", key));
        Assert.Equal("key:" + keyName, k.GetProperty("name").GetString());
        Assert.Equal("apikey", k.GetProperty("kind").GetString());
        Assert.Equal(["read", "board"], k.GetProperty("scopes").EnumerateArray().Select(e => e.GetString()));
        Assert.Empty(k.GetProperty("roles").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, k.GetProperty("twoFactorEnabled").ValueKind);

        Assert.Equal(HttpStatusCode.Unauthorized, (await anon.GetAsync(U("/api/auth/me"))).StatusCode);
    }
}
