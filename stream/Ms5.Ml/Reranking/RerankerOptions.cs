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

    /// <summary>Throws naming the first setting out of range (its configuration path: Ms5:Ml:Downtime:Reranker:NAME).</summary>
    public void Validate()
    {
        Patterns.OptionCheck.That(MinLabels >= 2, "Reranker", nameof(MinLabels), MinLabels, "must be at least 2");
        Patterns.OptionCheck.That(MinEachLabel >= 1, "Reranker", nameof(MinEachLabel), MinEachLabel, "must be at least 1");
        Patterns.OptionCheck.That(Folds is >= 2 and <= 20, "Reranker", nameof(Folds), Folds, "must be from 2 to 20");
        Patterns.OptionCheck.That(Iterations is >= 1 and <= 10_000, "Reranker", nameof(Iterations), Iterations, "must be from 1 to 10000");
        Patterns.OptionCheck.That(Leaves is >= 2 and <= 1024, "Reranker", nameof(Leaves), Leaves, "must be from 2 to 1024");
        Patterns.OptionCheck.That(MinExamplesPerLeaf >= 1, "Reranker", nameof(MinExamplesPerLeaf), MinExamplesPerLeaf, "must be at least 1");
        Patterns.OptionCheck.That(LearningRate is > 0 and <= 1, "Reranker", nameof(LearningRate), LearningRate, "must be in (0, 1]");
    }

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
