using System.Text;
using Ms5.Integration.Tests.Support;
using Ms5.Kafka.DeadLetters;

namespace Ms5.Integration.Tests.Historian;

[Collection("stack-oee")]
public sealed class DlqRoutingTests(StackFixture stack)
{
    [Fact]
    public async Task MalformedEvents_GoToDlqWithReason_AndEveryValidEventAroundThemIsStoredOnce()
    {
        var t0 = Some.Now.AddMinutes(-10);
        var machine = "press-02";
        var valid = Enumerable.Range(0, 40).Select(i => (Id: Guid.CreateVersion7(), Json: i % 4 == 0
            ? Some.State(Guid.Empty, machine, t0.AddSeconds(i), i % 8 == 0 ? "running" : "down", i % 8 == 0 ? null : "jam")
            : Some.Count(Guid.Empty, machine, t0.AddSeconds(i), i, i % 3))).ToList();
        valid = valid.Select(v => (v.Id, v.Json.Replace(Guid.Empty.ToString(), v.Id.ToString(), StringComparison.Ordinal))).ToList();
        var badId = Guid.CreateVersion7();
        var malformed = new (string Name, string Json, string Field)[]
        {
            ("not json", "this is not json", "$"),
            ("truncated", """{"eventId":"x","machineId":""", "$"),
            ("array", "[1,2,3]", "$"),
            ("missing ts", $$"""{"eventId":"{{Guid.NewGuid()}}","machineId":"press-02","type":"count","good":1,"reject":0}""", "ts"),
            ("missing eventId", $$"""{"machineId":"press-02","ts":"{{Some.Ts(t0)}}","type":"count","good":1,"reject":0}""", "eventId"),
            ("unknown machine", Some.Count(Guid.NewGuid(), "no-such-machine", t0, 1, 0), "machineId"),
            ("negative count", Some.Count(Guid.NewGuid(), machine, t0, -5, 0), "good"),
            ("far future", Some.Count(Guid.NewGuid(), machine, Some.Now.AddDays(3), 1, 0), "ts"),
            ("wrong type", $$"""{"eventId":"{{badId}}","machineId":"press-02","ts":"{{Some.Ts(t0)}}","type":"count","good":"ten","reject":0}""", "good"),
            ("unknown state", Some.State(Guid.NewGuid(), machine, t0, "sleeping"), "state"),
            ("unknown type", $$"""{"eventId":"{{Guid.NewGuid()}}","machineId":"press-02","ts":"{{Some.Ts(t0)}}","type":"temperature"}""", "type"),
        };

        // Interleave: valid, bad, valid, bad ... all on the same key (one partition, one order).
        var messages = new List<(string?, string)>();
        for (var i = 0; i < valid.Count; i++)
        {
            messages.Add((machine, valid[i].Json));
            if (i < malformed.Length)
            {
                messages.Add((machine, malformed[i].Json));
            }
        }

        await stack.ProduceAsync(stack.Topic, messages);
        await stack.ProduceRawAsync(stack.Topic, Encoding.UTF8.GetBytes(machine), null);
        var ids = valid.Select(v => v.Id).ToArray();

        await stack.WaitUntilAsync(() => stack.ScalarAsync("SELECT count(*) FROM raw_events WHERE event_id = ANY($1)", ids), valid.Count, "valid events stored");
        var payloads = malformed.Select(m => Encoding.UTF8.GetBytes(m.Json)).ToArray();
        await stack.WaitUntilAsync(() => stack.ScalarAsync("SELECT count(*) FROM dead_letters WHERE (payload = ANY($1) OR payload IS NULL) AND source_topic = $2", payloads, stack.Topic), malformed.Length + 1, "dead letters");

        Assert.Equal(valid.Count, await stack.ScalarAsync("SELECT count(DISTINCT event_id) FROM raw_events WHERE event_id = ANY($1)", ids));
        Assert.Equal(10, await stack.ScalarAsync("SELECT count(*) FROM state_intervals WHERE event_id = ANY($1)", ids));

        var dlq = stack.ReadAll(stack.DlqTopic, malformed.Length + 1, TimeSpan.FromSeconds(30))
            .Where(m => Header(m, DlqHeaders.SourceTopic) == stack.Topic).ToList();
        foreach (var bad in malformed)
        {
            var record = Assert.Single(dlq, m => m.Message.Value is { } v && Encoding.UTF8.GetString(v) == bad.Json);
            var reason = Header(record, DlqHeaders.Reason);
            Assert.Contains(bad.Field + ":", reason, StringComparison.Ordinal);
            Assert.Equal("historian-pg", Header(record, DlqHeaders.Stage));
            Assert.Equal(machine, Encoding.UTF8.GetString(record.Message.Key!));
        }

        var empty = Assert.Single(dlq, m => m.Message.Value is null);
        Assert.Equal("$: message is empty", Header(empty, DlqHeaders.Reason));
    }

    [Fact]
    public async Task InvalidEvent_ReportsEveryProblem_InOneDeadLetter()
    {
        var json = """{"eventId":"nope","machineId":"ghost","ts":"2099-01-01T00:00:00Z","type":"count","good":-1,"reject":"x"}""";
        await stack.ProduceAsync(stack.Topic, [("ghost", json)]);
        await stack.WaitUntilAsync(() => stack.ScalarAsync("SELECT count(*) FROM dead_letters WHERE machine_id = 'ghost'"), 1, "dead letter for ghost");
        await using var cmd = stack.Db.CreateCommand("SELECT string_agg(p->>'field', ',' ORDER BY ord) FROM dead_letters, jsonb_array_elements(problems) WITH ORDINALITY AS x(p, ord) WHERE machine_id = 'ghost'");
        var fields = (string?)await cmd.ExecuteScalarAsync();
        Assert.Equal("eventId,machineId,ts,good,reject", fields);
    }

    private static string? Header(Confluent.Kafka.ConsumeResult<byte[]?, byte[]?> m, string name) =>
        m.Message.Headers?.TryGetLastBytes(name, out var b) == true ? Encoding.UTF8.GetString(b) : null;
}
