using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Ms5.Integration.Tests.Support;

namespace Ms5.Integration.Tests.Deploy;

/// <summary>
/// The deploy proxy as a real process in front of two real HTTP servers (the blue and green "releases"): forwarding,
/// the switch under load with in-flight requests finishing on the old upstream, refusal of an unready target, the
/// state file across a restart, the admin token, forwarded headers, WebSockets, 502 when the upstream is down, and
/// bad settings stopping start-up.
/// </summary>
public sealed class ProxyTests
{
    private static readonly IPAddress Client = IPAddress.Parse("127.0.0.7");

    [Fact]
    public async Task Forwards_MethodPathQueryBodyHeadersAndStatus_SettingForwardedHeadersItself()
    {
        await using var blue = await TestUpstream.StartAsync("blue");
        using var proxy = await ProxyProcess.StartAsync(blue.Url);
        using var http = proxy.Public(Client);

        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri("api/things/42?x=1&y=a%20b&status=201", UriKind.Relative))
        {
            Content = new StringContent("hello body", Encoding.UTF8, "text/plain"),
        };
        request.Headers.Add("X-Custom", "custom value");
        request.Headers.Add("Cookie", "session=abc");
        // A client trying to choose the address the API sees.
        request.Headers.Add("X-Forwarded-For", "203.0.113.9");
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Add("Forwarded", "for=203.0.113.9");
        var resp = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Created, resp.StatusCode);
        Assert.Equal("blue", resp.Headers.GetValues("X-Upstream").Single());
        Assert.StartsWith("upstream=blue", resp.Headers.GetValues("Set-Cookie").Single(), StringComparison.Ordinal);
        var echo = await resp.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("PUT", echo.GetProperty("method").GetString());
        Assert.Equal("/api/things/42", echo.GetProperty("path").GetString());
        Assert.Equal("?x=1&y=a%20b&status=201", echo.GetProperty("query").GetString());
        Assert.Equal("hello body", echo.GetProperty("body").GetString());
        var headers = echo.GetProperty("headers");
        Assert.Equal("custom value", headers.GetProperty("X-Custom").GetString());
        Assert.Equal("session=abc", headers.GetProperty("Cookie").GetString());
        Assert.Equal(proxy.PublicUrl.Authority, headers.GetProperty("Host").GetString());
        Assert.Equal("127.0.0.7", headers.GetProperty("X-Forwarded-For").GetString());
        Assert.Equal("http", headers.GetProperty("X-Forwarded-Proto").GetString());
        Assert.Equal(proxy.PublicUrl.Authority, headers.GetProperty("X-Forwarded-Host").GetString());
        Assert.False(headers.TryGetProperty("Forwarded", out _));

        // No body limit in the proxy: 40 MB (Kestrel's default limit is 30 MB) reaches the upstream whole.
        var big = await http.PostAsync(new Uri("upload", UriKind.Relative), new StringContent(new string('x', 40_000_000)));
        Assert.Equal(HttpStatusCode.OK, big.StatusCode);
        Assert.Equal(40_000_000, (await big.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("bodyLength").GetInt32());
    }

    [Fact]
    public async Task Switch_UnderConcurrentLoad_NoRequestFails_AndRequestsInFlightFinishOnTheOldUpstream()
    {
        await using var blue = await TestUpstream.StartAsync("blue");
        await using var green = await TestUpstream.StartAsync("green");
        using var proxy = await ProxyProcess.StartAsync(blue.Url);
        using var http = proxy.Public();

        var failures = new ConcurrentQueue<string>();
        var answers = new ConcurrentQueue<(bool AfterSwitch, string Upstream)>();
        var switched = 0;
        using var stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var afterSwitch = Volatile.Read(ref switched) == 1;
                try
                {
                    var r = await http.GetAsync(new Uri("slow?ms=0", UriKind.Relative));
                    var body = await r.Content.ReadAsStringAsync();
                    if (r.StatusCode != HttpStatusCode.OK)
                    {
                        failures.Enqueue($"{(int)r.StatusCode} {body}");
                    }
                    else
                    {
                        answers.Enqueue((afterSwitch, body));
                    }
                }
                catch (HttpRequestException ex)
                {
                    failures.Enqueue(ex.Message);
                }
            }
        })).ToList();

        // Five requests the old upstream holds for three seconds, across the switch (with one second they had ended before
        // the check after the switch once, on a loaded CI machine).
        var slow = Enumerable.Range(0, 5).Select(_ => http.GetAsync(new Uri("slow?ms=3000", UriKind.Relative))).ToList();
        await Eventually.TrueAsync(async () => ProxyProcess.Counts(await proxy.StateAsync(), blue.Url).InFlight >= 5, TimeSpan.FromSeconds(5), () => "5 slow requests in flight on blue", 20);

        var switchResp = await proxy.SwitchAsync("green", green.Url, "r2");
        Volatile.Write(ref switched, 1);
        Assert.Equal(HttpStatusCode.OK, switchResp.StatusCode);
        var switchBody = await switchResp.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("green", switchBody.GetProperty("active").GetProperty("slot").GetString());
        Assert.Equal(green.Url, switchBody.GetProperty("active").GetProperty("url").GetString());
        Assert.Equal("r2", switchBody.GetProperty("active").GetProperty("release").GetString());
        Assert.Equal(blue.Url, switchBody.GetProperty("previous").GetProperty("url").GetString());
        Assert.Equal("green", await http.GetStringAsync(new Uri("slow?ms=0", UriKind.Relative)));
        Assert.True(ProxyProcess.Counts(await proxy.StateAsync(), blue.Url).InFlight >= 5, "the slow requests are still in flight on blue right after the switch");

        foreach (var s in slow)
        {
            var r = await s;
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            Assert.Equal("blue", await r.Content.ReadAsStringAsync());
        }

        await Eventually.TrueAsync(async () => ProxyProcess.Counts(await proxy.StateAsync(), blue.Url).InFlight == 0, TimeSpan.FromSeconds(5), () => "blue drained");
        // Drained: the old release may go; nothing reaches it any more.
        await blue.StopAsync();
        await Task.Delay(200);
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        Assert.Empty(failures);
        Assert.Contains(answers, a => !a.AfterSwitch && a.Upstream == "blue");
        Assert.Contains(answers, a => a.AfterSwitch && a.Upstream == "green");
        Assert.DoesNotContain(answers, a => a.AfterSwitch && a.Upstream != "green");
        var state = await proxy.StateAsync();
        Assert.Equal("green", state.GetProperty("active").GetProperty("slot").GetString());
        Assert.Equal((0L, 0L), (ProxyProcess.Counts(state, green.Url).InFlight, ProxyProcess.Counts(state, green.Url).WebSockets));

        using var admin = proxy.Admin();
        var metrics = await admin.GetStringAsync(new Uri("metrics", UriKind.Relative));
        Assert.Contains("ms5_proxy_switches_total 1", metrics, StringComparison.Ordinal);
        Assert.Contains("ms5_proxy_active_info{slot=\"green\",release=\"r2\"} 1", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("ms5_proxy_active_info{slot=\"blue\"", metrics, StringComparison.Ordinal);
        Assert.Contains("ms5_proxy_requests_total{slot=\"blue\",code=\"2xx\"}", metrics, StringComparison.Ordinal);
        Assert.Contains("ms5_proxy_in_flight{slot=\"blue\"} 0", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Switch_ToAnUpstreamNotReadyOrUnreachable_Is409_AndTheActiveOneStays()
    {
        await using var blue = await TestUpstream.StartAsync("blue");
        await using var green = await TestUpstream.StartAsync("green");
        green.ReadyStatus = 503;
        using var proxy = await ProxyProcess.StartAsync(blue.Url);

        var notReady = await proxy.SwitchAsync("green", green.Url, "r2");
        Assert.Equal(HttpStatusCode.Conflict, notReady.StatusCode);
        Assert.Equal("application/problem+json", notReady.Content.Headers.ContentType?.MediaType);
        var problem = await notReady.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal($"Upstream {green.Url} is not ready", problem.GetProperty("title").GetString());
        Assert.Contains("answered 503", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var nobody = $"http://127.0.0.1:{TestPorts.Next()}";
        var unreachable = await proxy.SwitchAsync("green", nobody, "r2");
        Assert.Equal(HttpStatusCode.Conflict, unreachable.StatusCode);
        Assert.Equal($"Upstream {nobody} is not ready", (await unreachable.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());

        var invalid = await proxy.SwitchAsync("Green!", "ftp://x", "r2");
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var errors = (await invalid.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("slot", out _) && errors.TryGetProperty("url", out _), errors.ToString());

        var state = await proxy.StateAsync();
        Assert.Equal(blue.Url, state.GetProperty("active").GetProperty("url").GetString());
        Assert.Equal(JsonValueKind.Null, state.GetProperty("previous").ValueKind);
        using var http = proxy.Public();
        Assert.Equal("blue", await http.GetStringAsync(new Uri("slow?ms=0", UriKind.Relative)));

        // The active one again: 200, nothing changes (not even its release).
        var same = await proxy.SwitchAsync("blue", blue.Url + "/", "r9");
        Assert.Equal(HttpStatusCode.OK, same.StatusCode);
        var body = await same.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("r1", body.GetProperty("active").GetProperty("release").GetString());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("previous").ValueKind);
    }

    [Fact]
    public async Task StateFile_SurvivesARestart_AndShutdownFinishesRequestsInFlight()
    {
        await using var blue = await TestUpstream.StartAsync("blue");
        await using var green = await TestUpstream.StartAsync("green");
        using var proxy = await ProxyProcess.StartAsync(blue.Url);
        Assert.Equal(HttpStatusCode.OK, (await proxy.SwitchAsync("green", green.Url, "2026.11.30-1")).StatusCode);
        var stored = JsonDocument.Parse(await File.ReadAllTextAsync(proxy.StateFile)).RootElement;
        Assert.Equal(green.Url, stored.GetProperty("active").GetProperty("url").GetString());
        Assert.Equal("2026.11.30-1", stored.GetProperty("active").GetProperty("release").GetString());
        Assert.Equal(blue.Url, stored.GetProperty("previous").GetProperty("url").GetString());

        // SIGTERM while a request is in flight: it still gets its answer.
        using var http = proxy.Public();
        var slow = http.GetAsync(new Uri("slow?ms=800", UriKind.Relative));
        await Eventually.TrueAsync(async () => ProxyProcess.Counts(await proxy.StateAsync(), green.Url).InFlight == 1, TimeSpan.FromSeconds(5), () => "the slow request in flight", 20);
        // Started with --Proxy:Upstream=blue again: the state file wins.
        await proxy.RestartAsync();
        var answered = await slow;
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        Assert.Equal("green", await answered.Content.ReadAsStringAsync());

        var state = await proxy.StateAsync();
        Assert.Equal("green", state.GetProperty("active").GetProperty("slot").GetString());
        Assert.Equal(blue.Url, state.GetProperty("previous").GetProperty("url").GetString());
        using var again = proxy.Public();
        Assert.Equal("green", await again.GetStringAsync(new Uri("slow?ms=0", UriKind.Relative)));
        Assert.Equal(0, proxy.Stop());
    }

    [Fact]
    public async Task Admin_NeedsTheToken_AndIsNotReachableOnThePublicPort()
    {
        await using var blue = await TestUpstream.StartAsync("blue");
        await using var green = await TestUpstream.StartAsync("green");
        using var proxy = await ProxyProcess.StartAsync(blue.Url);

        using var anonymous = new HttpClient { BaseAddress = proxy.AdminUrl };
        var none = await anonymous.GetAsync(new Uri("proxy/state", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal("application/problem+json", none.Content.Headers.ContentType?.MediaType);
        using var wrong = new HttpRequestMessage(HttpMethod.Post, new Uri("proxy/switch", UriKind.Relative)) { Content = JsonContent.Create(new { slot = "green", url = green.Url, release = "r2" }) };
        wrong.Headers.Add("X-Proxy-Token", ProxyProcess.Token + "x");
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.SendAsync(wrong)).StatusCode);
        foreach (var open in new[] { "healthz", "readyz", "metrics" })
        {
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(new Uri(open, UriKind.Relative))).StatusCode);
        }

        // On the public port the admin paths are the upstream's, even with the token and the admin port's Host header.
        using var http = proxy.Public();
        using var sneaky = new HttpRequestMessage(HttpMethod.Post, new Uri("proxy/switch", UriKind.Relative)) { Content = JsonContent.Create(new { slot = "green", url = green.Url, release = "r2" }) };
        sneaky.Headers.Add("X-Proxy-Token", ProxyProcess.Token);
        sneaky.Headers.Host = proxy.AdminUrl.Authority;
        var forwarded = await http.SendAsync(sneaky);
        Assert.Equal("blue", forwarded.Headers.GetValues("X-Upstream").Single());
        Assert.Equal("/proxy/switch", (await forwarded.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("path").GetString());
        Assert.Equal("blue", await http.GetStringAsync(new Uri("slow?ms=0", UriKind.Relative)));
        Assert.Equal("blue", (await proxy.StateAsync()).GetProperty("active").GetProperty("slot").GetString());
    }

    [Fact]
    public async Task WebSockets_AreForwarded_AndAfterASwitchAndTheOldOneStopping_ANewSocketLandsOnTheNewOne()
    {
        await using var blue = await TestUpstream.StartAsync("blue");
        await using var green = await TestUpstream.StartAsync("green");
        using var proxy = await ProxyProcess.StartAsync(blue.Url);
        var ws = new Uri($"ws://{proxy.PublicUrl.Authority}/ws");

        using var first = new ClientWebSocket();
        await first.ConnectAsync(ws, CancellationToken.None);
        Assert.Equal("blue:one", await EchoAsync(first, "one"));
        var counts = ProxyProcess.Counts(await proxy.StateAsync(), blue.Url);
        Assert.Equal((1L, 1L), (counts.InFlight, counts.WebSockets));

        Assert.Equal(HttpStatusCode.OK, (await proxy.SwitchAsync("green", green.Url, "r2")).StatusCode);
        // The open socket stays on blue until blue goes.
        Assert.Equal("blue:two", await EchoAsync(first, "two"));
        await blue.StopAsync();
        var buffer = new byte[256];
        try
        {
            var closed = await first.ReceiveAsync(buffer, new CancellationTokenSource(TimeSpan.FromSeconds(5)).Token);
            Assert.Equal(WebSocketMessageType.Close, closed.MessageType);
        }
        catch (WebSocketException)
        {
            // Closed without a close frame: as much an end as one with.
        }

        await Eventually.TrueAsync(async () => ProxyProcess.Counts(await proxy.StateAsync(), blue.Url) is { InFlight: 0, WebSockets: 0 }, TimeSpan.FromSeconds(5), () => "blue's socket counted off");
        using var second = new ClientWebSocket();
        await second.ConnectAsync(ws, CancellationToken.None);
        Assert.Equal("green:three", await EchoAsync(second, "three"));
        await second.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
    }

    [Fact]
    public async Task UpstreamDown_Is502Problem_NamingIt_AtOnce()
    {
        var nobody = $"http://127.0.0.1:{TestPorts.Next()}";
        using var proxy = await ProxyProcess.StartAsync(nobody);
        using var http = proxy.Public();
        var started = DateTime.UtcNow;
        var resp = await http.GetAsync(new Uri("api/machines", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadGateway, resp.StatusCode);
        Assert.Equal("application/problem+json", resp.Content.Headers.ContentType?.MediaType);
        var problem = await resp.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal($"Upstream {nobody} (slot blue) is unreachable", problem.GetProperty("title").GetString());
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5), "502 within 5 s");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await new HttpClient().GetAsync(new Uri(proxy.AdminUrl, "readyz"))).StatusCode);
        // Counted when the request ends, which is after the client has the whole answer.
        using var admin = proxy.Admin();
        var metrics = "";
        await Eventually.TrueAsync(async () => (metrics = await admin.GetStringAsync(new Uri("metrics", UriKind.Relative))).Contains("ms5_proxy_requests_total{slot=\"blue\",code=\"5xx\"} 1", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10), () => "the 502 counted as blue 5xx in:\n" + metrics);
    }

    [Fact]
    public async Task NoActiveUpstream_Is503Problem_UntilASwitch()
    {
        await using var green = await TestUpstream.StartAsync("green");
        using var proxy = await ProxyProcess.StartAsync(initial: null);
        using var http = proxy.Public();
        var resp = await http.GetAsync(new Uri("slow?ms=0", UriKind.Relative));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, resp.StatusCode);
        Assert.Equal("No active upstream", (await resp.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
        var switched = await proxy.SwitchAsync("green", green.Url, "r1");
        Assert.Equal(JsonValueKind.Null, (await switched.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("previous").ValueKind);
        Assert.Equal("green", await http.GetStringAsync(new Uri("slow?ms=0", UriKind.Relative)));
    }

    [Theory]
    [InlineData("--Proxy:AdminUrl=http://10.1.2.3:59999", "Proxy:AdminUrl")]
    [InlineData("--Proxy:PublicUrl=http://127.0.0.1", "Proxy:PublicUrl")]
    [InlineData("--Proxy:Slot=Blue!", "Proxy:Slot")]
    [InlineData("--Proxy:ReadyTimeout=soon", "Proxy:ReadyTimeout")]
    public async Task ABadSetting_StopsStartUp_NamingIt(string setting, string named)
    {
        var dir = Directory.CreateTempSubdirectory("ms5-proxy-bad-");
        try
        {
            var (exit, output) = await ChildProcess.RunAsync(ProxyProcess.Dll, new Dictionary<string, string> { ["MS5_API_URL"] = "" }, TimeSpan.FromSeconds(20),
                $"--Proxy:StateFile={dir.FullName}/proxy.json", $"--Proxy:AdminTokenFile={dir.FullName}/token", $"--Proxy:AdminUrl=http://127.0.0.1:{TestPorts.Next()}",
                $"--Proxy:PublicUrl=http://127.0.0.1:{TestPorts.Next()}", "--Proxy:Upstream=http://127.0.0.1:1", "--Proxy:Slot=blue", setting);
            Assert.Equal(2, exit);
            Assert.Contains(named, output, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static async Task<string> EchoAsync(ClientWebSocket socket, string text)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, timeout.Token);
        var buffer = new byte[256];
        var received = await socket.ReceiveAsync(buffer, timeout.Token);
        return Encoding.UTF8.GetString(buffer, 0, received.Count);
    }
}
