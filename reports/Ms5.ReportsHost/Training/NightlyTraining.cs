using System.Text.Json;
using Ms5.Analytics.Plant;
using Ms5.Ml;
using Ms5.Postgres;

namespace Ms5.ReportsHost.Training;

/// <summary>A plant's training trigger and when it should fire.</summary>
internal sealed record PlannedTraining(string PlantId, DateTimeOffset FireAt)
{
    public string Job => NightlyTraining.JobName(PlantId);
}

/// <summary>
/// What the nightly training jobs do, without Quartz: where each plant's trigger should stand (its next due time on the
/// plant's clock, or now when a run was missed and <see cref="NightlyMisfire.FireNow"/>), and one plant's run through
/// <see cref="DowntimeTrainer"/>. Too little history is the trainer's stored status, not a failure; an exception is
/// logged, counted and stored as a failed model version, so <c>GET /api/ml/downtime/model</c> says why there is no
/// newer model.
/// </summary>
internal sealed class NightlyTraining(
    PlantStore plants, DowntimeTrainer trainer, AnomalyStore anomalies, NightlyTrainingOptions options, TimeProvider time, ILogger<NightlyTraining> logger)
{
    public const string Prefix = "train|";

    public static string JobName(string plantId) => Prefix + plantId;

    public NightlyTrainingOptions Options => options;

    /// <summary>Every configured plant's next training time (none when nightly training is disabled).</summary>
    public async Task<List<PlannedTraining>> PlanAsync(DateTimeOffset now, CancellationToken ct)
    {
        var plan = new List<PlannedTraining>();
        if (!options.Enabled)
        {
            return plan;
        }

        foreach (var id in await plants.PlantIdsAsync(ct))
        {
            if (await trainer.PlantAsync(id, ct) is not { } plant)
            {
                continue;
            }

            var fireAt = NightlySchedule.Next(plant.TimeZone, options.At, now);
            if (options.Misfire == NightlyMisfire.FireNow)
            {
                // Missed: no run (nightly or through the API) since the last due time.
                var due = NightlySchedule.Previous(plant.TimeZone, options.At, now);
                if (await anomalies.LatestAsync(id, ct) is not { } last || last.TrainedAt < due)
                {
                    fireAt = now;
                }
            }

            plan.Add(new PlannedTraining(id, fireAt));
        }

        return plan;
    }

    /// <summary>Trains the plant's model on its last <see cref="DowntimeTrainingOptions.DefaultDays"/> days; returns the stored status (null: plant unknown).</summary>
    public async Task<DowntimeModelStatus?> RunAsync(string plantId, CancellationToken ct)
    {
        if (await trainer.PlantAsync(plantId, ct) is not { } plant)
        {
            logger.LogInformation("Nightly training of {Plant} skipped: the plant is not configured any more", plantId);
            return null;
        }

        var days = trainer.Options.DefaultDays;
        var started = time.GetTimestamp();
        try
        {
            var result = await trainer.TrainAsync(plant, days, ct: ct);
            var status = result.Model.Status;
            TrainingMetrics.Ran(AnomalyStore.StatusName(status), time.GetElapsedTime(started));
            logger.LogInformation("Nightly training of {Plant}: version {Version} {Status} ({Detail}), {Flags} flags, {Elapsed} ms",
                plant.PlantId, result.Model.Version, AnomalyStore.StatusName(status), result.Model.StatusDetail, result.Flags,
                (long)time.GetElapsedTime(started).TotalMilliseconds);
            return status;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            TrainingMetrics.Ran(AnomalyStore.StatusName(DowntimeModelStatus.Failed), time.GetElapsedTime(started));
            logger.LogError(ex, "Nightly training of {Plant} on {Days} days failed after {Elapsed} ms", plant.PlantId, days,
                (long)time.GetElapsedTime(started).TotalMilliseconds);
            await SaveFailedAsync(plant, days, ex);
            return DowntimeModelStatus.Failed;
        }
    }

    /// <summary>Stores the failed run as the plant's next version, its window as the trainer would have used it.</summary>
    private async Task SaveFailedAsync(PlantConfig plant, int days, Exception error)
    {
        try
        {
            var now = time.GetUtcNow();
            now = now.AddTicks(-(now.UtcTicks % 10)); // microseconds, as PostgreSQL keeps them
            var to = HourStart(now, plant.TimeZone);
            var from = HourStart(to - TimeSpan.FromDays(Math.Max(1, days)), plant.TimeZone);
            var optionsJson = JsonSerializer.Serialize(new { days, trigger = "nightly" });
            var row = new DowntimeModelRow(plant.PlantId, 0, now, from, to, DowntimeModelStatus.Failed,
                $"nightly training failed: {error.GetType().Name}: {error.Message}", "[]", optionsJson, "{}", null);
            var version = await anomalies.SaveModelAsync(row, CancellationToken.None);
            logger.LogInformation("Failed training of {Plant} stored as version {Version}", plant.PlantId, version);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning("Failed training of {Plant} could not be stored: {Error}", plant.PlantId, ex.Message);
        }
    }

    /// <summary>The start of the plant-clock hour <paramref name="instant"/> falls in (as the trainer's window).</summary>
    private static DateTimeOffset HourStart(DateTimeOffset instant, TimeZoneInfo tz) =>
        instant.AddTicks(-(TimeZoneInfo.ConvertTime(instant, tz).DateTime.Ticks % TimeSpan.TicksPerHour));
}
