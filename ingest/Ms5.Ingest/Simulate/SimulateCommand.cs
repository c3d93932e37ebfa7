using System.CommandLine;
using Ms5.Analytics.Plant;
using Ms5.Analytics.Simulation;
using Ms5.Kafka;
using Prometheus;
using Ms5.ServiceDefaults;

namespace Ms5.Ingest.Simulate;

/// <summary>
/// ms5-ingest simulate --plant FILE [--seed N] [--backfill 2h] [--incident press-01@+5m/10m:jam] [--topic T]
///   [--anomalies [--anomalies-from 7d] [--anomaly-rate long=1,burst=0.5] [--labels FILE]] [--until-now]
/// Runs the plant simulator in real time (events stamped with the current time, never ahead of it)
/// after optionally back-filling history. Serves /healthz, /readyz and /metrics on 127.0.0.1:59465.
/// With --until-now it delivers the back-fill and exits (no endpoints: it can run beside the stack's simulator).
/// </summary>
internal static class SimulateCommand
{
    private static readonly Counter Produced = Metrics.CreateCounter("ms5_simulator_events_total", "Events produced by the simulator.", "type");

    /// <summary>The anomaly window when --anomalies-from is not given: a held-out week, as the anomaly bench scores.</summary>
    private static readonly TimeSpan DefaultAnomalyWindow = TimeSpan.FromDays(7);

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
        var anomalies = new Option<bool>("--anomalies")
        {
            Description = "inject labelled anomalies (long stops, bursts, unusual reasons, night-shift drift) into the back-filled history",
        };
        var anomaliesFrom = new Option<TimeSpan?>("--anomalies-from")
        {
            Description = "inject them from this long before now up to now, e.g. 7d (default: the last 7 days of the back-fill, or all of a shorter one); at most --backfill",
            HelpName = "DURATION",
            CustomParser = r => SimulateSyntax.ParseAnomaliesFrom(r),
        };
        var anomalyRate = new Option<AnomalyRates?>("--anomaly-rate")
        {
            Description = "override the injection defaults long=1,burst=0.5,reason=0.25 (per machine and week) and drift=4 (machines whose night-shift stops pile up over 3 nights), e.g. long=2,drift=0",
            HelpName = "SPEC",
            CustomParser = r => SimulateSyntax.ParseAnomalyRates(r),
        };
        var labels = new Option<string?>("--labels")
        {
            Description = "write the injected anomalies as JSON to this file: [{kind, machineId, start, end, stops: [{start, seconds, reason}]}], kind long_stop|burst|unusual_reason|night_drift, times UTC",
            HelpName = "FILE",
        };
        var untilNow = new Option<bool>("--until-now")
        {
            Description = "deliver the back-fill and exit instead of running on in real time (no /metrics endpoint)",
        };
        var command = new Command("simulate", "Run the plant simulator in real time, after optionally back-filling history.")
        {
            plant, seed, backfill, incident, topic, port, anomalies, anomaliesFrom, anomalyRate, labels, untilNow,
        };
        command.Validators.Add(r => Validate(r, backfill, incident, anomalies, anomaliesFrom, anomalyRate, labels, untilNow));
        command.SetAction((parse, ct) =>
        {
            var from = parse.GetValue(anomaliesFrom) ?? Min(DefaultAnomalyWindow, parse.GetValue(backfill));
            var spec = parse.GetValue(anomalies) ? new AnomalySpec(from, parse.GetValue(anomalyRate) ?? new AnomalyRates(), parse.GetValue(labels)) : null;
            return run(new SimulateArgs(
                parse.GetRequiredValue(plant), parse.GetValue(seed), parse.GetValue(backfill), parse.GetRequiredValue(incident),
                parse.GetRequiredValue(topic), parse.GetValue(port), spec, parse.GetValue(untilNow)), ct);
        });
        return command;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>Combinations of options that make no sense, each an error naming the option.</summary>
    private static void Validate(
        System.CommandLine.Parsing.CommandResult r, Option<TimeSpan> backfill, Option<IncidentSpec[]> incident, Option<bool> anomalies,
        Option<TimeSpan?> anomaliesFrom, Option<AnomalyRates?> anomalyRate, Option<string?> labels, Option<bool> untilNow)
    {
        try
        {
            ValidateCombinations(r, backfill, incident, anomalies, anomaliesFrom, anomalyRate, labels, untilNow);
        }
        catch (InvalidOperationException)
        {
            // A value that did not parse cannot be read; its own option already reports it (System.CommandLine
            // exposes the error only by throwing), and the combinations are checked once every value parses.
        }
    }

    private static void ValidateCombinations(
        System.CommandLine.Parsing.CommandResult r, Option<TimeSpan> backfill, Option<IncidentSpec[]> incident, Option<bool> anomalies,
        Option<TimeSpan?> anomaliesFrom, Option<AnomalyRates?> anomalyRate, Option<string?> labels, Option<bool> untilNow)
    {
        bool Given(Option o) => r.GetResult(o) is { Implicit: false };
        string Typed(Option o) => r.GetResult(o)?.Tokens.LastOrDefault()?.Value ?? "";
        var back = r.GetValue(backfill);
        if (!r.GetValue(anomalies))
        {
            foreach (var o in new Option[] { anomaliesFrom, anomalyRate, labels }.Where(Given))
            {
                r.AddError($"{o.Name} needs --anomalies");
            }
        }
        else if (back <= TimeSpan.Zero)
        {
            r.AddError("--anomalies needs --backfill: anomalies are injected into the back-filled history");
        }
        else if (r.GetValue(anomaliesFrom) is { } from && (from <= TimeSpan.Zero || from > back))
        {
            r.AddError($"--anomalies-from {Typed(anomaliesFrom)} must be more than 0 and at most --backfill {Typed(backfill)}");
        }

        if (Given(labels) && string.IsNullOrWhiteSpace(r.GetValue(labels)))
        {
            r.AddError("--labels needs a file name");
        }

        if (r.GetValue(untilNow))
        {
            if (back <= TimeSpan.Zero)
            {
                r.AddError("--until-now needs --backfill: there is nothing to deliver before now");
            }

            if (r.GetValue(incident) is { Length: > 0 })
            {
                r.AddError("--incident starts after now: it cannot be combined with --until-now");
            }
        }
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
        while (!cts.IsCancellationRequested && sim.Clock < now)
        {
            Produce(producer, topic, sim.AdvanceTo(Min(sim.Clock + TimeSpan.FromHours(1), now)));
        }

        while (!args.UntilNow && !cts.IsCancellationRequested)
        {
            Produce(producer, topic, sim.AdvanceTo(DateTimeOffset.UtcNow));
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
        return producer.Failed > 0 || (args.UntilNow && sim.Clock < now) ? 1 : 0;
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

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
