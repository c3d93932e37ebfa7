using Ms5.Analytics.Anomalies;
using Ms5.Analytics.Plant;
using Ms5.Ml;
using Ms5.Postgres;

namespace Ms5.OeeEngine.Anomalies;

/// <summary>A plant the live scorer judges: its configuration, feature extractor and newest ready model.</summary>
internal sealed record ScoringPlant(PlantConfig Plant, string PlantJson, StopFeatureExtractor Extractor, DowntimeModel Model);

/// <summary>
/// The plants with a ready downtime model, looked up at most every check interval: a plant file that changed is parsed
/// again, a newer ready version is loaded. A plant without a ready model is not scored (and nothing is unready for it).
/// </summary>
internal sealed class AnomalyModels(PlantStore plants, AnomalyStore store, TimeProvider time, ILogger<AnomalyModels> logger)
{
    private Dictionary<string, ScoringPlant> _ready = new(StringComparer.Ordinal);
    private DateTimeOffset _checkedAt = DateTimeOffset.MinValue;

    /// <summary>The plants to score now; looks for new models and plant files when <paramref name="checkEvery"/> has passed.</summary>
    public async Task<IReadOnlyCollection<ScoringPlant>> ReadyAsync(TimeSpan checkEvery, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (now - _checkedAt >= checkEvery)
        {
            _ready = await LoadAsync(ct);
            _checkedAt = now;
        }

        return _ready.Values;
    }

    private async Task<Dictionary<string, ScoringPlant>> LoadAsync(CancellationToken ct)
    {
        var next = new Dictionary<string, ScoringPlant>(StringComparer.Ordinal);
        foreach (var plantId in await plants.PlantIdsAsync(ct))
        {
            if (await store.LatestReadyAsync(plantId, ct) is not { } row || await plants.ConfigAsync(plantId, ct) is not { } json)
            {
                continue;
            }

            _ready.TryGetValue(plantId, out var known);
            DowntimeModel model;
            try
            {
                model = known is not null && known.Model.Version == row.Version ? known.Model : DowntimeModel.Load(row);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One plant's unreadable model must not stop the others' scoring; it is tried again at the next check.
                logger.LogWarning(ex, "Downtime model {Version} of {Plant} cannot be loaded; the plant is not scored", row.Version, plantId);
                if (known is not null)
                {
                    next[plantId] = known;
                }

                continue;
            }

            if (known is not null && known.PlantJson == json)
            {
                next[plantId] = known with { Model = model };
                continue;
            }

            var config = PlantConfigParser.Parse(json);
            next[plantId] = new ScoringPlant(config, json, new StopFeatureExtractor(config), model);
            if (known?.Model.Version != model.Version)
            {
                logger.LogInformation("Live anomaly scoring of {Plant} uses downtime model version {Version}", plantId, model.Version);
            }
        }

        return next;
    }
}
