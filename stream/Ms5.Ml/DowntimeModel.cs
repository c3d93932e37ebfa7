using Ms5.Analytics.Anomalies;
using Ms5.Ml.Patterns;
using Ms5.Ml.Reranking;
using Ms5.Postgres;

namespace Ms5.Ml;

/// <summary>
/// A ready downtime model: its baseline (long stops, bursts, shift pile-ups, unseen reasons), the ML.NET pattern
/// model when the plant had enough stops, and the re-ranker when users had labelled enough flags. The one way stops
/// are judged, by training (its window) and by live scoring (the stops since), so both give the same flags.
/// </summary>
public sealed class DowntimeModel
{
    private DowntimeModel(DowntimeModelRow row, DowntimeBaseline baseline, DowntimePatternModel? pattern, DowntimeReranker? reranker)
    {
        Row = row;
        Baseline = baseline;
        Pattern = pattern;
        Reranker = reranker;
    }

    public DowntimeModelRow Row { get; }

    public DowntimeBaseline Baseline { get; }

    internal DowntimePatternModel? Pattern { get; }

    internal DowntimeReranker? Reranker { get; }

    public string PlantId => Row.PlantId;

    public int Version => Row.Version;

    /// <summary>Loads a stored model; throws when it is not ready (no baseline).</summary>
    public static DowntimeModel Load(DowntimeModelRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        if (row.Status != DowntimeModelStatus.Ready || row.BaselineJson is null)
        {
            throw new ArgumentException($"downtime model {row.PlantId} v{row.Version} is not ready ({AnomalyStore.StatusName(row.Status)})", nameof(row));
        }

        return new DowntimeModel(
            row, DowntimeBaseline.FromJson(row.BaselineJson),
            row.Model is { Length: > 0 } m ? DowntimePatternModel.Load(m) : null,
            row.Reranker is { Length: > 0 } r ? DowntimeReranker.Load(r) : null);
    }

    /// <summary>A model just trained (the row as it is stored, with its version).</summary>
    internal static DowntimeModel Create(DowntimeModelRow row, DowntimeBaseline baseline, DowntimePatternModel? pattern, DowntimeReranker? reranker) =>
        new(row, baseline, pattern, reranker);

    /// <summary>
    /// Long-stop and unseen-reason scores of <paramref name="stops"/> (open ones by how long they have lasted at
    /// <paramref name="asOf"/>): what judges a stop without the stops before it, for stops whose context was not read.
    /// </summary>
    public IReadOnlyList<AnomalyScore> ScoreLengthAndReason(IEnumerable<StopFeatures> stops, DateTimeOffset asOf)
    {
        ArgumentNullException.ThrowIfNull(stops);
        var scorer = new DowntimeScorer(Baseline);
        return stops.SelectMany(s => new[] { scorer.ScoreLongStop(s, asOf), scorer.ScoreUnseenReason(s) }).OfType<AnomalyScore>().ToList();
    }

    /// <summary>
    /// Scores the stops that started in [from, asOf): long stops (open ones by how long they have lasted at
    /// <paramref name="asOf"/>), unseen reasons, burst and shift pile-up episodes, and, with a pattern model, unusual
    /// combinations of closed stops no rule flagged. With a re-ranker, a flag's score becomes the re-ranker's probability that users
    /// would confirm it (the flags stay what the rules say; only their order changes). <paramref name="stops"/> must
    /// reach back to the start of the shift before <paramref name="from"/> (pile-ups count the shift, bursts the
    /// preceding hour). Returns flagged scores and unflagged long-stop, reason and pattern scores (they update flags
    /// stored before); <see cref="AnomalyStore.UpsertAsync"/> drops unflagged scores of flags it does not have.
    /// </summary>
    public IReadOnlyList<AnomalyScore> Score(IReadOnlyList<StopFeatures> stops, DateTimeOffset from, DateTimeOffset asOf)
    {
        ArgumentNullException.ThrowIfNull(stops);
        var scores = DowntimeTrainer.Score(Baseline, stops, from, asOf).ToList();
        if (Pattern is { } pattern)
        {
            // A stop a rule flags is not flagged again as a rare combination: one flag says it better.
            var flagged = scores.Where(s => s.Flagged).Select(s => (s.MachineId, s.StopStart)).ToHashSet();
            var closed = stops.Where(s => s.Start >= from && s.Start < asOf && !s.Open && !flagged.Contains((s.MachineId, s.Start))).ToList();
            scores.AddRange(pattern.Score(closed));
        }

        if (Reranker is not { } reranker)
        {
            return scores;
        }

        var byStop = stops.GroupBy(s => (s.MachineId, s.Start)).ToDictionary(g => g.Key, g => g.First());
        return scores.Select(s => s.Flagged && byStop.TryGetValue((s.MachineId, s.StopStart), out var stop)
            ? s with { Score = Math.Clamp(reranker.Probability(stop, s), 0, 0.999999) }
            : s).ToList();
    }
}
