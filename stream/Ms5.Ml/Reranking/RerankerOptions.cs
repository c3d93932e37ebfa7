namespace Ms5.Ml.Reranking;

/// <summary>When and how <see cref="DowntimeReranker"/> learns from users' labels.</summary>
public sealed record RerankerOptions
{
    public static RerankerOptions Default { get; } = new();

    /// <summary>Least labelled flags (confirmed and dismissed together) before the flags are re-ranked.</summary>
    public int MinLabels { get; init; } = 30;

    /// <summary>Least labels of each kind (confirmed, dismissed): one label alone teaches nothing.</summary>
    public int MinEachLabel { get; init; } = 5;

    /// <summary>Folds of the cross-validated AUC (fewer when a label has fewer examples).</summary>
    public int Folds { get; init; } = 5;

    /// <summary>LightGbm: boosting rounds, leaves per tree and least examples a leaf (small: labels are few).</summary>
    public int Iterations { get; init; } = 50;

    public int Leaves { get; init; } = 8;

    public int MinExamplesPerLeaf { get; init; } = 3;

    public double LearningRate { get; init; } = 0.1;

    /// <summary>Why these labels give no model, null when they are enough.</summary>
    public string? WhyNot(int confirmed, int dismissed)
    {
        if (confirmed + dismissed < MinLabels)
        {
            return $"needs at least {MinLabels} labelled flags, has {confirmed + dismissed} ({confirmed} confirmed, {dismissed} dismissed)";
        }

        return confirmed < MinEachLabel || dismissed < MinEachLabel
            ? $"needs at least {MinEachLabel} confirmed and {MinEachLabel} dismissed flags, has {confirmed} confirmed and {dismissed} dismissed"
            : null;
    }
}
