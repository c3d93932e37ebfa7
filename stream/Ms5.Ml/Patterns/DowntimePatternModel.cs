using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Ms5.Analytics.Anomalies;

namespace Ms5.Ml.Patterns;

/// <summary>What a pattern model learnt from, stored with it (and in the model version's metrics).</summary>
internal sealed record PatternMetrics(
    int TrainingStops, string Algorithm, int Rank, double TypicalScore, double Threshold, double ThresholdQuantile, int FlaggedTrainingStops, long TrainingMilliseconds);

/// <summary>Everything besides the ML.NET model a <see cref="DowntimePatternModel"/> needs to score, stored as meta.json beside it.</summary>
internal sealed record PatternMeta
{
    public const int CurrentFormat = 1;

    public int Format { get; init; } = CurrentFormat;
    public required string PlantId { get; init; }
    public required int Seed { get; init; }
    public required PatternOptions Options { get; init; }
    public required IReadOnlyList<string> FeatureNames { get; init; }
    public required double[] Mean { get; init; }
    public required double[] Sd { get; init; }
    public required PatternNorms Norms { get; init; }

    /// <summary>PCA: the mean the components are centred on; KMeans: empty.</summary>
    public required double[] Center { get; init; }

    /// <summary>PCA: the principal components (unit vectors); KMeans: the cluster centres. For the explanation only.</summary>
    public required double[][] Basis { get; init; }

    /// <summary>Per <see cref="PatternAspect"/> (enum order), the training stops' mean squared residual: what is usual for that aspect.</summary>
    public required double[] UsualResidual { get; init; }

    public required PatternMetrics Metrics { get; init; }
}

/// <summary>
/// The ML.NET model "for combinations that break the usual pattern" (issue 13): every stop as a standardised vector
/// (<see cref="PatternFeatures"/>: duration absolute and against the machine × reason median, run time before it,
/// stops in the hour and shift before, reject rate, time of day and weekend, reason share on the machine, category and
/// loss), scored by RandomizedPca (reconstruction error off the plant's main patterns) or KMeans (distance to the
/// nearest cluster). The threshold is a high quantile of the training stops' scores, so it needs no tuning per plant.
/// Duration alone is the baseline's question (<see cref="DowntimeScorer"/>); PCA scores relative error, so a stop that
/// is only longer than usual, in the usual direction, scores low here — what it flags is a mix that does not occur.
/// Deterministic: same stops, options and seed give the same model and scores.
/// </summary>
internal sealed class DowntimePatternModel
{
    private const float ZLimit = 10;
    private static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() } };

    private readonly PatternMeta _meta;
    private readonly PatternScorer _scorer;
    private readonly MLContext _ml;
    private readonly ITransformer _model;

    private DowntimePatternModel(MLContext ml, ITransformer model, PatternMeta meta)
    {
        _ml = ml;
        _model = model;
        _meta = meta;
        _scorer = new PatternScorer(ml, model, meta.Options.Algorithm);
    }

    public string PlantId => _meta.PlantId;

    public double Threshold => _meta.Metrics.Threshold;

    public double Typical => _meta.Metrics.TypicalScore;

    public PatternMetrics Metrics => _meta.Metrics;

    public IReadOnlyList<string> FeatureNames => _meta.FeatureNames;

    /// <summary>
    /// Learns the plant's usual stops from <paramref name="training"/>'s closed stops (the caller leaves out confirmed
    /// anomalies); null when there are fewer than <see cref="PatternOptions.MinStops"/> (<see cref="PatternOptions.WhyNot"/> says so).
    /// </summary>
    public static DowntimePatternModel? Train(string plantId, IReadOnlyList<StopFeatures> training, PatternOptions options, int seed)
    {
        ArgumentNullException.ThrowIfNull(training);
        ArgumentNullException.ThrowIfNull(options);
        var sw = Stopwatch.StartNew();
        var stops = training.Where(s => !s.Open).ToList();
        if (options.WhyNot(stops.Count) is not null)
        {
            return null;
        }

        var norms = PatternNorms.Fit(stops, options.MinReasonStops);
        var raw = stops.Select(s => PatternFeatures.Raw(s, norms)).ToList();
        var (mean, sd) = Standardisation(raw);
        var rows = raw.Select(r => Standardise(r, mean, sd)).ToList();

        var ml = new MLContext(seed);
        var data = ml.Data.LoadFromEnumerable(rows.Select(f => new PatternRow { Features = f }));
        var rank = Math.Clamp(options.Rank, 1, PatternFeatures.Count - 1);
        ITransformer model;
        double[] center;
        double[][] basis;
        if (options.Algorithm == PatternAlgorithm.Pca)
        {
            var pca = ml.AnomalyDetection.Trainers.RandomizedPca(new RandomizedPcaTrainer.Options
            {
                FeatureColumnName = nameof(PatternRow.Features),
                Rank = rank,
                EnsureZeroMean = true,
                Oversampling = 20,
                Seed = seed,
            }).Fit(data);
            model = pca;
            VBuffer<float> m = default;
            pca.Model.GetMean(ref m);
            VBuffer<float>[] vectors = [];
            pca.Model.GetEigenVectors(ref vectors, out var k);
            center = Dense(m);
            basis = [.. vectors.Take(k).Select(Dense)];
        }
        else
        {
            var kmeans = ml.Clustering.Trainers.KMeans(new KMeansTrainer.Options
            {
                FeatureColumnName = nameof(PatternRow.Features),
                NumberOfClusters = rank,
                NumberOfThreads = 1,
            }).Fit(data);
            model = kmeans;
            VBuffer<float>[] centroids = [];
            kmeans.Model.GetClusterCentroids(ref centroids, out var k);
            center = [];
            basis = [.. centroids.Take(k).Select(Dense)];
        }

        var scorer = new PatternScorer(ml, model, options.Algorithm);
        var scores = scorer.Score(rows);
        var sorted = scores.Order().ToArray();
        var typical = sorted[sorted.Length / 2];
        var quantile = sorted[Math.Clamp((int)Math.Ceiling(options.ThresholdQuantile * sorted.Length) - 1, 0, sorted.Length - 1)];
        var threshold = typical + (options.ThresholdMargin * (quantile - typical));
        var meta = new PatternMeta
        {
            PlantId = plantId,
            Seed = seed,
            Options = options,
            FeatureNames = PatternFeatures.Names,
            Mean = mean,
            Sd = sd,
            Norms = norms,
            Center = center,
            Basis = basis,
            UsualResidual = new double[Enum.GetValues<PatternAspect>().Length],
            Metrics = new PatternMetrics(
                stops.Count, options.Algorithm.ToString(), rank, typical, threshold, options.ThresholdQuantile, scores.Count(s => s > threshold), sw.ElapsedMilliseconds),
        };
        var usual = new double[meta.UsualResidual.Length];
        foreach (var row in rows)
        {
            var shares = Shares(Residual(meta, row));
            for (var a = 0; a < usual.Length; a++)
            {
                usual[a] += shares[a] / rows.Count;
            }
        }

        return new DowntimePatternModel(ml, model, meta with { UsualResidual = usual });
    }

    /// <summary>The ML.NET model and <see cref="PatternMeta"/> in one zip (<see cref="ModelBundle"/>).</summary>
    public byte[] Save()
    {
        var schema = _ml.Data.LoadFromEnumerable(Array.Empty<PatternRow>()).Schema;
        return ModelBundle.Pack(_ml, _model, schema, JsonSerializer.Serialize(_meta, Json));
    }

    public static DowntimePatternModel Load(byte[] bytes)
    {
        var probe = new MLContext();
        var (model, metaJson) = ModelBundle.Unpack(probe, bytes);
        var meta = JsonSerializer.Deserialize<PatternMeta>(metaJson, Json) ?? throw new InvalidDataException("pattern model meta.json is empty");
        if (meta.Format != PatternMeta.CurrentFormat || !meta.FeatureNames.SequenceEqual(PatternFeatures.Names))
        {
            throw new InvalidDataException($"pattern model format {meta.Format} with features [{string.Join(", ", meta.FeatureNames)}] is not this version's ({PatternMeta.CurrentFormat}); train again");
        }

        return new DowntimePatternModel(new MLContext(meta.Seed), model, meta);
    }

    /// <summary>
    /// The stop's pattern score (open stops: as they are so far): kind UnusualPattern, Observed the model's raw score,
    /// Threshold the training quantile, Score 0.5 at the threshold (r = (raw − typical) / (threshold − typical), typical
    /// the training median), flagged above the threshold, and an explanation naming the aspects furthest from normal.
    /// Thread-safe.
    /// </summary>
    public AnomalyScore Score(StopFeatures stop)
    {
        ArgumentNullException.ThrowIfNull(stop);
        var z = Standardise(PatternFeatures.Raw(stop, _meta.Norms), _meta.Mean, _meta.Sd);
        return ScoreOf(stop, z, _scorer.Score(z));
    }

    /// <summary>Many stops at once through one batch Transform (the same scores as <see cref="Score(StopFeatures)"/>).</summary>
    public IReadOnlyList<AnomalyScore> Score(IReadOnlyList<StopFeatures> stops)
    {
        ArgumentNullException.ThrowIfNull(stops);
        var z = stops.Select(s => Standardise(PatternFeatures.Raw(s, _meta.Norms), _meta.Mean, _meta.Sd)).ToList();
        var raw = _scorer.Score(z);
        return [.. stops.Select((s, i) => ScoreOf(s, z[i], raw[i]))];
    }

    private AnomalyScore ScoreOf(StopFeatures stop, float[] z, double raw)
    {
        var threshold = Threshold;
        var r = (raw - Typical) / Math.Max(threshold - Typical, 1e-12);
        var flagged = raw > threshold;
        var explanation = AnomalyText.UnusualPattern(stop.MachineId, Explain(stop, z));
        return new AnomalyScore(
            AnomalyId.For(PlantId, stop.MachineId, stop.Start, AnomalyKind.UnusualPattern), AnomalyKind.UnusualPattern, stop.MachineId, stop.LineId,
            stop.Reason, stop.Start, stop.End, stop.Seconds, raw, threshold, AnomalyScore.ScoreOf(r), flagged, explanation);
    }

    /// <summary>
    /// The aspects furthest from normal: per entry the squared residual off the principal components (PCA) or off the
    /// nearest cluster centre (KMeans), summed per aspect, less that aspect's mean over the training stops (time of day
    /// is spread evenly, so every stop is some way off a centre in it; what matters is being further off than usual).
    /// </summary>
    internal IReadOnlyList<PatternDeviation> Explain(StopFeatures stop, float[] z)
    {
        var shares = Shares(Residual(_meta, z));
        var m = _meta.Norms.Of(stop.MachineId);
        return [.. Enum.GetValues<PatternAspect>()
            .Select(a => (Aspect: a, Excess: shares[(int)a] - _meta.UsualResidual[(int)a]))
            .Where(x => x.Excess > 0)
            .OrderByDescending(x => x.Excess).ThenBy(x => x.Aspect)
            .Select(x => Deviation(x.Aspect, stop, m))
            .OfType<PatternDeviation>()
            .Take(_meta.Options.ExplainAspects)];
    }

    private static double[] Shares(double[] residual)
    {
        var shares = new double[Enum.GetValues<PatternAspect>().Length];
        for (var i = 0; i < residual.Length; i++)
        {
            shares[(int)PatternFeatures.Aspects[i]] += residual[i] * residual[i];
        }

        return shares;
    }

    private static double[] Residual(PatternMeta meta, float[] z)
    {
        var basis = meta.Basis;
        if (meta.Options.Algorithm == PatternAlgorithm.Pca)
        {
            var c = z.Select((v, i) => v - meta.Center[i]).ToArray();
            var r = (double[])c.Clone();
            foreach (var b in basis)
            {
                var dot = c.Select((v, i) => v * b[i]).Sum();
                for (var i = 0; i < r.Length; i++)
                {
                    r[i] -= dot * b[i];
                }
            }

            return r;
        }

        var nearest = basis.MinBy(b => z.Select((v, i) => (v - b[i]) * (v - b[i])).Sum())!;
        return [.. z.Select((v, i) => v - nearest[i])];
    }

    private static PatternDeviation? Deviation(PatternAspect aspect, StopFeatures s, MachineNorm m) => aspect switch
    {
        PatternAspect.Duration => new(aspect, s.Seconds, Math.Exp(m.LogSecondsOf(s.Reason)), s.Reason),
        PatternAspect.RunBefore => s.RunSecondsBefore is { } run ? new(aspect, run, (Math.Exp(m.MedianLogRun) - 1) * 60) : null,
        PatternAspect.StopsInHour => new(aspect, s.StopsInPrecedingHour, m.MeanStopsInHour),
        PatternAspect.StopsInShift => s.StopsInShiftBefore is { } n ? new(aspect, n, m.MeanStopsInShift) : null,
        PatternAspect.RejectRate => s.RejectRateBefore is { } rate ? new(aspect, rate, m.MeanRejectRate) : null,
        PatternAspect.TimeOfWeek => new(aspect, s.HourOfDay, 0, s.DayOfWeek.ToString()),
        _ => new(aspect, m.Reasons.TryGetValue(s.Reason, out var r) ? r.Count : 0, m.Stops, s.Reason),
    };

    private static (double[] Mean, double[] Sd) Standardisation(List<double[]> rows)
    {
        var n = PatternFeatures.Count;
        var mean = new double[n];
        var sd = new double[n];
        for (var j = 0; j < n; j++)
        {
            var mu = rows.Average(r => r[j]);
            var variance = rows.Sum(r => (r[j] - mu) * (r[j] - mu)) / rows.Count;

            // A constant entry (a category the window never had) gets unit spread: seen later, it stands out by its
            // distance from the mean, capped at ZLimit like every entry, instead of dividing by zero.
            mean[j] = mu;
            sd[j] = variance > 1e-12 ? Math.Sqrt(variance) : 1;
        }

        return (mean, sd);
    }

    private static float[] Standardise(double[] raw, double[] mean, double[] sd) =>
        [.. raw.Select((v, i) => (float)Math.Clamp((v - mean[i]) / sd[i], -ZLimit, ZLimit))];

    private static double[] Dense(VBuffer<float> v) => [.. v.DenseValues().Select(x => (double)x)];
}
