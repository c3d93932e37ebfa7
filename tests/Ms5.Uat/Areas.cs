using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OtpNet;
using static Ms5.Uat.UatContext;

namespace Ms5.Uat;

internal sealed record UatCase(string Name, Func<Task> Run);

/// <summary>An acceptance area (issue 16, item 4): a JUnit test suite of named cases, run in order.</summary>
internal sealed record UatArea(string Name, Func<UatContext, Performance, IReadOnlyList<UatCase>> Cases);

/// <summary>The acceptance areas, in the order they run (security's login abuse last among those that sign in).</summary>
internal static class Areas
{
    public static readonly IReadOnlyList<UatArea> All =
    [
        new("monitoring", (c, _) => Monitoring(c)),
        new("auth", (c, _) => Auth(c)),
        new("production", (c, _) => Production(c)),
        new("oee", (c, _) => Oee(c)),
        new("andon", (c, _) => Andon(c)),
        new("realtime", (c, _) => Realtime(c)),
        new("reports", (c, _) => Reports(c)),
        new("integrity", (c, _) => Integrity(c)),
        new("errors", (c, _) => Errors(c)),
        new("performance", (c, p) => p.Cases(c)),
        new("security", (c, _) => Security(c)),
    ];

    // ---- The scenario on m1 (sent at setup): running 0–6 min, down (jam) 6–8 min, running 8–10 min; ideal cycle 1 s.
    // Counts: 6 × (48 good, 2 reject) in the first run, 2 × (46, 4) in the second: 380 good, 20 reject, 400 parts.
    // Planned 600 s, run 480 s → availability 0.8, performance 400 / 480, quality 380 / 400, OEE 380 / 600.
    public const long ScenarioGood = 380, ScenarioReject = 20;
    public const double ExpectedAvailability = 480d / 600, ExpectedPerformance = 400d / 480, ExpectedQuality = 380d / 400, ExpectedOee = 380d / 600;

    public static List<JsonObject> Scenario(UatContext c)
    {
        var m = c.M(1);
        var t = c.T0;
        var events = new List<JsonObject>
        {
            State(Guid.CreateVersion7(), m, t, "running"),
            State(Guid.CreateVersion7(), m, t.AddMinutes(6), "down", "jam"),
            State(Guid.CreateVersion7(), m, t.AddMinutes(8), "running"),
        };
        events.AddRange(Enumerable.Range(0, 6).Select(i => Count(Guid.CreateVersion7(), m, t.AddSeconds(30 + (60 * i)), 48, 2)));
        events.AddRange(Enumerable.Range(0, 2).Select(i => Count(Guid.CreateVersion7(), m, t.AddSeconds(510 + (60 * i)), 46, 4)));
        return events;
    }

    private static string Window(UatContext c) => $"from={Ts(c.T0)}&to={Ts(c.T0.AddMinutes(10))}";

    /// <summary>GET /api/oee for m1 over the scenario, once the engine has counted every part.</summary>
    private static Task<JsonElement?> ScenarioOeeAsync(UatContext c) => EventuallyJsonAsync(async () =>
    {
        var oee = await c.GetAsync($"/api/oee?machine={c.M(1)}&{Window(c)}");
        var groups = oee.GetProperty("groups");
        if (groups.GetArrayLength() == 1 && groups[0].GetProperty("goodCount").GetInt64() == ScenarioGood && groups[0].GetProperty("rejectCount").GetInt64() == ScenarioReject)
        {
            return (groups[0], "");
        }

        return (null, oee.ToString());
    }, TimeSpan.FromSeconds(45), "the engine's OEE of the scenario (380 good, 20 reject)");

    private static IReadOnlyList<UatCase> Monitoring(UatContext c) =>
    [
        new("healthz answers 200 without credentials", async () =>
        {
            var h = await SendAsync(c.Anonymous, HttpMethod.Get, "/healthz", null, HttpStatusCode.OK);
            Check(h.ValueKind == JsonValueKind.Object, $"/healthz body: {h}");
        }),
        new("readyz answers 200: every dependency ready", async () => await SendAsync(c.Anonymous, HttpMethod.Get, "/readyz", null, HttpStatusCode.OK)),
        new("metrics: Prometheus text with HTTP and MS5 metrics", async () =>
        {
            var text = await c.Anonymous.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            Check(text.Contains("# TYPE", StringComparison.Ordinal), "no '# TYPE' line in /metrics");
            Check(text.Contains("http_requests_received_total", StringComparison.Ordinal), "no http_requests_received_total in /metrics");
            Check(text.Contains("ms5_", StringComparison.Ordinal), "no ms5_ metric in /metrics");
        }),
    ];

    private static IReadOnlyList<UatCase> Auth(UatContext c)
    {
        string user = "", password = "", access = "", refresh = "";
        return
        [
            new("anonymous request is 401 with a problem", async () =>
            {
                using var resp = await c.Anonymous.GetAsync(new Uri("/api/machines", UriKind.Relative));
                Equal(HttpStatusCode.Unauthorized, resp.StatusCode, "GET /api/machines without credentials");
            }),
            new("login with a UAT-created user and password", async () =>
            {
                (user, password) = await c.CreateUserAsync("operator", "operator");
                var tokens = await c.LoginAsync(user, password);
                access = tokens.GetProperty("accessToken").GetString()!;
                refresh = tokens.GetProperty("refreshToken").GetString()!;
                var me = await SendAsync(c.Client(access), HttpMethod.Get, "/api/auth/me", null, HttpStatusCode.OK);
                Equal(user, me.GetProperty("name").GetString(), "GET /api/auth/me name");
                Check(me.GetProperty("roles").EnumerateArray().Any(r => r.GetString() == "operator"), $"roles: {me.GetProperty("roles")}");
            }),
            new("wrong password is 401", async () => await c.LoginAsync(user, password + "x", expected: HttpStatusCode.Unauthorized)),
            new("token refresh gives a new working token; the spent refresh token is refused", async () =>
            {
                var body = new JsonObject { ["refreshToken"] = refresh }.ToJsonString();
                var next = await SendAsync(c.Anonymous, HttpMethod.Post, "/api/auth/refresh", body, HttpStatusCode.OK);
                var newAccess = next.GetProperty("accessToken").GetString()!;
                Check(next.GetProperty("refreshToken").GetString() != refresh, "the refresh token was not rotated");
                await SendAsync(c.Client(newAccess), HttpMethod.Get, "/api/machines", null, HttpStatusCode.OK);
                await SendAsync(c.Anonymous, HttpMethod.Post, "/api/auth/refresh", body, HttpStatusCode.Unauthorized);
            }),
            new("2FA: enrol with TOTP, login needs the code, login with it", async () =>
            {
                var (name, pw) = await c.CreateUserAsync("engineer", "totp");
                var token = (await c.LoginAsync(name, pw)).GetProperty("accessToken").GetString()!;
                var client = c.Client(token);
                var setup = await SendAsync(client, HttpMethod.Post, "/api/auth/2fa/setup", null, HttpStatusCode.OK);
                var key = Base32Encoding.ToBytes(setup.GetProperty("sharedKey").GetString()!.Replace(" ", "", StringComparison.Ordinal));
                Check(setup.GetProperty("authenticatorUri").GetString()!.StartsWith("otpauth://totp/", StringComparison.Ordinal), "authenticatorUri is not otpauth://totp/");
                var totp = new Totp(key);
                var enabled = await SendAsync(client, HttpMethod.Post, "/api/auth/2fa/enable", new JsonObject { ["code"] = totp.ComputeTotp(DateTime.UtcNow) }.ToJsonString(), HttpStatusCode.OK);
                Check(Items(enabled).GetArrayLength() > 0, $"no recovery codes: {enabled}");
                var challenge = await c.LoginAsync(name, pw, expected: HttpStatusCode.Unauthorized);
                Equal("Two-factor code required", challenge.GetProperty("title").GetString(), "login without a code");
                var signedIn = await c.LoginAsync(name, pw, totp.ComputeTotp(DateTime.UtcNow.AddSeconds(30)));
                var me = await SendAsync(c.Client(signedIn.GetProperty("accessToken").GetString()!), HttpMethod.Get, "/api/auth/me", null, HttpStatusCode.OK);
                Equal(true, me.GetProperty("twoFactorEnabled").GetBoolean(), "twoFactorEnabled");
            }),
            new("lockout after repeated wrong passwords; the right one is refused while locked", async () =>
            {
                var (name, pw) = await c.CreateUserAsync("viewer", "lockout");
                for (var i = 0; i < 5; i++)
                {
                    await c.LoginAsync(name, "wrong " + i, expected: HttpStatusCode.Unauthorized);
                }

                using var resp = await c.Anonymous.PostAsync(new Uri("/api/auth/login", UriKind.Relative), Json(new JsonObject { ["userName"] = name, ["password"] = pw }));
                Check(resp.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Locked or HttpStatusCode.Forbidden, $"right password while locked out: {(int)resp.StatusCode}");
                var account = await c.GetAsync($"/api/users/{name}");
                Equal(true, account.GetProperty("lockedOut").GetBoolean(), "GET /api/users/{name} lockedOut");
            }),
            new("API key scopes: read reads but may not plan; ingest may not read", async () =>
            {
                var read = c.Client(await c.CreateKeyAsync("scope-read", "read"));
                await SendAsync(read, HttpMethod.Get, "/api/machines", null, HttpStatusCode.OK);
                await SendAsync(read, HttpMethod.Post, "/api/orders", "{}", HttpStatusCode.Forbidden);
                await SendAsync(read, HttpMethod.Get, "/api/users", null, HttpStatusCode.Forbidden);
                var ingest = c.Client(await c.CreateKeyAsync("scope-ingest", "ingest"));
                await SendAsync(ingest, HttpMethod.Get, "/api/machines", null, HttpStatusCode.Forbidden);
            }),
            new("viewer is 403 on admin and planning endpoints", async () =>
            {
                var viewer = c.Client(await c.ViewerTokenAsync());
                await SendAsync(viewer, HttpMethod.Get, "/api/machines", null, HttpStatusCode.OK);
                await SendAsync(viewer, HttpMethod.Get, "/api/users", null, HttpStatusCode.Forbidden);
                await SendAsync(viewer, HttpMethod.Post, "/api/plants", "{}", HttpStatusCode.Forbidden);
                await SendAsync(viewer, HttpMethod.Post, "/api/orders", "{}", HttpStatusCode.Forbidden);
                await SendAsync(viewer, HttpMethod.Put, "/api/assignments", "{}", HttpStatusCode.Forbidden);
            }),
        ];
    }

    private static IReadOnlyList<UatCase> Production(UatContext c)
    {
        var id = $"{c.PlantId}-o1";
        return
        [
            new("create an order on the UAT plant", async () =>
            {
                var body = new JsonObject
                {
                    ["orderId"] = id, ["product"] = "uat-widget", ["targetQuantity"] = 500, ["machineIds"] = new JsonArray(c.M(1)),
                    ["plannedStart"] = Ts(c.T0), ["plannedEnd"] = Ts(c.T0.AddMinutes(10)), ["note"] = "UAT order", ["at"] = Ts(c.T0.AddMinutes(-5)),
                };
                var created = await SendAsync(c.Admin, HttpMethod.Post, "/api/orders", body.ToJsonString(), HttpStatusCode.Created);
                Equal(id, created.GetProperty("orderId").GetString(), "orderId");
                Equal("planned", created.GetProperty("status").GetString(), "status after create");
            }),
            new("release", async () => Equal("released", (await Transition(c, id, "release", c.T0.AddMinutes(-1))).GetProperty("status").GetString(), "status after release")),
            new("start", async () => Equal("running", (await Transition(c, id, "start", c.T0)).GetProperty("status").GetString(), "status after start")),
            new("progress: the scenario's parts count for the running order", async () =>
            {
                await ScenarioOeeAsync(c);
                var order = await c.GetAsync($"/api/orders/{id}");
                Equal((ScenarioGood, ScenarioReject), (order.GetProperty("goodCount").GetInt64(), order.GetProperty("rejectCount").GetInt64()), "order good/reject counts");
                Near(ScenarioGood / 500d, order.GetProperty("percentOfTarget").GetDouble(), "percentOfTarget");
            }),
            new("complete: completed with the scenario's OEE", async () =>
            {
                var done = await Transition(c, id, "complete", c.T0.AddMinutes(10));
                Equal("completed", done.GetProperty("status").GetString(), "status after complete");
                var order = await c.GetAsync($"/api/orders/{id}");
                Near(ExpectedOee, order.GetProperty("oee").GetDouble(), "order OEE");
                var history = Items(await c.GetAsync($"/api/orders/{id}/history"));
                Check(history.GetArrayLength() >= 4, $"order history has {history.GetArrayLength()} entries, expected create, release, start, complete");
            }),
        ];
    }

    private static Task<JsonElement> Transition(UatContext c, string id, string action, DateTimeOffset at) =>
        SendAsync(c.Admin, HttpMethod.Post, $"/api/orders/{id}/{action}", new JsonObject { ["at"] = Ts(at) }.ToJsonString(), HttpStatusCode.OK);

    private static IReadOnlyList<UatCase> Oee(UatContext c) =>
    [
        new("GET /api/oee: availability, performance, quality and OEE exactly as computed by hand", async () =>
        {
            var g = (await ScenarioOeeAsync(c))!.Value;
            Near(ExpectedAvailability, g.GetProperty("availability").GetDouble(), "availability (480 s run / 600 s planned)");
            Near(ExpectedPerformance, g.GetProperty("performance").GetDouble(), "performance (400 parts × 1 s / 480 s)");
            Near(ExpectedQuality, g.GetProperty("quality").GetDouble(), "quality (380 / 400)");
            Near(ExpectedOee, g.GetProperty("oee").GetDouble(), "OEE (380 × 1 s / 600 s)");
        }),
        new("GET /api/oee for the line: the scenario's good parts (its other machine has no counts in the window)", async () =>
        {
            await ScenarioOeeAsync(c);
            var line = await c.GetAsync($"/api/oee?line={c.Line1}&{Window(c)}");
            var groups = line.GetProperty("groups");
            Check(groups.GetArrayLength() >= 1, $"no groups: {line}");
            Equal(ScenarioGood, groups.EnumerateArray().Sum(g => g.GetProperty("goodCount").GetInt64()), "line good count");
        }),
        new("GET /api/downtime: the one 120 s jam", async () =>
        {
            await ScenarioOeeAsync(c);
            var d = await c.GetAsync($"/api/downtime?machine={c.M(1)}&{Window(c)}");
            var stops = d.GetProperty("stops");
            Equal(1, stops.GetArrayLength(), $"stops in {d}");
            var s = stops[0];
            Equal(("down", "jam", "unplanned", 120d), (s.GetProperty("state").GetString(), s.GetProperty("reason").GetString(), s.GetProperty("category").GetString(), s.GetProperty("seconds").GetDouble()), "the stop");
            Equal(c.T0.AddMinutes(6), s.GetProperty("start").GetDateTimeOffset(), "stop start");
        }),
    ];

    private static IReadOnlyList<UatCase> Andon(UatContext c)
    {
        JsonElement andon = default;
        var m = c.M(2);
        var t = DateTimeOffset.UtcNow.AddMinutes(-2);
        return
        [
            new("a down event past the rule's 5 s raises a critical Andon, escalated to level 3", async () =>
            {
                await c.IngestAsync([State(Guid.CreateVersion7(), m, t, "running"), State(Guid.CreateVersion7(), m, t.AddSeconds(10), "down", "jam")]);
                andon = (await EventuallyJsonAsync(async () =>
                {
                    var list = Items(await c.GetAsync($"/api/andon?active=true&machine={m}"));
                    var found = list.EnumerateArray().Where(a => a.GetProperty("rule").GetString() == "down" && a.GetProperty("level").GetInt32() == 3).ToList();
                    return (found.Count == 1 ? found[0] : null, list.ToString());
                }, TimeSpan.FromSeconds(30), "an escalated 'down' Andon on " + m))!.Value;
                Equal(("critical", c.Line1, "escalated"), (andon.GetProperty("severity").GetString(), andon.GetProperty("lineId").GetString(), andon.GetProperty("status").GetString()), "the Andon");
                Equal(t.AddSeconds(15).ToUnixTimeMilliseconds(), andon.GetProperty("raisedAt").GetDateTimeOffset().ToUnixTimeMilliseconds(), "raisedAt (down + 5 s)");
            }),
            new("notification: the Andon is an alert in Alertmanager (when MS5_ALERTMANAGER_URL is set)", async () =>
            {
                if (c.Alertmanager is null)
                {
                    return;
                }

                using var am = new HttpClient { BaseAddress = c.Alertmanager, Timeout = TimeSpan.FromSeconds(10) };
                await EventuallyAsync<string>(async () =>
                {
                    var alerts = await am.GetStringAsync(new Uri($"/api/v2/alerts?filter=machine%3D%22{m}%22", UriKind.Relative));
                    return (alerts.Contains(m, StringComparison.Ordinal) ? alerts : null, alerts);
                }, TimeSpan.FromSeconds(20), $"an Alertmanager alert for {m}");
            }),
            new("acknowledge", async () =>
            {
                var id = andon.GetProperty("id").GetString();
                var acked = await SendAsync(c.Admin, HttpMethod.Post, $"/api/andon/{id}/ack", """{"note": "UAT on it"}""", HttpStatusCode.OK);
                Equal("acknowledged", acked.GetProperty("status").GetString(), "status after ack");
            }),
            new("resolve; the transitions tell the story", async () =>
            {
                var id = andon.GetProperty("id").GetString();
                var resolved = await SendAsync(c.Admin, HttpMethod.Post, $"/api/andon/{id}/resolve", """{"note": "UAT fixed"}""", HttpStatusCode.OK);
                Equal("resolved", resolved.GetProperty("status").GetString(), "status after resolve");
                await c.IngestAsync([State(Guid.CreateVersion7(), m, DateTimeOffset.UtcNow, "running")]);
                var full = await c.GetAsync($"/api/andon/{id}");
                var steps = full.GetProperty("transitions").EnumerateArray().Select(x => x.GetProperty("transition").GetString()).ToList();
                Check(steps.Contains("raised") && steps.Count(s => s == "escalated") == 2 && steps.Contains("acknowledged") && steps.Contains("resolved"),
                    $"transitions: {string.Join(", ", steps)}");
            }),
        ];
    }

    private static IReadOnlyList<UatCase> Realtime(UatContext c) =>
    [
        new("WebSocket /ws: a state event of a UAT machine arrives on its line's feed", async () =>
        {
            using var ws = new ClientWebSocket();
            ws.Options.SetRequestHeader("Authorization", "Bearer " + c.Admin.DefaultRequestHeaders.Authorization!.Parameter);
            var scheme = c.BaseUrl.Scheme == "https" ? "wss" : "ws";
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await ws.ConnectAsync(new Uri($"{scheme}://{c.BaseUrl.Authority}/ws?line={c.Line2}"), cts.Token);
            var m = c.M(4);
            var id = Guid.CreateVersion7();
            var received = new StringBuilder();
            var buffer = new byte[64 * 1024];
            var sent = false;
            while (true)
            {
                if (!sent)
                {
                    // The feed reads from the end: connect first, then cause the update.
                    await Task.Delay(500, cts.Token);
                    await c.IngestAsync([State(id, m, DateTimeOffset.UtcNow, "idle")]);
                    sent = true;
                }

                var r = await ws.ReceiveAsync(buffer, cts.Token);
                if (r.MessageType == WebSocketMessageType.Close)
                {
                    throw new UatFailure($"the server closed the socket: {r.CloseStatus} {r.CloseStatusDescription}");
                }

                received.Append(Encoding.UTF8.GetString(buffer, 0, r.Count));
                if (r.EndOfMessage)
                {
                    var frame = received.ToString();
                    received.Clear();
                    if (frame.Contains(m, StringComparison.Ordinal))
                    {
                        Check(!frame.Contains("<script>", StringComparison.Ordinal), "a frame carries '<script>' unescaped");
                        break;
                    }
                }
            }

            await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "uat done", CancellationToken.None);
        }),
        new("WebSocket /ws without credentials is refused", async () =>
        {
            using var ws = new ClientWebSocket();
            var scheme = c.BaseUrl.Scheme == "https" ? "wss" : "ws";
            try
            {
                await ws.ConnectAsync(new Uri($"{scheme}://{c.BaseUrl.Authority}/ws"), CancellationToken.None);
            }
            catch (WebSocketException)
            {
                return;
            }

            throw new UatFailure("an anonymous WebSocket was accepted");
        }),
    ];

    private static IReadOnlyList<UatCase> Reports(UatContext c)
    {
        string? id = null;
        return
        [
            new("generate a report for the UAT line on demand", async () =>
            {
                await ScenarioOeeAsync(c);
                var body = new JsonObject { ["kind"] = "range", ["lineId"] = c.Line1, ["from"] = Ts(c.T0), ["to"] = Ts(c.T0.AddMinutes(10)) };
                using var resp = await c.Admin.PostAsync(new Uri("/api/reports", UriKind.Relative), Json(body));
                var text = await resp.Content.ReadAsStringAsync();
                Check(resp.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.Created or HttpStatusCode.OK, $"POST /api/reports: {(int)resp.StatusCode} {Short(text)}");
                var requested = JsonDocument.Parse(text).RootElement;
                id = (requested.TryGetProperty("id", out var i) ? i : Items(requested)[0].GetProperty("id")).GetString();
                var ready = (await EventuallyJsonAsync(async () =>
                {
                    var r = await c.GetAsync($"/api/reports/{id}");
                    var status = r.GetProperty("status").GetString();
                    Check(status != "failed", $"the report failed: {r}");
                    return (status == "ready" ? r : null, r.ToString());
                }, TimeSpan.FromSeconds(60), "the report to be ready"))!.Value;
                Near(ExpectedOee, ready.GetProperty("oee").GetDouble(), "report OEE");
            }),
            new("download the PDF: starts with %PDF", async () =>
            {
                Check(id is not null, "no report was generated");
                using var resp = await c.Admin.GetAsync(new Uri($"/api/reports/{id}/pdf", UriKind.Relative));
                Equal(HttpStatusCode.OK, resp.StatusCode, "GET pdf");
                var bytes = await resp.Content.ReadAsByteArrayAsync();
                Check(bytes.Length > 1000 && Encoding.ASCII.GetString(bytes, 0, 5) == "%PDF-", $"not a PDF ({bytes.Length} bytes)");
                Equal("application/pdf", resp.Content.Headers.ContentType?.MediaType, "PDF content type");
            }),
            new("download the CSV: a header and the line's figures", async () =>
            {
                Check(id is not null, "no report was generated");
                using var resp = await c.Admin.GetAsync(new Uri($"/api/reports/{id}/csv", UriKind.Relative));
                Equal(HttpStatusCode.OK, resp.StatusCode, "GET csv");
                var csv = await resp.Content.ReadAsStringAsync();
                var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
                Check(lines.Length >= 2 && lines[0].Contains(',', StringComparison.Ordinal), $"CSV: {Short(csv)}");
                Check(csv.Contains(c.M(1), StringComparison.Ordinal) || csv.Contains(c.Line1, StringComparison.Ordinal), $"the CSV names neither {c.M(1)} nor {c.Line1}: {Short(csv)}");
            }),
        ];
    }

    private static IReadOnlyList<UatCase> Integrity(UatContext c)
    {
        var m = c.M(3);
        var t = Floor(DateTimeOffset.UtcNow).AddMinutes(-45);
        var events = new List<JsonObject> { State(Guid.CreateVersion7(), m, t, "running"), State(Guid.CreateVersion7(), m, t.AddSeconds(59), "down", "jam") };
        events.AddRange(Enumerable.Range(1, 48).Select(i => Count(Guid.CreateVersion7(), m, t.AddSeconds(i), (i % 5) + 1, i % 3 == 0 ? 1 : 0)));
        return
        [
            new("events sent == events stored: 50 events, every field, duplicates counted once", async () =>
            {
                await c.IngestAsync(events);
                await c.IngestAsync(events.Take(10).ToList());
                var path = $"/api/events?machine={m}&from={Ts(t)}&to={Ts(t.AddMinutes(1))}&limit=1000";
                var stored = (await EventuallyJsonAsync(async () =>
                {
                    var page = await c.GetAsync(path);
                    return (page.GetProperty("count").GetInt32() >= events.Count ? page : null, $"count {page.GetProperty("count")}");
                }, TimeSpan.FromSeconds(30), $"{events.Count} events of {m} in GET /api/events"))!.Value;
                await Task.Delay(1000);
                stored = await c.GetAsync(path);
                Equal(events.Count, stored.GetProperty("count").GetInt32(), "events stored (the 10 sent twice count once)");
                var byId = stored.GetProperty("events").EnumerateArray().ToDictionary(e => e.GetProperty("eventId").GetString()!);
                foreach (var sent in events)
                {
                    Check(byId.TryGetValue((string)sent["eventId"]!, out var got), $"event {sent["eventId"]} is missing");
                    foreach (var (field, value) in sent)
                    {
                        var actual = got.GetProperty(field);
                        var same = field == "ts" ? actual.GetDateTimeOffset() == DateTimeOffset.Parse((string)value!, System.Globalization.CultureInfo.InvariantCulture)
                            : actual.ValueKind == JsonValueKind.Number ? actual.GetInt64() == (long)value! : actual.GetString() == (string?)value;
                        Check(same, $"event {sent["eventId"]} field {field}: sent {value?.ToJsonString()}, stored {actual}");
                    }
                }
            }),
            new("sums: good and reject totals per machine are exact in GET /api/oee", async () =>
            {
                var good = events.Where(e => (string)e["type"]! == "count").Sum(e => (long)e["good"]!);
                var reject = events.Where(e => (string)e["type"]! == "count").Sum(e => (long)e["reject"]!);
                await EventuallyAsync<string>(async () =>
                {
                    var g = (await c.GetAsync($"/api/oee?machine={m}&from={Ts(t)}&to={Ts(t.AddMinutes(1))}")).GetProperty("groups");
                    var ok = g.GetArrayLength() == 1 && g[0].GetProperty("goodCount").GetInt64() == good && g[0].GetProperty("rejectCount").GetInt64() == reject;
                    return (ok ? "" : null, g.ToString());
                }, TimeSpan.FromSeconds(30), $"good {good}, reject {reject} for {m}");
            }),
        ];
    }

    private static IReadOnlyList<UatCase> Errors(UatContext c) =>
    [
        new("unknown route is 404 application/problem+json", () => Problem(c, HttpMethod.Get, "/api/no-such-thing", null, HttpStatusCode.NotFound)),
        new("unknown machine is 404 application/problem+json", () => Problem(c, HttpMethod.Get, $"/api/events?machine={c.PlantId}-nope", null, HttpStatusCode.NotFound)),
        new("wrong method is 405 application/problem+json", () => Problem(c, HttpMethod.Delete, "/api/machines", null, HttpStatusCode.MethodNotAllowed)),
        new("bad query is 400 application/problem+json naming the parameter", async () =>
        {
            var p = await Problem(c, HttpMethod.Get, "/api/oee?machine=x&from=yesterday&to=today", null, HttpStatusCode.BadRequest);
            Check(p.Contains("from", StringComparison.Ordinal), $"the problem does not name 'from': {p}");
        }),
        new("bad JSON body is 400 application/problem+json", () => Problem(c, HttpMethod.Post, "/api/orders", "{\"orderId\": ", HttpStatusCode.BadRequest)),
        new("wrong body types are 400, never 500", () => Problem(c, HttpMethod.Post, "/api/orders", """{"orderId": 42, "targetQuantity": "many", "machineIds": "m"}""", HttpStatusCode.BadRequest)),
    ];

    private static Task<string> Problem(UatContext c, HttpMethod method, string path, string? body, HttpStatusCode expected) =>
        ProblemText(c.Admin, method, path, body, expected);

    private static async Task<string> ProblemText(HttpClient client, HttpMethod method, string path, string? body, HttpStatusCode expected)
    {
        using var req = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (body is not null)
        {
            req.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var resp = await client.SendAsync(req);
        var text = await resp.Content.ReadAsStringAsync();
        Equal(expected, resp.StatusCode, $"{method} {path} ({Short(text)})");
        Equal("application/problem+json", resp.Content.Headers.ContentType?.MediaType, $"{method} {path} content type");
        return text;
    }

    private static readonly string[] Injections =
    [
        "' OR '1'='1", "1; DROP TABLE orders; --", "\" OR 1=1 --", "<script>alert(1)</script>", "../../etc/passwd", "%00", "${jndi:ldap://x}",
    ];

    private static IReadOnlyList<UatCase> Security(UatContext c) =>
    [
        new("SQL injection and XSS in query parameters and ids: 400/404, never 500", async () =>
        {
            foreach (var p in Injections)
            {
                var e = Uri.EscapeDataString(p);
                foreach (var path in new[] { $"/api/events?machine={e}", $"/api/orders/{e}", $"/api/andon/{e}", $"/api/oee?machine={e}&{Window(c)}", $"/api/reports/{e}", $"/api/plant?plant={e}", $"/api/users/{e}" })
                {
                    using var resp = await c.Admin.GetAsync(new Uri(path, UriKind.Relative));
                    Check(resp.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound, $"GET {path}: {(int)resp.StatusCode} {Short(await resp.Content.ReadAsStringAsync())}");
                }
            }

            Check((await c.GetAsync("/api/machines")).GetProperty("count").GetInt32() > 0, "machines gone after the probes");
        }),
        new("injection payloads in bodies are refused or stored verbatim, never 500", async () =>
        {
            foreach (var p in Injections)
            {
                var body = new JsonObject { ["orderId"] = p, ["product"] = p, ["targetQuantity"] = 1, ["machineIds"] = new JsonArray(p), ["plannedStart"] = Ts(c.T0), ["plannedEnd"] = Ts(c.T0.AddMinutes(1)) };
                using var resp = await c.Admin.PostAsync(new Uri("/api/orders", UriKind.Relative), Json(body));
                Check(resp.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound, $"POST /api/orders with '{p}': {(int)resp.StatusCode}");
                using var andon = await c.Admin.PostAsync(new Uri("/api/andon", UriKind.Relative), Json(new JsonObject { ["machineId"] = p, ["summary"] = p }));
                Check(andon.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound, $"POST /api/andon with '{p}': {(int)andon.StatusCode}");
            }
        }),
        new("stored markup comes back verbatim in JSON, served as application/json with nosniff", async () =>
        {
            using var resp = await c.Admin.GetAsync(new Uri("/api/machines", UriKind.Relative));
            var raw = await resp.Content.ReadAsStringAsync();
            var m4 = JsonDocument.Parse(raw).RootElement.GetProperty("machines").EnumerateArray().Single(m => m.GetProperty("machineId").GetString() == c.M(4));
            Equal(XssName, m4.GetProperty("name").GetString(), "machine name round trip");
            Equal("application/json", resp.Content.Headers.ContentType?.MediaType, "content type");
            Check(resp.Headers.TryGetValues("X-Content-Type-Options", out var nosniff) && nosniff.Contains("nosniff"), "no X-Content-Type-Options: nosniff");
        }),
        new("the board page cannot run the stored markup: no inline data, a script-src CSP", async () =>
        {
            using var board = await c.Admin.GetAsync(new Uri($"/andon?line={c.Line2}", UriKind.Relative));
            Equal(HttpStatusCode.OK, board.StatusCode, "GET /andon");
            var html = await board.Content.ReadAsStringAsync();
            Check(!html.Contains("onerror=alert", StringComparison.Ordinal) && !html.Contains("alert(1)", StringComparison.Ordinal), "the board page carries the payload");
            var csp = board.Headers.TryGetValues("Content-Security-Policy", out var v) ? string.Join(";", v) : "";
            Check(csp.Contains("script-src", StringComparison.Ordinal) || csp.Contains("default-src 'self'", StringComparison.Ordinal), $"CSP does not restrict scripts: '{csp}'");
            Check(!csp.Contains("'unsafe-inline'", StringComparison.Ordinal) || !csp.Split(';').Any(d => d.Trim().StartsWith("script-src", StringComparison.Ordinal) && d.Contains("'unsafe-inline'", StringComparison.Ordinal)), $"CSP allows inline scripts: '{csp}'");
            var api = await c.GetAsync($"/api/board?line={c.Line2}");
            Check(api.ToString().Contains(XssName, StringComparison.Ordinal), "the board API does not carry the stored name verbatim");
        }),
        new("401 anonymous and 403 viewer on admin endpoints", async () =>
        {
            await SendAsync(c.Anonymous, HttpMethod.Delete, $"/api/plants/{c.PlantId}", null, HttpStatusCode.Unauthorized);
            await SendAsync(c.Client(await c.ViewerTokenAsync()), HttpMethod.Delete, $"/api/plants/{c.PlantId}", null, HttpStatusCode.Forbidden);
            await SendAsync(c.Client("ms5k_not-a-real-key"), HttpMethod.Get, "/api/machines", null, HttpStatusCode.Unauthorized);
        }),
        new("login abuse for a UAT user is 429 with Retry-After", async () =>
        {
            var (name, _) = await c.CreateUserAsync("viewer", "abuse");
            for (var i = 0; i < 30; i++)
            {
                using var resp = await c.Anonymous.PostAsync(new Uri("/api/auth/login", UriKind.Relative), Json(new JsonObject { ["userName"] = name, ["password"] = "guess " + i }));
                if (resp.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    Check(resp.Headers.RetryAfter is not null, "429 without Retry-After");
                    Equal("application/problem+json", resp.Content.Headers.ContentType?.MediaType, "429 content type");
                    return;
                }

                Equal(HttpStatusCode.Unauthorized, resp.StatusCode, $"wrong password #{i + 1}");
            }

            throw new UatFailure("30 wrong logins in a row and never a 429");
        }),
    ];
}
