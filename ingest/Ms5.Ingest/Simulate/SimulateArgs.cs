using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.RegularExpressions;
using Ms5.Analytics.Simulation;

namespace Ms5.Ingest.Simulate;

/// <summary>What <c>ms5-ingest simulate</c> was asked to do.</summary>
internal sealed record SimulateArgs(string PlantFile, int Seed, TimeSpan Backfill, IReadOnlyList<IncidentSpec> Incidents, string Topic, int MetricsPort);

/// <summary>An <c>--incident</c>: <see cref="MachineId"/> goes down with <see cref="Reason"/> <see cref="After"/> the simulator starts, for <see cref="Duration"/>.</summary>
internal sealed record IncidentSpec(string MachineId, TimeSpan After, TimeSpan Duration, string Reason)
{
    public Incident At(DateTimeOffset start) => new(MachineId, start + After, Duration, Reason);
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

    public static TimeSpan ParseBackfill(ArgumentResult result)
    {
        var text = result.Tokens.Single().Value;
        if (Duration(text) is { } backfill)
        {
            return backfill;
        }

        result.AddError($"--backfill '{text}' must look like 30s, 5m, 2h or 1d");
        return TimeSpan.Zero;
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
