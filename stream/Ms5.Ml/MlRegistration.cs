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
        // Read and checked now, so a bad setting stops the host at start naming it, not the first training.
        var o = new DowntimeTrainingOptions();
        configuration.GetSection(DowntimeTrainingOptions.Section).Bind(o);
        o.Baseline.Validate();
        o.Pattern.Validate();
        o.Reranker.Validate();
        if (o.DefaultDays is < 1 || o.DefaultDays > o.MaxDays || o.MinMachineShare is <= 0 or > 1 || o.StaleAfter <= TimeSpan.Zero)
        {
            throw new ArgumentException(FormattableString.Invariant(
                $"Ms5:Ml:Downtime needs 1 <= DefaultDays <= MaxDays, 0 < MinMachineShare <= 1 and StaleAfter > 0; got DefaultDays {o.DefaultDays}, MaxDays {o.MaxDays}, MinMachineShare {o.MinMachineShare}, StaleAfter {o.StaleAfter}"));
        }

        services.TryAddSingleton(o);
        services.TryAddSingleton<DowntimeTrainer>();
        return services;
    }
}
