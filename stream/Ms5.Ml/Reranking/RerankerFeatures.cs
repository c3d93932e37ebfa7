using Microsoft.ML.Data;
using Ms5.Analytics.Anomalies;
using Ms5.Analytics.Plant;

namespace Ms5.Ml.Reranking;

/// <summary>A flag users labelled: the stop's features, the flag, and whether they confirmed it (or dismissed it).</summary>
internal sealed record LabelledFlag(StopFeatures Stop, AnomalyScore Flag, bool Confirmed);

/// <summary>The re-ranker's input row.</summary>
internal sealed class RerankerRow
{
    [VectorType(RerankerFeatures.Count)]
    public float[] Features { get; set; } = [];

    public bool Label { get; set; }
}

internal sealed class RerankerOutput
{
    public float Probability { get; set; }
}

/// <summary>
/// A labelled flag as numbers: the stop (duration, run before, stops before, rejects, time, category, loss), the
/// flag's kind and how far beyond normal it was. Trees need no standardisation; unknowns are NaN (missing to LightGbm).
/// </summary>
internal static class RerankerFeatures
{
    private static readonly ReasonCategory[] Categories = Enum.GetValues<ReasonCategory>();
    private static readonly string[] Losses = ["unplanned", "setup", "micro_stop"];

    public static IReadOnlyList<string> Names { get; } =
    [
        "logSeconds", "logRunBefore", "stopsInPrecedingHour", "stopsInShiftBefore", "rejectRateBefore", "hourSin", "hourCos", "weekend", "open",
        .. Categories.Select(c => "category=" + AnomalyText.CategoryName(c)),
        .. Losses.Select(l => "loss=" + l),
        .. AnomalyKinds.All.Select(k => "kind=" + AnomalyKinds.Name(k)),
        "score", "logObservedOverThreshold",
    ];

    public const int Count = 9 + 7 + 3 + 5 + 2;

    public static float[] Of(StopFeatures s, AnomalyScore flag)
    {
        var v = new float[Count];
        var angle = 2 * Math.PI * s.HourOfDay / 24;
        v[0] = (float)s.LogSeconds;
        v[1] = s.RunSecondsBefore is { } run ? (float)Math.Log(1 + Math.Max(run, 0) / 60) : float.NaN;
        v[2] = s.StopsInPrecedingHour;
        v[3] = s.StopsInShiftBefore ?? float.NaN;
        v[4] = s.RejectRateBefore is { } r ? (float)r : float.NaN;
        v[5] = (float)Math.Sin(angle);
        v[6] = (float)Math.Cos(angle);
        v[7] = s.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday ? 1 : 0;
        v[8] = s.Open ? 1 : 0;
        var i = 9;
        v[i + Array.IndexOf(Categories, s.Category)] = 1;
        i += Categories.Length;
        var loss = Array.IndexOf(Losses, s.Loss);
        if (loss >= 0)
        {
            v[i + loss] = 1;
        }

        i += Losses.Length;
        v[i + (int)flag.Kind] = 1;
        i += AnomalyKinds.All.Count;
        v[i] = (float)flag.Score;
        v[i + 1] = flag.Observed > 0 && flag.Threshold > 0 ? (float)Math.Log(flag.Observed / flag.Threshold) : float.NaN;
        return v;
    }
}
