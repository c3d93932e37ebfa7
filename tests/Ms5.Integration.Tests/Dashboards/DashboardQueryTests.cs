using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Ms5.Analytics.Plant;
using Ms5.Integration.Tests.Support;
using Ms5.Kafka;
using Ms5.Postgres;
using Npgsql;
using Xunit.Abstractions;

namespace Ms5.Integration.Tests.Dashboards;

/// <summary>
/// Every Grafana dashboard (infra/grafana/dashboards/*.json) against the running stack: test data goes through the
/// real pipeline (historian and OEE engine processes, the API) into this run's PostgreSQL and InfluxDB databases and
/// a Prometheus of the test's own scraping those processes and exporters with the repository's rules; then every
/// variable, annotation and panel query is expanded as Grafana would and executed. A query fails the test on any
/// error, and on an empty result unless the panel is allowed to be empty below (with the reason).
/// </summary>
[Collection(StackCollections.Andon)]
public sealed class DashboardQueryTests(StackFixture stack, ITestOutputHelper output)
{
    /// <summary>Panels that may be empty with this test's data, and why.</summary>
    private static readonly Dictionary<(string, string), string> EmptyAllowed = new()
    {
        [("ms5-shift", "Shift reports")] = "the test runs no reports host, so no shift report is generated",
    };

    /// <summary>Prometheus metrics this test cannot make appear (no such process or no such failure), and why.</summary>
    private static readonly List<(Regex, string)> PromEmptyAllowed =
    [
        (new Regex("_(failures|errors)_total$"), "no write failure or Kafka error happens in the test"),
        (new Regex("^ms5_(reports?|downtime_training)_"), "the test runs no reports host"),
        (new Regex("^ms5_(auth_lockouts_total|http_denied_total)$"), "nobody is locked out or refused in the test"),
        (new Regex("^ms5_anomaly_"), "no anomaly model is trained in the test"),
        (new Regex("^ALERTS$"), "no Prometheus alert fires in the test"),
    ];

    [Fact]
    public async Task EveryDashboardQuery_RunsAgainstTheStack_AndReturnsTheTestData()
    {
        var dashboards = Directory.Exists(Path.Combine(Repo.Root, "infra", "grafana", "dashboards"))
            ? Directory.GetFiles(Path.Combine(Repo.Root, "infra", "grafana", "dashboards"), "*.json").Order(StringComparer.Ordinal).ToList()
            : [];
        Assert.True(dashboards.Count > 0, "no dashboards in infra/grafana/dashboards");

        await using var env = await DashboardEnvironment.StartAsync(stack);
        var runner = new DashboardRunner(env.Backends(EmptyAllowed, PromEmptyAllowed));

        // The harness itself first, on a small dashboard of the test's own: a failure there is the test's.
        var sample = new DashboardRunner(env.Backends(EmptyAllowed, PromEmptyAllowed));
        await sample.RunAsync(Path.Combine(Repo.Root, "tests", "Ms5.Integration.Tests", "Dashboards", "testdata", "sample-dashboard.json"));
        var sampleFailures = sample.Outcomes.Where(o => o.Error is not null || (o.Rows == 0 && o.Allowed is null)).ToList();
        Assert.True(sampleFailures.Count == 0, "the harness fails on its own sample dashboard:\n" + string.Join('\n', sampleFailures.Select(o => o.Describe())) + "\n" + await env.DiagnosticsAsync());

        foreach (var file in dashboards)
        {
            // "All" (as dashboards open by default), then one value per variable (what a user picks).
            await runner.RunAsync(file);
            await runner.RunAsync(file, singleValues: true);
        }

        foreach (var o in runner.Outcomes)
        {
            output.WriteLine(o.Describe());
        }

        var failures = runner.Outcomes.Where(o => o.Error is not null || (o.Rows == 0 && o.Allowed is null)).ToList();
        Assert.True(failures.Count == 0,
            $"{failures.Count} of {runner.Outcomes.Count} dashboard queries failed (fixed range {Some.Ts(env.From)}..{Some.Ts(env.To)}; Prometheus {Some.Ts(env.PromFrom)}..{Some.Ts(env.PromTo)}):\n"
            + string.Join('\n', failures.Select(o => o.Describe())) + "\n" + await env.DiagnosticsAsync());
    }
}

/// <summary>
/// The data and processes the dashboard queries run against: the "dash" plant's four hours of events through a
/// historian and an OEE engine of this test (own topic, groups and DLQ topic), a malformed message (a dead letter),
/// duplicates and a late event, an open stop Andon and a pulled one (through the API process), and the test's own
/// Prometheus scraping engine, historian, API, Alertmanager, node and postgres exporters with the repository's rules.
/// </summary>
internal sealed class DashboardEnvironment : IAsyncDisposable
{
    private readonly List<IDisposable> _owned = [];
    private StackFixture _stack = null!;
    private string _topic = "";
    private string _dlq = "";

    public DateTimeOffset From { get; private set; }

    public DateTimeOffset To { get; private set; }

    public DateTimeOffset PromFrom { get; private set; }

    public DateTimeOffset PromTo { get; private set; }

    public TestPrometheus Prometheus { get; private set; } = null!;

    internal ChildProcess Engine { get; private set; } = null!;

    internal ChildProcess Historian { get; private set; } = null!;

    internal ApiProcess Api { get; private set; } = null!;

    public static async Task<DashboardEnvironment> StartAsync(StackFixture stack)
    {
        var env = new DashboardEnvironment { _stack = stack };
        try
        {
            await env.StartAsync();
            return env;
        }
        catch
        {
            await env.DisposeAsync();
            throw;
        }
    }

    private T Own<T>(T d)
        where T : IDisposable
    {
        _owned.Add(d);
        return d;
    }

    private async Task StartAsync()
    {
        var stack = _stack;
        await new PlantStore(stack.Db).SaveAsync(PlantConfigParser.Parse(DashboardTestData.PlantJson), DashboardTestData.PlantJson);
        var topic = _topic = $"test.{stack.RunId}.dash";
        var dlq = _dlq = $"test.{stack.RunId}.dash-dlq";
        await TopicAdmin.EnsureAsync(stack.Kafka, new Dictionary<string, int> { [topic] = 3, [dlq] = 1 });

        var am = Own(await TestAlertmanager.StartAsync("""
            route: { receiver: none }
            receivers: [ { name: none } ]
            """));

        var historianEnv = stack.StreamEnv("dash", topic);
        historianEnv["Stream__DlqTopic"] = dlq;
        Historian = Own(ChildProcess.Start(Repo.HistorianDll, historianEnv));
        var engineEnv = stack.StreamEnv("dash", topic, "oee");
        engineEnv["Stream__DlqTopic"] = dlq;
        engineEnv["MS5_ALERTMANAGER_URL"] = am.Url.ToString();
        engineEnv["Stream__OeeTickInterval"] = "00:00:01";
        Engine = Own(ChildProcess.Start(Repo.EngineDll, engineEnv));
        Api = Own(await ApiProcess.StartAsync(stack, "dashapi"));
        // All three groups (pg, influx, dlq) assigned: the DLQ consumer starts at the end, so it must be assigned before the dead letter is published.
        await StackFixture.WaitForAssignmentAsync(Historian, 3);
        await StackFixture.WaitForAssignmentAsync(Engine, 1);

        var targets = new List<ScrapeTarget>
        {
            new("ms5", $"127.0.0.1:{engineEnv["Stream__MetricsPort"]}", new Dictionary<string, string> { ["service"] = "oee" }),
            new("ms5", $"127.0.0.1:{historianEnv["Stream__MetricsPort"]}", new Dictionary<string, string> { ["service"] = "stream" }),
            new("ms5", $"{Api.Url.Host}:{Api.Url.Port}", new Dictionary<string, string> { ["service"] = "api" }),
            new("alertmanager", $"127.0.0.1:{am.Port}"),
        };
        if (File.Exists("/usr/bin/prometheus-node-exporter"))
        {
            var port = TestPorts.Next();
            Own(ChildProcess.StartProgram("/usr/bin/prometheus-node-exporter", new Dictionary<string, string>(), $"--web.listen-address=127.0.0.1:{port}"));
            targets.Add(new ScrapeTarget("node", $"127.0.0.1:{port}"));
        }

        if (File.Exists("/usr/bin/prometheus-postgres-exporter"))
        {
            var port = TestPorts.Next();
            var pg = new NpgsqlConnectionStringBuilder(stack.Pg);
            var auth = Uri.EscapeDataString(pg.Username ?? "ms5") + (string.IsNullOrEmpty(pg.Password) ? "" : ":" + Uri.EscapeDataString(pg.Password));
            Own(ChildProcess.StartProgram("/usr/bin/prometheus-postgres-exporter",
                new Dictionary<string, string> { ["DATA_SOURCE_NAME"] = $"postgresql://{auth}@{pg.Host}:{pg.Port}/{pg.Database}?sslmode=disable" },
                $"--web.listen-address=127.0.0.1:{port}"));
            targets.Add(new ScrapeTarget("postgres", $"127.0.0.1:{port}"));
        }

        Prometheus = Own(await TestPrometheus.StartAsync(targets, TestPrometheus.RepositoryRuleFiles));
        PromFrom = Prometheus.Started;

        // History through the pipeline: the four hours (some duplicated), a malformed message; then a late event.
        var events = DashboardTestData.Events();
        await stack.ProduceAsync(topic, events.Concat(events.Take(20)));
        await stack.ProduceRawAsync(topic, "dash-p1"u8.ToArray(), "{ this is not an event"u8.ToArray());
        await WaitForDrainAsync(topic);
        await stack.ProduceAsync(topic, [DashboardTestData.LateEvent()]);
        await stack.ProduceAsync(topic, DashboardTestData.LiveEvents(DateTimeOffset.UtcNow));
        await WaitForDrainAsync(topic);
        var counts = events.Count(e => e.Item2.Contains("\"type\":\"count\"", StringComparison.Ordinal)) + 1 + DashboardTestData.LiveEvents(DateTimeOffset.UtcNow).Count(e => e.Item2.Contains("\"type\":\"count\"", StringComparison.Ordinal));
        await stack.WaitUntilAsync(async () =>
        {
            using var doc = System.Text.Json.JsonDocument.Parse(await stack.Influx.QueryAsync("SELECT count(\"good\") FROM \"machine_count\" WHERE \"machine\" =~ /^dash-/"));
            var result = doc.RootElement.GetProperty("results")[0];
            return result.TryGetProperty("series", out var series) ? series[0].GetProperty("values")[0][1].GetInt64() : 0;
        }, counts, "count points of the dash machines in InfluxDB\nhistorian:\n" + Historian.Output);

        From = DashboardTestData.From;
        var machines = DashboardTestData.Machines;
        await Eventually.TrueAsync(async () => await stack.ScalarAsync(
                "SELECT count(*) FROM oee_minute WHERE machine_id = ANY($1) AND minute >= $2 AND minute < $3", machines, From.UtcDateTime, DashboardTestData.To.UtcDateTime) >= 240 * machines.Length,
            TimeSpan.FromSeconds(60), () => "the engine's minute buckets of the four hours\n" + Engine.Output);
        await Eventually.TrueAsync(async () => await stack.ScalarAsync("SELECT count(*) FROM dead_letters WHERE source_topic = $1", topic) > 0,
            TimeSpan.FromSeconds(30), () => "the malformed message's dead letter\n" + Historian.Output);
        await Eventually.TrueAsync(async () => await stack.ScalarAsync("SELECT count(*) FROM andons WHERE machine_id = $1 AND resolved_at IS NULL", DashboardTestData.DownMachine) > 0,
            TimeSpan.FromSeconds(30), () => "the open stop Andon of " + DashboardTestData.DownMachine + "\n" + Engine.Output);

        // A pulled Andon through the API (open until someone resolves it), and some API traffic to scrape.
        using var client = Api.Client();
        var pulled = await client.PostAsJsonAsync(new Uri("/api/andon", UriKind.Relative), new { machineId = "dash-w1", summary = "coolant leak" });
        Assert.True(pulled.IsSuccessStatusCode, "pulling an Andon: " + await pulled.Content.ReadAsStringAsync());
        var oee = await client.GetAsync(new Uri($"/api/oee?line=dash-l1&from={Some.Ts(From)}&to={Some.Ts(DashboardTestData.To)}", UriKind.Relative));
        Assert.True(oee.IsSuccessStatusCode, "GET /api/oee: " + await oee.Content.ReadAsStringAsync());

        // Prometheus: every target scraped several times, rules evaluated (rates need two samples in $__rate_interval).
        await Eventually.TrueAsync(async () => (await Prometheus.VectorAsync("up")).Count(u => u.Value == 1) == targets.Count + 1,
            TimeSpan.FromSeconds(30), () => "every Prometheus target up:\n" + Prometheus.TargetsAsync().GetAwaiter().GetResult());
        // Live production goes on while Prometheus scrapes: a counter series' first sample is its baseline, so the
        // live KPIs (increases over 15 minutes) need parts counted after it. Meanwhile the dead letter counted by the
        // historian's DLQ consumer (ms5_dlq_messages_total) and the live line OEE are awaited, briefly: when they
        // never come, the panels using them fail below.
        var rateWindow = 4 * DashboardRunner.MinIntervals[DatasourceKind.Prometheus];
        var settled = Max(PromFrom + rateWindow + TimeSpan.FromSeconds(10), DateTimeOffset.UtcNow + TimeSpan.FromSeconds(12));
        var awaited = new List<string> { "ms5_dlq_messages_total", "ms5:line_oee:ratio_15m{plant=\"dash\"}" };
        var step = 0;
        while (DateTimeOffset.UtcNow < settled || (awaited.Count > 0 && DateTimeOffset.UtcNow < settled.AddSeconds(20)))
        {
            var at = DateTimeOffset.UtcNow;
            await stack.ProduceAsync(topic, new[] { "dash-p1", "dash-w1" }.Select(m => ((string?)m, Some.Count(Guid.NewGuid(), m, at, m == "dash-p1" || step % 3 == 0 ? 1 : 0, step % 4 == 0 ? 1 : 0))));
            step++;
            foreach (var metric in awaited.ToList())
            {
                if ((await Prometheus.VectorAsync(metric)).Count > 0)
                {
                    awaited.Remove(metric);
                }
            }

            await Task.Delay(2000);
        }

        var now = DateTime.UtcNow;
        To = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerMinute), TimeSpan.Zero).AddMinutes(1);
        PromTo = DateTimeOffset.UtcNow;
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private async Task WaitForDrainAsync(string topic)
    {
        // The InfluxDB sink commits its offsets to Kafka, not PostgreSQL: its points are awaited by count below.
        foreach (var group in new[] { "pg", "oee" })
        {
            try
            {
                await _stack.WaitForDrainAsync($"test.{_stack.RunId}.dash.{group}", topic, TimeSpan.FromSeconds(60));
            }
            catch (TimeoutException ex)
            {
                throw new TimeoutException($"{ex.Message.Split('\n')[0]}\nhistorian:\n{Historian.Output}\nengine:\n{Engine.Output}", ex);
            }
        }
    }

    /// <summary>
    /// The backends over the range holding the test data: 06:00 of yesterday (the history's start) to the minute after
    /// the data settled (the pipeline stamps arrival times, dead letters and pulled Andons now).
    /// </summary>
    public DashboardBackends Backends(IReadOnlyDictionary<(string, string), string> emptyAllowed, IReadOnlyList<(Regex, string)> promEmptyAllowed) => new()
    {
        Db = _stack.Db,
        Influx = _stack.Influx,
        Prometheus = Prometheus,
        From = From,
        To = To,
        PromFrom = PromFrom,
        PromTo = PromTo,
        Preferred = new Dictionary<string, string[]>
        {
            ["plant"] = [DashboardTestData.Plant],
            ["line"] = DashboardTestData.Lines,
            ["machine"] = DashboardTestData.Machines,
        },
        EmptyAllowed = emptyAllowed,
        PromEmptyAllowed = promEmptyAllowed,
    };

    public async Task<string> DiagnosticsAsync()
    {
        string targets, rules;
        try
        {
            targets = await Prometheus.TargetsAsync();
            rules = string.Join('\n', (await Prometheus.RulesAsync()).Where(r => r.Health != "ok").Select(r => $"{r.Name} {r.Health} {r.Error}"));
        }
        catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException)
        {
            targets = rules = ex.Message;
        }

        var samples = new List<string>();
        foreach (var q in new[] { "ms5_oee_planned_seconds_total{plant=\"dash\"}", "ms5:line_planned_seconds:increase15m", "ms5_dlq_messages_total", "ms5_oee_live_15m_ratio{plant=\"dash\"}" })
        {
            try
            {
                samples.Add(q + " = " + string.Join("; ", (await Prometheus.VectorAsync(q)).Select(r => string.Join(',', r.Labels.Where(l => l.Key is "machine" or "line" or "reason" or "kpi").Select(l => l.Value)) + " " + r.Value.ToString(System.Globalization.CultureInfo.InvariantCulture))));
            }
            catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException)
            {
                samples.Add(q + ": " + ex.Message);
            }
        }

        try
        {
            await using var cmd = _stack.Db.CreateCommand("SELECT string_agg(stage || ' ' || source_topic || ' ' || reason || ' published ' || coalesce(dlq_published_at::text, 'no'), '; ') FROM dead_letters WHERE source_topic = $1");
            cmd.Parameters.AddWithValue(_topic);
            samples.Add($"dead letters: {await cmd.ExecuteScalarAsync()}; DLQ topic {_dlq} holds {_stack.HighWatermarks(_dlq)} message(s)");
        }
        catch (Exception ex) when (ex is NpgsqlException or Confluent.Kafka.KafkaException)
        {
            samples.Add("dead letters: " + ex.Message);
        }

        static string Tail(string s) => s.Length > 4000 ? s[^4000..] : s;
        return $"Prometheus now:\n{string.Join('\n', samples)}\nPrometheus targets:\n{targets}\nrules not ok:\n{rules}\nengine log (tail):\n{Tail(Engine.Output)}\nhistorian log (tail):\n{Tail(Historian.Output)}";
    }

    public ValueTask DisposeAsync()
    {
        foreach (var d in Enumerable.Reverse(_owned))
        {
            d.Dispose();
        }

        return ValueTask.CompletedTask;
    }
}
