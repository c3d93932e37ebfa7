using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Ms5.Analytics.Contracts;
using Ms5.Analytics.Plant;
using Ms5.Analytics.Tests;
using Ms5.Integration.Tests.Support;
using Ms5.Kafka;
using Ms5.Postgres;

namespace Ms5.Integration.Tests.Contracts;

/// <summary>
/// The engine process's output against analytics/contract: every message it publishes on its (per-run) OEE and
/// Andon topics while a machine runs, stops long enough to raise and escalate an Andon, and runs again.
/// </summary>
[Collection("stack")]
public sealed class ContractTopicsTests(StackFixture stack)
{
    private const string PlantJson = """
        { "plantId": "contract-t", "timeZone": "UTC",
          "reasonCodes": [ { "code": "jam", "category": "unplanned" } ],
          "shifts": [ { "name": "day", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "00:00", "end": "12:00" },
                      { "name": "night", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "12:00", "end": "00:00" } ],
          "andon": { "escalationMinutes": [0.05], "rules": [
            { "id": "down-fast", "kind": "stop", "states": ["down"], "seconds": 1, "severity": "critical" },
            { "id": "manual", "kind": "manual" } ] },
          "lines": [ { "id": "contract-line", "machines": [ { "id": "ct-1", "idealCycleSeconds": 2.0 }, { "id": "ct-2", "idealCycleSeconds": 1.5 } ] } ] }
        """;

    [Fact]
    public async Task EveryMessageTheEnginePublishes_ValidatesAgainstItsSchema()
    {
        await new PlantStore(stack.Db).SaveAsync(PlantConfigParser.Parse(PlantJson), PlantJson);
        var topic = $"test.{stack.RunId}.contract-in";
        var oeeTopic = $"test.{stack.RunId}.contract-oee";
        var andonTopic = $"test.{stack.RunId}.contract-andon";
        await TopicAdmin.EnsureAsync(stack.Kafka, new Dictionary<string, int> { [topic] = 2, [oeeTopic] = 2, [andonTopic] = 1 });
        var env = stack.StreamEnv("contract", topic, sinks: "oee");
        env["Stream__OeeTopic"] = oeeTopic;
        env["Stream__AndonTopic"] = andonTopic;
        env["Stream__OeeTickInterval"] = "00:00:01";
        env["MS5_ALERTMANAGER_URL"] = $"http://127.0.0.1:{TestPorts.Next()}/"; // nobody listens: the shared Alertmanager stays clean

        var config = stack.Kafka.ConsumerConfig($"test.{stack.RunId}.contract-reader", "test-contract-reader");
        config.EnablePartitionEof = true;
        var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config).Build();
        using var closing = consumer.ClosedAtTheEnd();
        consumer.Subscribe([oeeTopic, andonTopic]);
        var published = new List<ConsumeResult<byte[]?, byte[]?>>();
        var andons = () => published.Where(m => m.Topic == andonTopic).Select(m => JsonSerializer.Deserialize(m.Message.Value, ContractJson.Default.AndonMessage)!).ToList();

        using (var engine = ChildProcess.Start(Repo.EngineDll, env))
        {
            await StackFixture.WaitForAssignmentAsync(engine, 1);
            var now = DateTimeOffset.UtcNow;
            now = now.AddTicks(-(now.UtcTicks % TimeSpan.TicksPerMillisecond)); // the contract's ts has milliseconds
            var events = new List<(string?, string)>
            {
                ("ct-1", Some.State(Guid.NewGuid(), "ct-1", now.AddMinutes(-2), "running")),
                ("ct-2", Some.State(Guid.NewGuid(), "ct-2", now.AddMinutes(-2), "running")),
                ("ct-1", Some.Count(Guid.NewGuid(), "ct-1", now.AddSeconds(-90), 30, 2)),
                ("ct-2", Some.Count(Guid.NewGuid(), "ct-2", now.AddSeconds(-80), 40, 0)),
                ("ct-1", Some.State(Guid.NewGuid(), "ct-1", now, "down", "jam")),
            };
            await stack.ProduceAsync(topic, events);

            // Raised a second into the stop, escalated 3 s later; running again resolves it. Only ct-1's count: the engine
            // also drives Andons other tests left open in this run's database.
            await Eventually.TrueAsync(() => Consume(consumer, published) && andons().Any(a => a.Transition == "escalated" && a.Andon.MachineId == "ct-1"), TimeSpan.FromSeconds(30),
                () => $"an escalated Andon on {andonTopic}; engine: {engine.Output}");
            await stack.ProduceAsync(topic, [("ct-1", Some.State(Guid.NewGuid(), "ct-1", DateTimeOffset.UtcNow, "running"))]);
            await Eventually.TrueAsync(() => Consume(consumer, published) && andons().Any(a => a.Transition == "resolved" && a.Andon.MachineId == "ct-1"), TimeSpan.FromSeconds(30),
                () => $"the resolved Andon on {andonTopic}; engine: {engine.Output}");
            engine.Stop();
        }

        ConsumeToEnd(consumer, published);

        var oee = published.Where(m => m.Topic == oeeTopic).Select(m => JsonSerializer.Deserialize(m.Message.Value, ContractJson.Default.OeeWindowMessage)!).ToList();
        Assert.Equal(["raised", "escalated", "resolved"], andons().Where(a => a.Andon.MachineId == "ct-1").Select(a => a.Transition));
        Assert.Contains(oee, m => m is { Scope: "machine", Id: "ct-1", LastEventAt: not null });
        Assert.Contains(oee, m => m is { Scope: "line", Id: "contract-line", LastEventAt: null, Window: "shift" });
        Assert.Contains(oee, m => m is { Scope: "plant", Id: "contract-t", Availability: not null });
        var failures = published
            .Select(m => (Message: m, Errors: ContractSchemas.Errors(Repo.Root, m.Topic == oeeTopic ? "oee.v1" : "andon.v1", m.Message.Value)))
            .Where(x => x.Errors.Count > 0)
            .Select(x => $"{x.Message.Topic}@{x.Message.Partition.Value}:{x.Message.Offset.Value}: {string.Join("; ", x.Errors)}\n  {Encoding.UTF8.GetString(x.Message.Message.Value!)}")
            .ToList();
        Assert.Empty(failures);
    }

    /// <summary>Takes what has arrived so far; true so it can lead a condition.</summary>
    private static bool Consume(IConsumer<byte[]?, byte[]?> consumer, List<ConsumeResult<byte[]?, byte[]?>> into)
    {
        while (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { } m)
        {
            if (!m.IsPartitionEOF)
            {
                into.Add(m);
            }
        }

        return true;
    }

    /// <summary>After the engine stopped: reads until every partition of the topics is consumed up to its high watermark.</summary>
    private static void ConsumeToEnd(IConsumer<byte[]?, byte[]?> consumer, List<ConsumeResult<byte[]?, byte[]?>> into)
    {
        var ends = consumer.Assignment.ToDictionary(p => p, p => consumer.QueryWatermarkOffsets(p, TimeSpan.FromSeconds(10)).High.Value);
        bool Behind() => ends.Any(e => e.Value > 0 && (consumer.Position(e.Key) is var at && (at == Offset.Unset || at.Value < e.Value)));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Behind() && DateTime.UtcNow < deadline)
        {
            Consume(consumer, into);
        }

        Assert.True(ends.Count >= 3 && !Behind(), $"not every partition was read to its end: {string.Join(", ", ends.Select(e => $"{e.Key}: {consumer.Position(e.Key)} of {e.Value}"))}");
    }
}
