using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using Ms5.Analytics.Events;
using Ms5.Analytics.Plant;
using Ms5.Integration.Tests.Support;
using Ms5.Postgres;
using OtpNet;

namespace Ms5.Integration.Tests.Api;

/// <summary>
/// Access from a browser, in headless Chromium against a real API process: the login page (a wrong password says so,
/// the right one goes on to returnUrl and only to a path of this server, the session is an HttpOnly cookie that
/// survives a reload and ends with "Sign out"), a two-factor account's code step (authenticator code and recovery
/// code), plant names and Andon summaries with markup shown as text on the board, a TV signed in with only a board
/// key (the key leaves the address and is never logged; revoked, the screen says it needs a board key), and /ws
/// refusing a handshake without a credential (401) or with a key of another scope (403).
/// </summary>
[Collection(StackCollections.Web)]
public sealed class BrowserAccessTests(StackFixture stack)
{
    private static readonly TimeSpan PageTimeout = TimeSpan.FromSeconds(20);

    private const string NoticeShown = "[...document.querySelectorAll('#needs-key, #board-key')].some(e => !e.hidden) && document.body.innerText.includes('This screen needs a board key')";

    [Fact]
    public async Task LoginPage_WrongPasswordIsShown_RightOneGoesToReturnUrl_SessionSurvivesReload_IsHttpOnly_AndSignOutEndsIt()
    {
        using var api = await ApiProcess.StartAsync(stack, "login-page");
        using var admin = api.Client();
        var (user, password) = await TestAccess.CreateUserAsync(admin, "viewer", "login");
        await using var chromium = await HeadlessChromium.StartAsync(TestPorts.Next());

        // A page without a session: the login page, which knows the way back.
        await chromium.NavigateAsync(new Uri(api.Url, "reports?plant=demo").ToString());
        await chromium.WaitForAsync(LoginPage.Ready, PageTimeout, () => "the login page");
        Assert.Equal("?returnUrl=%2Freports%3Fplant%3Ddemo", (await chromium.EvaluateAsync("location.search")).GetString());

        await LoginPage.SubmitAsync(chromium, user, "not the password at all");
        Assert.Equal("The user name or password is wrong.", await LoginPage.ErrorAsync(chromium));
        Assert.Equal("/login.html", (await chromium.EvaluateAsync("location.pathname")).GetString());
        Assert.DoesNotContain(await chromium.CookiesAsync(api.Url), c => c.Name == "ms5_session");
        await chromium.SaveScreenshotAsync("login-page-error.png");

        await LoginPage.SubmitAsync(chromium, user, password);
        await chromium.WaitForAsync("location.pathname === '/reports' && document.body?.dataset.ready === 'true'", PageTimeout, () => "the reports page after signing in");
        Assert.Equal("?plant=demo", (await chromium.EvaluateAsync("location.search")).GetString());
        await chromium.WaitForAsync("!document.getElementById('who').hidden", PageTimeout, () => "who is signed in");
        Assert.Equal(user, (await chromium.EvaluateAsync("document.getElementById('who-name').textContent")).GetString());

        // The session is a cookie no script can read, sent only to this site.
        Assert.DoesNotContain("ms5_session", (await chromium.EvaluateAsync("document.cookie")).GetString() ?? "", StringComparison.Ordinal);
        var session = Assert.Single(await chromium.CookiesAsync(api.Url), c => c.Name == "ms5_session");
        Assert.True(session.HttpOnly);
        Assert.Equal("Strict", session.SameSite);
        Assert.Equal("/", session.Path);
        Assert.Equal(0, (await chromium.EvaluateAsync("localStorage.length + sessionStorage.length")).GetInt32());

        await chromium.ReloadAsync();
        await chromium.WaitForAsync("location.pathname === '/reports' && document.body?.dataset.ready === 'true' && !document.getElementById('who').hidden",
            PageTimeout, () => "the reports page again after a reload");
        await chromium.SaveScreenshotAsync("reports-page-signed-in.png");

        // Sign out: the login page; the session has ended on the server too, so the old cookie opens nothing.
        await chromium.EvaluateAsync("document.getElementById('sign-out').click()");
        await chromium.WaitForAsync(LoginPage.Ready, PageTimeout, () => "the login page after signing out");
        Assert.DoesNotContain(await chromium.CookiesAsync(api.Url), c => c.Name == "ms5_session");
        using (var withOldCookie = new HttpRequestMessage(HttpMethod.Get, new Uri(api.Url, "api/auth/me")))
        {
            withOldCookie.Headers.Add("Cookie", $"ms5_session={session.Value}");
            using var anonymous = new HttpClient();
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.SendAsync(withOldCookie)).StatusCode);
        }

        await chromium.NavigateAsync(new Uri(api.Url, "reports?plant=demo").ToString());
        await chromium.WaitForAsync(LoginPage.Ready + " && location.search === '?returnUrl=%2Freports%3Fplant%3Ddemo'", PageTimeout, () => "the login page again");
    }

    [Fact]
    public async Task LoginPage_SaysWhenTheAccountIsLocked_AndWhenThereWereTooManyAttempts()
    {
        // Lockout after 5 failures (the default); the sixth attempt a minute on one name is over the limit.
        using var api = await ApiProcess.StartAsync(stack, "login-limits", new Dictionary<string, string> { ["Ms5__Auth__RateLimits__LoginPerUserPerMinute"] = "6" });
        using var admin = api.Client();
        var (user, password) = await TestAccess.CreateUserAsync(admin, "viewer", "locked");
        await using var chromium = await HeadlessChromium.StartAsync(TestPorts.Next());
        await chromium.NavigateAsync(new Uri(api.Url, "login.html").ToString());

        for (var attempt = 1; attempt <= 4; attempt++)
        {
            await LoginPage.SubmitAsync(chromium, user, "wrong password " + attempt);
            Assert.Equal("The user name or password is wrong.", await LoginPage.ErrorAsync(chromium));
        }

        await LoginPage.SubmitAsync(chromium, user, "wrong password 5");
        var locked = await LoginPage.ErrorAsync(chromium);
        Assert.StartsWith("Too many failed attempts: the account is locked until ", locked, StringComparison.Ordinal);
        Assert.EndsWith("An administrator can unlock it sooner.", locked, StringComparison.Ordinal);

        // Locked: the right password does not open it either.
        await LoginPage.SubmitAsync(chromium, user, password);
        Assert.Equal(locked, await LoginPage.ErrorAsync(chromium));

        await LoginPage.SubmitAsync(chromium, user, password);
        Assert.StartsWith($"Too many login attempts for '{user}'; retry after ", await LoginPage.ErrorAsync(chromium), StringComparison.Ordinal);
        Assert.True(await chromium.IsTrueAsync("document.getElementById('sign-in').disabled && /\\(\\d+ s\\)$/.test(document.getElementById('sign-in').textContent)"),
            "the Sign in button waits, counting down");
        Assert.Equal("/login.html", (await chromium.EvaluateAsync("location.pathname")).GetString());
        await chromium.SaveScreenshotAsync("login-page-too-many.png");
    }

    [Fact]
    public async Task LoginPage_GoesOnOnlyToAPathOfThisServer()
    {
        using var api = await ApiProcess.StartAsync(stack, "login-return");
        using var admin = api.Client();
        var (user, password) = await TestAccess.CreateUserAsync(admin, "viewer", "return");
        await using var chromium = await HeadlessChromium.StartAsync(TestPorts.Next());
        await chromium.NavigateAsync(new Uri(api.Url, "login.html?returnUrl=" + Uri.EscapeDataString("//evil.example/steal")).ToString());
        await chromium.WaitForAsync(LoginPage.Ready, PageTimeout, () => "the login page");

        var cases = new Dictionary<string, string>
        {
            ["/reports?plant=demo&day=2026-11-17"] = "/reports?plant=demo&day=2026-11-17",
            ["/andon?line=line-1"] = "/andon?line=line-1",
            ["//evil.example/steal"] = "/",
            ["/\\evil.example"] = "/",
            ["https://evil.example/"] = "/",
            ["http:/evil.example"] = "/",
            ["javascript:alert(1)"] = "/",
            ["reports"] = "/",
            ["/\tevil"] = "/",
            [""] = "/",
            ["/login.html?returnUrl=/reports"] = "/",
        };
        var answers = await chromium.EvaluateAsync($"Object.fromEntries({JsonSerializer.Serialize(cases.Keys)}.map(r => [r, safeReturnUrl(r)]))");
        foreach (var (raw, expected) in cases)
        {
            Assert.True(expected == answers.GetProperty(raw).GetString(), $"returnUrl '{raw}': expected '{expected}', got '{answers.GetProperty(raw)}'");
        }

        // Signed in from a link pointing elsewhere: the home page of this server, not the other site.
        await LoginPage.SubmitAsync(chromium, user, password);
        await chromium.WaitForAsync("location.pathname === '/' && !document.getElementById('who').hidden", PageTimeout, () => "the home page");
        Assert.Equal(new Uri(api.Url, "/").ToString(), (await chromium.EvaluateAsync("location.href")).GetString());
        await chromium.SaveScreenshotAsync("home-page-signed-in.png");
    }

    [Fact]
    public async Task LoginPage_TwoFactorAccount_AsksForTheCode_RefusesAWrongOne_AcceptsTheRightOne_AndARecoveryCode()
    {
        using var api = await ApiProcess.StartAsync(stack, "login-2fa");
        using var admin = api.Client();
        var (user, password) = await TestAccess.CreateUserAsync(admin, "viewer", "tfa");
        var (totp, recoveryCodes) = await EnrolTwoFactorAsync(api.Url, user, password);
        await using var chromium = await HeadlessChromium.StartAsync(TestPorts.Next());

        await chromium.NavigateAsync(new Uri(api.Url, "/").ToString());
        await LoginPage.SubmitAsync(chromium, user, password);
        await chromium.WaitForAsync("!document.getElementById('code-step').hidden && document.activeElement?.id === 'totp'", PageTimeout, () => "the code step");
        Assert.Equal(user, (await chromium.EvaluateAsync("document.getElementById('code-user').textContent")).GetString());
        Assert.True((await chromium.EvaluateAsync("document.getElementById('error').hidden && document.getElementById('password-step').hidden")).GetBoolean());
        await chromium.SaveScreenshotAsync("login-page-code.png");

        // Every digit off by five: not the code of this time step, nor of the ones next to it.
        var wrong = string.Concat(totp.ComputeTotp().Select(c => (char)('0' + ((c - '0' + 5) % 10))));
        await SubmitCodeAsync(chromium, "totp", wrong);
        Assert.Equal("The code is wrong or expired; the failed attempt counts toward the lockout.", await LoginPage.ErrorAsync(chromium));
        Assert.Equal("/login.html", (await chromium.EvaluateAsync("location.pathname")).GetString());

        await SubmitCodeAsync(chromium, "totp", totp.ComputeTotp());
        await chromium.WaitForAsync("location.pathname === '/' && !document.getElementById('who').hidden", PageTimeout, () => "the home page after the code");
        Assert.Equal(user, (await chromium.EvaluateAsync("document.getElementById('who-name').textContent")).GetString());

        // Next time, without the phone: a recovery code instead.
        await chromium.EvaluateAsync("document.getElementById('sign-out').click()");
        await LoginPage.SubmitAsync(chromium, user, password);
        await chromium.WaitForAsync("!document.getElementById('code-step').hidden", PageTimeout, () => "the code step again");
        await chromium.EvaluateAsync("document.getElementById('use-recovery').click()");
        Assert.True((await chromium.EvaluateAsync("document.getElementById('totp-field').hidden && !document.getElementById('recovery-field').hidden")).GetBoolean());
        await SubmitCodeAsync(chromium, "recovery", recoveryCodes[0]);
        await chromium.WaitForAsync("location.pathname === '/' && !document.getElementById('who').hidden", PageTimeout, () => "the home page after the recovery code");
    }

    [Fact]
    public async Task Board_NamesAndSummariesWithMarkup_AreShownAsText_NeverRunAsHtml()
    {
        const string markup = "<img src=x onerror=\"window.__pwned=1\">";
        var plant = JsonSerializer.Serialize(new
        {
            plantId = "xss-p",
            timeZone = "UTC",
            reasonCodes = new[] { new { code = "jam", category = "unplanned" } },
            lines = new[] { new { id = "xss-line", name = markup + " line", machines = new[] { new { id = "xss-m1", name = markup, idealCycleSeconds = 1.0 }, new { id = "xss-m2", name = "Press " + markup, idealCycleSeconds = 1.0 } } } },
        });
        await new PlantStore(stack.Db).SaveAsync(PlantConfigParser.Parse(plant), plant);
        using var api = await ApiProcess.StartAsync(stack, "board-xss");
        using var admin = api.Client();
        var (_, key) = await TestAccess.CreateKeyAsync(admin, "xss-tv", "board");
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync(new Uri("api/andon", UriKind.Relative), new { machineId = "xss-m1", summary = markup + " machine" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync(new Uri("api/andon", UriKind.Relative), new { lineId = "xss-line", summary = markup + " whole line" })).StatusCode);
        await using var chromium = await HeadlessChromium.StartAsync(TestPorts.Next());

        await chromium.NavigateAsync(new Uri(api.Url, $"andon?line=xss-line&key={key}").ToString());
        await chromium.WaitForAsync("!!document.querySelector('#tile-xss-m1 .andon') && !!document.querySelector('#line-xss-line .line-andons .andon')", PageTimeout, () => "the board with its Andons");

        Assert.Equal(markup, (await chromium.EvaluateAsync("document.querySelector('#tile-xss-m1 .name').textContent")).GetString());
        Assert.Equal(markup + " line", (await chromium.EvaluateAsync("document.querySelector('#line-xss-line .line-name').textContent")).GetString());
        Assert.StartsWith($"L1 {markup} machine · ", (await chromium.EvaluateAsync("document.querySelector('#tile-xss-m1 .andon').textContent")).GetString(), StringComparison.Ordinal);
        Assert.StartsWith($"LINE L1 {markup} whole line · ", (await chromium.EvaluateAsync("document.querySelector('#line-xss-line .line-andons .andon').textContent")).GetString(), StringComparison.Ordinal);
        Assert.Equal(0, (await chromium.EvaluateAsync("document.querySelectorAll('#board img, #board [onerror]').length")).GetInt32());
        Assert.Equal("undefined", (await chromium.EvaluateAsync("typeof window.__pwned")).GetString());

        // A new Andon arriving over the WebSocket (once the live feed is following) is rendered the same way.
        await TurnLiveAsync(api, chromium, "xss-m2", MachineState.Running);
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync(new Uri("api/andon", UriKind.Relative), new { machineId = "xss-m2", summary = markup + " live" })).StatusCode);
        await chromium.WaitForAsync("!!document.querySelector('#tile-xss-m2 .andon')", PageTimeout, () => "the live Andon");
        Assert.StartsWith($"L1 {markup} live · ", (await chromium.EvaluateAsync("document.querySelector('#tile-xss-m2 .andon').textContent")).GetString(), StringComparison.Ordinal);
        Assert.Equal("Press " + markup, (await chromium.EvaluateAsync("document.querySelector('#tile-xss-m2 .name').textContent")).GetString());
        Assert.Equal(0, (await chromium.EvaluateAsync("document.querySelectorAll('#board img, #board [onerror]').length")).GetInt32());
        Assert.Equal("undefined", (await chromium.EvaluateAsync("typeof window.__pwned")).GetString());
        await chromium.SaveScreenshotAsync("andon-board-markup.png");
    }

    [Fact]
    public async Task Board_WithOnlyABoardKey_LosesTheKeyFromTheAddress_StaysLiveAfterReload_NeverLogsIt_AndAsksForAKeyOnceRevoked()
    {
        const string plant = """
            { "plantId": "bk-p", "timeZone": "UTC", "reasonCodes": [ { "code": "jam", "category": "unplanned" } ],
              "lines": [ { "id": "bk-line", "name": "Board key line", "machines": [ { "id": "bk-1", "name": "Press BK-1", "idealCycleSeconds": 1.0 } ] } ] }
            """;
        await new PlantStore(stack.Db).SaveAsync(PlantConfigParser.Parse(plant), plant);
        using var api = await ApiProcess.StartAsync(stack, "board-key");
        using var admin = api.Client();
        var (keyId, key) = await TestAccess.CreateKeyAsync(admin, "bk-tv", "board");
        await using var chromium = await HeadlessChromium.StartAsync(TestPorts.Next());

        await chromium.NavigateAsync(new Uri(api.Url, $"andon?line=bk-line&key={key}").ToString());
        await chromium.WaitForAsync("document.getElementById('conn')?.className === 'live' && !!document.getElementById('tile-bk-1')", PageTimeout, () => "the board");
        Assert.Equal(new Uri(api.Url, "andon?line=bk-line").ToString(), (await chromium.EvaluateAsync("location.href")).GetString());
        var cookie = Assert.Single(await chromium.CookiesAsync(api.Url), c => c.Name == "ms5_session");
        Assert.True(cookie.HttpOnly);
        Assert.DoesNotContain(key, cookie.Value, StringComparison.Ordinal);

        // Reloaded (a TV restarting): the cookie opens the board and its live feed, without the key.
        await chromium.ReloadAsync();
        await chromium.WaitForAsync("document.getElementById('conn')?.className === 'live' && !!document.getElementById('tile-bk-1')", PageTimeout, () => "the board after a reload");
        Assert.Equal("?line=bk-line", (await chromium.EvaluateAsync("location.search")).GetString());
        await TurnLiveAsync(api, chromium, "bk-1", MachineState.Down);
        await TurnLiveAsync(api, chromium, "bk-1", MachineState.Setup);

        Assert.DoesNotContain(key, api.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(key["ms5k_".Length..], api.Output, StringComparison.Ordinal);

        // Revoked: within the credential cache's few seconds, a reload shows what the screen needs (it has no keyboard).
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync(new Uri($"api/apikeys/{keyId}", UriKind.Relative))).StatusCode);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(12);
        while (true)
        {
            await chromium.ReloadAsync();
            await chromium.WaitForAsync($"({NoticeShown}) || document.getElementById('conn')?.className === 'live'", PageTimeout, () => "the board or the board-key notice");
            if (await chromium.IsTrueAsync(NoticeShown))
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, "the board still opens 12 s after its key was revoked");
            await Task.Delay(500);
        }

        await chromium.SaveScreenshotAsync("andon-board-needs-key.png");
        Assert.DoesNotContain(key, (await chromium.EvaluateAsync("location.href")).GetString()!, StringComparison.Ordinal);
        Assert.DoesNotContain(key, api.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Board_WhoseKeyIsRevokedWhileOpen_ShowsTheBoardKeyNotice_WithoutAReload()
    {
        const string plant = """
            { "plantId": "bk2-p", "timeZone": "UTC", "reasonCodes": [ { "code": "jam", "category": "unplanned" } ],
              "lines": [ { "id": "bk2-line", "name": "Open board line", "machines": [ { "id": "bk2-1", "name": "Press BK2-1", "idealCycleSeconds": 1.0 } ] } ] }
            """;
        await new PlantStore(stack.Db).SaveAsync(PlantConfigParser.Parse(plant), plant);
        using var api = await ApiProcess.StartAsync(stack, "board-open");
        using var admin = api.Client();
        var (keyId, key) = await TestAccess.CreateKeyAsync(admin, "bk2-tv", "board");
        await using var chromium = await HeadlessChromium.StartAsync(TestPorts.Next());
        await chromium.NavigateAsync(new Uri(api.Url, $"andon?line=bk2-line&key={key}").ToString());
        await chromium.WaitForAsync("document.getElementById('conn')?.className === 'live' && !!document.getElementById('tile-bk2-1')", PageTimeout, () => "the board");

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync(new Uri($"api/apikeys/{keyId}", UriKind.Relative))).StatusCode);
        // The open WebSocket is not re-checked; when it drops (here: the API restarts), the reconnect is refused.
        api.Process.Stop();
        using var again = await ApiProcess.StartAsync(stack, "board-open", url: api.Url);
        await chromium.WaitForAsync(NoticeShown, TimeSpan.FromSeconds(30), () => "the board-key notice on the open board");
        Assert.Equal("/andon", (await chromium.EvaluateAsync("location.pathname")).GetString());
        // The API's reason underneath, for whoever comes to fix the screen.
        Assert.StartsWith("the credential was not accepted: ", (await chromium.EvaluateAsync("document.getElementById('needs-key-reason').textContent")).GetString(), StringComparison.Ordinal);
        Assert.Equal("/andon?line=bk2-line&key=…", (await chromium.EvaluateAsync("document.getElementById('needs-key-url').textContent")).GetString());
        await chromium.SaveScreenshotAsync("andon-board-key-revoked.png");
    }

    [Fact]
    public async Task WebSocket_WithoutCredential_Is401_WithAnIngestKey_Is403_WithABoardKeyInTheQuery_Opens()
    {
        using var api = await ApiProcess.StartAsync(stack, "ws-access");
        using var admin = api.Client();
        var (_, ingestKey) = await TestAccess.CreateKeyAsync(admin, "ws-gateway", "ingest");
        var (_, boardKey) = await TestAccess.CreateKeyAsync(admin, "ws-tv", "board");
        var ws = new Uri($"ws://{api.Url.Authority}/ws");

        Assert.Equal(HttpStatusCode.Unauthorized, await HandshakeStatusAsync(ws, null));
        Assert.Equal(HttpStatusCode.Forbidden, await HandshakeStatusAsync(ws, ingestKey));
        Assert.Equal(HttpStatusCode.Forbidden, await HandshakeStatusAsync(new Uri(ws + "?key=" + ingestKey), null));
        Assert.Equal(HttpStatusCode.Unauthorized, await HandshakeStatusAsync(new Uri(ws + "?key=ms5k_" + new string('A', 43)), null));
        Assert.Equal(HttpStatusCode.SwitchingProtocols, await HandshakeStatusAsync(new Uri(ws + "?key=" + boardKey), null));
        Assert.Equal(HttpStatusCode.SwitchingProtocols, await HandshakeStatusAsync(ws, boardKey));
    }

    /// <summary>
    /// Sends a state change of <paramref name="machine"/> until its tile shows it, live over the WebSocket: the API's
    /// live feed reads the topic from its end once it has joined, so a change sent before that is not seen.
    /// </summary>
    private async Task TurnLiveAsync(ApiProcess api, HeadlessChromium chromium, string machine, MachineState state)
    {
        var shown = state.ToString().ToLowerInvariant();
        await Eventually.TrueAsync(
            async () =>
            {
                await stack.ProduceAsync(api.Topic, [(machine, EventJson.ToJson(MachineEvent.StateChange(Guid.NewGuid(), machine, DateTimeOffset.UtcNow, state)))]);
                return await chromium.IsTrueAsync($"document.getElementById('tile-{machine}')?.dataset.state === '{shown}'");
            },
            TimeSpan.FromSeconds(30), () => $"tile {machine} to turn {shown} over the WebSocket; api: {api.Output}", pollMs: 1000);
    }

    /// <summary>The status of a WebSocket handshake (101 when it opens), the key sent as X-Api-Key when given.</summary>
    private static async Task<HttpStatusCode> HandshakeStatusAsync(Uri url, string? key)
    {
        using var ws = new ClientWebSocket();
        ws.Options.CollectHttpResponseDetails = true;
        if (key is not null)
        {
            ws.Options.SetRequestHeader("X-Api-Key", key);
        }

        try
        {
            await ws.ConnectAsync(url, CancellationToken.None);
            await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        }
        catch (WebSocketException)
        {
        }

        return ws.HttpStatusCode;
    }

    /// <summary>Two-factor on for the account, as a person does it from a client: its authenticator and its recovery codes.</summary>
    private static async Task<(Totp Totp, IReadOnlyList<string> RecoveryCodes)> EnrolTwoFactorAsync(Uri api, string user, string password)
    {
        using var http = new HttpClient { BaseAddress = api };
        var login = await http.PostAsJsonAsync(new Uri("api/auth/login", UriKind.Relative), new { userName = user, password });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        var setup = await http.PostAsync(new Uri("api/auth/2fa/setup", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.OK, setup.StatusCode);
        var sharedKey = (await setup.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("sharedKey").GetString()!;
        var totp = new Totp(Base32Encoding.ToBytes(sharedKey));
        // A code is accepted once: enrol with the previous 30-second step's (still inside the accepted window), so the
        // current one is left for the sign-in.
        var enable = await http.PostAsJsonAsync(new Uri("api/auth/2fa/enable", UriKind.Relative), new { code = totp.ComputeTotp(DateTime.UtcNow.AddSeconds(-30)) });
        Assert.True(enable.StatusCode == HttpStatusCode.OK, await enable.Content.ReadAsStringAsync());
        var codes = (await enable.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("recoveryCodes").EnumerateArray().Select(c => c.GetString()!).ToList();
        return (totp, codes);
    }

    private static async Task SubmitCodeAsync(HeadlessChromium chromium, string field, string code)
    {
        await chromium.EvaluateAsync($$"""
            (() => { document.getElementById('error').hidden = true;
                     document.getElementById({{JsonSerializer.Serialize(field)}}).value = {{JsonSerializer.Serialize(code)}};
                     document.getElementById('verify').click(); })()
            """);
    }
}
