extern alias ingest;
using System.Globalization;
using System.Text.Json;
using Confluent.Kafka;
using ingest::Ms5.Ingest;
using Ms5.Analytics.Events;
using Ms5.Integration.Tests.Support;
using Ms5.Kafka;

namespace Ms5.Integration.Tests.Ingest;

/// <summary>
/// <c>ms5-ingest simulate --anomalies --labels FILE --until-now</c> against the dev broker: the labels file holds every kind,
/// and each labelled stop is on the topic as the machine's down state event at the label's start with the label's reason.
/// The plant is small (two machines, one three-hour night shift a day) so eight days fit the dev broker's 5 MiB per partition.
/// </summary>
public sealed class SimulateAnomaliesTests : IDisposable
{
    private const string Plant = """
        {
          "plantId": "simcli", "name": "Simulate CLI test", "timeZone": "UTC",
          "reasonCodes": [
            { "code": "jam", "category": "unplanned" }, { "code": "tool_break", "category": "unplanned" },
            { "code": "electrical", "category": "unplanned" }, { "code": "quality_check", "category": "quality" },
            { "code": "micro_stop", "category": "micro_stop" }, { "code": "changeover", "category": "setup" },
            { "code": "warmup", "category": "startup" }, { "code": "break", "category": "planned" },
            { "code": "no_shift", "category": "planned" }, { "code": "holiday", "category": "planned" }
          ],
          "shifts": [ { "name": "night", "days": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"], "start": "22:00", "end": "01:00" } ],
          "lines": [ { "id": "line-1", "name": "Cutting", "machines": [
            { "id": "cut-01", "name": "Cutter 01", "idealCycleSeconds": 5.0, "reasonCodes": ["jam", "tool_break", "micro_stop", "changeover", "warmup"] },
            { "id": "cut-02", "name": "Cutter 02", "idealCycleSeconds": 5.0, "reasonCodes": ["jam", "tool_break", "micro_stop", "changeover", "warmup"] }
          ] } ]
        }
        """;

    private static readonly string[] Kinds = ["burst", "long_stop", "night_drift", "unusual_reason"];
    private readonly string _dir = Directory.CreateTempSubdirectory("ms5-simcli-").FullName;
    private readonly string _topic = $"test.{Guid.NewGuid():N}".Remove(20) + ".sim";
    private readonly KafkaOptions _kafka = KafkaOptions.FromEnvironment();

    public void Dispose()
    {
        Directory.Delete(_dir, recursive: true);
        TopicAdmin.DeleteDevTopicAsync(_kafka, _topic).GetAwaiter().GetResult();
    }

    [Fact]
    public async Task Simulate_WithAnomaliesUntilNow_WritesLabelsOfEveryKind_WhoseStopsAreOnTheTopic()
    {
        var plant = Path.Combine(_dir, "plant.json");
        var labelsFile = Path.Combine(_dir, "labels.json");
        await File.WriteAllTextAsync(plant, Plant);
        await TopicAdmin.EnsureAsync(_kafka, new Dictionary<string, int> { [_topic] = 4 });
        var before = DateTimeOffset.UtcNow;

        // High rates so every kind is placed whatever the hour the test runs; drift on one machine leaves the other's nights free.
        // No --anomalies-from: the last 7 days of the back-fill.
        var code = await IngestCli.InvokeAsync(["simulate", "--plant", plant, "--seed", "7", "--backfill", "8d", "--anomalies",
            "--anomaly-rate", "long=4,burst=4,reason=4,drift=1", "--labels", labelsFile, "--until-now", "--topic", _topic]);

        Assert.Equal(0, code);
        var labels = ReadLabels(await File.ReadAllTextAsync(labelsFile));
        Assert.Equal(Kinds, labels.Select(l => l.Kind).Distinct().Order(StringComparer.Ordinal));
        Assert.All(labels, l =>
        {
            Assert.Contains(l.MachineId, (string[])["cut-01", "cut-02"]);
            Assert.InRange(l.Start, before.AddDays(-7).AddSeconds(-1), DateTimeOffset.UtcNow);
            Assert.Equal(l.Stops[0].Start, l.Start);
            Assert.True(l.End > l.Start, $"{l.Kind} on {l.MachineId} at {l.Start:O} ends at {l.End:O}");
        });
        Assert.Single(labels.Where(l => l.Kind == "night_drift").Select(l => l.MachineId).Distinct());

        var events = Consume(_topic).Where(e => e.Type == EventType.State).ToLookup(e => e.MachineId);
        foreach (var label in labels)
        {
            foreach (var stop in label.Stops)
            {
                var down = events[label.MachineId].SingleOrDefault(e => e.Ts == stop.Start);
                Assert.True(down is { State: MachineState.Down } && down.Reason == stop.Reason,
                    $"{label.Kind} on {label.MachineId}: expected down/{stop.Reason} at {stop.Start:O}, got {down?.State}/{down?.Reason}");
            }
        }

        // A long stop lasts its labelled seconds: the machine's next state event is at its end.
        foreach (var label in labels.Where(l => l.Kind == "long_stop"))
        {
            var next = events[label.MachineId].Where(e => e.Ts > label.Start).MinBy(e => e.Ts);
            Assert.Equal(label.Start.AddSeconds(label.Stops[0].Seconds), next?.Ts);
        }

        // An unusual reason is one the machine never stops with outside the labels.
        var labelled = labels.SelectMany(l => l.Stops.Select(s => (l.MachineId, s.Start))).ToHashSet();
        foreach (var label in labels.Where(l => l.Kind == "unusual_reason"))
        {
            Assert.DoesNotContain(events[label.MachineId], e => e.Reason == label.Stops[0].Reason && !labelled.Contains((e.MachineId, e.Ts)));
        }
    }

    [Fact]
    public async Task Simulate_WithABackfillRate_SendsNoFasterThanIt()
    {
        var plant = Path.Combine(_dir, "plant.json");
        await File.WriteAllTextAsync(plant, Plant);
        await TopicAdmin.EnsureAsync(_kafka, new Dictionary<string, int> { [_topic] = 4 });
        var sw = System.Diagnostics.Stopwatch.StartNew();

        Assert.Equal(0, await IngestCli.InvokeAsync(["simulate", "--plant", plant, "--backfill", "1d", "--until-now", "--backfill-rate", "1000", "--topic", _topic]));

        // Unpaced, a day of this plant (a few thousand events) is sent in well under a second.
        var elapsed = sw.Elapsed.TotalSeconds;
        var sent = Consume(_topic).Count;
        Assert.InRange(sent, 2000, int.MaxValue);
        Assert.InRange(elapsed, sent / 1000.0 * 0.95, 60);
    }

    [Fact]
    public async Task Simulate_WhenTheLabelsFileCannotBeWritten_IsAUsageErrorNamingTheOption_BeforeAnythingIsSent()
    {
        var labelsFile = Path.Combine(_dir, "missing", "labels.json");

        var (code, output) = await ChildProcess.RunAsync(Repo.Dll("ingest/Ms5.Ingest", "Ms5.Ingest"), new Dictionary<string, string>(), TimeSpan.FromSeconds(60),
            "simulate", "--plant", Repo.DemoPlant, "--backfill", "1d", "--anomalies", "--labels", labelsFile, "--until-now", "--topic", _topic);

        Assert.Equal(2, code);
        Assert.Contains($"simulate: --labels {labelsFile}: Could not find a part of the path", output, StringComparison.Ordinal);
        Assert.DoesNotContain("simulating plant", output, StringComparison.Ordinal);
    }

    private sealed record Stop(DateTimeOffset Start, double Seconds, string Reason);

    private sealed record Label(string Kind, string MachineId, DateTimeOffset Start, DateTimeOffset End, IReadOnlyList<Stop> Stops);

    /// <summary>Reads the file as an evaluator would; every time must be ISO-8601 UTC ("…Z").</summary>
    private static List<Label> ReadLabels(string json)
    {
        static DateTimeOffset Utc(JsonElement e)
        {
            var text = e.GetString()!;
            Assert.EndsWith("Z", text, StringComparison.Ordinal);
            return DateTimeOffset.Parse(text, CultureInfo.InvariantCulture);
        }

        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.EnumerateArray().Select(l => new Label(
            l.GetProperty("kind").GetString()!,
            l.GetProperty("machineId").GetString()!,
            Utc(l.GetProperty("start")),
            Utc(l.GetProperty("end")),
            l.GetProperty("stops").EnumerateArray().Select(s => new Stop(Utc(s.GetProperty("start")), s.GetProperty("seconds").GetDouble(), s.GetProperty("reason").GetString()!)).ToList())).ToList();
    }

    /// <summary>Every event on the topic; fails when the dev broker evicted any (the test would then see only part of the history).</summary>
    private List<MachineEvent> Consume(string topic)
    {
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(_kafka.ConsumerConfig($"{topic}.reader", "simcli-test")).Build();
        var partitions = Enumerable.Range(0, 4).Select(p => new TopicPartition(topic, p)).ToList();
        var ends = partitions.ToDictionary(p => p.Partition.Value, p => consumer.QueryWatermarkOffsets(p, TimeSpan.FromSeconds(10)));
        Assert.All(ends.Values, w => Assert.Equal(0, w.Low.Value));
        consumer.Assign(partitions.Select(p => new TopicPartitionOffset(p, Offset.Beginning)));
        var events = new List<MachineEvent>();
        var remaining = ends.Values.Sum(w => w.High.Value);
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (remaining > 0 && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromSeconds(1)) is { Message.Value: { } value })
            {
                events.Add(EventParser.Parse(value).Event ?? throw new InvalidOperationException("not a contract event"));
                remaining--;
            }
        }

        Assert.Equal(0, remaining);
        return events;
    }
}
