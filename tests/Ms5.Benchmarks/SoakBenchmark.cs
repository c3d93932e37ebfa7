using System.Diagnostics;
using Ms5.Analytics.Events;
using Ms5.Analytics.Oee;
using Ms5.Analytics.Plant;
using Ms5.Analytics.Simulation;
using Ms5.Influx;
using Ms5.Kafka;
using Ms5.Postgres;
using Npgsql;

namespace Ms5.Benchmarks;

/// <summary>
/// ./ms5 bench soak [--minutes 10] [--seed N]: the demo plant at 10× speed (ten minutes of wall time replay the
/// plant's last 100 minutes, in event-time order) through the historian, the OEE engine and the API, while a chaos
/// loop kills (-9) and restarts the MS5 processes and restarts PostgreSQL and InfluxDB of the local stack. At the end
/// every store is compared with the events produced and the OEE minutes with a from-scratch recomputation from
/// the raw events. Prints what it did and what it found; exit code 1 when a store disagrees.
/// </summary>
internal static class SoakBenchmark
{
    public static async Task<int> RunAsync(double minutes, int seed)
    {
        var rng = new Random(seed);
        var run = Guid.NewGuid().ToString("N")[..8];
        var root = IngestBenchmark.FindRoot();
        var adminCs = PgConnectionString.FromEnvironment();
        var dbName = $"ms5_soak_{run}";
        var cs = PgConnectionString.WithDatabase(adminCs, dbName);
        var kafka = KafkaOptions.FromEnvironment();
        var topic = $"soak.{run}.events";
        var influxOptions = InfluxOptions.FromEnvironment();
        influxOptions.Database = dbName;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var influx = new InfluxWriter(http, influxOptions);

        await IngestBenchmark.ExecAsync(adminCs, $"CREATE DATABASE {dbName}");
        await influx.QueryAsync($"CREATE DATABASE {dbName}");
        await Migrator.MigrateAsync(cs);
        var plantJson = await File.ReadAllTextAsync(Path.Combine(root, "infra", "plants", "demo-plant.json"));
        var plant = PlantConfigParser.Parse(plantJson);
        await using (var db = NpgsqlDataSource.Create(cs))
        {
            await new PlantStore(db).SaveAsync(plant, plantJson);
        }

        await TopicAdmin.EnsureAsync(kafka, new Dictionary<string, int> { [topic] = 12, [$"soak.{run}.dlq"] = 2 });
        var history = TimeSpan.FromMinutes(minutes * 10);
        var start = BucketCalculator.Floor(DateTimeOffset.UtcNow - history);
        var simulator = new PlantSimulator(plant, start, new SimulatorOptions { Seed = seed, Profiles = SimulationProfiles.Parse(plantJson) });
        var events = simulator.AdvanceTo(DateTimeOffset.UtcNow).OrderBy(e => e.Ts).ToList();
        Console.WriteLine($"[bench soak] {events.Count:N0} simulated events of the demo plant ({plant.Machines.Count()} machines) from {start:HH:mm} UTC, sent at 10x over {minutes} min; seed {seed}; database {dbName}");

        var env = new Dictionary<string, string>
        {
            ["MS5_PG"] = cs,
            ["MS5_INFLUX_DB"] = dbName,
            ["MS5_KAFKA_BOOTSTRAP"] = kafka.BootstrapServers,
            ["MS5_KAFKA_DEVBROKER_URL"] = kafka.DevBrokerUrl ?? "",
            ["MS5_ALERTMANAGER_URL"] = "http://127.0.0.1:9/", // nothing listens: the soak's Andons stay out of the local Alertmanager
            ["Stream__Topic"] = topic,
            ["Stream__DlqTopic"] = $"soak.{run}.dlq",
            ["Stream__PgGroup"] = $"soak.{run}.pg",
            ["Stream__InfluxGroup"] = $"soak.{run}.influx",
            ["Stream__DlqGroup"] = $"soak.{run}.dlq",
            ["Stream__OeeGroup"] = $"soak.{run}.oee",
            ["Stream__OeeTopic"] = $"soak.{run}.oee-out",
            ["Stream__AndonTopic"] = $"soak.{run}.andon-out",
            ["Stream__MaxRetryDelay"] = "00:00:05",
            ["Stream__MetricsPort"] = "0",
            ["Ms5__EventsTopic"] = topic,
            ["Ms5__OeeTopic"] = $"soak.{run}.oee-out",
            ["Ms5__AndonTopic"] = $"soak.{run}.andon-out",
            ["MS5_API_URL"] = "http://127.0.0.1:58181",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        var hosts = new Dictionary<string, Process>
        {
            ["historian"] = Host.Start(root, "stream/Ms5.Historian", env),
            ["engine"] = Host.Start(root, "stream/Ms5.OeeEngine", env),
            ["api"] = Host.Start(root, "api/Ms5.Api", env),
        };
        var actions = new List<string>();
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(8));
            using var producer = new EventProducer(kafka, "ms5-bench-soak");
            using var stop = new CancellationTokenSource();
            var chaos = Task.Run(() => ChaosAsync(root, env, hosts, rng, actions, stop.Token));
            var clock = Stopwatch.StartNew();
            var sent = 0;
            while (sent < events.Count)
            {
                var due = start + TimeSpan.FromTicks(clock.Elapsed.Ticks * 10);
                for (; sent < events.Count && events[sent].Ts <= due; sent++)
                {
                    producer.Produce(topic, events[sent]);
                }

                await Task.Delay(50);
            }

            producer.Flush(TimeSpan.FromMinutes(2));
            await stop.CancelAsync();
            await chaos;
            Console.WriteLine($"[bench soak] sent {sent:N0} events in {clock.Elapsed.TotalMinutes:0.0} min; chaos: {actions.Count} actions");
            foreach (var a in actions)
            {
                Console.WriteLine("  " + a);
            }

            return await CheckAsync(cs, influx, plant, events, start) ? 0 : 1;
        }
        finally
        {
            foreach (var h in hosts.Values)
            {
                h.Kill(entireProcessTree: true);
                h.Dispose();
            }

            NpgsqlConnection.ClearAllPools();
            await TopicAdmin.DeleteDevTopicAsync(kafka, topic);
        }
    }

    /// <summary>Every 20-40 s one outage: an MS5 process killed and restarted, or PostgreSQL or InfluxDB restarted.</summary>
    private static async Task ChaosAsync(string root, Dictionary<string, string> env, Dictionary<string, Process> hosts, Random rng, List<string> actions, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        string[] kinds = ["kill engine", "kill historian", "kill api", "restart postgres", "restart influxdb"];
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(rng.Next(20, 40)), ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var kind = kinds[rng.Next(kinds.Length)];
            var at = clock.Elapsed;
            switch (kind)
            {
                case "kill engine" or "kill historian" or "kill api":
                    var name = kind[5..];
                    hosts[name].Kill(entireProcessTree: true);
                    await hosts[name].WaitForExitAsync(CancellationToken.None);
                    hosts[name].Dispose();
                    await Task.Delay(TimeSpan.FromSeconds(rng.Next(1, 6)), CancellationToken.None);
                    hosts[name] = Host.Start(root, name switch { "engine" => "stream/Ms5.OeeEngine", "historian" => "stream/Ms5.Historian", _ => "api/Ms5.Api" }, env);
                    break;
                default:
                    var service = kind[8..];
                    await Host.ServicesAsync(root, "down", service);
                    await Task.Delay(TimeSpan.FromSeconds(rng.Next(5, 20)), CancellationToken.None);
                    await Host.ServicesAsync(root, "up", service);
                    break;
            }

            actions.Add($"+{at:mm\\:ss} {kind} ({(clock.Elapsed - at).TotalSeconds:0} s)");
        }
    }

    private static async Task<bool> CheckAsync(string cs, InfluxWriter influx, PlantConfig plant, List<MachineEvent> events, DateTimeOffset start)
    {
        var ok = true;
        void Report(string what, long expected, long found)
        {
            var good = expected == found;
            ok &= good;
            Console.WriteLine($"  {(good ? "ok  " : "FAIL")} {what}: expected {expected:N0}, found {found:N0}");
        }

        var distinct = events.DistinctBy(e => e.EventId).ToList();
        var deadline = DateTime.UtcNow.AddMinutes(5);
        long raw = 0, engine = 0, points = 0;
        while (DateTime.UtcNow < deadline)
        {
            raw = await IngestBenchmark.ScalarAsync(cs, "SELECT count(*) FROM raw_events");
            engine = await IngestBenchmark.ScalarAsync(cs, "SELECT count(*) FROM oee_events");
            points = await InfluxPointsAsync(influx);
            if (raw >= distinct.Count && engine >= distinct.Count && points >= distinct.Count)
            {
                break;
            }

            await Task.Delay(2000);
        }

        // Let the ticker close the last minutes, then compare.
        await Task.Delay(TimeSpan.FromSeconds(12));
        Console.WriteLine("[bench soak] found:");
        Report("raw_events rows (one per event)", distinct.Count, raw);
        Report("distinct event ids in raw_events", distinct.Count, await IngestBenchmark.ScalarAsync(cs, "SELECT count(DISTINCT event_id) FROM raw_events"));
        Report("oee_events rows", distinct.Count, engine);
        Report("InfluxDB points", distinct.Count, points);
        Report("dead letters", 0, await IngestBenchmark.ScalarAsync(cs, "SELECT count(*) FROM dead_letters"));
        Report("state intervals not closed by their machine's next state", 0, await IngestBenchmark.ScalarAsync(cs, """
            SELECT count(*) FROM (SELECT end_ts, lead(start_ts) OVER (PARTITION BY machine_id ORDER BY start_ts, event_id) AS next FROM state_intervals) x
            WHERE end_ts IS DISTINCT FROM next
            """));

        // OEE minutes against a from-scratch recomputation from the raw events.
        var (minutes, differing) = await FromScratch.CompareAsync(cs, plant, distinct, start, BucketCalculator.Floor(events.Max(e => e.Ts)), untilOwnNewest: false, "soak");
        Report($"OEE minutes differing from a from-scratch recomputation (of {minutes:N0})", 0, differing);
        Console.WriteLine(ok ? "[bench soak] every store agrees: nothing lost, nothing counted twice" : "[bench soak] STORES DISAGREE");
        return ok;
    }

    private static async Task<long> InfluxPointsAsync(InfluxWriter influx)
    {
        long total = 0;
        foreach (var (measurement, field) in new[] { ("machine_state", "event_id"), ("machine_count", "event_id"), ("machine_counter", "event_id") })
        {
            try
            {
                using var doc = System.Text.Json.JsonDocument.Parse(await influx.QueryAsync($"SELECT count({field}) FROM {measurement}"));
                var r = doc.RootElement.GetProperty("results")[0];
                total += r.TryGetProperty("series", out var s) ? s[0].GetProperty("values")[0][1].GetInt64() : 0;
            }
            catch (HttpRequestException)
            {
                return -1;
            }
        }

        return total;
    }

    /// <summary>The MS5 processes and the local stack's services, for the soak.</summary>
    private static class Host
    {
        public static Process Start(string root, string project, IReadOnlyDictionary<string, string> env)
        {
            var name = Path.GetFileName(project);
            var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            psi.ArgumentList.Add(Path.Combine(root, project, "bin", "Release", "net10.0", name + ".dll"));
            foreach (var (k, v) in env)
            {
                psi.Environment[k] = v;
            }

            var p = Process.Start(psi)!;
            p.OutputDataReceived += (_, _) => { };
            p.ErrorDataReceived += (_, _) => { };
            p.BeginOutputReadLine();
            p.BeginErrorReadLine();
            return p;
        }

        public static async Task ServicesAsync(string root, string command, string service)
        {
            var psi = new ProcessStartInfo("bash") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            psi.ArgumentList.Add(Path.Combine(root, "infra", "local", "services.sh"));
            psi.ArgumentList.Add(command);
            psi.ArgumentList.Add(service);
            using var p = Process.Start(psi)!;
            var output = await p.StandardOutput.ReadToEndAsync() + await p.StandardError.ReadToEndAsync();
            await p.WaitForExitAsync();
            if (p.ExitCode != 0)
            {
                Console.WriteLine($"  services.sh {command} {service} failed: {output.Trim()}");
            }
        }
    }
}
