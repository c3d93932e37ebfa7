using Quartz;

namespace Ms5.ReportsHost.Training;

/// <summary>
/// Keeps one trigger per plant (job "train|demo", group <see cref="NightlyTrainingRegistration.Group"/>) at the
/// plant's next training time; plants added or removed, and a changed time zone, are followed within a minute.
/// </summary>
[DisallowConcurrentExecution]
internal sealed class TrainingPlannerJob(NightlyTraining training, TimeProvider time, ILogger<TrainingPlannerJob> logger) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        var scheduler = context.Scheduler;
        var now = time.GetUtcNow();
        var plan = await training.PlanAsync(now, cancellationToken);
        var group = NightlyTrainingRegistration.Group;
        var misfire = training.Options.Misfire == NightlyMisfire.FireNow
            ? SimpleTriggerMisfireInstruction.FireNow
            : SimpleTriggerMisfireInstruction.NextWithRemainingCount;
        foreach (var p in plan)
        {
            var triggerKey = new TriggerKey(p.Job, group);
            var existing = await scheduler.GetTrigger(triggerKey, cancellationToken);
            // A trigger that is due or firing (no next fire time: its run is in progress) stays; one set for another time is moved.
            if (existing is not null && (existing.NextFireTimeUtc is not { } next || next == p.FireAt || next <= now))
            {
                continue;
            }

            var trigger = TriggerBuilder.Create()
                .WithIdentity(triggerKey)
                .ForJob(new JobKey(p.Job, group))
                .StartAt(p.FireAt)
                .WithSchedule(SimpleScheduleBuilder.Create().WithMisfireInstruction(misfire))
                .Build();
            if (existing is not null)
            {
                await scheduler.RescheduleJob(triggerKey, trigger, cancellationToken);
            }
            else
            {
                var job = JobBuilder.Create<NightlyTrainingJob>()
                    .WithIdentity(p.Job, group)
                    .UsingJobData(NightlyTrainingJob.PlantKey, p.PlantId)
                    .Build();
                await scheduler.ScheduleJob(job, trigger, new ScheduleJobOptions { Replace = true }, cancellationToken);
            }

            logger.LogDebug("Training trigger {Job} set for {FireAt}", p.Job, p.FireAt);
        }

        var wanted = plan.Select(p => p.Job).ToHashSet(StringComparer.Ordinal);
        foreach (var key in await scheduler.GetTriggerKeys(GroupMatcher<TriggerKey>.GroupEquals(group), cancellationToken))
        {
            if (key.Name.StartsWith(NightlyTraining.Prefix, StringComparison.Ordinal) && !wanted.Contains(key.Name))
            {
                await scheduler.UnscheduleJob(key, cancellationToken);
                logger.LogInformation("Training trigger {Job} removed: its plant is gone or nightly training is off", key.Name);
            }
        }
    }
}

/// <summary>Trains one plant's downtime model (fired by the planner's trigger; one node of the cluster, one run at a time).</summary>
[DisallowConcurrentExecution]
internal sealed class NightlyTrainingJob(NightlyTraining training) : IJob
{
    public const string PlantKey = "plantId";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        if (context.MergedJobDataMap.TryGetValue(PlantKey, out var value) && value is string plantId)
        {
            await training.RunAsync(plantId, cancellationToken);
        }
    }
}
