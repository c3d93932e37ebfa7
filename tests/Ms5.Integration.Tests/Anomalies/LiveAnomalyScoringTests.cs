using System.Globalization;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Ms5.Analytics.Anomalies;
using Ms5.Analytics.Contracts;
using Ms5.Analytics.Plant;
using Ms5.Analytics.Tests;
using Ms5.Integration.Tests.Support;
using Ms5.Kafka;
using Ms5.Ml;
using Ms5.Postgres;

namespace Ms5.Integration.Tests.Anomalies;

/// <summary>
/// The OEE engine host's live downtime scorer against the run's PostgreSQL, Kafka and InfluxDB. History is written
/// straight into state_intervals: four machines with a 150–250 s jam every two hours for 15 days; a model is trained on
/// it (DowntimeTrainer, as POST /api/ml/downtime/train does); then a jam is opened on m1 and the engine, scoring every
/// second, must flag it while it is open, publish it once, mirror it, raise the machine's anomalous_stop Andon, and
/// update the same flag when the stop ends. A plant whose history lies in the past is judged as of its newest event.
/// </summary>
[Collection(StackCollections.Stack)]
public sealed class LiveAnomalyScoringTests(StackFixture stack)
{
    private sealed record Span(string Machine, DateTimeOffset Start, DateTimeOffset? End, string State, string? Reason);

    private static string PlantJson(string plant, string[] machines) => $$"""
        { "plantId": "{{plant}}", "name": "Live anomaly plant", "timeZone": "UTC",
          "reasonCodes": [ { "code": "jam", "category": "unplanned" } ],
          "shifts": [ { "name": "day", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "00:00", "end": "23:59" } ],
          "andon": { "escalationMinutes": [60], "rules": [
            { "id": "unusual", "kind": "anomalous_stop", "severity": "warning", "machines": ["{{machines[0]}}"] } ] },
          "lines": [ { "id": "{{plant}}-line", "name": "Line", "machines": [
            {{string.Join(", ", machines.Select(m => $$"""{ "id": "{{m}}", "name": "{{m}}", "idealCycleSeconds": 2.0 }"""))}} ] } ] }
        """;

    private static DateTimeOffset Seconds(DateTimeOffset t) => new(t.UtcTicks - (t.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);

    /// <summary>Saves the plant, writes 15 days of normal jams up to <paramref name="end"/> (each machine running from its last one on) and trains on 14 days.</summary>
    private async Task<(PlantConfig Plant, string[] Machines)> TrainedPlantAsync(string p, DateTimeOffset end)
    {
        var machines = Enumerable.Range(1, 4).Select(i => $"{p}-m{i}").ToArray();
        var json = PlantJson(p, machines);
        var plant = PlantConfigParser.Parse(json);
        await new PlantStore(stack.Db).SaveAsync(plant, json);
        var rnd = new Random(7);
        var spans = new List<Span>();
        var from = new DateTimeOffset(end.UtcDateTime.Date, TimeSpan.Zero).AddDays(-15);
        foreach (var m in machines)
        {
            var at = from;
            for (var t = from.AddMinutes(30); t < end.AddHours(-1); t = t.AddHours(2))
            {
                var stopEnd = t.AddSeconds(150 + rnd.Next(0, 101));
                spans.Add(new Span(m, at, t, "running", null));
                spans.Add(new Span(m, t, stopEnd, "down", "jam"));
                at = stopEnd;
            }

            spans.Add(new Span(m, at, null, "running", null));
        }

        await InsertAsync(spans);
        var trainer = new DowntimeTrainer(new PlantStore(stack.Db), new AnomalyStore(stack.Db), new DowntimeTrainingOptions(), TimeProvider.System, NullLogger<DowntimeTrainer>.Instance);
        var trained = await trainer.TrainAsync(plant, 14, until: end);
        Assert.Equal(DowntimeModelStatus.Ready, trained.Model.Status);
        return (plant, machines);
    }

    private async Task InsertAsync(IReadOnlyList<Span> spans)
    {
        await using var cmd = stack.Db.CreateCommand("""
            INSERT INTO state_intervals (machine_id, start_ts, end_ts, state, reason, event_id)
            SELECT m, s, e, st, r, gen_random_uuid() FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[], $4::text[], $5::text[]) AS u(m, s, e, st, r)
            """);
        cmd.Parameters.AddWithValue(spans.Select(s => s.Machine).ToArray());
        cmd.Parameters.AddWithValue(spans.Select(s => s.Start.UtcDateTime).ToArray());
        cmd.Parameters.Add(new Npgsql.NpgsqlParameter { Value = spans.Select(s => s.End is { } e ? (object)e.UtcDateTime : DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.TimestampTz });
        cmd.Parameters.AddWithValue(spans.Select(s => s.State).ToArray());
        cmd.Parameters.Add(new Npgsql.NpgsqlParameter { Value = spans.Select(s => (object?)s.Reason ?? DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text });
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>Ends the machine's current (open) interval at <paramref name="at"/> and starts <paramref name="state"/> there, as the historian does for a state event.</summary>
    private async Task ChangeStateAsync(string machine, DateTimeOffset at, string state, string? reason)
    {
        await using (var close = stack.Db.CreateCommand("UPDATE state_intervals SET end_ts = $2 WHERE machine_id = $1 AND end_ts IS NULL"))
        {
            close.Parameters.AddWithValue(machine);
            close.Parameters.AddWithValue(at.UtcDateTime);
            Assert.Equal(1, await close.ExecuteNonQueryAsync());
        }

        await InsertAsync([new Span(machine, at, null, state, reason)]);
    }

    /// <summary>
    /// An engine host scoring every second, publishing flags to <paramref name="anomalyTopic"/> and Andons to
    /// <paramref name="andonTopic"/>; the topics exist when it returns, so a reader may subscribe (before or after).
    /// </summary>
    private async Task<ChildProcess> StartEngineAsync(string name, string anomalyTopic, string andonTopic)
    {
        var input = $"test.{stack.RunId}.{name}-in";
        await TopicAdmin.EnsureAsync(stack.Kafka, new Dictionary<string, int> { [input] = 1, [anomalyTopic] = 1, [andonTopic] = 1 });
        var env = stack.StreamEnv(name, input, sinks: "oee");
        env["Stream__AndonTopic"] = andonTopic;
        env["Stream__AnomalyScoring__Topic"] = anomalyTopic;
        env["Stream__AnomalyScoring__Interval"] = "00:00:01";
        env["Stream__AnomalyScoring__ModelCheckInterval"] = "00:00:01";
        return ChildProcess.Start(Repo.EngineDll, env);
    }

    private IConsumer<byte[]?, byte[]?> Reader(params string[] topics)
    {
        var consumer = new ConsumerBuilder<byte[]?, byte[]?>(stack.Kafka.ConsumerConfig($"test.{stack.RunId}.reader.{Guid.NewGuid():N}", "test-live-anomaly-reader")).Build();
        consumer.Subscribe(topics);
        return consumer;
    }

    private static bool Take(IConsumer<byte[]?, byte[]?> consumer, List<ConsumeResult<byte[]?, byte[]?>> into)
    {
        while (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { } m)
        {
            into.Add(m);
        }

        return true;
    }

    private static List<AnomalyMessage> Flags(IEnumerable<ConsumeResult<byte[]?, byte[]?>> messages, string topic, Guid id) =>
        messages.Where(m => m.Topic == topic).Select(m => JsonSerializer.Deserialize(m.Message.Value, ContractJson.Default.AnomalyMessage)!).Where(f => f.Id == id).ToList();

    private static async Task<double> ScoringRunsAsync(ChildProcess engine)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) }; // a host's /metrics on a CI machine with every core busy can take over 5 s
        try
        {
            var text = await http.GetStringAsync(new Uri($"http://127.0.0.1:{engine.Environment["Stream__MetricsPort"]}/metrics"));
            return text.Split('\n').Where(l => l.StartsWith("ms5_anomaly_scoring_runs_total{outcome=\"ok\"}", StringComparison.Ordinal))
                .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
        }
        catch (HttpRequestException)
        {
            return 0;
        }
    }

    private static void AssertValid(ConsumeResult<byte[]?, byte[]?> m, string schema) =>
        Assert.True(ContractSchemas.Errors(Repo.Root, schema, m.Message.Value).Count == 0,
            $"{string.Join("; ", ContractSchemas.Errors(Repo.Root, schema, m.Message.Value))}\n  {Encoding.UTF8.GetString(m.Message.Value!)}");

    [Fact]
    public async Task OpenLongStop_IsFlaggedWhileOpen_PublishedOnce_Mirrored_RaisesItsAndon_AndIsUpdatedWhenItEnds()
    {
        var now = Seconds(DateTimeOffset.UtcNow);
        var (_, machines) = await TrainedPlantAsync("lsc-a", now.AddMinutes(-50));
        var (m1, m2) = (machines[0], machines[1]);
        var openStart = now.AddMinutes(-40);
        await ChangeStateAsync(m1, openStart, "down", "jam");
        // m2 reported five minutes ago: the plant is live, so the open jam is judged as of now (40 min), not as of its start.
        await ChangeStateAsync(m2, now.AddMinutes(-8), "down", "jam");
        await ChangeStateAsync(m2, now.AddMinutes(-5), "running", null);
        var id = AnomalyId.For("lsc-a", m1, openStart, AnomalyKind.LongStop);
        Assert.Null(await new AnomalyStore(stack.Db).GetAsync(id));

        var anomalyTopic = $"test.{stack.RunId}.lsc-a-anomaly";
        var andonTopic = $"test.{stack.RunId}.lsc-a-andon";
        using var engine = await StartEngineAsync("lsc-a", anomalyTopic, andonTopic);
        var reader = Reader(anomalyTopic, andonTopic);
        using var closing = reader.ClosedAtTheEnd();
        var seen = new List<ConsumeResult<byte[]?, byte[]?>>();
        var store = new AnomalyStore(stack.Db);

        await Eventually.TrueAsync(async () => await store.GetAsync(id) is { Open: true, Flagged: true }, TimeSpan.FromSeconds(60), () => $"the open jam flagged; engine: {engine.Output}");
        var open = (await store.GetAsync(id))!;
        Assert.Equal(("long_stop", "jam", m1, "lsc-a-line", (DateTimeOffset?)null, 1), (open.Kind, open.Reason, open.MachineId, open.LineId, open.End, open.ModelVersion));
        Assert.True(open.Seconds >= 40 * 60 && open.Score > 0.5, $"{open.Seconds} s, score {open.Score}");
        Assert.Contains("so far", open.Explanation, StringComparison.Ordinal);

        // Published once while open, however many runs follow (each updates the row's seconds, not notably).
        await Eventually.TrueAsync(() => Take(reader, seen) && Flags(seen, anomalyTopic, id).Count == 1, TimeSpan.FromSeconds(30), () => $"the flag on {anomalyTopic}; engine: {engine.Output}");
        var runs = await ScoringRunsAsync(engine);
        await Eventually.TrueAsync(async () => await ScoringRunsAsync(engine) >= runs + 3, TimeSpan.FromSeconds(30), () => "three more scoring runs");
        Take(reader, seen);
        var published = Assert.Single(Flags(seen, anomalyTopic, id));
        Assert.Equal((id, "lsc-a", m1, "long_stop", openStart, (DateTimeOffset?)null, true, true, 1), (published.Id, published.PlantId, published.MachineId, published.Kind, published.Start, published.End, published.Open, published.Flagged, published.ModelVersion));
        Assert.True(published.At >= now && published.Seconds >= 40 * 60, $"at {published.At:O}, {published.Seconds} s");
        Assert.Equal(m1, Encoding.UTF8.GetString(seen.First(m => m.Topic == anomalyTopic && Flags([m], anomalyTopic, id).Count == 1).Message.Key!));
        Assert.All(seen.Where(m => m.Topic == anomalyTopic), m => AssertValid(m, "anomaly.v1"));

        // Mirrored into InfluxDB at the stop's start.
        var influxQuery = $"SELECT score, seconds, flagged, \"open\", model_version FROM downtime_anomaly WHERE machine = '{m1}' AND kind = 'long_stop' AND plant = 'lsc-a'";
        using (var doc = JsonDocument.Parse(await stack.Influx.QueryAsync(influxQuery)))
        {
            var point = doc.RootElement.GetProperty("results")[0].GetProperty("series")[0].GetProperty("values").EnumerateArray().Single();
            Assert.Equal(openStart, DateTimeOffset.Parse(point[0].GetString()!, CultureInfo.InvariantCulture));
            Assert.Equal((published.Score, published.Seconds, true, true, 1L), (point[1].GetDouble(), point[2].GetDouble(), point[3].GetBoolean(), point[4].GetBoolean(), point[5].GetInt64()));
        }

        // The machine's anomalous_stop rule raised an Andon through the usual path (stored, ms5.andon.v1); m2 has no rule.
        // (The engine's timers also escalate other tests' open Andons of this run's database onto the topic: only m1's count.)
        List<AndonMessage> Andons() => seen.Where(m => m.Topic == andonTopic).Select(m => JsonSerializer.Deserialize(m.Message.Value, ContractJson.Default.AndonMessage)!).Where(a => a.Andon.MachineId == m1).ToList();
        await Eventually.TrueAsync(() => Take(reader, seen) && Andons().Count > 0, TimeSpan.FromSeconds(30), () => $"an Andon of {m1} on {andonTopic}; engine: {engine.Output}");
        var raised = Andons()[0];
        Assert.Equal(("raised", m1, "unusual", "anomalous_stop", "warning", openStart, published.At, open.Explanation),
            (raised.Transition, raised.Andon.MachineId, raised.Andon.Rule, raised.Andon.Kind, raised.Andon.Severity, raised.Andon.Since, raised.Andon.RaisedAt, raised.Andon.Summary));
        Assert.Equal(1, await stack.ScalarAsync("SELECT count(*) FROM andons WHERE rule_id = 'unusual' AND machine_id = $1 AND resolved_at IS NULL", m1));
        Assert.Equal(0, await stack.ScalarAsync("SELECT count(*) FROM andons WHERE machine_id = $1", m2));

        // The jam ends: the same flag is updated (closed), published again, and its Andon is resolved at the stop's end.
        var end = Seconds(DateTimeOffset.UtcNow);
        await ChangeStateAsync(m1, end, "running", null);
        await Eventually.TrueAsync(async () => await store.GetAsync(id) is { Open: false }, TimeSpan.FromSeconds(30), () => $"the flag closed; engine: {engine.Output}");
        var closed = (await store.GetAsync(id))!;
        Assert.Equal((end, (end - openStart).TotalSeconds, true, open.CreatedAt), (closed.End!.Value, closed.Seconds, closed.Flagged, closed.CreatedAt));
        Assert.Equal(1, await stack.ScalarAsync("SELECT count(*) FROM downtime_anomalies WHERE plant_id = 'lsc-a' AND machine_id = $1 AND stop_start = $2", m1, openStart.UtcDateTime));
        await Eventually.TrueAsync(() => Take(reader, seen) && Flags(seen, anomalyTopic, id).Count == 2, TimeSpan.FromSeconds(30), () => "the closed flag published");
        var last = Flags(seen, anomalyTopic, id)[1];
        Assert.Equal((false, (DateTimeOffset?)end, closed.Seconds), (last.Open, last.End, last.Seconds));
        await Eventually.TrueAsync(async () => await stack.ScalarAsync("SELECT count(*) FROM andons WHERE rule_id = 'unusual' AND machine_id = $1 AND resolved_at = $2 AND resolution = 'cleared'", m1, end.UtcDateTime) == 1,
            TimeSpan.FromSeconds(30), () => "the Andon resolved at the stop's end");
        await Eventually.TrueAsync(() => Take(reader, seen) && Andons().Any(a => a.Transition == "resolved"), TimeSpan.FromSeconds(30), () => "the resolution on the Andon topic");
        Assert.Equal(["raised", "resolved"], Andons().Select(a => a.Transition));
        Assert.Equal(("cleared", (DateTimeOffset?)end), (Andons()[1].Andon.Resolution, Andons()[1].Andon.ResolvedAt));
        using (var doc = JsonDocument.Parse(await stack.Influx.QueryAsync(influxQuery)))
        {
            var point = doc.RootElement.GetProperty("results")[0].GetProperty("series")[0].GetProperty("values").EnumerateArray().Single();
            Assert.Equal((closed.Seconds, false), (point[2].GetDouble(), point[4].GetBoolean()));
        }

        Take(reader, seen);
        Assert.All(seen, m => AssertValid(m, m.Topic == anomalyTopic ? "anomaly.v1" : "andon.v1"));
        engine.Stop();
    }

    [Fact]
    public async Task OpenStopFlaggedByTraining_IsPublishedByTheEngineWhileStillOpen()
    {
        var now = Seconds(DateTimeOffset.UtcNow);
        var (plant, machines) = await TrainedPlantAsync("lsc-t", now.AddMinutes(-50));
        var openStart = now.AddMinutes(-40);
        await ChangeStateAsync(machines[0], openStart, "down", "jam");
        await ChangeStateAsync(machines[1], now.AddMinutes(-8), "down", "jam");
        await ChangeStateAsync(machines[1], now.AddMinutes(-5), "running", null);

        // Training (version 2) judges the open jam itself and stores its flag before any engine runs.
        var trainer = new DowntimeTrainer(new PlantStore(stack.Db), new AnomalyStore(stack.Db), new DowntimeTrainingOptions(), TimeProvider.System, NullLogger<DowntimeTrainer>.Instance);
        Assert.Equal(2, (await trainer.TrainAsync(plant, 14)).Model.Version);
        var id = AnomalyId.For("lsc-t", machines[0], openStart, AnomalyKind.LongStop);
        Assert.True(await new AnomalyStore(stack.Db).GetAsync(id) is { Open: true, Flagged: true, ModelVersion: 2 });

        var anomalyTopic = $"test.{stack.RunId}.lsc-t-anomaly";
        using var engine = await StartEngineAsync("lsc-t", anomalyTopic, $"test.{stack.RunId}.lsc-t-andon");
        var reader = Reader(anomalyTopic);
        using var closing = reader.ClosedAtTheEnd();
        var seen = new List<ConsumeResult<byte[]?, byte[]?>>();
        await Eventually.TrueAsync(() => Take(reader, seen) && Flags(seen, anomalyTopic, id).Count >= 1, TimeSpan.FromSeconds(60), () => $"the training's open flag on {anomalyTopic}; engine: {engine.Output}");
        var runs = await ScoringRunsAsync(engine);
        await Eventually.TrueAsync(async () => await ScoringRunsAsync(engine) >= runs + 3, TimeSpan.FromSeconds(30), () => "three more scoring runs");
        Take(reader, seen);
        var message = Assert.Single(Flags(seen, anomalyTopic, id));
        Assert.Equal((true, true, 2), (message.Open, message.Flagged, message.ModelVersion));
    }

    [Fact]
    public async Task ReplayedPast_IsJudgedAsOfThePlantsNewestEvent_AndRepeatedRunsPublishNothingNew()
    {
        var historyEnd = Seconds(DateTimeOffset.UtcNow).AddDays(-3);
        var (_, machines) = await TrainedPlantAsync("lsc-r", historyEnd);
        var (m1, m2) = (machines[0], machines[1]);
        var openStart = historyEnd.AddMinutes(10);
        var newest = historyEnd.AddMinutes(50);
        await ChangeStateAsync(m1, openStart, "down", "jam");
        await ChangeStateAsync(m2, newest, "running", null);
        var id = AnomalyId.For("lsc-r", m1, openStart, AnomalyKind.LongStop);

        var anomalyTopic = $"test.{stack.RunId}.lsc-r-anomaly";
        var andonTopic = $"test.{stack.RunId}.lsc-r-andon";
        using var engine = await StartEngineAsync("lsc-r", anomalyTopic, andonTopic);
        var reader = Reader(anomalyTopic);
        using var closing = reader.ClosedAtTheEnd();
        var seen = new List<ConsumeResult<byte[]?, byte[]?>>();
        var store = new AnomalyStore(stack.Db);

        await Eventually.TrueAsync(async () => await store.GetAsync(id) is not null, TimeSpan.FromSeconds(60), () => $"the replayed open jam flagged; engine: {engine.Output}");
        await Eventually.TrueAsync(() => Take(reader, seen) && Flags(seen, anomalyTopic, id).Count == 1, TimeSpan.FromSeconds(30), () => $"the flag on {anomalyTopic}; engine: {engine.Output}");
        var runs = await ScoringRunsAsync(engine);
        await Eventually.TrueAsync(async () => await ScoringRunsAsync(engine) >= runs + 3, TimeSpan.FromSeconds(30), () => "three more scoring runs");

        // Open at the end of the history: 40 minutes as of m2's newest event, not three days as of now; the row is not touched again.
        var flag = (await store.GetAsync(id))!;
        Assert.Equal((true, true, 40 * 60.0, (DateTimeOffset?)null), (flag.Open, flag.Flagged, flag.Seconds, flag.End));
        Assert.Equal(flag.CreatedAt, flag.UpdatedAt);
        Take(reader, seen);
        var published = Assert.Single(Flags(seen, anomalyTopic, id));
        Assert.Equal((newest, 40 * 60.0, true), (published.At, published.Seconds, published.Open));
        Assert.All(seen, m => AssertValid(m, "anomaly.v1"));
        Assert.Equal(1, await stack.ScalarAsync("SELECT count(*) FROM andons WHERE rule_id = 'unusual' AND machine_id = $1 AND raised_at = $2", m1, newest.UtcDateTime));
        engine.Stop();
    }
}
