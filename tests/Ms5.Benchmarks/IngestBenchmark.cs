using System.Diagnostics;
using System.Globalization;
using Ms5.Analytics.Events;
using Ms5.Analytics.Plant;
using Ms5.Analytics.Simulation;
using Ms5.Kafka;
using Ms5.Postgres;
using Npgsql;

namespace Ms5.Benchmarks;

/// <summary>
/// Simulated events → Kafka → the real PostgreSQL historian process, against the raw Npgsql binary
/// COPY rate into the same table in the same run. Sized for the dev broker: each partition keeps at
/// most 5 MiB, so the topic gets enough partitions to hold every event before the sink starts.
/// </summary>
internal static class IngestBenchmark
{
    private const int BatchSize = 20_000;

    public static async Task<int> RunAsync(int total, int partitions, int copies, int sinkBatchSize, bool keep)
    {
        var sinkBatch = sinkBatchSize.ToString(CultureInfo.InvariantCulture);
        var run = Guid.NewGuid().ToString("N")[..8];
        var dbName = $"ms5_bench_{run}";
        var topic = $"bench.{run}.events";
        var adminCs = PgConnectionString.FromEnvironment();
        var cs = PgConnectionString.WithDatabase(adminCs, dbName);
        var kafka = KafkaOptions.FromEnvironment();
        var root = FindRoot();

        Console.WriteLine($"[bench ingest] {total:N0} simulated events, topic {topic} ({partitions} partitions), database {dbName}");
        await ExecAsync(adminCs, $"CREATE DATABASE {dbName}");
        try
        {
            await Migrator.MigrateAsync(cs);
            // Events are keyed by machine, so a plant of 12 machines would fill only 12 partitions (and
            // overflow the dev broker's 5 MiB per partition). The bench plant repeats the demo plant's
            // lines: 40 copies × (3 lines × 4 machines) = 480 machines spread over the partitions.
            var plantJson = BenchPlant(await File.ReadAllTextAsync(Path.Combine(root, "infra", "plants", "demo-plant.json")), copies);
            var plant = PlantConfigParser.Parse(plantJson);
            Console.WriteLine($"[bench ingest] bench plant: {plant.Lines.Count} lines, {plant.Machines.Count()} machines");
            await using var db = NpgsqlDataSource.Create(cs);
            await new PlantStore(db).SaveAsync(plant, plantJson);

            var sw = Stopwatch.StartNew();
            var events = Simulate(plant, SimulationProfiles.Parse(plantJson), total);
            var payloads = events.Select(e => (Key: System.Text.Encoding.UTF8.GetBytes(e.MachineId), Value: EventJson.ToUtf8(e))).ToList();
            var avgBytes = payloads.Average(p => p.Value.Length);
            Console.WriteLine($"[bench ingest] simulated {events.Count:N0} events ({avgBytes:0} bytes each as JSON) in {sw.Elapsed.TotalSeconds:0.0}s");

            // 1. Raw Npgsql binary COPY into raw_events, same batch size, one transaction per batch.
            await new PartitionManager(db).EnsureAsync(events.Select(e => e.Ts), CancellationToken.None);
            var copyRate = await CopyBaselineAsync(db, events);
            Console.WriteLine($"[bench ingest] raw binary COPY into raw_events: {copyRate:N0} rows/s");
            await ExecAsync(cs, "TRUNCATE raw_events, state_intervals, kafka_offsets");
            await ExecAsync(cs, "VACUUM ANALYZE raw_events");

            // 2. Pre-fill the topic (the sink is not running yet).
            var perPartitionMiB = avgBytes * total / partitions / (1024.0 * 1024.0);
            Console.WriteLine($"[bench ingest] ~{perPartitionMiB:0.0} MiB per partition (dev broker keeps 5 MiB per partition: nothing is evicted)");
            await TopicAdmin.EnsureAsync(kafka, new Dictionary<string, int> { [topic] = partitions });
            sw.Restart();
            using (var producer = new EventProducer(kafka, "ms5-bench"))
            {
                foreach (var (key, value) in payloads)
                {
                    producer.ProduceRaw(topic, key, value);
                }

                producer.Flush(TimeSpan.FromMinutes(5));
                if (producer.Failed > 0)
                {
                    throw new InvalidOperationException($"{producer.Failed} events not delivered: {producer.LastError}");
                }
            }

            var produceSeconds = sw.Elapsed.TotalSeconds;
            var (low, high) = Watermarks(kafka, topic, partitions);
            Console.WriteLine($"[bench ingest] topic holds offsets {low:N0}..{high:N0} summed over partitions ({(low == 0 ? "nothing evicted" : $"{low:N0} EVICTED by the dev broker's retention")})");
            Console.WriteLine($"[bench ingest] produced {total:N0} events to Kafka (idempotent, acks=all) in {produceSeconds:0.00}s = {total / produceSeconds:N0} events/s");

            // 3. The real historian process drains the topic into PostgreSQL.
            var (sinkRate, sinkSeconds) = await RunSinkAsync(root, kafka, cs, topic, run, total, sinkBatch);
            var stored = await ScalarAsync(cs, "SELECT count(*) FROM raw_events");
            var rejected = await ScalarAsync(cs, "SELECT count(*) FROM dead_letters");
            if (rejected > 0)
            {
                Console.WriteLine($"[bench ingest] {rejected:N0} events were dead-lettered; first reason: {await TextAsync(cs, "SELECT reason FROM dead_letters ORDER BY id LIMIT 1")}");
            }

            Console.WriteLine($"[bench ingest] historian-pg stored {stored:N0} rows in {sinkSeconds:0.00}s: sustained {sinkRate:N0} events/s (Kafka consume + parse + validate + COPY + state intervals + offsets, one transaction per batch)");
            Console.WriteLine($"[bench ingest] end to end (produce + drain): {total / (produceSeconds + sinkSeconds):N0} events/s");
            Console.WriteLine();
            Console.WriteLine($"  raw COPY rate      {copyRate,12:N0} rows/s");
            Console.WriteLine($"  pipeline rate      {sinkRate,12:N0} events/s");
            Console.WriteLine($"  ratio              {sinkRate / copyRate,12:P0}   (goal: at least 50%)");
            return stored == total ? 0 : 1;
        }
        finally
        {
            await TopicAdmin.DeleteDevTopicAsync(kafka, topic);
            NpgsqlConnection.ClearAllPools();
            if (keep)
            {
                Console.WriteLine($"[bench ingest] kept database {dbName}");
            }
            else
            {
                await ExecAsync(adminCs, $"DROP DATABASE IF EXISTS {dbName} WITH (FORCE)");
            }
        }
    }

    internal static string BenchPlant(string demoJson, int copies)
    {
        var root = System.Text.Json.Nodes.JsonNode.Parse(demoJson)!.AsObject();
        var demoLines = root["lines"]!.AsArray();
        var lines = new System.Text.Json.Nodes.JsonArray();
        for (var c = 0; c < copies; c++)
        {
            foreach (var line in demoLines)
            {
                var copy = line!.DeepClone().AsObject();
                copy["id"] = $"{copy["id"]}-{c:00}";
                foreach (var m in copy["machines"]!.AsArray())
                {
                    m!["id"] = $"{m["id"]}-{c:00}";
                }

                lines.Add(copy);
            }
        }

        root["lines"] = lines;
        root["shifts"] = new System.Text.Json.Nodes.JsonArray();
        root.Remove("andon"); // its line scopes name the demo's lines: the copies get the default rules
        return root.ToJsonString();
    }

    internal static List<MachineEvent> Simulate(PlantConfig plant, IReadOnlyDictionary<string, SimulationProfile> profiles, int total)
    {
        // A busy plant around the clock, counting every second; then shifted so that the last event
        // lies a minute in the past (the historian refuses events from the future).
        var always = plant with { Calendar = ShiftCalendar.AlwaysOn(plant.TimeZone) };
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var sim = new PlantSimulator(always, start, new SimulatorOptions { CountInterval = TimeSpan.FromSeconds(1), Seed = 7, Profiles = profiles });
        var events = new List<MachineEvent>(total + 1000);
        var clock = start;
        while (events.Count < total)
        {
            clock += TimeSpan.FromMinutes(10);
            events.AddRange(sim.AdvanceTo(clock));
        }

        events.RemoveRange(total, events.Count - total);
        var shift = DateTimeOffset.UtcNow.AddMinutes(-1) - events[^1].Ts;
        shift = TimeSpan.FromSeconds(Math.Floor(shift.TotalSeconds));
        return events.Select(e => e with { Ts = e.Ts + shift }).ToList();
    }

    private static async Task<double> CopyBaselineAsync(NpgsqlDataSource db, List<MachineEvent> events)
    {
        // The same COPY code the historian uses, nothing else: one COPY and one transaction per batch.
        var sourced = events.Select((e, i) => new SourcedEvent(e, 0, i)).ToList();
        var sw = Stopwatch.StartNew();
        for (var start = 0; start < sourced.Count; start += BatchSize)
        {
            await using var conn = await db.OpenConnectionAsync();
            await using var tx = await conn.BeginTransactionAsync();
            HistorianWriter.CopyRaw(conn, sourced.GetRange(start, Math.Min(BatchSize, sourced.Count - start)), DateTimeOffset.UtcNow);
            await tx.CommitAsync();
        }

        return events.Count / sw.Elapsed.TotalSeconds;
    }

    private static async Task<(double Rate, double Seconds)> RunSinkAsync(string root, KafkaOptions kafka, string cs, string topic, string run, int total, string batch)
    {
        var (_, rate, seconds, _) = await StreamHost.DrainAsync(root, kafka, cs, new Dictionary<string, string>
        {
            ["Stream__Topic"] = topic,
            ["Stream__DlqTopic"] = Topics.MachineEventsDlq,
            ["Stream__PgGroup"] = $"bench.{run}.pg",
            ["Stream__Sinks"] = "pg",
            ["Stream__MaxBatchSize"] = batch,
        }, total);
        return (rate, seconds);
    }

    internal static async Task ExecAsync(string cs, string sql)
    {
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 600 };
        await cmd.ExecuteNonQueryAsync();
    }

    internal static async Task<long> ScalarAsync(string cs, string sql)
    {
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    private static (long Low, long High) Watermarks(KafkaOptions kafka, string topic, int partitions)
    {
        using var consumer = new Confluent.Kafka.ConsumerBuilder<byte[], byte[]>(kafka.ConsumerConfig("bench-watermarks", "bench")).Build();
        long low = 0, high = 0;
        for (var p = 0; p < partitions; p++)
        {
            var w = consumer.QueryWatermarkOffsets(new Confluent.Kafka.TopicPartition(topic, p), TimeSpan.FromSeconds(10));
            low += w.Low.Value;
            high += w.High.Value;
        }

        return (low, high);
    }

    private static async Task<string?> TextAsync(string cs, string sql)
    {
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        return (string?)await cmd.ExecuteScalarAsync();
    }

    internal static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "MS5.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? Directory.GetCurrentDirectory();
    }
}
