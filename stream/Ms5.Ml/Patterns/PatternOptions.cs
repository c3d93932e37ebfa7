namespace Ms5.Ml.Patterns;

/// <summary>The ML.NET model under <see cref="DowntimePatternModel"/>.</summary>
public enum PatternAlgorithm
{
    /// <summary>RandomizedPca: the score is the stop's reconstruction error off the plant's main patterns.</summary>
    Pca,

    /// <summary>KMeans: the score is the squared distance to the nearest cluster centre.</summary>
    KMeans,
}

/// <summary>How <see cref="DowntimePatternModel.Train"/> learns the plant's usual stop patterns.</summary>
public sealed record PatternOptions
{
    public static PatternOptions Default { get; } = new();

    /// <summary>Fewer closed training stops than this: no model (the patterns of a few stops are not a plant's normal).</summary>
    public int MinStops { get; init; } = 200;

    /// <summary>
    /// KMeans by measurement (bench plant, 48 machines, 28 training days, seed 7): RandomizedPca scores the relative
    /// reconstruction error, bounded and saturating, and flagged none of the injected unusual reasons or bursts (9 false
    /// flags in 14,037 normal held-out stops); KMeans' distance (4 clusters) caught all 12 unusual reasons and 8 of 24
    /// bursts at 4 false flags. Ranks 2–8 were tried: 4 had the fewest false flags with the most bursts.
    /// </summary>
    public PatternAlgorithm Algorithm { get; init; } = PatternAlgorithm.KMeans;

    /// <summary>PCA: the number of components kept; KMeans: the number of clusters.</summary>
    public int Rank { get; init; } = 4;

    /// <summary>
    /// The threshold is this quantile of the training stops' scores: at most 1 − quantile of the (normal) training stops
    /// pass it, 0.9999 → at most 1 in 10,000 (the rule-based kinds catch the single-feature anomalies; this one is for
    /// the rare combinations, and a false flag costs a supervisor more than a rare combination missed).
    /// </summary>
    public double ThresholdQuantile { get; init; } = 0.9999;

    /// <summary>Least training stops of a machine × reason for its own median duration; fewer use the machine's median.</summary>
    public int MinReasonStops { get; init; } = 5;

    /// <summary>How many aspects the explanation names (the ones furthest from normal).</summary>
    public int ExplainAspects { get; init; } = 2;

    /// <summary>The reason a training set gives no model, null when it is enough.</summary>
    public string? WhyNot(int closedStops) =>
        closedStops < MinStops ? $"needs at least {MinStops} closed stops to learn the plant's stop patterns, has {closedStops}" : null;
}
