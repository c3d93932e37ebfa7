using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Ms5.ServiceDefaults;

namespace Ms5.Influx;

public static class InfluxRegistration
{
    /// <summary>
    /// An <see cref="InfluxWriter"/> for MS5_INFLUX_URL / MS5_INFLUX_DB (the v1 API) whose requests give up after
    /// <paramref name="timeout"/> (a batch writer waits longer than a health probe), and the "influxdb" readiness check.
    /// </summary>
    public static IHostApplicationBuilder AddMs5Influx(this IHostApplicationBuilder builder, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddHttpClient(nameof(InfluxWriter), c => c.Timeout = timeout);
        builder.Services.AddSingleton(sp => new InfluxWriter(
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(InfluxWriter)),
            InfluxOptions.FromConfiguration(sp.GetRequiredService<IConfiguration>())));
        builder.Services.AddReadinessCheck<InfluxReadiness>("influxdb");
        return builder;
    }

    private sealed class InfluxReadiness(InfluxWriter influx) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            await influx.PingAsync(cancellationToken)
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy($"no answer from {influx.Options.Url}ping");
    }
}
