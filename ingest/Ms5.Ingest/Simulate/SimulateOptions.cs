using System.CommandLine;
using System.CommandLine.Parsing;
using Ms5.Kafka;

namespace Ms5.Ingest.Simulate;

/// <summary>The options of <c>ms5-ingest simulate</c>: their help, value syntax, the combinations allowed, and the <see cref="SimulateArgs"/> they make.</summary>
internal sealed class SimulateOptions
{
    /// <summary>The anomaly window when --anomalies-from is not given: a held-out week, as the anomaly bench scores.</summary>
    private static readonly TimeSpan DefaultAnomalyWindow = TimeSpan.FromDays(7);

    public SimulateOptions()
    {
        Plant = new Option<string>("--plant") { Description = "plant file (format: infra/plants/README.md)", HelpName = "FILE", DefaultValueFactory = _ => "infra/plants/demo-plant.json" };
        Seed = new Option<int>("--seed") { Description = "same seed, plant and start give the same events", DefaultValueFactory = _ => 42 };
        Backfill = new Option<TimeSpan>("--backfill")
        {
            Description = "history to simulate before now, e.g. 2h (30s, 5m, 2h, 1d)",
            HelpName = "DURATION",
            DefaultValueFactory = _ => TimeSpan.Zero,
            CustomParser = SimulateSyntax.ParseBackfill,
        };
        Incident = new Option<IncidentSpec[]>("--incident")
        {
            Description = "force a machine down: MACHINE@+START/DURATION:REASON, e.g. press-01@+5m/10m:jam (repeatable)",
            HelpName = "SPEC",
            DefaultValueFactory = _ => [],
            CustomParser = SimulateSyntax.ParseIncidents,
        };
        Topic = new Option<string>("--topic") { Description = "topic for the events", DefaultValueFactory = _ => Topics.MachineEvents };
        Port = new Option<int>("--metrics-port") { Description = "port of /healthz, /readyz and /metrics on 127.0.0.1", DefaultValueFactory = _ => 59465 };
        Port.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 65535)
            {
                r.AddError($"--metrics-port must be 1-65535, got {r.GetValueOrDefault<int>()}");
            }
        });
        Anomalies = new Option<bool>("--anomalies")
        {
            Description = "inject labelled anomalies (long stops, bursts, unusual reasons, night-shift drift) into the back-filled history",
        };
        AnomaliesFrom = new Option<TimeSpan?>("--anomalies-from")
        {
            Description = "inject them from this long before now up to now, e.g. 7d (default: the last 7 days of the back-fill, or all of a shorter one); at most --backfill",
            HelpName = "DURATION",
            CustomParser = r => SimulateSyntax.ParseAnomaliesFrom(r),
        };
        AnomalyRate = new Option<AnomalyRates?>("--anomaly-rate")
        {
            Description = "override the injection defaults long=1,burst=0.5,reason=0.25 (per machine and week) and drift=4 (machines whose night-shift stops pile up over 3 nights), e.g. long=2,drift=0",
            HelpName = "SPEC",
            CustomParser = r => SimulateSyntax.ParseAnomalyRates(r),
        };
        Labels = new Option<string?>("--labels")
        {
            Description = "write the injected anomalies as JSON to this file: [{kind, machineId, start, end, stops: [{start, seconds, reason}]}], kind long_stop|burst|unusual_reason|night_drift, times UTC",
            HelpName = "FILE",
        };
        UntilNow = new Option<bool>("--until-now")
        {
            Description = "deliver the back-fill and exit instead of running on in real time (no /metrics endpoint)",
        };
        BackfillRate = new Option<int?>("--backfill-rate")
        {
            Description = "send the back-fill at most this many events a second, e.g. 20000, so consumers keep up with a broker of small retention such as the dev broker (default: as fast as it is simulated)",
            HelpName = "EVENTS",
        };
        BackfillRate.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is <= 0 and var rate)
            {
                r.AddError($"--backfill-rate must be more than 0, got {rate}");
            }
        });
    }

    public Option<string> Plant { get; }
    public Option<int> Seed { get; }
    public Option<TimeSpan> Backfill { get; }
    public Option<IncidentSpec[]> Incident { get; }
    public Option<string> Topic { get; }
    public Option<int> Port { get; }
    public Option<bool> Anomalies { get; }
    public Option<TimeSpan?> AnomaliesFrom { get; }
    public Option<AnomalyRates?> AnomalyRate { get; }
    public Option<string?> Labels { get; }
    public Option<bool> UntilNow { get; }
    public Option<int?> BackfillRate { get; }

    public IEnumerable<Option> All => [Plant, Seed, Backfill, Incident, Topic, Port, Anomalies, AnomaliesFrom, AnomalyRate, Labels, UntilNow, BackfillRate];

    public SimulateArgs Read(ParseResult parse)
    {
        var from = parse.GetValue(AnomaliesFrom) ?? Min(DefaultAnomalyWindow, parse.GetValue(Backfill));
        var anomalies = parse.GetValue(Anomalies) ? new AnomalySpec(from, parse.GetValue(AnomalyRate) ?? new AnomalyRates(), parse.GetValue(Labels)) : null;
        return new SimulateArgs(
            parse.GetRequiredValue(Plant), parse.GetValue(Seed), parse.GetValue(Backfill), parse.GetRequiredValue(Incident),
            parse.GetRequiredValue(Topic), parse.GetValue(Port), anomalies, parse.GetValue(UntilNow), parse.GetValue(BackfillRate));
    }

    /// <summary>Combinations of options that make no sense, each an error naming the option.</summary>
    public void Validate(CommandResult r)
    {
        try
        {
            ValidateCombinations(r);
        }
        catch (InvalidOperationException)
        {
            // A value that did not parse cannot be read; its own option already reports it (System.CommandLine
            // exposes the error only by throwing), and the combinations are checked once every value parses.
        }
    }

    private void ValidateCombinations(CommandResult r)
    {
        bool Given(Option o) => r.GetResult(o) is { Implicit: false };
        string Typed(Option o) => r.GetResult(o)?.Tokens.LastOrDefault()?.Value ?? "";
        var back = r.GetValue(Backfill);
        if (!r.GetValue(Anomalies))
        {
            foreach (var o in new Option[] { AnomaliesFrom, AnomalyRate, Labels }.Where(Given))
            {
                r.AddError($"{o.Name} needs --anomalies");
            }
        }
        else if (back <= TimeSpan.Zero)
        {
            r.AddError("--anomalies needs --backfill: anomalies are injected into the back-filled history");
        }
        else if (r.GetValue(AnomaliesFrom) is { } from && (from <= TimeSpan.Zero || from > back))
        {
            r.AddError($"--anomalies-from {Typed(AnomaliesFrom)} must be more than 0 and at most --backfill {Typed(Backfill)}");
        }

        if (Given(Labels) && string.IsNullOrWhiteSpace(r.GetValue(Labels)))
        {
            r.AddError("--labels needs a file name");
        }

        if (r.GetValue(UntilNow))
        {
            if (back <= TimeSpan.Zero)
            {
                r.AddError("--until-now needs --backfill: there is nothing to deliver before now");
            }

            if (r.GetValue(Incident) is { Length: > 0 })
            {
                r.AddError("--incident starts after now: it cannot be combined with --until-now");
            }
        }

        if (Given(BackfillRate) && back <= TimeSpan.Zero)
        {
            r.AddError("--backfill-rate needs --backfill");
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
