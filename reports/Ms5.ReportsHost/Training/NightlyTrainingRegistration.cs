using Microsoft.Extensions.Options;
using Ms5.Ml;
using Ms5.ServiceDefaults;
using Quartz;

namespace Ms5.ReportsHost.Training;

/// <summary>Nightly downtime-model training in the reports host's Quartz cluster.</summary>
internal static class NightlyTrainingRegistration
{
    public const string Group = "ms5-ml";

    /// <summary>The training options (validated at start), the downtime-model area (trainer, store) and <see cref="NightlyTraining"/>. Needs AddMs5Postgres.</summary>
    public static IHostApplicationBuilder AddMs5NightlyTraining(this IHostApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<NightlyTrainingOptions>(builder.Configuration, NightlyTrainingOptions.Section)
            .PostConfigure<IOptions<FeatureOptions>>((o, features) => o.Enabled &= features.Value.MlOn); // MS5_FEATURE_ML=false: no training
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IOptions<NightlyTrainingOptions>>().Value);
        builder.Services.AddMs5DowntimeModels(builder.Configuration);
        builder.Services.AddSingleton<NightlyTraining>();
        return builder;
    }

    /// <summary>The training planner (every minute) and the per-plant training job type, in the reports scheduler.</summary>
    public static void AddNightlyTrainingJobs(this IQuartzBuilder q)
    {
        q.ScheduleJob<TrainingPlannerJob>(
            t => t.WithIdentity("training-planner", Group).StartNow().WithSchedule(SimpleScheduleBuilder.Create().WithInterval(TimeSpan.FromMinutes(1)).RepeatForever()),
            j => j.WithIdentity("training-planner", Group).DisallowConcurrentExecution());
        q.AddJobType<NightlyTrainingJob>();
    }
}
