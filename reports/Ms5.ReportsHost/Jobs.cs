using Ms5.Postgres;
using Quartz;

namespace Ms5.ReportsHost;

/// <summary>
/// Keeps one trigger per plant and report kind (job "shift|demo", "day|demo", "week|demo") at the time it should fire:
/// now while reports are missing in the catch-up window, else the next shift end (local midnight, Monday) plus the grace
/// period. Plants added or removed, and calendars changed, are followed within a minute.
/// </summary>
[DisallowConcurrentExecution]
internal sealed class PlannerJob(ScheduledReports reports, TimeProvider time, ILogger<PlannerJob> logger) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        var scheduler = context.Scheduler;
        var now = time.GetUtcNow();
        var plan = await reports.PlanAsync(now, cancellationToken);
        var wanted = plan.Select(p => p.Job).ToHashSet(StringComparer.Ordinal);
        foreach (var p in plan)
        {
            var jobKey = new JobKey(p.Job, ReportScheduling.Group);
            var triggerKey = new TriggerKey(p.Job, ReportScheduling.Group);
            var existing = await scheduler.GetTrigger(triggerKey, cancellationToken);
            // A trigger already due (or firing) stays; one set for another time is moved.
            if (existing?.NextFireTimeUtc is { } next && (next == p.FireAt || next <= now))
            {
                continue;
            }

            var trigger = TriggerBuilder.Create()
                .WithIdentity(triggerKey)
                .ForJob(jobKey)
                .StartAt(p.FireAt)
                .WithSchedule(SimpleScheduleBuilder.Create().WithMisfireInstruction(SimpleTriggerMisfireInstruction.FireNow))
                .Build();
            if (existing is not null)
            {
                await scheduler.RescheduleJob(triggerKey, trigger, cancellationToken);
            }
            else
            {
                var job = JobBuilder.Create<ScheduledReportsJob>()
                    .WithIdentity(jobKey)
                    .UsingJobData(ScheduledReportsJob.PlantKey, p.PlantId)
                    .UsingJobData(ScheduledReportsJob.KindKey, ReportStore.KindName(p.Kind))
                    .Build();
                await scheduler.ScheduleJob(job, trigger, new ScheduleJobOptions { Replace = true }, cancellationToken);
            }

            logger.LogDebug("Report trigger {Job} set for {FireAt}", p.Job, p.FireAt);
        }

        foreach (var key in await scheduler.GetTriggerKeys(GroupMatcher<TriggerKey>.GroupEquals(ReportScheduling.Group), cancellationToken))
        {
            if (key.Name.Contains('|', StringComparison.Ordinal) && !wanted.Contains(key.Name))
            {
                await scheduler.UnscheduleJob(key, cancellationToken);
                logger.LogInformation("Report trigger {Job} removed: its plant or kind has nothing scheduled", key.Name);
            }
        }
    }
}

/// <summary>Makes the missing due reports of one plant and kind (fired by the planner's trigger; a misfire fires it at once).</summary>
[DisallowConcurrentExecution]
internal sealed class ScheduledReportsJob(ScheduledReports reports) : IJob
{
    public const string PlantKey = "plantId";
    public const string KindKey = "kind";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        var data = context.MergedJobDataMap;
        if (data.TryGetValue(PlantKey, out var plant) && plant is string plantId
            && data.TryGetValue(KindKey, out var kindValue) && kindValue is string kindText && ReportStore.TryParseKind(kindText, out var kind))
        {
            await reports.RunAsync(plantId, kind, cancellationToken);
        }
    }
}

/// <summary>Revises reports whose data late events changed, then sends the report mails not sent yet (one node of the cluster at a time).</summary>
[DisallowConcurrentExecution]
internal sealed class RevisionsJob(ScheduledReports reports) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        await reports.ReviseAsync(cancellationToken);
        await reports.DeliverAsync(cancellationToken);
    }
}

/// <summary>Deletes reports past their retention.</summary>
[DisallowConcurrentExecution]
internal sealed class RetentionJob(ScheduledReports reports) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default) =>
        await reports.RetentionAsync(cancellationToken);
}
