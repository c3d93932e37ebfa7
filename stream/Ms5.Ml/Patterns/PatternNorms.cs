using Ms5.Analytics.Anomalies;

namespace Ms5.Ml.Patterns;

/// <summary>A reason's training stops on one machine: how many, and the median of their ln seconds.</summary>
internal sealed record ReasonNorm(int Count, double MedianLogSeconds);

/// <summary>
/// One machine's (or the plant's, for machines the training window did not have) usual stop: what the per-machine
/// features are measured against and the "usually about" of the explanations.
/// </summary>
internal sealed record MachineNorm
{
    public required int Stops { get; init; }

    /// <summary>Median ln seconds of the machine's stops.</summary>
    public required double MedianLogSeconds { get; init; }

    /// <summary>Reasons with their count and median ln seconds (a median only from <see cref="PatternOptions.MinReasonStops"/> stops; the machine's below).</summary>
    public required Dictionary<string, ReasonNorm> Reasons { get; init; }

    /// <summary>Median of ln(1 + minutes of running before a stop).</summary>
    public required double MedianLogRun { get; init; }

    public required double MeanStopsInHour { get; init; }

    public required double MeanStopsInShift { get; init; }

    /// <summary>Mean reject rate in the hour before a stop, where known.</summary>
    public required double MeanRejectRate { get; init; }

    public static MachineNorm Fit(IReadOnlyList<StopFeatures> stops, int minReasonStops)
    {
        var medianLog = Median(stops.Select(s => s.LogSeconds));
        var runs = stops.Where(s => s.RunSecondsBefore is not null).Select(s => PatternFeatures.LogRun(s.RunSecondsBefore!.Value)).ToList();
        var rejects = stops.Where(s => s.RejectRateBefore is not null).Select(s => s.RejectRateBefore!.Value).ToList();
        return new MachineNorm
        {
            Stops = stops.Count,
            MedianLogSeconds = medianLog,
            Reasons = stops.GroupBy(s => s.Reason, StringComparer.Ordinal).ToDictionary(
                g => g.Key,
                g => new ReasonNorm(g.Count(), g.Count() >= minReasonStops ? Median(g.Select(s => s.LogSeconds)) : medianLog),
                StringComparer.Ordinal),
            MedianLogRun = runs.Count > 0 ? Median(runs) : 0,
            MeanStopsInHour = stops.Average(s => s.StopsInPrecedingHour),
            MeanStopsInShift = stops.Average(s => s.StopsInShiftBefore ?? 0),
            MeanRejectRate = rejects.Count > 0 ? rejects.Average() : 0,
        };
    }

    /// <summary>The usual ln seconds of a stop with this reason: the reason's median on the machine, else the machine's.</summary>
    public double LogSecondsOf(string reason) => Reasons.TryGetValue(reason, out var r) ? r.MedianLogSeconds : MedianLogSeconds;

    /// <summary>The upper median (deterministic, no interpolation needed for a "usually").</summary>
    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? 0 : sorted[sorted.Count / 2];
    }
}

/// <summary>The per-machine norms of a training window, and the plant's for machines it did not have.</summary>
internal sealed record PatternNorms(Dictionary<string, MachineNorm> Machines, MachineNorm Plant)
{
    public static PatternNorms Fit(IReadOnlyList<StopFeatures> stops, int minReasonStops) => new(
        stops.GroupBy(s => s.MachineId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => MachineNorm.Fit(g.ToList(), minReasonStops), StringComparer.Ordinal),
        MachineNorm.Fit(stops, minReasonStops));

    public MachineNorm Of(string machineId) => Machines.TryGetValue(machineId, out var m) ? m : Plant;
}
