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

    /// <summary>
    /// How far beyond that quantile a stop must lie, in units of its distance from the typical (median) score:
    /// threshold = typical + margin · (quantile − typical). 1.5: the rules already catch what is long, frequent or new
    /// on a machine; measured on two simulated plants, stops just past the quantile were all normal ones.
    /// </summary>
    public double ThresholdMargin { get; init; } = 1.5;

    /// <summary>Least training stops of a machine × reason for its own median duration; fewer use the machine's median.</summary>
    public int MinReasonStops { get; init; } = 5;

    /// <summary>How many aspects the explanation names (the ones furthest from normal).</summary>
    public int ExplainAspects { get; init; } = 2;

    /// <summary>Throws naming the first setting out of range (its configuration path: Ms5:Ml:Downtime:Pattern:NAME).</summary>
    public void Validate()
    {
        OptionCheck.That(MinStops >= 10, "Pattern", nameof(MinStops), MinStops, "must be at least 10");
        OptionCheck.That(Rank is >= 1 and <= 20, "Pattern", nameof(Rank), Rank, "must be from 1 to 20");
        OptionCheck.That(ThresholdQuantile is >= 0.5 and <= 1, "Pattern", nameof(ThresholdQuantile), ThresholdQuantile, "must be from 0.5 to 1");
        OptionCheck.That(ThresholdMargin is >= 1 and <= 100, "Pattern", nameof(ThresholdMargin), ThresholdMargin, "must be from 1 to 100");
        OptionCheck.That(MinReasonStops >= 1, "Pattern", nameof(MinReasonStops), MinReasonStops, "must be at least 1");
        OptionCheck.That(ExplainAspects is >= 1 and <= 7, "Pattern", nameof(ExplainAspects), ExplainAspects, "must be from 1 to 7");
    }

    /// <summary>The reason a training set gives no model, null when it is enough.</summary>
    public string? WhyNot(int closedStops) =>
        closedStops < MinStops ? $"needs at least {MinStops} closed stops to learn the plant's stop patterns, has {closedStops}" : null;
}

/// <summary>The ML settings' range checks: an ArgumentException naming the setting's configuration path.</summary>
internal static class OptionCheck
{
    public static void That(bool ok, string area, string name, double value, string rule)
    {
        if (!ok)
        {
            throw new ArgumentException(FormattableString.Invariant($"Ms5:Ml:Downtime:{area}:{name} {rule}; got {value}"), name);
        }
    }
}
