using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ms5.Analytics.Events;
using Ms5.Analytics.Plant;
using Ms5.Integration.Tests.Api;
using Ms5.Integration.Tests.Support;
using Ms5.Kafka;
using Ms5.Postgres;

namespace Ms5.Integration.Tests.Andon;

/// <summary>
/// Andons end to end: events through Kafka into the engine process, Andons in PostgreSQL, alerts in a real
/// Alertmanager (the Debian binary, owned by this test so it can be stopped), notifications at a webhook
/// receiver run by the test, acknowledgement and resolution through the API.
/// </summary>
[Collection(StackCollections.Andon)]
public sealed class AndonAlertmanagerTests(StackFixture stack) : IAsyncLifetime
{
    private const string PlantJson = """
        { "plantId": "andon-t", "timeZone": "UTC",
          "reasonCodes": [ { "code": "jam", "category": "unplanned" } ],
          "andon": { "escalationMinutes": [0.1, 0.1], "rules": [
            { "id": "down-fast", "kind": "stop", "states": ["down"], "seconds": 2, "severity": "critical" },
            { "id": "manual", "kind": "manual", "severity": "warning" } ] },
          "lines": [ { "id": "andon-line", "machines": [
            { "id": "an-1", "idealCycleSeconds": 1.0 }, { "id": "an-2", "idealCycleSeconds": 1.0 }, { "id": "an-3", "idealCycleSeconds": 1.0 }, { "id": "an-4", "idealCycleSeconds": 1.0 }, { "id": "an-hist", "idealCycleSeconds": 1.0 } ] } ] }
        """;

    private readonly int _hookPort = TestPorts.Next();
    private readonly ConcurrentQueue<JsonElement> _notifications = new();
    private HttpListener? _hook;
    private TestAlertmanager? _am;

    public async Task InitializeAsync()
    {
        _hook = new HttpListener();
        _hook.Prefixes.Add($"http://127.0.0.1:{_hookPort}/");
        _hook.Start();
        _ = Task.Run(async () =>
        {
            while (_hook.IsListening)
            {
                try
                {
                    var ctx = await _hook.GetContextAsync();
                    using (var doc = await JsonDocument.ParseAsync(ctx.Request.InputStream))
                    {
                        _notifications.Enqueue(doc.RootElement.Clone());
                    }

                    ctx.Response.StatusCode = 200;
                    ctx.Response.Close();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }
            }
        });
        _am = await TestAlertmanager.StartAsync($"""
            route:
              receiver: hook
              group_by: [alertname, machine, level]
              group_wait: 0s
              group_interval: 1s
              repeat_interval: 1h
            receivers:
              - name: hook
                webhook_configs:
                  - url: http://127.0.0.1:{_hookPort}/hook
                    send_resolved: true
            """);
    }

    public Task DisposeAsync()
    {
        _am?.Dispose();
        _hook?.Close();
        return Task.CompletedTask;
    }

    /// <summary>Alerts of webhook notifications so far for a machine: (notification status, alert status, labels).</summary>
    private List<(string Status, Dictionary<string, string> Labels)> AlertsFor(string machine) =>
        _notifications.SelectMany(n => n.GetProperty("alerts").EnumerateArray())
            .Select(a => (a.GetProperty("status").GetString()!, a.GetProperty("labels").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!)))
            .Where(a => a.Item2.GetValueOrDefault("machine") == machine).ToList();

    private static (string?, string) Message(MachineEvent e) => (e.MachineId, EventJson.ToJson(e));

    [Fact]
    public async Task DownLongerThanThreshold_NotifiesOnce_Escalates_Acknowledged_ResolvesItself_AndSurvivesAnAlertmanagerOutage()
    {
        var plant = PlantConfigParser.Parse(PlantJson);
        await new PlantStore(stack.Db).SaveAsync(plant, PlantJson);
        var topic = $"test.{stack.RunId}.andon";
        await TopicAdmin.EnsureAsync(stack.Kafka, new Dictionary<string, int> { [topic] = 2 });
        var env = stack.StreamEnv("andon", topic, sinks: "oee");
        env["MS5_ALERTMANAGER_URL"] = _am!.Url.ToString();
        var engine = ChildProcess.Start(Repo.EngineDll, env);
        try
        {
            await StackFixture.WaitForAssignmentAsync(engine, 1);
            await using var api = new ApiFactory(stack);
            var client = api.CreateClient();
            // alice is an operator: her acknowledgement names her, whatever a body says.
            var (aliceUser, alicePassword) = await TestAccess.CreateUserAsync(client, "operator", "alice");
            var aliceLogin = await client.PostAsJsonAsync(new Uri("/api/auth/login", UriKind.Relative), new { userName = aliceUser, password = alicePassword });
            using var alice = api.CreateClient((await aliceLogin.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!);
            var aliceName = JsonDocument.Parse(await alice.GetStringAsync(new Uri("/api/auth/me", UriKind.Relative))).RootElement.GetProperty("name").GetString();
            var now = DateTimeOffset.UtcNow;
            now = now.AddTicks(-(now.UtcTicks % TimeSpan.TicksPerMillisecond)); // the contract's ts has milliseconds
            await stack.ProduceAsync(topic, [Message(MachineEvent.StateChange(Guid.NewGuid(), "an-1", now.AddMinutes(-1), MachineState.Running)),
                Message(MachineEvent.StateChange(Guid.NewGuid(), "an-1", now, MachineState.Down, "jam"))]);

            // Raised 2 s after the stop began: one firing notification at level 1.
            await Eventually.TrueAsync(() => AlertsFor("an-1").Any(a => a.Status == "firing"), TimeSpan.FromSeconds(20), () => "a firing notification for an-1; engine: " + engine.Output);
            var list = await client.GetFromJsonAsync<JsonElement>(new Uri("/api/andon?active=true&machine=an-1", UriKind.Relative));
            var andon = Assert.Single(list.GetProperty("andons").EnumerateArray());
            var id = andon.GetProperty("id").GetString()!;
            Assert.Equal(("down-fast", "critical", "andon-line"), (andon.GetProperty("rule").GetString(), andon.GetProperty("severity").GetString(), andon.GetProperty("lineId").GetString()));
            Assert.Equal(now.AddSeconds(2), andon.GetProperty("raisedAt").GetDateTimeOffset());
            Assert.Equal("down: jam", andon.GetProperty("summary").GetString());
            var first = AlertsFor("an-1").First(a => a.Status == "firing").Labels;
            Assert.Equal(("MS5Andon", "andon-t", "andon-line", "1", "machine"), (first["alertname"], first["plant"], first["line"], first["level"], first["scope"]));

            // Nobody acknowledges: 6 s later, level 2.
            await Eventually.TrueAsync(() => AlertsFor("an-1").Any(a => a.Status == "firing" && a.Labels["level"] == "2"), TimeSpan.FromSeconds(20), () => "the level-2 escalation");
            var ack = await alice.PostAsJsonAsync(new Uri($"/api/andon/{id}/ack", UriKind.Relative), new { by = "mallory", note = "on my way" });
            Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
            var acked = await ack.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(("acknowledged", aliceName, 2), (acked.GetProperty("status").GetString(), acked.GetProperty("acknowledgedBy").GetString(), acked.GetProperty("level").GetInt32()));
            Assert.Equal(HttpStatusCode.Conflict, (await client.PostAsJsonAsync(new Uri($"/api/andon/{id}/ack", UriKind.Relative), new { by = "bob" })).StatusCode);

            // The machine runs again: the Andon resolves itself; Alertmanager sends the resolved notification.
            await stack.ProduceAsync(topic, [Message(MachineEvent.StateChange(Guid.NewGuid(), "an-1", DateTimeOffset.UtcNow, MachineState.Running))]);
            await Eventually.TrueAsync(() => AlertsFor("an-1").Any(a => a.Status == "resolved" && a.Labels["level"] == "2"), TimeSpan.FromSeconds(20), () => "the resolved notification");
            var resolved = await client.GetFromJsonAsync<JsonElement>(new Uri($"/api/andon/{id}", UriKind.Relative));
            Assert.Equal(("resolved", "cleared", "system"), (resolved.GetProperty("status").GetString(), resolved.GetProperty("resolution").GetString(), resolved.GetProperty("resolvedBy").GetString()));
            Assert.Equal(["raised", "escalated", "acknowledged", "resolved"], resolved.GetProperty("transitions").EnumerateArray().Select(t => t.GetProperty("transition").GetString()));
            Assert.DoesNotContain(AlertsFor("an-1"), a => a.Labels["level"] == "3");
            Assert.Single(AlertsFor("an-1"), a => a.Status == "firing" && a.Labels["level"] == "1");

            // Invalid transitions and requests are refused, saying why.
            Assert.Equal(HttpStatusCode.Conflict, (await client.PostAsJsonAsync(new Uri($"/api/andon/{id}/resolve", UriKind.Relative), new { by = "alice" })).StatusCode);
            Assert.Equal(HttpStatusCode.Conflict, (await client.PostAsJsonAsync(new Uri($"/api/andon/{id}/ack", UriKind.Relative), new { by = "alice" })).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsJsonAsync(new Uri($"/api/andon/{Guid.NewGuid()}/ack", UriKind.Relative), new { by = "alice" })).StatusCode);
            Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync(new Uri("/api/andon/not-an-id/resolve", UriKind.Relative), new { by = "alice" })).StatusCode);
            Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync(new Uri($"/api/andon/{id}/resolve", UriKind.Relative), new { note = new string('x', 600) })).StatusCode);

            // Restarting the engine re-evaluates the same events: still one Andon, each transition once.
            engine.Stop();
            engine.Dispose();
            engine = ChildProcess.Start(Repo.EngineDll, env);
            await StackFixture.WaitForAssignmentAsync(engine, 1);

            // Alertmanager is down while a second machine stops: the Andon is stored, the notification waits.
            _am!.Kill();
            var down2 = DateTimeOffset.UtcNow;
            await stack.ProduceAsync(topic, [Message(MachineEvent.StateChange(Guid.NewGuid(), "an-2", down2, MachineState.Down, "jam"))]);
            await Eventually.TrueAsync(async () => (await client.GetFromJsonAsync<JsonElement>(new Uri("/api/andon?active=true&machine=an-2", UriKind.Relative))).GetProperty("count").GetInt32() == 1,
                TimeSpan.FromSeconds(20), () => "the an-2 Andon in the store");
            await Task.Delay(TimeSpan.FromSeconds(2));
            Assert.Empty(AlertsFor("an-2"));
            await _am.StartAsync();
            await Eventually.TrueAsync(() => AlertsFor("an-2").Any(a => a.Status == "firing"), TimeSpan.FromSeconds(30), () => "the an-2 notification after the outage");

            await using (var count = stack.Db.CreateCommand("SELECT count(*) FROM andons WHERE machine_id = 'an-1'"))
            {
                Assert.Equal(1L, await count.ExecuteScalarAsync());
            }

            // An operator pulls the cord: a manual Andon, notified like the others.
            var pull = await alice.PostAsJsonAsync(new Uri("/api/andon", UriKind.Relative), new { machineId = "an-3", by = "bob", summary = "coolant leak" });
            Assert.Equal(HttpStatusCode.Created, pull.StatusCode);
            var pulled = await pull.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(("manual", aliceName, "coolant leak"), (pulled.GetProperty("rule").GetString(), pulled.GetProperty("raisedBy").GetString(), pulled.GetProperty("summary").GetString()));
            await Eventually.TrueAsync(() => AlertsFor("an-3").Any(a => a.Status == "firing" && a.Labels["rule"] == "manual"), TimeSpan.FromSeconds(20), () => "the manual Andon's notification");

            // Raised on time, then an event arrives showing the stop had ended before the threshold: resolved at that moment.
            var t4 = DateTimeOffset.UtcNow;
            t4 = t4.AddTicks(-(t4.UtcTicks % TimeSpan.TicksPerMillisecond));
            await stack.ProduceAsync(topic, [Message(MachineEvent.StateChange(Guid.NewGuid(), "an-4", t4, MachineState.Down, "jam"))]);
            await Eventually.TrueAsync(async () => (await client.GetFromJsonAsync<JsonElement>(new Uri("/api/andon?active=true&machine=an-4", UriKind.Relative))).GetProperty("count").GetInt32() == 1,
                TimeSpan.FromSeconds(20), () => "the an-4 Andon");
            await stack.ProduceAsync(topic, [Message(MachineEvent.StateChange(Guid.NewGuid(), "an-4", t4.AddSeconds(1), MachineState.Running))]);
            JsonElement an4 = default;
            await Eventually.TrueAsync(async () => (an4 = Assert.Single((await client.GetFromJsonAsync<JsonElement>(new Uri("/api/andon?machine=an-4", UriKind.Relative))).GetProperty("andons").EnumerateArray())).GetProperty("status").GetString() == "resolved",
                TimeSpan.FromSeconds(20), () => "the an-4 Andon resolved by the late event");
            Assert.Equal((t4.AddSeconds(1), "cleared"), (an4.GetProperty("resolvedAt").GetDateTimeOffset(), an4.GetProperty("resolution").GetString()));
        }
        finally
        {
            engine.Dispose();
        }
    }

    /// <summary>The shipped configuration: amtool accepts it, and a real Alertmanager running it inhibits a line's machine alerts while the line has a line-level Andon.</summary>
    [Fact]
    public async Task ShippedConfig_PassesAmtool_AndInhibitsMachineAlertsOfALineWithALineAndon()
    {
        var dir = Path.Combine(Repo.Root, "infra", "alertmanager");
        var check = await ChildProcess.RunProgramAsync("/usr/bin/amtool", new Dictionary<string, string>(), TimeSpan.FromSeconds(30), "check-config", Path.Combine(dir, "alertmanager.yml"));
        Assert.True(check.ExitCode == 0, check.Output);
        Assert.Contains("SUCCESS", check.Output, StringComparison.Ordinal);

        var templates = System.IO.Directory.GetFiles(Path.Combine(dir, "templates")).ToDictionary(f => Path.Combine("templates", Path.GetFileName(f)), File.ReadAllText);
        using var am = await TestAlertmanager.StartAsync(await File.ReadAllTextAsync(Path.Combine(dir, "alertmanager.yml")), templates);
        using var http = new HttpClient { BaseAddress = am.Url };
        var client = new Ms5.Alertmanager.AlertmanagerClient(http);
        Ms5.Alertmanager.Alert Alert(string scope, string machine, string severity) => new(
            new Dictionary<string, string> { ["alertname"] = "MS5Andon", ["plant"] = "p", ["line"] = "l-9", ["machine"] = machine, ["rule"] = "manual", ["severity"] = severity, ["level"] = "1", ["scope"] = scope },
            new Dictionary<string, string> { ["summary"] = "test" }, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddMinutes(5), "http://127.0.0.1:8080/api/andon");
        await client.PostAsync([Alert("machine", "m-1", "critical"), Alert("machine", "m-2", "warning")]);
        var before = await client.GetAsync(["line=\"l-9\""]);
        Assert.All(before, a => Assert.Equal("active", a.State));

        await client.PostAsync([Alert("line", "", "warning")]);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        List<Ms5.Alertmanager.AlertState> after;
        do
        {
            await Task.Delay(200);
            after = await client.GetAsync(["line=\"l-9\""]);
        }
        while (after.Count(a => a.State == "suppressed") < 2 && DateTime.UtcNow < deadline);
        Assert.Equal(["suppressed", "suppressed"], after.Where(a => a.Labels["scope"] == "machine").Select(a => a.State));
        Assert.Equal("active", after.Single(a => a.Labels["scope"] == "line").State);
    }

    [Fact]
    public async Task AlertmanagerWebhook_AcceptsNotifications_AndNamesBadOnes()
    {
        await using var api = new ApiFactory(stack);
        var client = api.CreateClient();
        var ok = await client.PostAsync(new Uri("/api/alertmanager/webhook", UriKind.Relative), new StringContent(
            """{"version":"4","status":"firing","groupKey":"{}:{line=\"l1\"}","alerts":[{"status":"firing","labels":{"alertname":"MS5Andon"}},{"status":"firing","labels":{}}]}""",
            System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(2, (await ok.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("received").GetInt32());

        var broken = await client.PostAsync(new Uri("/api/alertmanager/webhook", UriKind.Relative), new StringContent("{\"status\":", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        Assert.Contains("not valid JSON", await broken.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var shape = await client.PostAsync(new Uri("/api/alertmanager/webhook", UriKind.Relative), new StringContent("{\"status\":\"firing\"}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, shape.StatusCode);
        Assert.Contains("an object with 'status' and 'alerts'", await shape.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>
    /// A backlog drained in several batches (an hour of old events on one partition, 1,500 a batch, produced before the
    /// engine starts): a stop raised in one batch and ended by a later one pages nobody, because the notifier waits while
    /// the engine catches up (<see cref="Ms5.Analytics.Andon.CatchUpHold"/>); a stop still open at the end is paged once
    /// the backlog is drained. Machines of their own plant: other tests' open Andons are re-posted to any Alertmanager.
    /// </summary>
    [Fact]
    public async Task Backlog_AStopItAlsoEnds_PagesNobody_AStopStillOpen_IsPagedAfterIt()
    {
        const string BacklogPlant = """
            { "plantId": "andon-b", "timeZone": "UTC", "reasonCodes": [ { "code": "jam", "category": "unplanned" } ],
              "andon": { "escalationMinutes": [60, 60], "rules": [ { "id": "down-fast", "kind": "stop", "states": ["down"], "seconds": 2, "severity": "critical" } ] },
              "lines": [ { "id": "andon-b-line", "machines": [
                { "id": "ab-run", "idealCycleSeconds": 1.0 }, { "id": "ab-old", "idealCycleSeconds": 1.0 }, { "id": "ab-open", "idealCycleSeconds": 1.0 } ] } ] }
            """;
        await new PlantStore(stack.Db).SaveAsync(PlantConfigParser.Parse(BacklogPlant), BacklogPlant);
        var topic = $"test.{stack.RunId}.andon-backlog";
        await TopicAdmin.EnsureAsync(stack.Kafka, new Dictionary<string, int> { [topic] = 1 });
        var now = DateTimeOffset.UtcNow;
        var t = new DateTimeOffset(now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero).AddMinutes(-60);
        var history = new List<MachineEvent>
        {
            MachineEvent.StateChange(Guid.NewGuid(), "ab-run", t, MachineState.Running),
            MachineEvent.StateChange(Guid.NewGuid(), "ab-old", t, MachineState.Running),
            MachineEvent.StateChange(Guid.NewGuid(), "ab-open", t, MachineState.Running),
        };

        // ab-run counts a part a second for ~50 minutes; ab-old stops at 10 minutes (the first batch) and runs again at 40 (the
        // second); ab-open stops at 49 minutes and is still down. 3,000 events in all: two full batches, none left to wait
        // for the batch delay.
        for (var s = 1; s <= 2994; s++)
        {
            history.Add(MachineEvent.Counts(Guid.NewGuid(), "ab-run", t.AddSeconds(s), 1, 0));
            if (s == 600)
            {
                history.Add(MachineEvent.StateChange(Guid.NewGuid(), "ab-old", t.AddSeconds(s), MachineState.Down, "jam"));
            }
            else if (s == 2400)
            {
                history.Add(MachineEvent.StateChange(Guid.NewGuid(), "ab-old", t.AddSeconds(s), MachineState.Running));
            }
            else if (s == 2940)
            {
                history.Add(MachineEvent.StateChange(Guid.NewGuid(), "ab-open", t.AddSeconds(s), MachineState.Down, "jam"));
            }
        }

        await stack.ProduceAsync(topic, history.Select(Message).ToList());
        var env = stack.StreamEnv("andon-backlog", topic, sinks: "oee");
        env["MS5_ALERTMANAGER_URL"] = _am!.Url.ToString();
        env["Stream__MaxBatchSize"] = "1500";
        // The backlog is there before the engine starts, so batches fill to 1,500 at once; a long delay keeps a paused
        // consumer thread (a loaded machine) from cutting the first batch short of a backlog's 1,000 old events.
        env["Stream__MaxBatchDelay"] = "00:00:05";
        using var engine = ChildProcess.Start(Repo.EngineDll, env);
        await stack.WaitForDrainAsync($"test.{stack.RunId}.andon-backlog.oee", topic);

        await Eventually.TrueAsync(() => AlertsFor("ab-open").Any(a => a.Status == "firing" && a.Labels["rule"] == "down-fast"), TimeSpan.FromSeconds(30),
            () => "the notification of the stop still open after the backlog; engine: " + engine.Output);
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Empty(AlertsFor("ab-old"));
        await using var api = new ApiFactory(stack);
        var andons = (await api.CreateClient().GetFromJsonAsync<JsonElement>(new Uri("/api/andon?machine=ab-old", UriKind.Relative))).GetProperty("andons").EnumerateArray().ToList();
        Assert.Equal((t.AddSeconds(602), t.AddSeconds(2400)), (Assert.Single(andons).GetProperty("raisedAt").GetDateTimeOffset(), andons[0].GetProperty("resolvedAt").GetDateTimeOffset()));

        // The notifier did wait (without the hold, ab-old's Andon was posted as firing after the batch that raised it).
        using var http = new HttpClient();
        var metrics = await http.GetStringAsync(new Uri($"http://127.0.0.1:{env["Stream__MetricsPort"]}/metrics"));
        var deferred = metrics.Split('\n').Single(l => l.StartsWith("ms5_andon_alert_syncs_deferred_total ", StringComparison.Ordinal));
        Assert.True(double.Parse(deferred[(deferred.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture) >= 1, deferred);
    }

    /// <summary>History replayed (a day old, shuffled, twice) gives Andons with event-time raise, escalation and resolution, once each, and pages nobody.</summary>
    [Fact]
    public async Task ReplayedHistory_GivesTheSameAndonsInEventTime_OnceEach_WithoutNotifications()
    {
        var plant = PlantConfigParser.Parse(PlantJson);
        await new PlantStore(stack.Db).SaveAsync(plant, PlantJson);
        var topic = $"test.{stack.RunId}.andon-hist";
        await TopicAdmin.EnsureAsync(stack.Kafka, new Dictionary<string, int> { [topic] = 2 });
        var env = stack.StreamEnv("andon-hist", topic, sinks: "oee");
        env["MS5_ALERTMANAGER_URL"] = _am!.Url.ToString();
        var t = new DateTimeOffset(DateTimeOffset.UtcNow.UtcDateTime.Date.AddDays(-1).AddHours(8), TimeSpan.Zero);
        List<MachineEvent> history =
        [
            MachineEvent.StateChange(Guid.NewGuid(), "an-hist", t, MachineState.Running),
            MachineEvent.StateChange(Guid.NewGuid(), "an-hist", t.AddMinutes(10), MachineState.Down, "jam"),        // threshold 2 s: raised at +2 s
            MachineEvent.StateChange(Guid.NewGuid(), "an-hist", t.AddMinutes(10).AddSeconds(1), MachineState.Down, "electrical"),
            MachineEvent.StateChange(Guid.NewGuid(), "an-hist", t.AddMinutes(20), MachineState.Running),            // 10 minutes: escalated to 2 (6 s) and 3 (12 s)
            MachineEvent.StateChange(Guid.NewGuid(), "an-hist", t.AddMinutes(30), MachineState.Down, "jam"),
            MachineEvent.StateChange(Guid.NewGuid(), "an-hist", t.AddMinutes(30).AddSeconds(1), MachineState.Running), // 1 s: no Andon
            MachineEvent.StateChange(Guid.NewGuid(), "an-hist", t.AddMinutes(40), MachineState.Down, "jam"),
            MachineEvent.StateChange(Guid.NewGuid(), "an-hist", t.AddMinutes(40).AddSeconds(4), MachineState.Running),  // 4 s: raised, resolved before level 2
        ];
        var rng = new Random(3);
        using var engine = ChildProcess.Start(Repo.EngineDll, env);
        await StackFixture.WaitForAssignmentAsync(engine, 1);
        for (var pass = 0; pass < 2; pass++)
        {
            await stack.ProduceAsync(topic, history.OrderBy(_ => rng.Next()).Select(Message).ToList());
            await stack.WaitForDrainAsync($"test.{stack.RunId}.andon-hist.oee", topic);
        }

        await using var api = new ApiFactory(stack);
        var client = api.CreateClient();
        var list = (await client.GetFromJsonAsync<JsonElement>(new Uri("/api/andon?machine=an-hist", UriKind.Relative))).GetProperty("andons").EnumerateArray().OrderBy(a => a.GetProperty("raisedAt").GetDateTimeOffset()).ToList();
        Assert.Equal(
            [(t.AddMinutes(10).AddSeconds(2), t.AddMinutes(20), 3, "cleared"), (t.AddMinutes(40).AddSeconds(2), t.AddMinutes(40).AddSeconds(4), 1, "cleared")],
            list.Select(a => (a.GetProperty("raisedAt").GetDateTimeOffset(), a.GetProperty("resolvedAt").GetDateTimeOffset(), a.GetProperty("level").GetInt32(), a.GetProperty("resolution").GetString())));
        var first = await client.GetFromJsonAsync<JsonElement>(new Uri($"/api/andon/{list[0].GetProperty("id").GetString()}", UriKind.Relative));
        Assert.Equal(
            [("raised", 1, t.AddMinutes(10).AddSeconds(2)), ("escalated", 2, t.AddMinutes(10).AddSeconds(8)), ("escalated", 3, t.AddMinutes(10).AddSeconds(14)), ("resolved", 3, t.AddMinutes(20))],
            first.GetProperty("transitions").EnumerateArray().Select(x => (x.GetProperty("transition").GetString(), x.GetProperty("level").GetInt32(), x.GetProperty("at").GetDateTimeOffset())));
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Empty(AlertsFor("an-hist"));
    }

    [Fact]
    public async Task Pull_BadRequests_AreNamed()
    {
        var plant = PlantConfigParser.Parse(PlantJson);
        await new PlantStore(stack.Db).SaveAsync(plant, PlantJson);
        await using var api = new ApiFactory(stack);
        var client = api.CreateClient();

        async Task<(HttpStatusCode, string)> Pull(object body)
        {
            var r = await client.PostAsJsonAsync(new Uri("/api/andon", UriKind.Relative), body);
            return (r.StatusCode, await r.Content.ReadAsStringAsync());
        }

        var (status, text) = await Pull(new { machineId = "nope", by = "bob" });
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("machine 'nope' is not in the plant configuration", text, StringComparison.Ordinal);
        (status, text) = await Pull(new { machineId = "an-3", summary = 7 });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("\"summary\":[\"must be a non-empty string\"]", text, StringComparison.Ordinal);
        (status, text) = await Pull(new { machineId = "an-3", by = "bob", rule = "down-fast" });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("'down-fast' is not a manual Andon rule of this plant; manual rules: manual", text, StringComparison.Ordinal);
        (status, _) = await Pull(new { machineId = 5, by = "bob" });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        var raw = await client.PostAsync(new Uri("/api/andon", UriKind.Relative), new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, raw.StatusCode);
        var plain = await client.PostAsync(new Uri("/api/andon", UriKind.Relative), new StringContent("x", System.Text.Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, plain.StatusCode);
        (status, text) = await Pull(new { machineId = "an-3", lineId = "andon-line", by = "bob" });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("give exactly one of machineId", text, StringComparison.Ordinal);
        (status, text) = await Pull(new { lineId = "no-line", by = "bob" });
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("line 'no-line' is not in the plant configuration", text, StringComparison.Ordinal);
        (status, text) = await Pull(new { lineId = "andon-line", by = "bob", summary = "line stopped: no parts from upstream" });
        Assert.Equal(HttpStatusCode.Created, status);
        using (var line = JsonDocument.Parse(text))
        {
            Assert.Equal(("andon-line", ""), (line.RootElement.GetProperty("lineId").GetString(), line.RootElement.GetProperty("machineId").GetString()));
            // The actor is the caller's identity (here the run's admin key), not the body's "by".
            Assert.Equal("key:bootstrap-admin", line.RootElement.GetProperty("raisedBy").GetString());
            var id = line.RootElement.GetProperty("id").GetString();
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync(new Uri($"/api/andon/{id}/resolve", UriKind.Relative), new { by = "bob" })).StatusCode);
        }

        var list = await client.GetAsync(new Uri("/api/andon?active=maybe&colour=red", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, list.StatusCode);
        var listText = await list.Content.ReadAsStringAsync();
        Assert.Contains("must be true or false, got 'maybe'", listText, StringComparison.Ordinal);
        Assert.Contains("unknown parameter(s): colour", listText, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(new Uri($"/api/andon/{Guid.NewGuid()}", UriKind.Relative))).StatusCode);
    }
}
