using System.CommandLine;
using Ms5.Analytics.Plant;
using Ms5.Analytics.Simulation;
using Ms5.Kafka;
using Prometheus;
using Ms5.ServiceDefaults;

namespace Ms5.Ingest.Simulate;

/// <summary>
/// ms5-ingest simulate --plant FILE [--seed N] [--backfill 2h] [--incident press-01@+5m/10m:jam] [--topic T]
///   [--anomalies [--anomalies-from 7d] [--anomaly-rate long=1,burst=0.5] [--labels FILE]] [--until-now] [--backfill-rate N]
/// Runs the plant simulator in real time (events stamped with the current time, never ahead of it)
/// after optionally back-filling history. Serves /healthz, /readyz and /metrics on 127.0.0.1:59465.
/// With --until-now it delivers the back-fill and exits (no endpoints: it can run beside the stack's simulator); an
/// interrupted --until-now run exits 1. Options and their combinations: <see cref="SimulateOptions"/>.
/// </summary>
internal static class SimulateCommand
{
    private static readonly Counter Produced = Metrics.CreateCounter("ms5_simulator_events_total", "Events produced by the simulator.", "type");

    public static Command Create(Func<SimulateArgs, CancellationToken, Task<int>> run)
    {
        var options = new SimulateOptions();
        var command = new Command("simulate", "Run the plant simulator in real time, after optionally back-filling history.");
        foreach (var option in options.All)
        {
            command.Options.Add(option);
        }

        command.Validators.Add(options.Validate);
        command.SetAction((parse, ct) => run(options.Read(parse), ct));
        return command;
    }

    public static async Task<int> RunAsync(SimulateArgs args, CancellationToken cancellation)
    {
        var plantFile = args.PlantFile;
        PlantConfig plant;
        IReadOnlyDictionary<string, SimulationProfile> profiles;
        try
        {
            var json = await File.ReadAllTextAsync(plantFile, cancellation);
            plant = PlantConfigParser.Parse(json);
            profiles = SimulationProfiles.Parse(json);
        }
        catch (Exception ex) when (ex is PlantConfigException or IOException)
        {
            await Console.Error.WriteLineAsync($"simulate: {plantFile}: {ex.Message}");
            return 2;
        }

        var seed = args.Seed;
        var topic = args.Topic;
        var now = DateTimeOffset.UtcNow;
        now = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
        var start = now - args.Backfill;
        var incidents = args.Incidents.Select(i => i.At(now)).ToList();
        var sim = new PlantSimulator(plant, start, new SimulatorOptions { Seed = seed, Incidents = incidents, Profiles = profiles, Anomalies = args.Anomalies?.At(now) });
        if (args.Anomalies is { } anomalies)
        {
            Console.WriteLine($"[ms5] injecting {sim.InjectedAnomalies.Count} labelled anomalies from {now - anomalies.From:u} to {now:u}: "
                + string.Join(", ", sim.InjectedAnomalies.GroupBy(a => a.Kind).Select(g => $"{g.Count()} {LabelsFile.KindName(g.Key)}")));
            // Written before anything is sent: an unwritable file fails the command at once, and the labels exist even if the run is stopped.
            if (anomalies.LabelsFile is { } labelsFile && await WriteLabelsAsync(labelsFile, sim.InjectedAnomalies) is { } error)
            {
                await Console.Error.WriteLineAsync($"simulate: --labels {labelsFile}: {error}");
                return IngestCli.UsageError;
            }
        }

        using var producer = new EventProducer(KafkaOptions.FromEnvironment(), "ms5-simulator");
        await using var endpoints = args.UntilNow ? null : await StartEndpointsAsync(args.MetricsPort);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
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

        Console.WriteLine($"[ms5] simulating plant '{plant.PlantId}' ({plant.Machines.Count()} machines, seed {seed}) to {topic}{(args.UntilNow ? $" until {now:u}" : "")}");
        // The back-fill an hour at a time, so days of history never sit in memory at once; then real time unless --until-now.
        var sending = System.Diagnostics.Stopwatch.StartNew();
        var sent = 0L;
        while (!cts.IsCancellationRequested && sim.Clock < now)
        {
            var events = sim.AdvanceTo(Min(sim.Clock + TimeSpan.FromHours(1), now));
            Produce(producer, topic, events);
            sent += events.Count;
            if (args.BackfillRate is { } rate && TimeSpan.FromSeconds((double)sent / rate) - sending.Elapsed is { Ticks: > 0 } ahead)
            {
                await Delay(ahead, cts.Token);
            }
        }

        while (!args.UntilNow && !cts.IsCancellationRequested)
        {
            Produce(producer, topic, sim.AdvanceTo(DateTimeOffset.UtcNow));
            await Delay(TimeSpan.FromMilliseconds(500), cts.Token);
        }

        producer.Flush(TimeSpan.FromSeconds(30));
        Console.WriteLine($"[ms5] simulator stopped: delivered {producer.Delivered}, failed {producer.Failed}");
        return producer.Failed > 0 || (args.UntilNow && sim.Clock < now) ? 1 : 0;
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    /// <summary>Waits; a stop request ends the wait early, and the caller's loop then ends.</summary>
    private static async Task Delay(TimeSpan delay, CancellationToken stop)
    {
        try
        {
            await Task.Delay(delay, stop);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static void Produce(EventProducer producer, string topic, IReadOnlyList<Ms5.Analytics.Events.MachineEvent> events)
    {
        foreach (var e in events)
        {
            producer.Produce(topic, e);
            Produced.WithLabels(e.Type.ToString().ToLowerInvariant()).Inc();
        }

        producer.Inner.Poll(TimeSpan.Zero);
    }

    /// <summary>Writes the labels; the reason the file cannot be written, or null.</summary>
    private static async Task<string?> WriteLabelsAsync(string path, IReadOnlyList<InjectedAnomaly> labels)
    {
        try
        {
            await using var file = File.Create(path);
            LabelsFile.Write(file, labels);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return ex.Message;
        }
    }

    /// <summary>/healthz, /readyz (Kafka answers) and /metrics on 127.0.0.1, as every MS5 process serves them.</summary>
    private static async Task<WebApplication> StartEndpointsAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder(Ms5.ServiceDefaults.HostDefaults.Options());
        builder.AddMs5ServiceDefaults();
        builder.AddMs5Kafka();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.MapMs5DefaultEndpoints();
        await app.StartAsync();
        return app;
    }
}
