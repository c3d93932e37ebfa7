using Microsoft.Extensions.Options;
using Ms5.Analytics.Anomalies;
using Ms5.Postgres;
using Prometheus;

namespace Ms5.OeeEngine.Anomalies;

/// <summary>
/// Scores every plant with a ready downtime model every <see cref="AnomalyScoringOptions.Interval"/>: reads the plant's
/// recent state intervals from PostgreSQL, builds its stops as of <see cref="LiveScoringWindow.AsOf"/> (now, or the
/// plant's newest event for a replayed past), judges them with the model and upserts the flags. An open stop is flagged
/// as soon as it has lasted past its threshold and its row follows it to its end. Flags that are new or changed notably
/// (<see cref="AnomalyChange.Notable"/>) are published, mirrored and given to the anomalous_stop Andon rules; flag ids
/// are deterministic, so a replay stores and raises nothing twice. The first run with a model version (after training,
/// or a restart) also publishes the flagged rows it touches that training already stored, so an open stop flagged by
/// training reaches Kafka, InfluxDB and the Andon rules while it is still open (at least once: the same id again).
/// </summary>
internal sealed class LiveAnomalyScorer(
    AnomalyModels models, AnomalyStore store, AnomalyPublisher publisher, AnomalyAndonRaiser andons,
    IOptions<AnomalyScoringOptions> options, TimeProvider time, ILogger<LiveAnomalyScorer> logger) : BackgroundService
{
    private static readonly Counter Runs = Metrics.CreateCounter("ms5_anomaly_scoring_runs_total", "Live downtime scoring runs, by outcome (ok, failed).", "outcome");
    private static readonly Histogram Duration = Metrics.CreateHistogram("ms5_anomaly_scoring_duration_seconds", "Duration of one live downtime scoring run over every plant with a model.",
        new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.005, 2, 12) });
    private static readonly Gauge Plants = Metrics.CreateGauge("ms5_anomaly_scoring_plants", "Plants with a ready downtime model that the engine scores.");

    private readonly AnomalyScoringOptions _o = options.Value;

    /// <summary>The model version each plant was last scored with: training writes its flags itself (same version), so
    /// the first run with a new version publishes the window's flagged rows it touches even when they did not change.</summary>
    private readonly Dictionary<string, int> _scoredWith = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_o.Interval, time);
        do
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                Runs.WithLabels("failed").Inc();
                logger.LogWarning(ex, "Live downtime scoring failed; the next run tries again");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One run over every plant with a ready model; returns the flags published.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        using var timing = Duration.NewTimer();
        var plants = await models.ReadyAsync(_o.ModelCheckInterval, ct);
        Plants.Set(plants.Count);
        var published = 0;
        foreach (var plant in plants)
        {
            // Microseconds, as PostgreSQL keeps them: a flag's "at" and its Andon's raise time read back equal.
            var now = time.GetUtcNow();
            published += await ScorePlantAsync(plant, now.AddTicks(-(now.UtcTicks % 10)), ct);
        }

        Runs.WithLabels("ok").Inc();
        return published;
    }

    private async Task<int> ScorePlantAsync(ScoringPlant p, DateTimeOffset now, CancellationToken ct)
    {
        var plantId = p.Plant.PlantId;
        var latest = await store.LatestEventAsync(plantId, ct);
        var oldestOpen = await store.OldestOpenFlagAsync(plantId, ct);
        if (LiveScoringWindow.For(now, latest, _o.LookBack, _o.LiveWithin, oldestOpen, _o.OpenFlagLookBack) is not { } window)
        {
            return 0;
        }

        var stops = new List<StopFeatures>();
        foreach (var history in await store.HistoryAsync(plantId, window.ReadFrom, window.AsOf, ct))
        {
            stops.AddRange(p.Extractor.Stops(history, window.AsOf));
        }

        var scores = p.Model.Score(stops, window.ScoreFrom, window.AsOf).Concat(p.Model.ScoreLengthAndReason(window.Earlier(stops), window.AsOf)).ToList();
        var changes = await store.UpsertChangesAsync(plantId, p.Model.Version, scores, ct);
        var newModel = !_scoredWith.TryGetValue(plantId, out var before) || before != p.Model.Version;
        _scoredWith[plantId] = p.Model.Version;
        var notable = changes.Where(c => c.Notable || (newModel && c.Row.Flagged)).Select(c => AnomalyPublisher.Message(c.Row, window.AsOf)).ToList();
        if (notable.Count == 0)
        {
            return 0;
        }

        await publisher.PublishAsync(notable, ct);
        await andons.ApplyAsync(p.Plant, notable, ct);
        logger.LogInformation("Downtime flags of {Plant} as of {AsOf:O}{Replay}: {Count} new or changed", plantId, window.AsOf, window.Replay ? " (replayed history)" : "", notable.Count);
        return notable.Count;
    }
}
