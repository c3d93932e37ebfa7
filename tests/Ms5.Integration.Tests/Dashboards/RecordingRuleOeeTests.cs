using System.Globalization;
using System.Text.Json;
using Ms5.Analytics.Plant;
using Ms5.Integration.Tests.Api;
using Ms5.Integration.Tests.Support;
using Ms5.Kafka;
using Ms5.Postgres;
using Xunit.Abstractions;

namespace Ms5.Integration.Tests.Dashboards;

/// <summary>
/// The recording rules' live line OEE (ms5:line_oee:ratio_15m, from the engine's additive counters) equals the
/// exact record, GET /api/oee over the same 15 minutes, within 0.5 percentage points. Events are produced live
/// for two to three minutes while the engine (ticking every second) runs and the test's Prometheus scrapes it every
/// second and evaluates the repository's rules every second; the window ends at a minute T inside that run.
/// </summary>
// Its own stack fixture (database, topics), not the shared "stack" collection: it mostly waits for minutes to pass
// (three small machines), so it runs beside the other integration tests instead of adding three minutes after them.
public sealed class RecordingRuleOeeTests(StackFixture stack, ITestOutputHelper output) : IClassFixture<StackFixture>
{
    /// <summary>One shift from <paramref name="start"/> (a whole minute, UTC) for three hours: before it nothing is planned.</summary>
    private static string PlantJson(DateTimeOffset start) => $$"""
        { "plantId": "rr", "timeZone": "UTC",
          "oee": { "microStopSeconds": 10, "setupCountsAgainstAvailability": true },
          "reasonCodes": [ { "code": "jam", "category": "unplanned" }, { "code": "changeover", "category": "setup" }, { "code": "break", "category": "planned" } ],
          "shifts": [ { "name": "test", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "{{start:HH:mm}}", "end": "{{start.AddHours(3):HH:mm}}" } ],
          "lines": [
            { "id": "rr-l1", "machines": [ { "id": "rr-a", "idealCycleSeconds": 0.5 }, { "id": "rr-b", "idealCycleSeconds": 0.4 } ] },
            { "id": "rr-l2", "machines": [ { "id": "rr-c", "idealCycleSeconds": 1.0 } ] } ] }
        """;

    /// <summary>The recorded line OEE, or its definition when the rules file does not record it (yet).</summary>
    private const string Recorded = "ms5:line_oee:ratio_15m";

    private const string Equivalent = """
        (
          sum by (plant, line) (max by (plant, line, machine) (increase(ms5_oee_ideal_seconds_total[15m])))
          / sum by (plant, line) (max by (plant, line, machine) (increase(ms5_oee_planned_seconds_total[15m])))
        ) * (
          sum by (plant, line) (max by (plant, line, machine) (increase(ms5_parts_total{kind="good"}[15m])))
          / sum by (plant, line) (max by (plant, line, machine, kind) (increase(ms5_parts_total[15m])))
        )
        """;

    [Fact]
    public async Task RecordedLineOee_MatchesTheApiOverTheSameWindow_WithinHalfAPercentagePoint()
    {
        // The counters count what the engine computes while it runs, from the minute it started, and a series
        // appears with its first non-zero increment: its first sample is Prometheus' baseline. So the machines
        // start in a planned stop while no shift is near (only planned-stop time accrues: every OEE counter series
        // appears at 0); once Prometheus has every series, the shift is moved to start at S, the next whole minute
        // at least 10 s ahead (the engine reloads the plant every 2 s), and they run from S: Prometheus sees every
        // planned second and part the API counts in [T − 15 min, T), T = S + 2 min. S is chosen only after the series
        // exist, however long the engine and Prometheus took to start on a loaded machine.
        var started = Now();
        var far = Minute(started).AddHours(6);
        var json = PlantJson(far);
        await new PlantStore(stack.Db).SaveAsync(PlantConfigParser.Parse(json), json);
        var topic = $"test.{stack.RunId}.rr";
        await TopicAdmin.EnsureAsync(stack.Kafka, new Dictionary<string, int> { [topic] = 2 });
        var env = stack.StreamEnv("rr", topic, "oee");
        env["Stream__OeeTickInterval"] = "00:00:01";
        using var engine = ChildProcess.Start(Repo.EngineDll, env);
        await StackFixture.WaitForAssignmentAsync(engine, 1);
        using var prom = await TestPrometheus.StartAsync(
            [new ScrapeTarget("ms5", $"127.0.0.1:{env["Stream__MetricsPort"]}", new Dictionary<string, string> { ["service"] = "oee" })],
            TestPrometheus.RepositoryRuleFiles);
        await Eventually.TrueAsync(async () => (await prom.VectorAsync("up")).Count(u => u.Value == 1) == 2, TimeSpan.FromSeconds(60), () => "the engine scraped");
        var machines = new[] { "rr-a", "rr-b", "rr-c" };
        var now0 = Now();
        await stack.ProduceAsync(topic, machines.Select(x => ((string?)x, Some.State(Guid.NewGuid(), x, now0, "planned_stop", "break"))));
        await Eventually.TrueAsync(async () => (await prom.VectorAsync("ms5_oee_planned_seconds_total{plant=\"rr\"}")).Count == machines.Length,
            TimeSpan.FromSeconds(120), () => "the OEE counter series of rr-a, rr-b and rr-c in Prometheus");
        var s = Minute(Now().AddSeconds(10)).AddMinutes(1);
        var t = s.AddMinutes(2);
        json = PlantJson(s);
        await new PlantStore(stack.Db).SaveAsync(PlantConfigParser.Parse(json), json);
        output.WriteLine($"started {Some.Ts(started)}, first events {Some.Ts(now0)}, counter series at {Some.Ts(Now())}, shift from {Some.Ts(s)}");

        // In the shift: parts and rejects every 2 s; rr-b down (unplanned) and rr-c in setup for a while.
        var rng = new Random(7);
        var step = 0;
        var running = new HashSet<string>();
        while (Now() < t.AddSeconds(3))
        {
            await Task.Delay(TimeSpan.FromSeconds(2));
            var now = Now();
            var since = (now - s).TotalSeconds;
            if (since < 0)
            {
                continue;
            }

            var events = new List<(string?, string)>();
            void State(string machine, bool run, string state, string? reason)
            {
                if (run != running.Contains(machine))
                {
                    events.Add((machine, Some.State(Guid.NewGuid(), machine, now, state, reason)));
                    _ = run ? running.Add(machine) : running.Remove(machine);
                }
            }

            // From T − 10 s all stand in a planned stop: the counters are flat around T, so neither the last scrape's
            // lag nor the rule's evaluation time matters.
            var pause = since >= 110;
            var bDown = since >= 30 && since < 65;
            var cSetup = since >= 50 && since < 70;
            State("rr-a", !pause, pause ? "planned_stop" : "running", pause ? "break" : null);
            State("rr-b", !bDown && !pause, pause ? "planned_stop" : bDown ? "down" : "running", pause ? "break" : bDown ? "jam" : null);
            State("rr-c", !cSetup && !pause, pause ? "planned_stop" : cSetup ? "setup" : "running", pause ? "break" : cSetup ? "changeover" : null);
            foreach (var machine in running)
            {
                var (good, reject) = machine switch
                {
                    "rr-a" => (3L, step % 5 == 0 ? 1L : 0L),
                    "rr-b" => (4L, step % 3 == 0 ? 1L : 0L),
                    _ => (1L + rng.Next(0, 2), step % 4 == 0 ? 1L : 0L),
                };
                events.Add((machine, Some.Count(Guid.NewGuid(), machine, now, good, reject)));
            }

            await stack.ProduceAsync(topic, events);
            step++;
        }

        // The engine has ticked past T and Prometheus scraped and evaluated after it: read at T + 4 s (nothing planned
        // after T − 10 s, nothing before S: the same window for both).
        await Task.Delay(TimeSpan.FromSeconds(3));
        var at = t.AddSeconds(4);
        var present = await prom.VectorAsync("count by (__name__) ({__name__=~\"ms5_oee_(planned|run|ideal)_seconds_total|ms5_parts_total\", plant=\"rr\"})", at);
        Assert.True(present.Count == 4,
            $"the engine exports {string.Join(", ", present.Select(p => p.Labels["__name__"]))} of the four OEE counters (ms5_oee_planned/run/ideal_seconds_total, ms5_parts_total; docs/metrics.md) for plant rr; metrics:\n"
            + string.Join('\n', (await prom.ApiAsync("label/__name__/values")).EnumerateArray().Select(x => x.GetString()).Where(x => x!.StartsWith("ms5_", StringComparison.Ordinal))) + "\nengine log:\n" + engine.Output);

        var rules = await prom.RulesAsync();
        var recorded = rules.Any(r => r.Name == Recorded);
        var expr = recorded ? Recorded : Equivalent;
        var fromProm = (await prom.VectorAsync(expr, at)).ToDictionary(r => r.Labels["line"], r => r.Value);

        await using var api = new ApiFactory(stack);
        var client = api.CreateClient();
        var report = new List<string>();
        foreach (var line in new[] { "rr-l1", "rr-l2" })
        {
            var body = await client.GetStringAsync(new Uri($"/api/oee?line={line}&from={Some.Ts(t.AddMinutes(-15))}&to={Some.Ts(t)}", UriKind.Relative));
            var group = JsonDocument.Parse(body).RootElement.GetProperty("groups")[0];
            var exact = group.GetProperty("oee").GetDouble();
            Assert.True(fromProm.TryGetValue(line, out var live),
                $"{(recorded ? Recorded : "the equivalent expression")} has no value for {line} at {Some.Ts(at)}: {string.Join(", ", fromProm.Keys)}; rules: {string.Join(", ", rules.Select(r => r.Name))}");
            report.Add($"{line}: Prometheus {live.ToString("0.0000", CultureInfo.InvariantCulture)}, API {exact.ToString("0.0000", CultureInfo.InvariantCulture)} ({body})");
            Assert.True(Math.Abs(live - exact) <= 0.005,
                $"{line} OEE over [{Some.Ts(t.AddMinutes(-15))}, {Some.Ts(t)}): {(recorded ? Recorded : "equivalent expression")} = {live:0.0000}, GET /api/oee = {exact:0.0000} (more than 0.5 pp apart)\n{string.Join('\n', report)}\nshift from {Some.Ts(s)}, first events {Some.Ts(now0)}");
        }

        output.WriteLine($"{(recorded ? Recorded : "equivalent expression (no recording rule " + Recorded + " loaded)")} at {Some.Ts(t)}:\n" + string.Join('\n', report));
    }

    private static DateTimeOffset Now()
    {
        var now = DateTimeOffset.UtcNow;
        return now.AddTicks(-(now.UtcTicks % TimeSpan.TicksPerMillisecond));
    }

    private static DateTimeOffset Minute(DateTimeOffset t) => new(t.UtcTicks - (t.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero);
}
