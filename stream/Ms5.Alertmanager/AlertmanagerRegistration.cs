using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Ms5.ServiceDefaults;

namespace Ms5.Alertmanager;

public static class AlertmanagerRegistration
{
    /// <summary>An <see cref="AlertmanagerClient"/> for MS5_ALERTMANAGER_URL (5 s per request) and the "alertmanager" readiness check.</summary>
    public static IHostApplicationBuilder AddMs5Alertmanager(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddHttpClient<AlertmanagerClient>((sp, c) =>
        {
            c.BaseAddress = AlertmanagerClient.UrlFrom(sp.GetRequiredService<IConfiguration>());
            c.Timeout = TimeSpan.FromSeconds(5);
        });
        builder.Services.AddReadinessCheck<AlertmanagerReadiness>("alertmanager");
        return builder;
    }

    private sealed class AlertmanagerReadiness(AlertmanagerClient client) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            await client.ReadyAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
    }
}
