using System.Diagnostics;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Trainers.LightGbm;
using Ms5.Analytics.Anomalies;

namespace Ms5.Ml.Reranking;

/// <summary>
/// How well a re-ranker separates confirmed from dismissed flags. <see cref="CrossValidatedAuc"/> is measured on labels
/// each fold's model did not see (stratified folds, the honest figure); <see cref="TrainingAuc"/> on the labels the
/// final model learnt from (optimistic, shown for comparison).
/// </summary>
internal sealed record RerankerMetrics(int Labels, int Confirmed, int Dismissed, int Folds, double CrossValidatedAuc, double TrainingAuc, long TrainingMilliseconds);

internal sealed record RerankerMeta
{
    public const int CurrentFormat = 1;

    public int Format { get; init; } = CurrentFormat;
    public required int Seed { get; init; }
    public required RerankerOptions Options { get; init; }
    public required IReadOnlyList<string> FeatureNames { get; init; }
    public required RerankerMetrics Metrics { get; init; }
}

/// <summary>
/// Re-ranks flags by what users made of earlier ones (issue 13): a LightGbm binary classifier on the labelled flags'
/// stop features, kind and score → the probability a flag gets confirmed. Trained only from
/// <see cref="RerankerOptions.MinLabels"/> labels with both answers present; deterministic for a seed (one thread).
/// Thread-safe.
/// </summary>
internal sealed class DowntimeReranker
{
    private readonly Lock _gate = new();
    private readonly MLContext _ml;
    private readonly ITransformer _model;
    private readonly PredictionEngine<RerankerRow, RerankerOutput> _engine;
    private readonly RerankerMeta _meta;
    private readonly RerankerRow _row = new();

    private DowntimeReranker(MLContext ml, ITransformer model, RerankerMeta meta)
    {
        _ml = ml;
        _model = model;
        _meta = meta;
        _engine = ml.Model.CreatePredictionEngine<RerankerRow, RerankerOutput>(model);
    }

    public RerankerMetrics Metrics => _meta.Metrics;

    /// <summary>The reason <paramref name="labelled"/> gives no re-ranker, null when it is enough.</summary>
    public static string? WhyNot(IReadOnlyList<LabelledFlag> labelled, RerankerOptions options)
    {
        ArgumentNullException.ThrowIfNull(labelled);
        ArgumentNullException.ThrowIfNull(options);
        var confirmed = labelled.Count(l => l.Confirmed);
        return options.WhyNot(confirmed, labelled.Count - confirmed);
    }

    /// <summary>Trains on every label; null when there are too few (<see cref="WhyNot"/> says why).</summary>
    public static DowntimeReranker? Train(IReadOnlyList<LabelledFlag> labelled, RerankerOptions options, int seed) =>
        Train(labelled, options, seed, out _);

    public static DowntimeReranker? Train(IReadOnlyList<LabelledFlag> labelled, RerankerOptions options, int seed, out string? whyNot)
    {
        whyNot = WhyNot(labelled, options);
        if (whyNot is not null)
        {
            return null;
        }

        var sw = Stopwatch.StartNew();
        var rows = labelled.Select(l => new RerankerRow { Features = RerankerFeatures.Of(l.Stop, l.Flag), Label = l.Confirmed }).ToList();
        var ml = new MLContext(seed);
        var (cvAuc, folds) = CrossValidate(rows, options, seed);
        var model = Fit(ml, rows, options, seed);
        var training = new DowntimeReranker(ml, model, new RerankerMeta
        {
            Seed = seed,
            Options = options,
            FeatureNames = RerankerFeatures.Names,
            Metrics = new RerankerMetrics(rows.Count, 0, 0, 0, 0, 0, 0),
        });
        var trainingAuc = Auc([.. rows.Select(r => (training.Probability(r.Features), r.Label))]);
        var confirmed = rows.Count(r => r.Label);
        var meta = training._meta with
        {
            Metrics = new RerankerMetrics(rows.Count, confirmed, rows.Count - confirmed, folds, cvAuc, trainingAuc, sw.ElapsedMilliseconds),
        };
        return new DowntimeReranker(ml, model, meta);
    }

    /// <summary>The probability users confirm <paramref name="flag"/> of <paramref name="stop"/>, in [0, 1].</summary>
    public double Probability(StopFeatures stop, AnomalyScore flag)
    {
        ArgumentNullException.ThrowIfNull(stop);
        ArgumentNullException.ThrowIfNull(flag);
        return Probability(RerankerFeatures.Of(stop, flag));
    }

    public byte[] Save()
    {
        var schema = _ml.Data.LoadFromEnumerable(Array.Empty<RerankerRow>()).Schema;
        return ModelBundle.Pack(_ml, _model, schema, JsonSerializer.Serialize(_meta));
    }

    public static DowntimeReranker Load(byte[] bytes)
    {
        var (model, metaJson) = ModelBundle.Unpack(new MLContext(), bytes);
        var meta = JsonSerializer.Deserialize<RerankerMeta>(metaJson) ?? throw new InvalidDataException("re-ranker meta.json is empty");
        if (meta.Format != RerankerMeta.CurrentFormat || !meta.FeatureNames.SequenceEqual(RerankerFeatures.Names))
        {
            throw new InvalidDataException($"re-ranker format {meta.Format} with features [{string.Join(", ", meta.FeatureNames)}] is not this version's ({RerankerMeta.CurrentFormat}); train again");
        }

        return new DowntimeReranker(new MLContext(meta.Seed), model, meta);
    }

    private double Probability(float[] features)
    {
        lock (_gate)
        {
            _row.Features = features;
            return _engine.Predict(_row).Probability;
        }
    }

    private static ITransformer Fit(MLContext ml, IReadOnlyList<RerankerRow> rows, RerankerOptions options, int seed) =>
        ml.BinaryClassification.Trainers.LightGbm(new LightGbmBinaryTrainer.Options
        {
            LabelColumnName = nameof(RerankerRow.Label),
            FeatureColumnName = nameof(RerankerRow.Features),
            NumberOfIterations = options.Iterations,
            NumberOfLeaves = options.Leaves,
            MinimumExampleCountPerLeaf = options.MinExamplesPerLeaf,
            LearningRate = options.LearningRate,
            Seed = seed,
            NumberOfThreads = 1,
            Silent = true,
        }).Fit(ml.Data.LoadFromEnumerable(rows));

    /// <summary>
    /// Out-of-fold AUC: each label's probability comes from the model trained on the other folds. Folds are stratified
    /// (each answer dealt round the folds after a seeded shuffle), so every fold has both answers.
    /// </summary>
    private static (double Auc, int Folds) CrossValidate(List<RerankerRow> rows, RerankerOptions options, int seed)
    {
        var folds = Math.Min(options.Folds, Math.Min(rows.Count(r => r.Label), rows.Count(r => !r.Label)));
        var random = new Random(seed);
        var fold = new int[rows.Count];
        foreach (var answer in new[] { true, false })
        {
            var indices = Enumerable.Range(0, rows.Count).Where(i => rows[i].Label == answer).ToArray();
            random.Shuffle(indices);
            for (var k = 0; k < indices.Length; k++)
            {
                fold[indices[k]] = k % folds;
            }
        }

        var scored = new (double Score, bool Positive)[rows.Count];
        for (var f = 0; f < folds; f++)
        {
            var ml = new MLContext(seed);
            var model = Fit(ml, [.. rows.Where((_, i) => fold[i] != f)], options, seed);
            using var engine = ml.Model.CreatePredictionEngine<RerankerRow, RerankerOutput>(model);
            for (var i = 0; i < rows.Count; i++)
            {
                if (fold[i] == f)
                {
                    scored[i] = (engine.Predict(rows[i]).Probability, rows[i].Label);
                }
            }
        }

        return (Auc(scored), folds);
    }

    /// <summary>The probability a random positive scores above a random negative (ties count half): Mann–Whitney with average ranks.</summary>
    internal static double Auc(IReadOnlyList<(double Score, bool Positive)> items)
    {
        var positives = items.Count(i => i.Positive);
        var negatives = items.Count - positives;
        if (positives == 0 || negatives == 0)
        {
            return double.NaN;
        }

        var sorted = items.OrderBy(i => i.Score).ToList();
        double rankSum = 0;
        for (var i = 0; i < sorted.Count;)
        {
            var j = i;
            while (j < sorted.Count && sorted[j].Score == sorted[i].Score)
            {
                j++;
            }

            var averageRank = (i + 1 + j) / 2.0;
            rankSum += averageRank * sorted.Skip(i).Take(j - i).Count(x => x.Positive);
            i = j;
        }

        return (rankSum - positives * (positives + 1) / 2.0) / ((double)positives * negatives);
    }
}
