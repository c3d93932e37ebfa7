using Ms5.Postgres;
using Ms5.Reports;
using Ms5.ReportsHost.Training;
using Ms5.ServiceDefaults;
using Quartz;

namespace Ms5.ReportsHost;

/// <summary>
/// Quartz in the reports host: the clustered ADO job store on PostgreSQL (schema from MS5's migrations, only
/// validated here), a planner that keeps one trigger per plant and report kind at its next due time, the scheduled
/// reports job those triggers fire, the revisions job (late data), retention, and the nightly model training
/// (<see cref="NightlyTrainingRegistration"/>).
/// </summary>
internal static class ReportScheduling
{
    public const string Group = "ms5-reports";

    public static IHostApplicationBuilder AddMs5ReportScheduling(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(ReportOptions.Section).Get<ReportOptions>() ?? new ReportOptions();
        var pg = PgConnectionString.FromConfiguration(builder.Configuration);
        var reportsOn = FeatureOptions.From(builder.Configuration).ReportsOn;
        builder.Services.AddSingleton<ScheduledReports>();
        if (!reportsOn)
        {
            // MS5_FEATURE_REPORTS=false: before the scheduler starts, the report jobs a former run stored are removed.
            builder.Services.AddHostedService<ReportJobsOff>();
        }

        builder.AddQuartz(q =>
        {
            q.ConfigureScheduler(s =>
            {
                s.InstanceName = options.SchedulerName;
                s.GenerateInstanceId = true;
                s.IdleWaitTime = TimeSpan.FromSeconds(5);
            });
            q.UseDefaultThreadPool(2);
            q.UsePersistentStore(store =>
            {
                store.UsePostgres(pg);
                store.UseClustering(c =>
                {
                    c.CheckinInterval = TimeSpan.FromSeconds(5);
                    c.CheckinMisfireThreshold = TimeSpan.FromSeconds(15);
                });
                store.ConfigureStore(s =>
                {
                    s.SchemaProvisioning = SchemaProvisioning.Validate;
                    s.MisfireThreshold = TimeSpan.FromSeconds(30);
                });
            });
            if (reportsOn)
            {
                ScheduleReportJobs(q, options);
            }

            q.AddNightlyTrainingJobs();
        });
        builder.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
        return builder;
    }

    private static void ScheduleReportJobs(IQuartzBuilder q, ReportOptions options)
    {
        q.ScheduleJob<PlannerJob>(
            t => t.WithIdentity("planner", Group).StartNow().WithSchedule(SimpleScheduleBuilder.Create().WithInterval(TimeSpan.FromMinutes(1)).RepeatForever()),
            j => j.WithIdentity("planner", Group).DisallowConcurrentExecution());
        q.ScheduleJob<RevisionsJob>(
            t => t.WithIdentity("revisions", Group).StartNow().WithSchedule(SimpleScheduleBuilder.Create().WithInterval(options.RevisionCheckInterval).RepeatForever()),
            j => j.WithIdentity("revisions", Group).DisallowConcurrentExecution());
        q.ScheduleJob<RetentionJob>(
            t => t.WithIdentity("retention", Group).StartNow().WithSchedule(SimpleScheduleBuilder.Create().WithInterval(TimeSpan.FromHours(6)).RepeatForever()),
            j => j.WithIdentity("retention", Group).DisallowConcurrentExecution());
        q.AddJobType<ScheduledReportsJob>();
    }
}

/// <summary>
/// Reports switched off (MS5_FEATURE_REPORTS=false): removes every job of the report group from the cluster's store
/// (planner, revisions, retention and the per-plant report triggers a former run left), before Quartz starts, so
/// nothing stored fires. Runs before the Quartz hosted service (registered first).
/// </summary>
internal sealed class ReportJobsOff(ISchedulerFactory schedulers, ILogger<ReportJobsOff> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var jobs = await scheduler.GetJobKeys(GroupMatcher<JobKey>.GroupEquals(ReportScheduling.Group), cancellationToken);
        if (jobs.Count > 0)
        {
            await scheduler.DeleteJobs(jobs, cancellationToken);
        }

        logger.LogInformation("Reports are off (MS5_FEATURE_REPORTS=false): no report is scheduled; {Count} stored report job(s) removed", jobs.Count);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
