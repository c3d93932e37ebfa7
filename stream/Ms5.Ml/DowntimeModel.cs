using Ms5.Analytics.Anomalies;
using Ms5.Postgres;

namespace Ms5.Ml;

/// <summary>
/// A stored, ready downtime model loaded for scoring: its baseline (and the ML.NET parts once trained). The one way
/// stops are judged, by training (its window) and by live scoring (the stops since), so both give the same flags.
/// </summary>
public sealed class DowntimeModel
{
    private DowntimeModel(DowntimeModelRow row, DowntimeBaseline baseline)
    {
        Row = row;
        Baseline = baseline;
    }

    public DowntimeModelRow Row { get; }

    public DowntimeBaseline Baseline { get; }

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

        return new DowntimeModel(row, DowntimeBaseline.FromJson(row.BaselineJson));
    }

    /// <summary>
    /// Scores the stops that started in [from, asOf): long stops (open ones by how long they have lasted at
    /// <paramref name="asOf"/>), unseen reasons and burst episodes. <paramref name="stops"/> must reach back at least an
    /// hour before <paramref name="from"/> (a burst counts the preceding hour) and to the last stop before it that was
    /// not part of a burst. Returns flagged scores and unflagged long-stop and reason scores (they update flags stored
    /// before); <see cref="AnomalyStore.UpsertAsync"/> drops unflagged scores of flags it does not have.
    /// </summary>
    public IReadOnlyList<AnomalyScore> Score(IReadOnlyList<StopFeatures> stops, DateTimeOffset from, DateTimeOffset asOf) =>
        DowntimeTrainer.Score(Baseline, stops, from, asOf);
}
