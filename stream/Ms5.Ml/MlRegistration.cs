using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Ms5.Postgres;

namespace Ms5.Ml;

/// <summary>The downtime-model area: options (section Ms5:Ml:Downtime), the store and the trainer.</summary>
public static class MlRegistration
{
    /// <summary>Adds <see cref="DowntimeTrainingOptions"/>, <see cref="AnomalyStore"/> and <see cref="DowntimeTrainer"/>; needs AddMs5Postgres.</summary>
    public static IServiceCollection AddMs5DowntimeModels(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<AnomalyStore>();
        services.TryAddSingleton(_ =>
        {
            var o = new DowntimeTrainingOptions();
            configuration.GetSection(DowntimeTrainingOptions.Section).Bind(o);
            o.Baseline.Validate();
            return o;
        });
        services.TryAddSingleton<DowntimeTrainer>();
        return services;
    }
}
