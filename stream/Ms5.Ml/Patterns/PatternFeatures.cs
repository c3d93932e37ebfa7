using Ms5.Analytics.Anomalies;
using Ms5.Analytics.Plant;

namespace Ms5.Ml.Patterns;

/// <summary>
/// A stop as the pattern model's numeric vector (before standardisation), and which aspect of the stop each entry
/// speaks for (the explanation sums the entries' share of the distance from normal per aspect). Missing values
/// (no earlier stop, no counts, outside shifts) take the machine's usual value, so they are not unusual by themselves.
/// </summary>
internal static class PatternFeatures
{
    private static readonly ReasonCategory[] Categories = Enum.GetValues<ReasonCategory>();
    private static readonly string[] Losses = ["unplanned", "setup", "micro_stop"];

    /// <summary>The entries' names, stored with the model.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "logSeconds", "logSecondsVsMachineReason", "logRunBefore", "logRunBeforeVsMachine", "sqrtStopsInPrecedingHour",
        "sqrtStopsInShiftBefore", "logRejectRateBefore", "hourSin", "hourCos", "weekend", "logReasonShareOnMachine",
        .. Categories.Select(c => "category=" + AnomalyText.CategoryName(c)),
        .. Losses.Select(l => "loss=" + l),
    ];

    /// <summary>The aspect of each entry of <see cref="Names"/>.</summary>
    public static IReadOnlyList<PatternAspect> Aspects { get; } =
    [
        PatternAspect.Duration, PatternAspect.Duration, PatternAspect.RunBefore, PatternAspect.RunBefore, PatternAspect.StopsInHour,
        PatternAspect.StopsInShift, PatternAspect.RejectRate, PatternAspect.TimeOfWeek, PatternAspect.TimeOfWeek, PatternAspect.TimeOfWeek,
        PatternAspect.Reason, .. Categories.Select(_ => PatternAspect.Reason), .. Losses.Select(_ => PatternAspect.Reason),
    ];

    public const int Count = 11 + 7 + 3;

    /// <summary>ln(1 + minutes): run times span seconds to days.</summary>
    public static double LogRun(double seconds) => Math.Log(1 + Math.Max(seconds, 0) / 60);

    public static double[] Raw(StopFeatures s, PatternNorms norms)
    {
        var m = norms.Of(s.MachineId);
        var logRun = s.RunSecondsBefore is { } run ? LogRun(run) : m.MedianLogRun;
        var reasonStops = m.Reasons.TryGetValue(s.Reason, out var r) ? r.Count : 0;
        var angle = 2 * Math.PI * s.HourOfDay / 24;
        var v = new double[Count];
        v[0] = s.LogSeconds;
        v[1] = s.LogSeconds - m.LogSecondsOf(s.Reason);
        v[2] = logRun;
        v[3] = logRun - m.MedianLogRun;
        v[4] = Math.Sqrt(s.StopsInPrecedingHour);
        v[5] = Math.Sqrt(s.StopsInShiftBefore ?? m.MeanStopsInShift);
        v[6] = Math.Log(0.01 + (s.RejectRateBefore ?? m.MeanRejectRate));
        v[7] = Math.Sin(angle);
        v[8] = Math.Cos(angle);
        v[9] = s.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday ? 1 : 0;
        v[10] = Math.Log((reasonStops + 0.5) / (m.Stops + 1.0));
        v[11 + Array.IndexOf(Categories, s.Category)] = 1;
        var loss = Array.IndexOf(Losses, s.Loss);
        if (loss >= 0)
        {
            v[11 + Categories.Length + loss] = 1;
        }

        return v;
    }
}
