using Ms5.Analytics.Events;
using Ms5.Analytics.Oee;
using Ms5.Analytics.Plant;
using Ms5.Integration.Tests.Support;
using Ms5.Kafka;
using Ms5.Postgres;

namespace Ms5.Integration.Tests.Oee;

[Collection(StackCollections.Crash)]
public sealed class OeeCrashTests(StackFixture stack)
{
    private const string PlantJson = """
        { "plantId": "crash-test", "timeZone": "UTC",
          "reasonCodes": [ { "code": "jam", "category": "unplanned" } ],
          "lines": [ { "id": "crash-line", "machines": [
            { "id": "cr-1", "idealCycleSeconds": 1.0 }, { "id": "cr-2", "idealCycleSeconds": 2.0 },
            { "id": "cr-3", "idealCycleSeconds": 0.5 }, { "id": "cr-4", "idealCycleSeconds": 1.5 } ] } ] }
        """;

    [Fact]
    public Task KillingTheEngineRepeatedlyUnderLoad_LeavesBucketsEqualToAFromScratchRecomputation() =>
        KillRepeatedlyUnderLoadAsync("crash", PlantJson, [], kills: 3, count: 12_000);

    /// <summary>
    /// The same with every batch written in lanes (BatchLanes: one transaction per group of partitions, at the same time;
    /// here three lanes from 100 events on, where a backlog's default is two from 20,000). A kill between the lanes'
    /// commits leaves some of a batch's partitions stored and the rest not: the batch is read again, and what was stored
    /// is then a duplicate.
    /// </summary>
    [Fact]
    public Task KillingTheEngineWritingInLanes_LeavesBucketsEqualToAFromScratchRecomputation() =>
        KillRepeatedlyUnderLoadAsync("lanes", PlantJson.Replace("crash-", "lanes-", StringComparison.Ordinal).Replace("\"cr-", "\"ln-", StringComparison.Ordinal),
            new Dictionary<string, string> { ["Stream__WriteLanes"] = "3", ["Stream__WriteLaneMinEvents"] = "100" }, kills: 2, count: 6_000);

    private async Task KillRepeatedlyUnderLoadAsync(string name, string plantJson, Dictionary<string, string> extraEnv, int kills, int count)
    {
        var plant = PlantConfigParser.Parse(plantJson);
        await new PlantStore(stack.Db).SaveAsync(plant, plantJson);
        var machines = plant.Machines.Select(m => m.Id).ToArray();
        var topic = $"test.{stack.RunId}.{name}";
        await TopicAdmin.EnsureAsync(stack.Kafka, new Dictionary<string, int> { [topic] = 4 });

        // count events (12,000: ten recent minutes) at 50 ms steps: states every 40 events, counts between, some duplicates.
        var start = BucketCalculator.Floor(Some.Now).AddMinutes(-20);
        var rng = new Random(5);
        string[] states = ["running", "down", "running", "idle", "running", "setup"];
        var events = new List<MachineEvent>();
        for (var i = 0; i < count; i++)
        {
            var machine = machines[i % 4];
            var ts = start.AddMilliseconds(i * 50);
            events.Add(i % 40 < 4
                ? MachineEvent.StateChange(Guid.NewGuid(), machine, ts, ContractNames.TryParseState(states[(i / 40) % states.Length], out var s) ? s : MachineState.Running, i % 3 == 0 ? "jam" : null)
                : MachineEvent.Counts(Guid.NewGuid(), machine, ts, rng.Next(0, 3), rng.Next(0, 2)));
        }

        var messages = events.Select(e => ((string?)e.MachineId, EventJson.ToJson(e))).ToList();
        messages.AddRange(messages.Where((_, i) => i % 97 == 0).ToList());

        // The engine's connections carry a name, so the test sees when one of its transactions is open.
        var env = stack.StreamEnv(name, topic, "oee");
        env["MS5_PG"] = stack.Pg + $";Application Name=ms5-{name}-engine";
        foreach (var (key, value) in extraEnv)
        {
            env[key] = value;
        }

        var engine = ChildProcess.Start(Repo.EngineDll, env);
        var midBatch = 0;
        try
        {
            await StackFixture.WaitForAssignmentAsync(engine, 1);
            var producing = Task.Run(async () =>
            {
                foreach (var chunk in messages.Chunk(500))
                {
                    await stack.ProduceAsync(topic, chunk);
                    await Task.Delay(150);
                }
            });

            for (var kill = 0; kill < kills; kill++)
            {
                await Task.Delay(rng.Next(700, 1500));
                // kill -9 while a batch's transaction is open (events stored, buckets computed, offsets not yet committed).
                await Eventually.TrueAsync(async () => await stack.ScalarAsync(
                        "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND xact_start IS NOT NULL AND state IN ('active', 'idle in transaction')", $"ms5-{name}-engine") > 0,
                    TimeSpan.FromSeconds(30), () => "an engine transaction to be open", pollMs: 1);
                engine.Kill();
                midBatch++;
                engine.Dispose();
                engine = ChildProcess.Start(Repo.EngineDll, env);
                await StackFixture.WaitForAssignmentAsync(engine, 1);
            }

            await producing;
            if (extraEnv.ContainsKey("Stream__WriteLanes"))
            {
                // The last engine may have found everything written: 2,000 copies at once are a batch it writes in lanes.
                // Among them three invalid messages, without key: the engine (which reads no keys or headers) counts and skips them.
                await stack.ProduceAsync(topic, [.. messages[^2_000..^1_000], (null, "{not json"), ("ln-1", "{\"eventId\":1}"), (null, EventJson.ToJson(MachineEvent.Counts(Guid.NewGuid(), "nobody", start, 1, 0))), .. messages[^1_000..]]);
            }

            await stack.WaitForDrainAsync($"test.{stack.RunId}.{name}.oee", topic, TimeSpan.FromSeconds(120));
            if (extraEnv.ContainsKey("Stream__WriteLanes"))
            {
                // Counted right after a batch's last lane returns, a moment after its offsets are visible.
                await Eventually.TrueAsync(async () => await StackFixture.MetricSumAsync(engine, "ms5_oee_batches_total", "lanes=\"3\"")
                    + await StackFixture.MetricSumAsync(engine, "ms5_oee_batches_total", "lanes=\"2\"") > 0, TimeSpan.FromSeconds(10), () => "a batch written in lanes");
                Assert.Equal(3, await StackFixture.MetricSumAsync(engine, "ms5_oee_events_total", "outcome=\"invalid\""));
            }
        }
        finally
        {
            engine.Dispose();
        }

        Assert.Equal(kills, midBatch);
        await AssertBucketsEqualFromScratchAsync(plant, events, start);
    }

    /// <summary>
    /// A batch written in two lanes where one lane fails at its very end (saving its offsets) while the other commits: the
    /// batch is written again, the committed lane's events are then duplicates (found in the store: a failed batch drops
    /// every tail), and the buckets equal a from-scratch recomputation with every event stored once.
    /// </summary>
    [Fact]
    public async Task ALaneFailingWhileTheOtherCommits_IsWrittenAgain_AndStaysExact()
    {
        var json = PlantJson.Replace("crash-", "lfail-", StringComparison.Ordinal).Replace("\"cr-", "\"lf-", StringComparison.Ordinal);
        var plant = PlantConfigParser.Parse(json);
        await new PlantStore(stack.Db).SaveAsync(plant, json);
        var topic = $"test.{stack.RunId}.lfail";
        var group = $"test.{stack.RunId}.lfail.oee";
        await TopicAdmin.EnsureAsync(stack.Kafka, new Dictionary<string, int> { [topic] = 4 });
        var start = BucketCalculator.Floor(Some.Now).AddMinutes(-20);
        var events = Load("lf", start, 8_000);
        // All of it before the engine starts: its first batch holds several partitions' events.
        await stack.ProduceAsync(topic, events.Select(e => ((string?)e.MachineId, EventJson.ToJson(e))));

        // The first offsets this group saves fail, once (a sequence: not rolled back with the failing transaction).
        var name = $"test_lfail_{stack.RunId}".Replace('-', '_');
        await stack.ScalarAsync($"""
            CREATE SEQUENCE {name}_seq;
            CREATE FUNCTION {name}_fn() RETURNS trigger LANGUAGE plpgsql AS $f$
            BEGIN
                IF NEW.consumer_group = '{group}' THEN
                    IF nextval('{name}_seq') = 1 THEN RAISE EXCEPTION 'test: this lane fails once'; END IF;
                END IF;
                RETURN NEW;
            END $f$;
            CREATE TRIGGER {name}_trg BEFORE INSERT OR UPDATE ON kafka_offsets FOR EACH ROW EXECUTE FUNCTION {name}_fn();
            SELECT 0;
            """);
        try
        {
            var env = stack.StreamEnv("lfail", topic, "oee");
            env["Stream__WriteLanes"] = "2";
            env["Stream__WriteLaneMinEvents"] = "100";
            using var engine = ChildProcess.Start(Repo.EngineDll, env);
            await StackFixture.WaitForAssignmentAsync(engine, 1);
            await stack.WaitForDrainAsync(group, topic, TimeSpan.FromSeconds(90));

            Assert.True(await stack.ScalarAsync($"SELECT last_value FROM {name}_seq") >= 2, "the failing lane and a later save");
            Assert.Equal(1, await StackFixture.MetricSumAsync(engine, "ms5_sink_write_failures_total"));
            // Counted right after the batch's last lane returns, a moment after its offsets are visible.
            await Eventually.TrueAsync(async () => await StackFixture.MetricSumAsync(engine, "ms5_oee_batches_total", "lanes=\"2\"") >= 1,
                TimeSpan.FromSeconds(10), () => "a batch written in two lanes");
        }
        finally
        {
            await stack.ScalarAsync($"DROP TRIGGER {name}_trg ON kafka_offsets; DROP FUNCTION {name}_fn(); DROP SEQUENCE {name}_seq; SELECT 0;");
        }

        await AssertBucketsEqualFromScratchAsync(plant, events, start);
        Assert.Equal(events.Count, await stack.ScalarAsync("SELECT count(*) FROM oee_events WHERE machine_id = ANY($1)", (object)plant.Machines.Select(m => m.Id).ToArray()));
    }

    /// <summary>
    /// Two engine instances in one consumer group split the machines (partitions); when one stops, the
    /// other takes its machines over from the stored offsets and buckets. Afterwards every bucket equals
    /// a from-scratch recomputation: nothing lost, nothing counted twice.
    /// </summary>
    [Fact]
    public async Task TwoInstancesSplitTheMachines_AndStoppingOneHandsThemToTheOther()
    {
        var json = PlantJson.Replace("crash-", "pair-", StringComparison.Ordinal).Replace("\"cr-", "\"pr-", StringComparison.Ordinal);
        var plant = PlantConfigParser.Parse(json);
        await new PlantStore(stack.Db).SaveAsync(plant, json);
        var topic = $"test.{stack.RunId}.pair";
        await TopicAdmin.EnsureAsync(stack.Kafka, new Dictionary<string, int> { [topic] = 4 });
        var start = BucketCalculator.Floor(Some.Now).AddMinutes(-20);
        var events = Load("pr", start, 8_000);
        var messages = events.Select(e => ((string?)e.MachineId, EventJson.ToJson(e))).ToList();
        var group = $"test.{stack.RunId}.pair.oee";

        using var a = stack.StartStream("pair", topic, sinks: "oee");
        await StackFixture.WaitForAssignmentAsync(a, 1);
        using var b = stack.StartStream("pair", topic, sinks: "oee");
        await StackFixture.WaitForAssignmentAsync(b, 1);
        await stack.ProduceAsync(topic, messages[..4_000]);
        await stack.WaitForDrainAsync(group, topic, TimeSpan.FromSeconds(60));
        // Both hold partitions after the rebalance: B's assignment is non-empty, and A was reassigned.
        await StackFixture.WaitForAssignmentAsync(a, 2);
        var (_, bPartitions) = await StackFixture.ConsumerStateAsync(b);
        Assert.InRange(bPartitions, 1, 4);

        a.Stop();
        await stack.ProduceAsync(topic, messages[4_000..]);
        await stack.WaitForDrainAsync(group, topic, TimeSpan.FromSeconds(90));
        // A's partitions went to B: it owns all four.
        await Eventually.TrueAsync(async () => (await StackFixture.ConsumerStateAsync(b)).Partitions == 4, TimeSpan.FromSeconds(30), () => "B to own all 4 partitions");
        await AssertBucketsEqualFromScratchAsync(plant, events, start);
    }

    /// <summary>
    /// Producers that key messages by something else than the machine (against the contract) spread a machine's
    /// events over partitions that two instances own: both then write the same machine. Each instance notices
    /// the other's writes (the machine's event version) and recomputes from the store instead of its memory.
    /// </summary>
    [Fact]
    public async Task TwoInstancesWritingTheSameMachines_StayExact()
    {
        var json = PlantJson.Replace("crash-", "mixk-", StringComparison.Ordinal).Replace("\"cr-", "\"mk-", StringComparison.Ordinal);
        var plant = PlantConfigParser.Parse(json);
        await new PlantStore(stack.Db).SaveAsync(plant, json);
        var topic = $"test.{stack.RunId}.mixk";
        await TopicAdmin.EnsureAsync(stack.Kafka, new Dictionary<string, int> { [topic] = 4 });
        var start = BucketCalculator.Floor(Some.Now).AddMinutes(-20);
        var events = Load("mk", start, 6_000);
        var messages = events.Select(e => ((string?)e.EventId.ToString("N"), EventJson.ToJson(e))).ToList();
        var group = $"test.{stack.RunId}.mixk.oee";

        using var a = stack.StartStream("mixk", topic, sinks: "oee");
        await StackFixture.WaitForAssignmentAsync(a, 1);
        using var b = stack.StartStream("mixk", topic, sinks: "oee");
        await StackFixture.WaitForAssignmentAsync(b, 1);
        await StackFixture.WaitForAssignmentAsync(a, 2);
        for (var i = 0; i < messages.Count; i += 1_000)
        {
            await stack.ProduceAsync(topic, messages[i..Math.Min(messages.Count, i + 1_000)]);
            await stack.WaitForDrainAsync(group, topic, TimeSpan.FromSeconds(60));
        }

        await AssertBucketsEqualFromScratchAsync(plant, events, start);
    }

    /// <summary>Events over recent minutes for machines {prefix}-1..4: states every 40 events, counts between.</summary>
    private static List<MachineEvent> Load(string prefix, DateTimeOffset start, int count)
    {
        var rng = new Random(7);
        string[] states = ["running", "down", "running", "idle", "running", "setup"];
        var events = new List<MachineEvent>(count);
        for (var i = 0; i < count; i++)
        {
            var machine = $"{prefix}-{(i % 4) + 1}";
            var ts = start.AddMilliseconds(i * 50);
            events.Add(i % 40 < 4
                ? MachineEvent.StateChange(Guid.NewGuid(), machine, ts, ContractNames.TryParseState(states[(i / 40) % states.Length], out var s) ? s : MachineState.Running, i % 3 == 0 ? "jam" : null)
                : MachineEvent.Counts(Guid.NewGuid(), machine, ts, rng.Next(0, 3), rng.Next(0, 2)));
        }

        return events;
    }

    private async Task AssertBucketsEqualFromScratchAsync(PlantConfig plant, List<MachineEvent> events, DateTimeOffset start)
    {
        var from = start;
        var to = BucketCalculator.Floor(events.Max(e => e.Ts));
        var losses = LossClassifier.For(plant);
        foreach (var machine in plant.Machines)
        {
            var expected = BucketCalculator.MinuteBuckets(events.Where(e => e.MachineId == machine.Id), machine.IdealCycle, plant.Calendar, losses, from, to);
            // And, written apart from the engine's calculator, a millisecond-by-millisecond reference.
            var reference = ReferenceOee.Compute(events.Where(e => e.MachineId == machine.Id), machine.IdealCycleTime.TotalSeconds, losses.Settings.MicroStopThreshold, from, to);
            await using var cmd = stack.Db.CreateCommand("""
                SELECT minute, planned_seconds, run_seconds, unplanned_stop_seconds, setup_seconds, micro_stop_seconds, good_count, reject_count, ideal_seconds, failure_count
                FROM oee_minute WHERE machine_id = $1 AND minute >= $2 AND minute < $3 ORDER BY minute
                """);
            cmd.Parameters.AddWithValue(machine.Id);
            cmd.Parameters.AddWithValue(from.UtcDateTime);
            cmd.Parameters.AddWithValue(to.UtcDateTime);
            await using var r = await cmd.ExecuteReaderAsync();
            var rows = 0;
            while (await r.ReadAsync())
            {
                rows++;
                var minute = new DateTimeOffset(r.GetDateTime(0), TimeSpan.Zero);
                var e = expected[minute];
                var x = reference[minute];
                Assert.Equal((x.Planned, x.Good, x.Reject, x.Failures), (r.GetDouble(1), r.GetInt64(6), r.GetInt64(7), r.GetInt64(9)));
                Assert.Equal(x.Run, r.GetDouble(2), 6);
                Assert.Equal(x.Unplanned, r.GetDouble(3), 6);
                Assert.Equal(x.Setup, r.GetDouble(4), 6);
                Assert.Equal(x.MicroStop, r.GetDouble(5), 6);
                Assert.Equal(x.Ideal, r.GetDouble(8), 6);
                Assert.Equal(
                    (e.PlannedSeconds, e.RunSeconds, e.UnplannedStopSeconds, e.SetupSeconds, e.MicroStopSeconds, e.GoodCount, e.RejectCount, e.IdealSeconds, e.FailureCount),
                    (r.GetDouble(1), r.GetDouble(2), r.GetDouble(3), r.GetDouble(4), r.GetDouble(5), r.GetInt64(6), r.GetInt64(7), r.GetDouble(8), r.GetInt64(9)));
            }

            Assert.Equal(expected.Count, rows);
        }

        // Independent of the calculator: every part of every distinct event is counted once, and ideal time is
        // cycle time × parts (the cycle times 0.5, 1, 1.5 and 2 s make these sums exact in floating point).
        var inRange = events.Where(e => e.Ts >= from && e.Ts < to && e.Type == EventType.Count).DistinctBy(e => e.EventId).ToList();
        var cycles = plant.Machines.ToDictionary(m => m.Id, m => m.IdealCycleTime.TotalSeconds);
        var ids = plant.Machines.Select(m => m.Id).ToArray();
        Assert.Equal(inRange.Sum(e => e.Good ?? 0), await stack.ScalarAsync("SELECT coalesce(sum(good_count), 0) FROM oee_minute WHERE machine_id = ANY($1) AND minute >= $2 AND minute < $3", ids, from.UtcDateTime, to.UtcDateTime));
        Assert.Equal(inRange.Sum(e => e.Reject ?? 0), await stack.ScalarAsync("SELECT coalesce(sum(reject_count), 0) FROM oee_minute WHERE machine_id = ANY($1) AND minute >= $2 AND minute < $3", ids, from.UtcDateTime, to.UtcDateTime));
        Assert.Equal((long)inRange.Sum(e => cycles[e.MachineId] * ((e.Good ?? 0) + (e.Reject ?? 0)) * 1000),
            await stack.ScalarAsync("SELECT coalesce(round(sum(ideal_seconds) * 1000), 0)::bigint FROM oee_minute WHERE machine_id = ANY($1) AND minute >= $2 AND minute < $3", ids, from.UtcDateTime, to.UtcDateTime));
    }
}
