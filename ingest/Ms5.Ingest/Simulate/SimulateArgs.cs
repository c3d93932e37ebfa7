using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.RegularExpressions;
using Ms5.Analytics.Simulation;

namespace Ms5.Ingest.Simulate;

/// <summary>
/// What <c>ms5-ingest simulate</c> was asked to do; <see cref="UntilNow"/>: exit once the back-fill is delivered;
/// <see cref="BackfillRate"/>: at most this many back-filled events a second (null: as fast as they are simulated).
/// </summary>
internal sealed record SimulateArgs(
    string PlantFile, int Seed, TimeSpan Backfill, IReadOnlyList<IncidentSpec> Incidents, string Topic, int MetricsPort,
    AnomalySpec? Anomalies = null, bool UntilNow = false, int? BackfillRate = null);

/// <summary>An <c>--incident</c>: <see cref="MachineId"/> goes down with <see cref="Reason"/> <see cref="After"/> the simulator starts, for <see cref="Duration"/>.</summary>
internal sealed record IncidentSpec(string MachineId, TimeSpan After, TimeSpan Duration, string Reason)
{
    public Incident At(DateTimeOffset start) => new(MachineId, start + After, Duration, Reason);
}

/// <summary>
/// <c>--anomalies</c>: labelled anomalies injected into the back-filled history during [now - <see cref="From"/>, now),
/// at <see cref="Rates"/>; their labels written as JSON to <see cref="LabelsFile"/> when given.
/// </summary>
internal sealed record AnomalySpec(TimeSpan From, AnomalyRates Rates, string? LabelsFile)
{
    public AnomalyInjection At(DateTimeOffset now) => Rates.Apply(new AnomalyInjection { From = now - From, To = now });
}

/// <summary><c>--anomaly-rate</c>: overrides of the <see cref="AnomalyInjection"/> defaults; null keeps the default.</summary>
internal sealed record AnomalyRates(double? LongStops = null, double? Bursts = null, double? UnusualReasons = null, int? DriftMachines = null)
{
    public AnomalyInjection Apply(AnomalyInjection injection) => injection with
    {
        LongStopsPerMachineWeek = LongStops ?? injection.LongStopsPerMachineWeek,
        BurstsPerMachineWeek = Bursts ?? injection.BurstsPerMachineWeek,
        UnusualReasonsPerMachineWeek = UnusualReasons ?? injection.UnusualReasonsPerMachineWeek,
        DriftMachines = DriftMachines ?? injection.DriftMachines,
    };
}

/// <summary>The value syntaxes of the simulate options, as System.CommandLine parsers that report errors naming the option.</summary>
internal static partial class SimulateSyntax
{
    [GeneratedRegex(@"^(?<m>[^@]+)@\+(?<at>\d+[smh])/(?<d>\d+[smh]):(?<r>.+)$")]
    private static partial Regex IncidentPattern();

    [GeneratedRegex(@"^(\d+)([smhd])$")]
    private static partial Regex DurationPattern();

    /// <summary>"30s", "5m", "2h" or "1d"; null when the text is not one.</summary>
    public static TimeSpan? Duration(string text)
    {
        var m = DurationPattern().Match(text);
        if (!m.Success || !int.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            return null;
        }

        return m.Groups[2].Value switch
        {
            "s" => TimeSpan.FromSeconds(n),
            "m" => TimeSpan.FromMinutes(n),
            "h" => TimeSpan.FromHours(n),
            _ => TimeSpan.FromDays(n),
        };
    }

    public static TimeSpan ParseBackfill(ArgumentResult result) => ParseDuration(result, "--backfill");

    public static TimeSpan ParseAnomaliesFrom(ArgumentResult result) => ParseDuration(result, "--anomalies-from");

    private static TimeSpan ParseDuration(ArgumentResult result, string option)
    {
        var text = result.Tokens.Single().Value;
        if (Duration(text) is { } duration)
        {
            return duration;
        }

        result.AddError($"{option} '{text}' must look like 30s, 5m, 2h or 1d");
        return TimeSpan.Zero;
    }

    /// <summary>"long=1,burst=0.5,reason=0.25,drift=4": each key at most once, rates and machines &gt;= 0.</summary>
    public static AnomalyRates ParseAnomalyRates(ArgumentResult result)
    {
        var rates = new AnomalyRates();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var part in result.Tokens.Single().Value.Split(','))
        {
            var kv = part.Split('=', 2);
            var key = kv[0].Trim();
            var value = kv.Length == 2 ? kv[1].Trim() : "";
            if (!seen.Add(key))
            {
                result.AddError($"--anomaly-rate names '{key}' twice");
                return rates;
            }

            var isRate = double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var rate) && double.IsFinite(rate);
            var isCount = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var count);
            rates = key switch
            {
                "long" when isRate => rates with { LongStops = rate },
                "burst" when isRate => rates with { Bursts = rate },
                "reason" when isRate => rates with { UnusualReasons = rate },
                "drift" when isCount => rates with { DriftMachines = count },
                "long" or "burst" or "reason" => Error($"--anomaly-rate {key} must be a number >= 0 (per machine and week), got '{value}'"),
                "drift" => Error($"--anomaly-rate drift must be a whole number >= 0 (machines), got '{value}'"),
                _ => Error($"--anomaly-rate '{part}' must look like long=1,burst=0.5,reason=0.25,drift=4"),
            };
        }

        return rates;

        AnomalyRates Error(string message)
        {
            result.AddError(message);
            return rates;
        }
    }

    public static IncidentSpec[] ParseIncidents(ArgumentResult result)
    {
        var incidents = new List<IncidentSpec>();
        foreach (var token in result.Tokens)
        {
            var m = IncidentPattern().Match(token.Value);
            if (m.Success && Duration(m.Groups["at"].Value) is { } after && Duration(m.Groups["d"].Value) is { } duration)
            {
                incidents.Add(new IncidentSpec(m.Groups["m"].Value, after, duration, m.Groups["r"].Value));
            }
            else
            {
                result.AddError($"--incident '{token.Value}' must look like press-01@+5m/10m:jam");
            }
        }

        return [.. incidents];
    }
}
