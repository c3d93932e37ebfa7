using System.Text;
using System.Text.Json;
using Ms5.Analytics.Events;
using Ms5.Analytics.Oee;
using Ms5.Analytics.Plant;
using Ms5.Integration.Tests.Api;
using Ms5.Integration.Tests.Support;
using Ms5.Kafka;
using Ms5.Postgres;

namespace Ms5.Integration.Tests.Oee;

/// <summary>
/// The OEE semantics through the real pipeline (Kafka → engine process → PostgreSQL → API), in a plant on
/// Europe/Berlin time with three shifts: a state spanning a shift end and midnight, a 9-hour night shift
/// across the end of daylight saving time, a counter reset, a machine going silent, an event arriving long
/// after the grace period, all produced shuffled with duplicates. Each is checked against exact expected
/// figures and against a from-scratch recomputation of the same events.
/// </summary>
[Collection("stack-oee")]
public sealed class OeeScenarioTests(StackFixture stack)
{
    private const string PlantJson = """
        { "plantId": "scen", "timeZone": "Europe/Berlin",
          "reasonCodes": [ { "code": "jam", "category": "unplanned" } ],
          "shifts": [ { "name": "early", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "06:00", "end": "14:00" },
                      { "name": "late", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "14:00", "end": "22:00" },
                      { "name": "night", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "22:00", "end": "06:00" } ],
          "lines": [ { "id": "scen-line", "machines": [
              { "id": "sc-span", "idealCycleSeconds": 2.0 }, { "id": "sc-dst", "idealCycleSeconds": 2.0 }, { "id": "sc-reset", "idealCycleSeconds": 2.0 },
              { "id": "sc-silent", "idealCycleSeconds": 2.0 }, { "id": "sc-late", "idealCycleSeconds": 2.0 }, { "id": "sc-micro", "idealCycleSeconds": 2.0 } ] } ] }
        """;

    private static MachineEvent State(string m, DateTimeOffset ts, MachineState s, string? reason = null) => MachineEvent.StateChange(Guid.NewGuid(), m, ts, s, reason);


    /// <summary>A count of 10 good parts at second 30 of every minute in [from, to).</summary>
    private static IEnumerable<MachineEvent> Counts(string m, DateTimeOffset from, DateTimeOffset to)
    {
        for (var t = from; t < to; t = t.AddMinutes(1))
        {
            yield return MachineEvent.Counts(Guid.NewGuid(), m, t.AddSeconds(30), 10, 0);
        }
    }

    private static DateTimeOffset Z(int month, int day, int hour, int minute = 0) => new(2026, month, day, hour, minute, 0, TimeSpan.Zero);

    private static List<MachineEvent> Scenario()
    {
        var e = new List<MachineEvent>();

        // Running from 21:00 local (late shift) across the shift end (22:00) and midnight, down 01:00-01:30, running until 06:00.
        e.Add(State("sc-span", Z(11, 3, 20), MachineState.Running));
        e.AddRange(Counts("sc-span", Z(11, 3, 20), Z(11, 4, 0)));
        e.Add(State("sc-span", Z(11, 4, 0), MachineState.Down, "jam"));
        e.Add(State("sc-span", Z(11, 4, 0, 30), MachineState.Running));
        e.AddRange(Counts("sc-span", Z(11, 4, 0, 30), Z(11, 4, 5)));
        e.Add(State("sc-span", Z(11, 4, 5), MachineState.Down, "jam"));

        // The night of 24/25 October: 22:00 CEST (20:00Z) to 06:00 CET (05:00Z) is 9 hours.
        e.Add(State("sc-dst", Z(10, 24, 20), MachineState.Running));
        e.AddRange(Counts("sc-dst", Z(10, 24, 20), Z(10, 25, 5)));
        e.Add(State("sc-dst", Z(10, 25, 5), MachineState.Down, "jam"));

        // A cumulative counter that resets: totals 100, 150, 160, 5, 25 → increments 0 (baseline), 50, 10, 5, 20.
        e.Add(State("sc-reset", Z(11, 5, 9), MachineState.Running));
        long[] totals = [100, 150, 160, 5, 25];
        e.AddRange(totals.Select((t, i) => MachineEvent.Counters(Guid.NewGuid(), "sc-reset", Z(11, 5, 9, i).AddSeconds(30), t, 0)));
        e.Add(State("sc-reset", Z(11, 5, 9, 6), MachineState.Down, "jam"));

        // Running, last sign of life 12:09:30Z, silent until 12:30Z: offline from 12:14:30 (5 minutes' silence).
        e.Add(State("sc-silent", Z(11, 5, 12), MachineState.Running));
        e.AddRange(Counts("sc-silent", Z(11, 5, 12), Z(11, 5, 12, 10)));
        e.Add(State("sc-silent", Z(11, 5, 12, 30), MachineState.Running));
        e.AddRange(Counts("sc-silent", Z(11, 5, 12, 30), Z(11, 5, 12, 40)));
        e.Add(State("sc-silent", Z(11, 5, 12, 40), MachineState.Down, "jam"));

        // Running an hour; a stop inside it arrives much later (LateStop).
        e.Add(State("sc-late", Z(11, 5, 14), MachineState.Running));
        e.AddRange(Counts("sc-late", Z(11, 5, 14), Z(11, 5, 15)));
        e.Add(State("sc-late", Z(11, 5, 15), MachineState.Down, "jam"));

        // A 50-second stop (a micro-stop) across a minute boundary, after which a late count arrives before it (MicroStopLate).
        e.Add(State("sc-micro", Z(11, 5, 16), MachineState.Running));
        e.AddRange(Counts("sc-micro", Z(11, 5, 16), Z(11, 5, 16, 30)));
        e.Add(State("sc-micro", Z(11, 5, 16, 30).AddSeconds(20), MachineState.Down, "jam"));
        e.Add(State("sc-micro", Z(11, 5, 16, 31).AddSeconds(10), MachineState.Running));
        e.AddRange(Counts("sc-micro", Z(11, 5, 16, 32), Z(11, 5, 16, 40)));
        e.Add(State("sc-micro", Z(11, 5, 16, 40), MachineState.Down, "jam"));
        return e;
    }

    private static readonly MachineEvent[] LateStop =
    [
        State("sc-late", Z(11, 5, 14, 20), MachineState.Down, "jam"),
        State("sc-late", Z(11, 5, 14, 25), MachineState.Running),

        // Recomputing up to the micro-stop's minute must still see where that stop ends.
        MachineEvent.Counts(Guid.NewGuid(), "sc-micro", Z(11, 5, 16, 25).AddSeconds(15), 5, 0),
    ];

    private static (string?, string) Message(MachineEvent e) => (e.MachineId, Encoding.UTF8.GetString(EventJson.ToUtf8(e)));

    [Fact]
    public async Task ShiftEndsMidnightDstResetsSilenceAndLateEvents_AreExact_AndEqualAFromScratchRecomputation()
    {
        var plant = PlantConfigParser.Parse(PlantJson);
        await new PlantStore(stack.Db).SaveAsync(plant, PlantJson);
        var topic = $"test.{stack.RunId}.scen";
        await TopicAdmin.EnsureAsync(stack.Kafka, new Dictionary<string, int> { [topic] = 3 });
        var events = Scenario();
        var rng = new Random(5);
        var shuffled = events.Concat(events.Where(_ => rng.Next(3) == 0)).OrderBy(_ => rng.Next()).Select(Message).ToList();

        using var engine = stack.StartStream("scen", topic, sinks: "oee");
        await StackFixture.WaitForAssignmentAsync(engine, 1);
        await stack.ProduceAsync(topic, shuffled);
        await stack.WaitForDrainAsync($"test.{stack.RunId}.scen.oee", topic);
        await using var api = new ApiFactory(stack);
        var client = api.CreateClient();

        async Task<JsonElement> Groups(string query)
        {
            var body = await client.GetStringAsync(new Uri("/api/oee?" + query, UriKind.Relative));
            return JsonDocument.Parse(body).RootElement.GetProperty("groups");
        }

        static (double Planned, double Run, double Unplanned, long Good, double Ideal) Parts(JsonElement g) =>
            (g.GetProperty("plannedSeconds").GetDouble(), g.GetProperty("runSeconds").GetDouble(), g.GetProperty("stopSeconds").GetProperty("unplanned").GetDouble(),
             g.GetProperty("goodCount").GetInt64(), g.GetProperty("idealSeconds").GetDouble());

        // Shift end and midnight: late shift 14:00-22:00 local = 13:00-21:00Z; the machine reports from 20:00Z on.
        var spanShifts = await Groups($"machine=sc-span&from={Some.Ts(Z(11, 3, 13))}&to={Some.Ts(Z(11, 4, 5))}&groupBy=shift");
        Assert.Equal(["late 2026-11-03", "night 2026-11-03"], spanShifts.EnumerateArray().Select(g => g.GetProperty("shift").GetString()!).ToArray());
        Assert.Equal((3600.0, 3600.0, 0.0, 600L, 1200.0), Parts(spanShifts[0]));
        Assert.Equal((28800.0, 27000.0, 1800.0, 4500L, 9000.0), Parts(spanShifts[1]));
        Assert.Equal(93.75, Math.Round(spanShifts[1].GetProperty("availability").GetDouble() * 100, 2));
        Assert.Equal(33.33, Math.Round(spanShifts[1].GetProperty("performance").GetDouble() * 100, 2));
        var spanDays = await Groups($"machine=sc-span&from={Some.Ts(Z(11, 3, 13))}&to={Some.Ts(Z(11, 4, 5))}&groupBy=day");
        Assert.Equal(2, spanDays.GetArrayLength());
        Assert.Equal((10800.0, 1800L), (spanDays[0].GetProperty("runSeconds").GetDouble(), spanDays[0].GetProperty("goodCount").GetInt64()));

        // The DST night is one 9-hour shift.
        var night = Assert.Single((await Groups($"machine=sc-dst&from={Some.Ts(Z(10, 24, 20))}&to={Some.Ts(Z(10, 25, 5))}&groupBy=shift")).EnumerateArray());
        Assert.Equal("night 2026-10-24", night.GetProperty("shift").GetString());
        Assert.Equal((32400.0, 32400.0, 0.0, 5400L, 10800.0), Parts(night));

        // Counter reset: 50 + 10 + 5 + 20 parts.
        var reset = Assert.Single((await Groups($"machine=sc-reset&from={Some.Ts(Z(11, 5, 9))}&to={Some.Ts(Z(11, 5, 9, 6))}")).EnumerateArray());
        Assert.Equal((360.0, 360.0, 0.0, 85L, 170.0), Parts(reset));

        // Silence: offline 12:14:30-12:30:00 is unplanned loss (930 s).
        var silent = Assert.Single((await Groups($"machine=sc-silent&from={Some.Ts(Z(11, 5, 12))}&to={Some.Ts(Z(11, 5, 12, 40))}")).EnumerateArray());
        Assert.Equal((2400.0, 1470.0, 930.0, 200L, 400.0), Parts(silent));

        var lateRange = $"machine=sc-late&from={Some.Ts(Z(11, 5, 14))}&to={Some.Ts(Z(11, 5, 15))}";
        Assert.Equal((3600.0, 3600.0, 0.0, 600L, 1200.0), Parts(Assert.Single((await Groups(lateRange)).EnumerateArray())));
        await AssertEqualsFromScratchAsync(plant, events);

        // Three weeks after the fact, a stop inside that hour arrives: the buckets are corrected, not dropped.
        await stack.ProduceAsync(topic, LateStop.Select(Message));
        await stack.WaitForDrainAsync($"test.{stack.RunId}.scen.oee", topic);
        var micro = Assert.Single((await Groups($"machine=sc-micro&from={Some.Ts(Z(11, 5, 16, 30))}&to={Some.Ts(Z(11, 5, 16, 32))}")).EnumerateArray());
        Assert.Equal((50.0, 0.0), (micro.GetProperty("stopSeconds").GetProperty("microStop").GetDouble(), micro.GetProperty("stopSeconds").GetProperty("unplanned").GetDouble()));
        var corrected = Assert.Single((await Groups(lateRange)).EnumerateArray());
        Assert.Equal((3600.0, 3300.0, 300.0, 600L, 1200.0), Parts(corrected));
        Assert.Equal(1, corrected.GetProperty("failureCount").GetInt64());
        Assert.True(corrected.GetProperty("complete").GetBoolean());
        await AssertEqualsFromScratchAsync(plant, [.. events, .. LateStop]);
    }

    private const string ProductPlantJson = """
        { "plantId": "prod", "timeZone": "Europe/Berlin",
          "reasonCodes": [ { "code": "jam", "category": "unplanned" }, { "code": "changeover", "category": "setup" },
                           { "code": "warmup", "category": "startup" } ],
          "shifts": [ { "name": "early", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "06:00", "end": "14:00" } ],
          "lines": [ { "id": "prod-line", "machines": [
              { "id": "pr-mix", "idealCycleSeconds": 1.0, "products": { "P-A": 2.0, "P-B": 0.5 } } ] } ] }
        """;

    /// <summary>Counts of 10 good and <paramref name="reject"/> rejects at second 30 of every minute in [from, to).</summary>
    private static IEnumerable<MachineEvent> Made(DateTimeOffset from, DateTimeOffset to, long good, long reject)
    {
        for (var t = from; t < to; t = t.AddMinutes(1))
        {
            yield return MachineEvent.Counts(Guid.NewGuid(), "pr-mix", t.AddSeconds(30), good, reject);
        }
    }

    [Fact]
    public async Task ProductCycleTimes_AndStartupRejects_ThroughThePipeline_IncludingALateProductChange()
    {
        var plant = PlantConfigParser.Parse(ProductPlantJson);
        await new PlantStore(stack.Db).SaveAsync(plant, ProductPlantJson);
        var topic = $"test.{stack.RunId}.prod";
        await TopicAdmin.EnsureAsync(stack.Kafka, new Dictionary<string, int> { [topic] = 2 });
        DateTimeOffset At(int minute) => Z(11, 6, 10).AddMinutes(minute);
        List<MachineEvent> events =
        [
            MachineEvent.StateChange(Guid.NewGuid(), "pr-mix", At(0), MachineState.Running, "warmup", "P-A"),
            .. Made(At(0), At(10), 10, 1),                                  // start-up, P-A: 10 start-up rejects, 220 ideal s
            State("pr-mix", At(10), MachineState.Running),
            .. Made(At(10), At(30), 10, 1),                                 // P-A: 440 ideal s
            State("pr-mix", At(30), MachineState.Down, "jam"),
            State("pr-mix", At(35), MachineState.Running),
            .. Made(At(35), At(45), 10, 1),                                 // still P-A: 220 ideal s
            MachineEvent.StateChange(Guid.NewGuid(), "pr-mix", At(45), MachineState.Setup, "changeover", "P-B"),
            State("pr-mix", At(50), MachineState.Running, "warmup"),
            .. Made(At(50), At(60), 20, 2),                                 // start-up, P-B: 20 start-up rejects, 110 ideal s
            State("pr-mix", At(60), MachineState.Down, "jam"),
        ];
        var rng = new Random(11);
        var shuffled = events.Concat(events.Where(_ => rng.Next(4) == 0)).OrderBy(_ => rng.Next()).Select(Message).ToList();

        using var engine = stack.StartStream("prod", topic, sinks: "oee");
        using var historian = stack.StartStream("prod", topic, sinks: "pg");
        await StackFixture.WaitForAssignmentAsync(engine, 1);
        await StackFixture.WaitForAssignmentAsync(historian, 1);
        await stack.ProduceAsync(topic, shuffled);
        await stack.WaitForDrainAsync($"test.{stack.RunId}.prod.oee", topic);
        await stack.WaitForDrainAsync($"test.{stack.RunId}.prod.pg", topic);
        await using var api = new ApiFactory(stack);
        var client = api.CreateClient();
        var range = $"machine=pr-mix&from={Some.Ts(At(0))}&to={Some.Ts(At(60))}";

        async Task<JsonElement> Hour() =>
            Assert.Single(JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/oee?" + range, UriKind.Relative))).RootElement.GetProperty("groups").EnumerateArray());

        var g = await Hour();
        Assert.Equal(220 + 440 + 220 + 110, g.GetProperty("idealSeconds").GetDouble(), 9);
        Assert.Equal((600L, 60L, 30L), (g.GetProperty("goodCount").GetInt64(), g.GetProperty("rejectCount").GetInt64(), g.GetProperty("startupRejectCount").GetInt64()));
        var losses = g.GetProperty("losses");
        var idealPerPart = 990.0 / 660;
        Assert.Equal(30 * idealPerPart, losses.GetProperty("startupRejects").GetDouble(), 9);
        Assert.Equal(30 * idealPerPart, losses.GetProperty("processDefects").GetDouble(), 9);
        Assert.Equal(300, losses.GetProperty("breakdowns").GetDouble(), 9);
        Assert.Equal(300, losses.GetProperty("setup").GetDouble(), 9);
        Assert.Equal(g.GetProperty("plannedSeconds").GetDouble(),
            new[] { "breakdowns", "setup", "microStops", "reducedSpeed", "processDefects", "startupRejects", "valueAdding" }.Sum(n => losses.GetProperty(n).GetDouble()), 6);
        await AssertEqualsFromScratchAsync(plant, events);

        // The historian and the events API carry the product as reported.
        var stored = JsonDocument.Parse(await client.GetStringAsync(new Uri($"/api/events?machine=pr-mix&from={Some.Ts(At(45))}&to={Some.Ts(At(46))}", UriKind.Relative)));
        Assert.Equal("P-B", Assert.Single(stored.RootElement.GetProperty("events").EnumerateArray()).GetProperty("product").GetString());
        await using (var cmd = stack.Db.CreateCommand("SELECT count(*) FROM events WHERE machine_id = 'pr-mix' AND product IS NOT NULL"))
        {
            Assert.Equal(2L, await cmd.ExecuteScalarAsync());
        }

        // Long after, the machine turns out to have switched to P-B at 10:20: the counts up to the next
        // product change (10:45) are corrected, past the stop at 10:30 in between.
        MachineEvent late = MachineEvent.StateChange(Guid.NewGuid(), "pr-mix", At(20), MachineState.Running, product: "P-B");
        await stack.ProduceAsync(topic, [Message(late)]);
        await stack.WaitForDrainAsync($"test.{stack.RunId}.prod.oee", topic);
        g = await Hour();
        Assert.Equal(220 + 220 + 55 + 55 + 110, g.GetProperty("idealSeconds").GetDouble(), 9);
        Assert.Equal(30L, g.GetProperty("startupRejectCount").GetInt64());
        await AssertEqualsFromScratchAsync(plant, [.. events, late]);
    }

    /// <summary>Every stored minute and the API's total per machine equal BucketCalculator over the raw events.</summary>
    private async Task AssertEqualsFromScratchAsync(PlantConfig plant, List<MachineEvent> events)
    {
        await using var api = new ApiFactory(stack);
        var client = api.CreateClient();
        var losses = LossClassifier.For(plant);
        foreach (var machine in plant.Machines)
        {
            var mine = events.Where(e => e.MachineId == machine.Id).ToList();
            var from = BucketCalculator.Floor(mine.Min(e => e.Ts));
            var to = BucketCalculator.Floor(mine.Max(e => e.Ts));
            var expected = BucketCalculator.MinuteBuckets(mine, machine.IdealCycle, plant.Calendar, losses, from, to);
            await using var cmd = stack.Db.CreateCommand("""
                SELECT minute, planned_seconds, run_seconds, unplanned_stop_seconds, micro_stop_seconds, good_count, reject_count, ideal_seconds, failure_count, startup_reject_count
                FROM oee_minute WHERE machine_id = $1 AND minute >= $2 AND minute < $3 ORDER BY minute
                """);
            cmd.Parameters.AddWithValue(machine.Id);
            cmd.Parameters.AddWithValue(from.UtcDateTime);
            cmd.Parameters.AddWithValue(to.UtcDateTime);
            var rows = 0;
            await using (var r = await cmd.ExecuteReaderAsync())
            {
                while (await r.ReadAsync())
                {
                    rows++;
                    var e = expected[new DateTimeOffset(r.GetDateTime(0), TimeSpan.Zero)];
                    Assert.Equal(
                        (e.PlannedSeconds, e.RunSeconds, e.UnplannedStopSeconds, e.MicroStopSeconds, e.GoodCount, e.RejectCount, e.IdealSeconds, e.FailureCount, e.StartupRejectCount),
                        (r.GetDouble(1), r.GetDouble(2), r.GetDouble(3), r.GetDouble(4), r.GetInt64(5), r.GetInt64(6), r.GetDouble(7), r.GetInt64(8), r.GetInt64(9)));
                }
            }

            Assert.Equal(expected.Count, rows);
            var k = OeeKpis.From(OeeComponents.Sum(expected.Values));
            var g = JsonDocument.Parse(await client.GetStringAsync(new Uri($"/api/oee?machine={machine.Id}&from={Some.Ts(from)}&to={Some.Ts(to)}", UriKind.Relative)))
                .RootElement.GetProperty("groups")[0];
            Assert.Equal(Math.Round(k.Oee!.Value, 10), Math.Round(g.GetProperty("oee").GetDouble(), 10));
            Assert.Equal(Math.Round(k.Availability!.Value, 10), Math.Round(g.GetProperty("availability").GetDouble(), 10));
        }
    }
}
