using System.Collections.Concurrent;
using System.Diagnostics;
using Ms5.Alertmanager;
using Ms5.Analytics.Events;
using Ms5.Analytics.Plant;
using Ms5.Kafka;
using Ms5.Postgres;
using Npgsql;

namespace Ms5.Benchmarks;

/// <summary>
/// ./ms5 bench andon [--rate 10000] [--seconds 30] [--downs-per-second 5]: background count events at a fixed
/// rate over 480 machines through a live OEE engine, while machines go down one after another; for each, the
/// time from the down event's production until its alert is visible in Alertmanager's API, minus the rule's
/// threshold (2 s), is the Andon latency.
/// </summary>
internal static class AndonBenchmark
{
    private static readonly TimeSpan Threshold = TimeSpan.FromSeconds(2);

    public static async Task<int> RunAsync(int rate, int seconds, double downsPerSecond)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var dbName = $"ms5_bench_{run}";
        var topic = $"bench.{run}.andon";
        var adminCs = PgConnectionString.FromEnvironment();
        var cs = PgConnectionString.WithDatabase(adminCs, dbName);
        var kafka = KafkaOptions.FromEnvironment();
        var root = IngestBenchmark.FindRoot();
        var amUrl = AlertmanagerClient.UrlFromEnvironment();
        using var amHttp = new HttpClient { BaseAddress = amUrl, Timeout = TimeSpan.FromSeconds(5) };
        var am = new AlertmanagerClient(amHttp);
        var plantId = $"bench-{run}";
        await IngestBenchmark.ExecAsync(adminCs, $"CREATE DATABASE {dbName}");
        Process? host = null;
        try
        {
            await Migrator.MigrateAsync(cs);
            var json = System.Text.Json.Nodes.JsonNode.Parse(IngestBenchmark.BenchPlant(await File.ReadAllTextAsync(Path.Combine(root, "infra", "plants", "demo-plant.json")), 40))!.AsObject();
            json["plantId"] = plantId;
            json["andon"] = System.Text.Json.Nodes.JsonNode.Parse($$"""{ "rules": [ { "id": "down", "kind": "stop", "states": ["down"], "seconds": {{Threshold.TotalSeconds}}, "severity": "critical" } ] }""");
            var plantJson = json.ToJsonString();
            var plant = PlantConfigParser.Parse(plantJson);
            await using (var db = NpgsqlDataSource.Create(cs))
            {
                await new PlantStore(db).SaveAsync(plant, plantJson);
            }

            var machines = plant.Machines.Select(m => m.Id).ToArray();
            await TopicAdmin.EnsureAsync(kafka, new Dictionary<string, int> { [topic] = 16 });
            host = StreamHost.Start(root, kafka, cs, new Dictionary<string, string>
            {
                ["MS5_INFLUX_DB"] = "ms5_bench_discard",
                ["MS5_ALERTMANAGER_URL"] = amUrl.ToString(),
                ["Stream__Topic"] = topic,
                ["Stream__Sinks"] = "oee",
                ["Stream__OeeGroup"] = $"bench.{run}.andon",
                ["Stream__OeeTopic"] = $"bench.{run}.andon-oee",
                ["Stream__AndonTopic"] = $"bench.{run}.andon-out",
            });
            using var producer = new EventProducer(kafka, "ms5-bench-andon");
            var start = DateTimeOffset.UtcNow;
            foreach (var m in machines)
            {
                producer.Produce(topic, MachineEvent.StateChange(Guid.NewGuid(), m, start, MachineState.Running));
            }

            producer.Flush(TimeSpan.FromSeconds(30));
            await Task.Delay(TimeSpan.FromSeconds(8)); // the engine joins its group and takes the partitions
            Console.WriteLine($"[bench andon] {rate:N0} count events/s over {machines.Length} machines for {seconds}s; {downsPerSecond} machines/s go down (rule: down for {Threshold.TotalSeconds} s); Alertmanager {amUrl}");

            var downAt = new ConcurrentDictionary<string, DateTimeOffset>(StringComparer.Ordinal);
            var seenAt = new ConcurrentDictionary<string, DateTimeOffset>(StringComparer.Ordinal);
            using var stop = new CancellationTokenSource();
            var watcher = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    try
                    {
                        foreach (var a in await am.GetAsync([$"plant=\"{plantId}\""], stop.Token))
                        {
                            seenAt.TryAdd(a.Labels["machine"], DateTimeOffset.UtcNow);
                        }
                    }
                    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                    {
                    }

                    await Task.Delay(20);
                }
            });

            var clock = Stopwatch.StartNew();
            var sent = 0;
            var downs = 0;
            var total = rate * seconds;
            var downOrder = machines.OrderBy(m => m.GetHashCode(StringComparison.Ordinal)).ToArray();
            while (sent < total)
            {
                var due = Math.Min(total, (int)(clock.Elapsed.TotalSeconds * rate));
                for (; sent < due; sent++)
                {
                    producer.Produce(topic, MachineEvent.Counts(Guid.NewGuid(), machines[sent % machines.Length], DateTimeOffset.UtcNow, 1, 0));
                }

                var downsDue = Math.Min(downOrder.Length, (int)(clock.Elapsed.TotalSeconds * downsPerSecond));
                for (; downs < downsDue; downs++)
                {
                    var ts = DateTimeOffset.UtcNow;
                    producer.Produce(topic, MachineEvent.StateChange(Guid.NewGuid(), downOrder[downs], ts, MachineState.Down, "jam"));
                    downAt[downOrder[downs]] = ts;
                }

                await Task.Delay(2);
            }

            producer.Flush(TimeSpan.FromMinutes(1));
            await Task.Delay(TimeSpan.FromSeconds(8));
            await stop.CancelAsync();
            await watcher;

            var latencies = downAt.Where(d => seenAt.ContainsKey(d.Key)).Select(d => (seenAt[d.Key] - d.Value - Threshold).TotalMilliseconds).Order().ToList();
            var missing = downAt.Count - latencies.Count;
            double P(double q) => latencies.Count == 0 ? double.NaN : latencies[Math.Min(latencies.Count - 1, (int)(q * latencies.Count))];
            Console.WriteLine($"[bench andon] down event to alert visible in Alertmanager, threshold subtracted, over {latencies.Count} Andons: p50 {P(0.5):0} ms, p99 {P(0.99):0} ms, max {latencies.LastOrDefault():0} ms" +
                (missing > 0 ? $"; {missing} never seen" : ""));

            // Resolve what the benchmark raised, so the local Alertmanager does not keep firing them.
            foreach (var m in downAt.Keys)
            {
                producer.Produce(topic, MachineEvent.StateChange(Guid.NewGuid(), m, DateTimeOffset.UtcNow, MachineState.Running));
            }

            producer.Flush(TimeSpan.FromSeconds(30));
            await Task.Delay(TimeSpan.FromSeconds(5));
            return 0;
        }
        finally
        {
            if (host is not null)
            {
                await StreamHost.StopAsync(host);
                host.Dispose();
            }

            await TopicAdmin.DeleteDevTopicAsync(kafka, topic);
            NpgsqlConnection.ClearAllPools();
            await IngestBenchmark.ExecAsync(adminCs, $"DROP DATABASE IF EXISTS {dbName} WITH (FORCE)");
        }
    }
}
