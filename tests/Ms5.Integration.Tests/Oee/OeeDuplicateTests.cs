using Ms5.Analytics.Plant;
using Ms5.Integration.Tests.Support;
using Ms5.Kafka;
using Ms5.Postgres;

namespace Ms5.Integration.Tests.Oee;

/// <summary>
/// Duplicates that reach an engine without its in-memory tail (a restart) through the compact store: events whose
/// timestamps carry 100 ns digits PostgreSQL does not keep, state events (rows) and counts (chunks), are recognised
/// and stored once, in the same batch as their first copy too; the engine does not stick on them; a new event after
/// them is applied.
/// </summary>
[Collection(StackCollections.Crash)]
public sealed class OeeDuplicateTests(StackFixture stack)
{
    private const string Machine = "dup-m1";
    private static readonly DateTimeOffset Start = new(2026, 11, 3, 6, 0, 0, TimeSpan.Zero);

    private const string PlantJson = """
        { "plantId": "dup-test", "timeZone": "UTC",
          "reasonCodes": [ { "code": "jam", "category": "unplanned" } ],
          "shifts": [ { "name": "day", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "06:00", "end": "14:00" } ],
          "lines": [ { "id": "dup-line", "machines": [ { "id": "dup-m1", "idealCycleSeconds": 1.0 } ] } ] }
        """;

    /// <summary>A contract timestamp with all seven fractional digits.</summary>
    private static string Fine(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private static (string?, string) State(Guid id, DateTimeOffset ts, string state, string? reason = null) => (Machine, reason is null
        ? $$"""{"eventId":"{{id}}","machineId":"{{Machine}}","ts":"{{Fine(ts)}}","type":"state","state":"{{state}}"}"""
        : $$"""{"eventId":"{{id}}","machineId":"{{Machine}}","ts":"{{Fine(ts)}}","type":"state","state":"{{state}}","reason":"{{reason}}"}""");

    private static (string?, string) Count(Guid id, DateTimeOffset ts, long good) =>
        (Machine, $$"""{"eventId":"{{id}}","machineId":"{{Machine}}","ts":"{{Fine(ts)}}","type":"count","good":{{good}},"reject":0}""");

    [Fact]
    public async Task DuplicatesWithSubMicrosecondTimestamps_InOneBatchAndAfterARestart_AreStoredOnce_AndTheEngineGoesOn()
    {
        await new PlantStore(stack.Db).SaveAsync(PlantConfigParser.Parse(PlantJson), PlantJson);
        var topic = $"test.{stack.RunId}.dup";
        await TopicAdmin.EnsureAsync(stack.Kafka, new Dictionary<string, int> { [topic] = 2 });
        var group = $"test.{stack.RunId}.dup.oee";

        // 06:00 running, 60 counts of 10 every second (100 ns digits), 06:01:30 down, 06:02:00 running again.
        var (runId, countId, lastId) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var first = new List<(string?, string)> { State(runId, Start.AddTicks(3), "running"), Count(countId, Start.AddSeconds(1).AddTicks(7), 10) };
        first.AddRange(Enumerable.Range(1, 59).Select(i => Count(Guid.NewGuid(), Start.AddSeconds(i + 1).AddTicks(7), 10)));
        first.Add(State(Guid.NewGuid(), Start.AddSeconds(90).AddTicks(5), "down", "jam"));
        first.Add(State(Guid.NewGuid(), Start.AddSeconds(120).AddTicks(1), "running"));
        // In the same batch, copies as PostgreSQL would give them back (the 100 ns digits gone).
        (string?, string)[] copies = [State(runId, Start, "running"), Count(countId, Start.AddSeconds(1), 10)];

        using (var engine = stack.StartStream("dup", topic, sinks: "oee"))
        {
            await StackFixture.WaitForAssignmentAsync(engine, 1);
            await stack.ProduceAsync(topic, [.. first, .. copies]);
            await stack.WaitForDrainAsync(group, topic);
        }

        Assert.Equal(first.Count, await stack.ScalarAsync("SELECT count(*) FROM oee_events WHERE machine_id = $1", Machine));

        // A new engine process (no tail): the whole history again, then one new count.
        using (var engine = stack.StartStream("dup", topic, sinks: "oee"))
        {
            await StackFixture.WaitForAssignmentAsync(engine, 1);
            await stack.ProduceAsync(topic, [.. copies, .. first, Count(lastId, Start.AddSeconds(150).AddTicks(9), 4)]);
            try
            {
                await stack.WaitForDrainAsync(group, topic);
            }
            catch (TimeoutException ex)
            {
                throw new TimeoutException(ex.Message + "\nengine log:\n" + engine.Output, ex);
            }
        }

        Assert.Equal(first.Count + 1, await stack.ScalarAsync("SELECT count(*) FROM oee_events WHERE machine_id = $1", Machine));
        Assert.Equal(first.Count + 1, await stack.ScalarAsync("SELECT count(DISTINCT event_id) FROM oee_events WHERE machine_id = $1", Machine));
        Assert.Equal(604, await stack.ScalarAsync("SELECT sum(good_count) FROM oee_minute WHERE machine_id = $1", Machine));
        // The newest stored event is that count now (a chunk element): its copy without the 100 ns digits, right at the
        // newest stored ts, reaches another engine without a tail and is still found; a count after it is new.
        using (var engine = stack.StartStream("dup", topic, sinks: "oee"))
        {
            await StackFixture.WaitForAssignmentAsync(engine, 1);
            await stack.ProduceAsync(topic, [Count(lastId, Start.AddSeconds(150), 4), Count(Guid.NewGuid(), Start.AddSeconds(160).AddTicks(2), 3)]);
            await stack.WaitForDrainAsync(group, topic);
        }

        Assert.Equal(first.Count + 2, await stack.ScalarAsync("SELECT count(*) FROM oee_events WHERE machine_id = $1", Machine));
        Assert.Equal(607, await stack.ScalarAsync("SELECT sum(good_count) FROM oee_minute WHERE machine_id = $1", Machine));

        // The 30 s stop 06:01:30-06:02:00 (a micro-stop) once (later minutes grow with the ticker: a silent running machine goes offline).
        Assert.Equal(30, await stack.ScalarAsync("SELECT round(sum(unplanned_stop_seconds + micro_stop_seconds))::bigint FROM oee_minute WHERE machine_id = $1 AND minute < $2", Machine, Start.AddMinutes(2).UtcDateTime));
    }
}
