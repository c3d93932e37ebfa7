using System.Globalization;
using System.Text.RegularExpressions;
using Ms5.Analytics.Plant;
using Ms5.Analytics.Simulation;
using Ms5.Kafka;
using Prometheus;

namespace Ms5.Ingest;

/// <summary>
/// ms5-ingest simulate --plant FILE [--seed N] [--backfill 2h] [--incident press-01@+5m/10m:jam] [--topic T]
/// Runs the plant simulator in real time (events stamped with the current time, never ahead of it)
/// after optionally back-filling history. Serves /metrics and /healthz on 127.0.0.1:59465.
/// </summary>
internal static partial class SimulateCommand
{
    private static readonly Counter Produced = Metrics.CreateCounter("ms5_simulator_events_total", "Events produced by the simulator.", "type");

    [GeneratedRegex(@"^(?<m>[^@]+)@\+(?<at>\d+)(?<atu>[smh])/(?<d>\d+)(?<du>[smh]):(?<r>.+)$")]
    private static partial Regex IncidentPattern();

    public static async Task<int> RunAsync(string[] args)
    {
        var plantFile = Args.Value(args, "--plant") ?? "infra/plants/demo-plant.json";
        PlantConfig plant;
        try
        {
            plant = PlantConfigParser.Parse(await File.ReadAllTextAsync(plantFile));
        }
        catch (Exception ex) when (ex is PlantConfigException or IOException)
        {
            await Console.Error.WriteLineAsync($"simulate: {plantFile}: {ex.Message}");
            return 2;
        }

        var seed = int.Parse(Args.Value(args, "--seed") ?? "42", CultureInfo.InvariantCulture);
        var backfill = ParseDuration(Args.Value(args, "--backfill") ?? "0s");
        var topic = Args.Value(args, "--topic") ?? Topics.MachineEvents;
        var port = int.Parse(Args.Value(args, "--metrics-port") ?? "59465", CultureInfo.InvariantCulture);
        var now = DateTimeOffset.UtcNow;
        var start = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero) - backfill;
        var incidents = new List<Incident>();
        foreach (var spec in Args.Values(args, "--incident"))
        {
            var m = IncidentPattern().Match(spec);
            if (!m.Success)
            {
                await Console.Error.WriteLineAsync($"simulate: --incident '{spec}' must look like press-01@+5m/10m:jam");
                return 2;
            }

            incidents.Add(new Incident(m.Groups["m"].Value, now + ParseDuration(m.Groups["at"].Value + m.Groups["atu"].Value),
                ParseDuration(m.Groups["d"].Value + m.Groups["du"].Value), m.Groups["r"].Value));
        }

        var sim = new PlantSimulator(plant, start, new SimulatorOptions { Seed = seed, Incidents = incidents });
        using var producer = new EventProducer(KafkaOptions.FromEnvironment(), "ms5-simulator");
        using var server = new KestrelMetricServer("127.0.0.1", port);
        server.Start();
        using var cts = new CancellationTokenSource();
        // SIGTERM/SIGINT end the loop; what was produced is flushed before exit.
        using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, ctx =>
        {
            ctx.Cancel = true;
            cts.Cancel();
        });
        using var intr = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, ctx =>
        {
            ctx.Cancel = true;
            cts.Cancel();
        });

        Console.WriteLine($"[ms5] simulating plant '{plant.PlantId}' ({plant.Machines.Count()} machines, seed {seed}) to {topic}");
        while (!cts.IsCancellationRequested)
        {
            var events = sim.AdvanceTo(DateTimeOffset.UtcNow);
            foreach (var e in events)
            {
                producer.Produce(topic, e);
                Produced.WithLabels(e.Type.ToString().ToLowerInvariant()).Inc();
            }

            producer.Inner.Poll(TimeSpan.Zero);
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), cts.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }

        producer.Flush(TimeSpan.FromSeconds(30));
        Console.WriteLine($"[ms5] simulator stopped: delivered {producer.Delivered}, failed {producer.Failed}");
        return producer.Failed > 0 ? 1 : 0;
    }

    internal static TimeSpan ParseDuration(string text)
    {
        var m = Regex.Match(text, @"^(\d+)([smhd])$");
        if (!m.Success)
        {
            throw new FormatException($"duration '{text}' must look like 30s, 5m, 2h or 1d");
        }

        var n = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        return m.Groups[2].Value switch
        {
            "s" => TimeSpan.FromSeconds(n),
            "m" => TimeSpan.FromMinutes(n),
            "h" => TimeSpan.FromHours(n),
            _ => TimeSpan.FromDays(n),
        };
    }
}
