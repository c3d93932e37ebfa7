using System.Globalization;
using Ms5.Analytics.Plant;
using Ms5.Integration.Tests.Support;
using Ms5.Kafka;
using Ms5.Postgres;
using Npgsql;

namespace Ms5.Integration.Tests.Deploy;

/// <summary>
/// The environment's feature flags in the hosts that run them (real processes): MS5_FEATURE_REPORTS=false leaves the
/// reports host without any report job (the ones a former run stored are removed), MS5_FEATURE_ML=false removes the
/// training triggers and stops the engine's live scoring, and a flag that is not true/false stops a host naming it.
/// The reports host runs on a database of its own (a reports or training run over the shared test database would
/// touch other tests' plants).
/// </summary>
[Collection("stack-api")]
public sealed class FeatureFlagTests(StackFixture stack)
{
    private const string Scheduler = "ms5-feature-test";
    private const string Plant = "ff-plant";

    private static ChildProcess StartReportsHost(string pg, bool reports, bool ml) =>
        ChildProcess.Start(Repo.Dll("reports/Ms5.ReportsHost", "Ms5.ReportsHost"), new Dictionary<string, string>
        {
            ["MS5_PG"] = pg,
            ["Reports__MetricsPort"] = TestPorts.Next().ToString(CultureInfo.InvariantCulture),
            ["Reports__SchedulerName"] = Scheduler,
            ["MS5_FEATURE_REPORTS"] = reports ? "true" : "false",
            ["MS5_FEATURE_ML"] = ml ? "true" : "false",
            ["MS5_FEATURE_EMAIL"] = "false",
            // The plant's training trigger waits for the night (not fired at once), so it stays stored while ML is on.
            ["Ms5__Ml__Downtime__Nightly__Misfire"] = "Skip",
            ["Reports__MaxWaitForData"] = "00:00:00",
        });

    private static async Task<long> CountAsync(NpgsqlDataSource db, string sql)
    {
        await using var cmd = db.CreateCommand(sql);
        cmd.Parameters.AddWithValue(Scheduler);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    private static Task<long> ReportJobsAsync(NpgsqlDataSource db) =>
        CountAsync(db, "SELECT count(*) FROM qrtz_job_details WHERE sched_name = $1 AND job_group = 'ms5-reports'");

    private static Task<long> PlantReportJobsAsync(NpgsqlDataSource db) =>
        CountAsync(db, $"SELECT count(*) FROM qrtz_job_details WHERE sched_name = $1 AND job_group = 'ms5-reports' AND job_name LIKE '%|{Plant}'");

    private static Task<long> TrainingTriggersAsync(NpgsqlDataSource db) =>
        CountAsync(db, $"SELECT count(*) FROM qrtz_triggers WHERE sched_name = $1 AND trigger_group = 'ms5-ml' AND trigger_name = 'train|{Plant}'");

    [Fact]
    public async Task ReportsHost_WithReportsAndMlOff_RemovesTheStoredReportJobsAndTrainingTriggers_AndSchedulesNone()
    {
        var admin = PgConnectionString.FromEnvironment();
        var dbName = $"ms5_feature_{stack.RunId}";
        await using (var conn = new NpgsqlConnection(admin))
        {
            await conn.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {dbName}", conn);
            await create.ExecuteNonQueryAsync();
        }

        var pg = PgConnectionString.WithDatabase(admin, dbName);
        try
        {
            await Migrator.MigrateAsync(pg);
            await using var db = NpgsqlDataSource.Create(pg);
            var json = $$"""
                { "plantId": "{{Plant}}", "name": "Feature flags", "timeZone": "UTC",
                  "reasonCodes": [ { "code": "jam", "category": "unplanned" } ],
                  "shifts": [ { "name": "day", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "06:00", "end": "18:00" } ],
                  "lines": [ { "id": "ff-line", "name": "Line", "machines": [ { "id": "ff-m1", "name": "M1", "idealCycleSeconds": 2.0 } ] } ] }
                """;
            await new PlantStore(db).SaveAsync(PlantConfigParser.Parse(json), json);

            // Both on: the report jobs (planner, revisions, retention, the plant's shift/day/week) and the plant's training trigger.
            using (var on = StartReportsHost(pg, reports: true, ml: true))
            {
                await Eventually.TrueAsync(async () => await PlantReportJobsAsync(db) >= 1, TimeSpan.FromSeconds(60), () => "the plant's report jobs stored\n" + on.Output, pollMs: 100);
                await Eventually.TrueAsync(async () => await ReportJobsAsync(db) >= 3 && await TrainingTriggersAsync(db) == 1,
                    TimeSpan.FromSeconds(60), () => "planner, revisions, retention and the training trigger stored\n" + on.Output, pollMs: 250);
                on.Stop();
            }

            // Both off: the stored report jobs are gone before the scheduler starts, the training trigger once its planner ran.
            using var off = StartReportsHost(pg, reports: false, ml: false);
            await Eventually.TrueAsync(() => off.Output.Contains("Reports are off (MS5_FEATURE_REPORTS=false)", StringComparison.Ordinal),
                TimeSpan.FromSeconds(60), () => "the reports host starting with reports off\n" + off.Output);
            Assert.Equal(0, await ReportJobsAsync(db));
            await Eventually.TrueAsync(async () => await TrainingTriggersAsync(db) == 0, TimeSpan.FromSeconds(60), () => "training trigger removed\n" + off.Output, pollMs: 250);
            // Logged after the removal commits, and read from the host's output asynchronously: awaited too.
            await Eventually.TrueAsync(() => off.Output.Contains($"Training trigger train|{Plant} removed", StringComparison.Ordinal),
                TimeSpan.FromSeconds(10), () => "the removal logged\n" + off.Output);
            // The training planner has run: nothing of the report group came back, and the host is alive.
            Assert.Equal(0, await ReportJobsAsync(db));
            Assert.False(off.HasExited, off.Output);
            off.Stop();
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await using var conn = new NpgsqlConnection(admin);
            await conn.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {dbName} WITH (FORCE)", conn);
            await drop.ExecuteNonQueryAsync();
        }
    }

    [Fact]
    public async Task AFeatureFlagThatIsNotTrueOrFalse_StopsTheHost_NamingIt()
    {
        var (code, output) = await ChildProcess.RunAsync(Repo.Dll("reports/Ms5.ReportsHost", "Ms5.ReportsHost"), new Dictionary<string, string>
        {
            ["MS5_PG"] = stack.Pg,
            ["Reports__MetricsPort"] = TestPorts.Next().ToString(CultureInfo.InvariantCulture),
            ["Reports__SchedulerName"] = Scheduler,
            ["MS5_FEATURE_REPORTS"] = "maybe",
            ["MS5_FEATURE_EMAIL"] = "off",
        }, TimeSpan.FromSeconds(60));
        Assert.NotEqual(0, code);
        Assert.Contains("Ms5:Features:Reports (MS5_FEATURE_REPORTS) must be true or false, got 'maybe'", output, StringComparison.Ordinal);
        Assert.Contains("Ms5:Features:Email (MS5_FEATURE_EMAIL) must be true or false, got 'off'", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Engine_WithMlOff_ScoresNothing_WhileOneWithMlOnScoresEveryInterval()
    {
        var topic = $"test.{stack.RunId}.ff-in";
        await TopicAdmin.EnsureAsync(stack.Kafka, new Dictionary<string, int> { [topic] = 1, [$"test.{stack.RunId}.ff-anomaly"] = 1 });
        ChildProcess Engine(string name, bool ml)
        {
            var env = stack.StreamEnv(name, topic, sinks: "oee");
            env["Stream__AnomalyScoring__Topic"] = $"test.{stack.RunId}.ff-anomaly";
            env["Stream__AnomalyScoring__Interval"] = "00:00:00.2";
            env["MS5_FEATURE_ML"] = ml ? "true" : "false";
            return ChildProcess.Start(Repo.EngineDll, env);
        }

        using var on = Engine("ff-ml-on", ml: true);
        using var off = Engine("ff-ml-off", ml: false);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) }; // a host's /metrics on a CI machine with every core busy can take over 5 s
        async Task<string?> MetricsAsync(ChildProcess engine)
        {
            try
            {
                return await http.GetStringAsync(new Uri($"http://127.0.0.1:{engine.Environment["Stream__MetricsPort"]}/metrics"));
            }
            catch (HttpRequestException)
            {
                return null;
            }
        }

        static double Runs(string metrics) => metrics.Split('\n')
            .Where(l => l.StartsWith("ms5_anomaly_scoring_runs_total{", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));

        // Both answer /metrics; then, while the ML engine scores five more times, the other does not score at all.
        await Eventually.TrueAsync(async () => await MetricsAsync(off) is not null && await MetricsAsync(on) is { } m && Runs(m) >= 1,
            TimeSpan.FromSeconds(60), () => "both engines up, the ML one scoring\nML on:\n" + on.Output + "\nML off:\n" + off.Output, pollMs: 200);
        var start = Runs((await MetricsAsync(on))!);
        await Eventually.TrueAsync(async () => Runs((await MetricsAsync(on))!) >= start + 5, TimeSpan.FromSeconds(30), () => "five more scoring runs", pollMs: 200);
        var offMetrics = (await MetricsAsync(off))!;
        Assert.Equal(0, Runs(offMetrics));
        Assert.DoesNotContain("ms5_anomaly_scoring_runs_total{", offMetrics, StringComparison.Ordinal);
        Assert.False(off.HasExited, off.Output);
    }
}
