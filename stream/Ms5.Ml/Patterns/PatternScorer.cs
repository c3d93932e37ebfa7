using Microsoft.ML;
using Microsoft.ML.Data;

namespace Ms5.Ml.Patterns;

/// <summary>The model's input row: the standardised feature vector.</summary>
internal sealed class PatternRow
{
    [VectorType(PatternFeatures.Count)]
    public float[] Features { get; set; } = [];
}

internal sealed class PcaOutput
{
    public float Score { get; set; }
}

internal sealed class KMeansOutput
{
    /// <summary>Squared distances to every cluster centre.</summary>
    public float[] Score { get; set; } = [];
}

/// <summary>
/// Raw scores of the ML.NET model: one row through a PredictionEngine made once (not thread-safe, so behind a lock),
/// many through one batch Transform. Both read the same model, so a stop scores the same either way.
/// </summary>
internal sealed class PatternScorer
{
    private readonly Lock _gate = new();
    private readonly MLContext _ml;
    private readonly ITransformer _model;
    private readonly PatternAlgorithm _algorithm;
    private readonly PredictionEngine<PatternRow, PcaOutput>? _pca;
    private readonly PredictionEngine<PatternRow, KMeansOutput>? _kmeans;
    private readonly PatternRow _row = new();

    public PatternScorer(MLContext ml, ITransformer model, PatternAlgorithm algorithm)
    {
        _ml = ml;
        _model = model;
        _algorithm = algorithm;
        if (algorithm == PatternAlgorithm.Pca)
        {
            _pca = ml.Model.CreatePredictionEngine<PatternRow, PcaOutput>(model);
        }
        else
        {
            _kmeans = ml.Model.CreatePredictionEngine<PatternRow, KMeansOutput>(model);
        }
    }

    public double Score(float[] features)
    {
        lock (_gate)
        {
            _row.Features = features;
            return _pca is not null ? _pca.Predict(_row).Score : _kmeans!.Predict(_row).Score.Min();
        }
    }

    public double[] Score(IEnumerable<float[]> rows)
    {
        var scored = _model.Transform(_ml.Data.LoadFromEnumerable(rows.Select(f => new PatternRow { Features = f })));
        return _algorithm == PatternAlgorithm.Pca
            ? [.. _ml.Data.CreateEnumerable<PcaOutput>(scored, reuseRowObject: false).Select(o => (double)o.Score)]
            : [.. _ml.Data.CreateEnumerable<KMeansOutput>(scored, reuseRowObject: false).Select(o => (double)o.Score.Min())];
    }
}
