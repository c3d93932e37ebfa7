using System.CommandLine;
using Ms5.Analytics.Plant;
using Ms5.Analytics.Simulation;
using Ms5.Kafka;
using Prometheus;
using Ms5.ServiceDefaults;

namespace Ms5.Ingest.Simulate;

/// <summary>
/// ms5-ingest simulate --plant FILE [--seed N] [--backfill 2h] [--incident press-01@+5m/10m:jam] [--topic T]
/// Runs the plant simulator in real time (events stamped with the current time, never ahead of it)
/// after optionally back-filling history. Serves /healthz, /readyz and /metrics on 127.0.0.1:59465.
/// </summary>
internal static class SimulateCommand
{
    private static readonly Counter Produced = Metrics.CreateCounter("ms5_simulator_events_total", "Events produced by the simulator.", "type");

    public static Command Create(Func<SimulateArgs, CancellationToken, Task<int>> run)
    {
        var plant = new Option<string>("--plant") { Description = "plant file (format: infra/plants/README.md)", HelpName = "FILE", DefaultValueFactory = _ => "infra/plants/demo-plant.json" };
        var seed = new Option<int>("--seed") { Description = "same seed, plant and start give the same events", DefaultValueFactory = _ => 42 };
        var backfill = new Option<TimeSpan>("--backfill")
        {
            Description = "history to simulate before now, e.g. 2h (30s, 5m, 2h, 1d)",
            HelpName = "DURATION",
            DefaultValueFactory = _ => TimeSpan.Zero,
            CustomParser = SimulateSyntax.ParseBackfill,
        };
        var incident = new Option<IncidentSpec[]>("--incident")
        {
            Description = "force a machine down: MACHINE@+START/DURATION:REASON, e.g. press-01@+5m/10m:jam (repeatable)",
            HelpName = "SPEC",
            DefaultValueFactory = _ => [],
            CustomParser = SimulateSyntax.ParseIncidents,
        };
        var topic = new Option<string>("--topic") { Description = "topic for the events", DefaultValueFactory = _ => Topics.MachineEvents };
        var port = new Option<int>("--metrics-port") { Description = "port of /healthz, /readyz and /metrics on 127.0.0.1", DefaultValueFactory = _ => 59465 };
        port.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 65535)
            {
                r.AddError($"--metrics-port must be 1-65535, got {r.GetValueOrDefault<int>()}");
            }
        });
        var command = new Command("simulate", "Run the plant simulator in real time, after optionally back-filling history.") { plant, seed, backfill, incident, topic, port };
        command.SetAction((parse, ct) => run(new SimulateArgs(
            parse.GetRequiredValue(plant), parse.GetValue(seed), parse.GetValue(backfill), parse.GetRequiredValue(incident),
            parse.GetRequiredValue(topic), parse.GetValue(port)), ct));
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
        var start = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero) - args.Backfill;
        var incidents = args.Incidents.Select(i => i.At(now)).ToList();
        var sim = new PlantSimulator(plant, start, new SimulatorOptions { Seed = seed, Incidents = incidents, Profiles = profiles });
        using var producer = new EventProducer(KafkaOptions.FromEnvironment(), "ms5-simulator");
        await using var endpoints = await StartEndpointsAsync(args.MetricsPort);
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

    /// <summary>/healthz, /readyz (Kafka answers) and /metrics on 127.0.0.1, as every MS5 process serves them.</summary>
    private static async Task<WebApplication> StartEndpointsAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.AddMs5ServiceDefaults();
        builder.AddMs5Kafka();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.MapMs5DefaultEndpoints();
        await app.StartAsync();
        return app;
    }
}
