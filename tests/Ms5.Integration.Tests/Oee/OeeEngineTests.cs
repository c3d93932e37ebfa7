using Ms5.Analytics.Oee;
using Ms5.Analytics.Plant;
using Ms5.Integration.Tests.Support;
using Ms5.Kafka;
using Ms5.Postgres;

namespace Ms5.Integration.Tests.Oee;

/// <summary>The OEE engine through the real pipeline: Kafka → engine process → PostgreSQL buckets.</summary>
[Collection("stack")]
public sealed class OeeEngineTests(StackFixture stack)
{
    private const string Machine = "oee-m1";
    private static readonly DateTimeOffset ShiftStart = new(2026, 11, 2, 6, 0, 0, TimeSpan.Zero);

    private const string PlantJson = """
        { "plantId": "oee-test", "timeZone": "UTC",
          "reasonCodes": [ { "code": "jam", "category": "unplanned" }, { "code": "break", "category": "planned" }, { "code": "no_shift", "category": "planned" } ],
          "shifts": [ { "name": "early", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "06:00", "end": "14:00",
                        "breaks": [ { "start": "09:00", "end": "09:30" }, { "start": "12:00", "end": "12:30" } ] } ],
          "lines": [ { "id": "oee-line", "machines": [ { "id": "oee-m1", "idealCycleSeconds": 1.0 } ] } ] }
        """;

    /// <summary>480-minute shift, 60 minutes of breaks, 47 minutes down, ideal 1.0 s, 19,271 made, 423 rejected.</summary>
    private static List<(string?, string)> WorkedExample()
    {
        var t = ShiftStart;
        var events = new List<(string?, string)>
        {
            (Machine, Some.State(Guid.NewGuid(), Machine, t, "running")),
            (Machine, Some.State(Guid.NewGuid(), Machine, t.AddHours(1), "down", "jam")),
            (Machine, Some.State(Guid.NewGuid(), Machine, t.AddMinutes(107), "running")),
            (Machine, Some.State(Guid.NewGuid(), Machine, t.AddHours(3), "planned_stop", "break")),
            (Machine, Some.State(Guid.NewGuid(), Machine, t.AddMinutes(210), "running")),
            (Machine, Some.State(Guid.NewGuid(), Machine, t.AddHours(6), "planned_stop", "break")),
            (Machine, Some.State(Guid.NewGuid(), Machine, t.AddMinutes(390), "running")),
            (Machine, Some.State(Guid.NewGuid(), Machine, t.AddHours(8), "planned_stop", "no_shift")),
        };
        var running = Enumerable.Range(0, 480).Select(m => t.AddMinutes(m))
            .Where(m => !(m >= t.AddHours(1) && m < t.AddMinutes(107)) && !(m >= t.AddHours(3) && m < t.AddMinutes(210)) && !(m >= t.AddHours(6) && m < t.AddMinutes(390)))
            .ToList();
        for (var i = 0; i < running.Count; i++)
        {
            var total = 51 + (i < 248 ? 1 : 0);
            var reject = 1 + (i < 50 ? 1 : 0);
            events.Add((Machine, Some.Count(Guid.NewGuid(), Machine, running[i].AddSeconds(30), total - reject, reject)));
        }

        return events;
    }

    [Fact]
    public async Task WorkedExample_ThroughKafkaAndTheEngine_GivesTheTextbookOee_EvenShuffledWithDuplicates()
    {
        await new PlantStore(stack.Db).SaveAsync(PlantConfigParser.Parse(PlantJson), PlantJson);
        var topic = $"test.{stack.RunId}.oee";
        await TopicAdmin.EnsureAsync(stack.Kafka, new Dictionary<string, int> { [topic] = 3 });

        // Out of order and with duplicates: the engine must give the same buckets.
        var events = WorkedExample();
        var rng = new Random(11);
        var shuffled = events.Concat(events.Take(50)).OrderBy(_ => rng.Next()).ToList();

        using var engine = stack.StartStream("oee", topic, sinks: "oee");
        await StackFixture.WaitForAssignmentAsync(engine, 1);
        await stack.ProduceAsync(topic, shuffled);
        try
        {
            await stack.WaitForDrainAsync($"test.{stack.RunId}.oee.oee", topic);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException(ex.Message[..ex.Message.IndexOf('\n', StringComparison.Ordinal)] + "\nengine log:\n" + engine.Output, ex);
        }

        await using var cmd = stack.Db.CreateCommand("""
            SELECT sum(planned_seconds), sum(run_seconds), sum(unplanned_stop_seconds), sum(planned_stop_seconds),
                   sum(good_count), sum(reject_count), sum(ideal_seconds)
            FROM oee_minute WHERE machine_id = $1 AND minute >= $2 AND minute < $3
            """);
        cmd.Parameters.AddWithValue(Machine);
        cmd.Parameters.AddWithValue(ShiftStart.UtcDateTime);
        cmd.Parameters.AddWithValue(ShiftStart.AddHours(8).UtcDateTime);
        await using var r = await cmd.ExecuteReaderAsync();
        await r.ReadAsync();
        var c = new OeeComponents
        {
            PlannedSeconds = r.GetDouble(0),
            RunSeconds = r.GetDouble(1),
            UnplannedStopSeconds = r.GetDouble(2),
            PlannedStopSeconds = r.GetDouble(3),
            GoodCount = r.GetInt64(4),
            RejectCount = r.GetInt64(5),
            IdealSeconds = r.GetDouble(6),
        };

        Assert.Equal((420 * 60.0, 373 * 60.0, 47 * 60.0, 60 * 60.0), (c.PlannedSeconds, c.RunSeconds, c.UnplannedStopSeconds, c.PlannedStopSeconds));
        Assert.Equal((19_271L - 423, 423L), (c.GoodCount, c.RejectCount));
        var k = OeeKpis.From(c);
        Assert.Equal(88.81, Math.Round(k.Availability!.Value * 100, 2));
        Assert.Equal(86.11, Math.Round(k.Performance!.Value * 100, 2));
        Assert.Equal(97.80, Math.Round(k.Quality!.Value * 100, 2));
        Assert.Equal(74.79, Math.Round(k.Oee!.Value * 100, 2));
        Assert.Equal(events.Count, await stack.ScalarAsync("SELECT count(*) FROM oee_events WHERE machine_id = $1", Machine));
    }
}
