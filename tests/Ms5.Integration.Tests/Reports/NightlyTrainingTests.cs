extern alias reportshost;
using System.Globalization;
using Ms5.Analytics.Plant;
using Ms5.Integration.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Ms5.Ml;
using Ms5.Postgres;
using Npgsql;
using reportshost::Ms5.ReportsHost.Training;

namespace Ms5.Integration.Tests.Reports;

/// <summary>
/// Nightly downtime-model training as the reports host runs it (two processes, one Quartz cluster on this run's
/// database): two plants that were never trained are trained once each when the hosts start (the missed night fires at
/// once), the one with enough history gets a ready model, the one with too little an insufficient_history version (not
/// a failure); then each plant's trigger stands at the configured time on the plant's own clock, the next night.
/// </summary>
// Its own stack fixture (database, topics), not the shared "stack" collection: its report hosts form a Quartz cluster
// of their own in it, so it runs beside the serial collection instead of adding minutes to it.
public sealed class NightlyTrainingTests(StackFixture stack) : IClassFixture<StackFixture>
{
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
    private static readonly TimeZoneInfo Tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");

    private static string PlantJson(string plant, string timeZone, IEnumerable<string> machines) => $$"""
        { "plantId": "{{plant}}", "name": "Nightly {{plant}}", "timeZone": "{{timeZone}}",
          "reasonCodes": [ { "code": "jam", "category": "unplanned" } ],
          "shifts": [ { "name": "day", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "00:00", "end": "23:59" } ],
          "lines": [ { "id": "{{plant}}-line", "name": "Line", "machines": [
            {{string.Join(", ", machines.Select(m => $$"""{ "id": "{{m}}", "name": "{{m}}", "idealCycleSeconds": 2.0 }"""))}} ] } ] }
        """;

    private async Task SavePlantAsync(string plant, string timeZone, string[] machines)
    {
        var json = PlantJson(plant, timeZone, machines);
        await new PlantStore(stack.Db).SaveAsync(PlantConfigParser.Parse(json), json);
    }

    private ChildProcess StartHost(TimeSpan at, int metricsPort) => ChildProcess.Start(Repo.Dll("reports/Ms5.ReportsHost", "Ms5.ReportsHost"), new Dictionary<string, string>
    {
        ["MS5_PG"] = stack.Pg,
        ["Reports__MetricsPort"] = metricsPort.ToString(CultureInfo.InvariantCulture),
        ["Reports__Email"] = "false",
        // A cluster of their own: the report hosts' test counts the instances of the default one.
        ["Reports__SchedulerName"] = Scheduler,
        ["Ms5__Ml__Downtime__DefaultDays"] = "14",
        ["Ms5__Ml__Downtime__Nightly__At"] = at.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture),
    });

    private Task<long> RunsAsync(string plant, string status) =>
        stack.ScalarAsync("SELECT count(*) FROM downtime_models WHERE plant_id = $1 AND status = $2", plant, status);

    private const string Scheduler = "ms5-nightly-test";

    private Task<long> NextFireTicksAsync(string plant) =>
        stack.ScalarAsync("SELECT coalesce(max(next_fire_time), 0) FROM qrtz_triggers WHERE sched_name = $1 AND trigger_group = 'ms5-ml' AND trigger_name = $2", Scheduler, "train|" + plant);

    [Fact]
    public async Task Hosts_TrainEachUntrainedPlantOnce_ReadyOrInsufficientHistory_ThenTriggerAtTheConfiguredTimeOnThePlantsClock()
    {
        var now = DateTimeOffset.UtcNow;
        var hour = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero);
        // Enough history: four machines with a 150–250 s jam every two hours for 15 days.
        var enough = Enumerable.Range(1, 4).Select(i => $"ntr-a-m{i}").ToArray();
        await SavePlantAsync("ntr-a", "America/New_York", enough);
        var rnd = new Random(5);
        var stops = new List<(string, DateTimeOffset, double, string)>();
        foreach (var m in enough)
        {
            for (var t = hour.AddDays(-15).AddMinutes(30); t < hour.AddHours(-3); t = t.AddHours(2))
            {
                stops.Add((m, t, 150 + rnd.Next(0, 101), "jam"));
            }
        }

        await StateSeed.StopsAsync(stack.Db, stops, hour.AddDays(-15));
        // Too little: three stops per machine.
        var few = new[] { "ntr-b-m1", "ntr-b-m2" };
        await SavePlantAsync("ntr-b", "Asia/Tokyo", few);
        await StateSeed.StopsAsync(stack.Db, few.SelectMany(m => Enumerable.Range(1, 3).Select(i => (m, hour.AddDays(-i), 200.0, "jam"))).ToList(), hour.AddDays(-4));

        // Six hours ahead on New York's clock: the night in question is not reached while the test runs.
        var nyNow = TimeZoneInfo.ConvertTime(now, NewYork);
        var at = new TimeSpan(nyNow.AddHours(6).Hour, nyNow.Minute, 0);
        var ports = new[] { TestPorts.Next(), TestPorts.Next() };
        try
        {
            using var host1 = StartHost(at, ports[0]);
            using var host2 = StartHost(at, ports[1]);
            await TrainedAndScheduledAsync(host1, host2, at, ports);
        }
        finally
        {
            // The hosts are gone: their cluster's instance rows would outlive them (nobody is left to recover them).
            await stack.ScalarAsync("WITH d AS (DELETE FROM qrtz_scheduler_state WHERE sched_name = $1 RETURNING 1) SELECT count(*) FROM d", Scheduler);
        }
    }

    private async Task TrainedAndScheduledAsync(ChildProcess host1, ChildProcess host2, TimeSpan at, int[] ports)
    {
        string Output() => "host 1:\n" + host1.Output + "\nhost 2:\n" + host2.Output;

        await stack.WaitUntilAsync(() => RunsAsync("ntr-a", "ready"), 1, "ntr-a trained\n" + Output(), TimeSpan.FromSeconds(150));
        await stack.WaitUntilAsync(() => RunsAsync("ntr-b", "insufficient_history"), 1, "ntr-b judged\n" + Output(), TimeSpan.FromSeconds(60));

        // The next night, on each plant's clock: 6 h ahead in New York; the same UTC instant's time of day in Tokyo.
        var expectedA = NightlySchedule.Next(NewYork, at, DateTimeOffset.UtcNow);
        var expectedB = NightlySchedule.Next(Tokyo, at, DateTimeOffset.UtcNow);
        await stack.WaitUntilAsync(() => NextFireTicksAsync("ntr-a"), expectedA.UtcTicks, "ntr-a's next trigger at " + expectedA.ToString("O", CultureInfo.InvariantCulture) + "\n" + Output(), TimeSpan.FromSeconds(150));
        await stack.WaitUntilAsync(() => NextFireTicksAsync("ntr-b"), expectedB.UtcTicks, "ntr-b's next trigger\n" + Output(), TimeSpan.FromSeconds(90));
        Assert.Equal(at, TimeZoneInfo.ConvertTime(expectedA, NewYork).TimeOfDay);
        Assert.Equal(at, TimeZoneInfo.ConvertTime(expectedB, Tokyo).TimeOfDay);
        Assert.InRange(expectedA - DateTimeOffset.UtcNow, TimeSpan.FromHours(5), TimeSpan.FromHours(6));

        // Once each, by one node of the cluster; the details say what was found.
        Assert.Equal(1, await stack.ScalarAsync("SELECT count(*) FROM downtime_models WHERE plant_id = 'ntr-a'"));
        Assert.Equal(1, await stack.ScalarAsync("SELECT count(*) FROM downtime_models WHERE plant_id = 'ntr-b'"));
        Assert.Equal(14 * 24 * 60, await stack.ScalarAsync("SELECT (extract(epoch FROM window_to - window_from) / 60)::bigint FROM downtime_models WHERE plant_id = 'ntr-a'"));
        Assert.StartsWith("needs at least", await stack.ScalarTextAsync("SELECT status_detail FROM downtime_models WHERE plant_id = 'ntr-b'"), StringComparison.Ordinal);

        // Counted by outcome in the hosts' metrics.
        using var http = new HttpClient();
        var metrics = "";
        foreach (var port in ports)
        {
            metrics += await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
        }

        Assert.Contains("ms5_ml_training_runs_total{outcome=\"ready\"}", metrics, StringComparison.Ordinal);
        Assert.Contains("ms5_ml_training_runs_total{outcome=\"insufficient_history\"}", metrics, StringComparison.Ordinal);
        Assert.Contains("ms5_ml_training_seconds_count{outcome=\"ready\"}", metrics, StringComparison.Ordinal);
        Assert.Equal(2, await stack.ScalarAsync("SELECT count(DISTINCT instance_name) FROM qrtz_scheduler_state WHERE sched_name = $1", Scheduler));
    }

    [Fact]
    public async Task Run_WhenTrainingThrows_StoresAFailedVersionWithTheError_AndDoesNotThrow()
    {
        await SavePlantAsync("ntr-c", "Europe/Berlin", ["ntr-c-m1"]);
        // The trainer reads history from a database that does not exist: its first query throws.
        await using var missing = NpgsqlDataSource.Create(PgConnectionString.WithDatabase(stack.Pg, "ms5_no_such_database"));
        var trainer = new DowntimeTrainer(new PlantStore(stack.Db), new AnomalyStore(missing), new DowntimeTrainingOptions { DefaultDays = 7 },
            TimeProvider.System, NullLogger<DowntimeTrainer>.Instance);
        var training = new NightlyTraining(new PlantStore(stack.Db), trainer, new AnomalyStore(stack.Db), new NightlyTrainingOptions(), TimeProvider.System,
            NullLogger<NightlyTraining>.Instance);

        Assert.Equal(DowntimeModelStatus.Failed, await training.RunAsync("ntr-c", CancellationToken.None));
        Assert.Null(await training.RunAsync("ntr-unknown", CancellationToken.None));

        var row = await new AnomalyStore(stack.Db).LatestAsync("ntr-c");
        Assert.NotNull(row);
        Assert.Equal((1, DowntimeModelStatus.Failed), (row.Version, row.Status));
        Assert.StartsWith("nightly training failed: PostgresException: 3D000", row.StatusDetail, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromDays(7), row.To - row.From);
        Assert.Null(await new AnomalyStore(stack.Db).LatestReadyAsync("ntr-c"));

        // A failed run counts as this night's run: no retry every minute.
        var plan = await training.PlanAsync(DateTimeOffset.UtcNow, CancellationToken.None);
        var c = Assert.Single(plan, p => p.PlantId == "ntr-c");
        Assert.True(c.FireAt > DateTimeOffset.UtcNow, c.FireAt.ToString("O", CultureInfo.InvariantCulture));
    }
}

/// <summary><see cref="NightlySchedule"/> and <see cref="NightlyTrainingOptions"/> (pure; no stack).</summary>
public sealed class NightlyScheduleTests
{
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
    private static readonly TimeSpan HalfPastTwo = new(2, 30, 0);

    private static DateTimeOffset Utc(int month, int day, int hour, int minute) => new(2026, month, day, hour, minute, 0, TimeSpan.Zero);

    [Fact]
    public void Next_OnAnOrdinaryDay_IsTheTimeOnThePlantsClock()
    {
        Assert.Equal(Utc(11, 18, 1, 30), NightlySchedule.Next(Berlin, HalfPastTwo, Utc(11, 17, 1, 30)));
        Assert.Equal(Utc(11, 17, 1, 30), NightlySchedule.Next(Berlin, HalfPastTwo, Utc(11, 17, 1, 29)));
        Assert.Equal(Utc(11, 17, 1, 30), NightlySchedule.Previous(Berlin, HalfPastTwo, Utc(11, 17, 1, 30)));
        Assert.Equal(Utc(11, 16, 1, 30), NightlySchedule.Previous(Berlin, HalfPastTwo, Utc(11, 17, 1, 29)));
    }

    [Fact]
    public void Next_OnTheSpringForwardDay_RunsWhenTheSkippedHourEnds()
    {
        // 2026-03-29: 02:00 CET jumps to 03:00 CEST (01:00 UTC); 02:30 never shows.
        Assert.Equal(Utc(3, 29, 1, 0), NightlySchedule.Next(Berlin, HalfPastTwo, Utc(3, 28, 12, 0)));
        Assert.Equal(Utc(3, 30, 0, 30), NightlySchedule.Next(Berlin, HalfPastTwo, Utc(3, 29, 1, 0)));
    }

    [Fact]
    public void Next_OnTheFallBackDay_RunsOnceAtTheFirst0230()
    {
        // 2026-10-25: 03:00 CEST goes back to 02:00 CET; 02:30 shows at 00:30 and at 01:30 UTC.
        Assert.Equal(Utc(10, 25, 0, 30), NightlySchedule.Next(Berlin, HalfPastTwo, Utc(10, 24, 12, 0)));
        Assert.Equal(Utc(10, 26, 1, 30), NightlySchedule.Next(Berlin, HalfPastTwo, Utc(10, 25, 0, 30)));
        Assert.Equal(Utc(10, 25, 0, 30), NightlySchedule.Previous(Berlin, HalfPastTwo, Utc(10, 25, 1, 45)));
    }

    [Fact]
    public void Options_OutOfRangeTime_NamesTheSetting()
    {
        Assert.Empty(new NightlyTrainingOptions().Validate());
        var problem = Assert.Single(new NightlyTrainingOptions { At = TimeSpan.FromHours(25) }.Validate());
        Assert.StartsWith("Ms5:Ml:Downtime:Nightly:At must be a time of day", problem, StringComparison.Ordinal);
        Assert.Single(new NightlyTrainingOptions { Misfire = (NightlyMisfire)7 }.Validate());
    }
}
