using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace Ms5.ServiceDefaults;

/// <summary>A dependency as /readyz reports it.</summary>
public sealed record DependencyStatus(string Status, double LatencyMs, string? Error = null);

/// <summary>The body of /readyz: "ready" with every check up, else "not_ready" (503) naming the ones down.</summary>
public sealed record ReadinessReport(string Status, IReadOnlyDictionary<string, DependencyStatus> Checks);

/// <summary>What every MS5 host (historian, OEE engine, API, dev tools) starts with; eShop's ServiceDefaults shape.</summary>
public static class HostDefaults
{
    /// <summary>Health checks with this tag decide /readyz; adapters register theirs with it.</summary>
    public const string ReadyTag = "ready";

    /// <summary>How long one dependency may take to answer /readyz before it counts as down.</summary>
    public static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(5);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// How every MS5 host is built: its content root is its own folder (where a release's appsettings*.json are), not the
    /// working directory. Configuration's reload-on-change watches the content root and everything below it; with the
    /// working directory as root, a host started from the repository (the tests, the benchmarks) watched the whole tree,
    /// and every file PostgreSQL and InfluxDB write under .ms5 woke each host's file-watching thread.
    /// </summary>
    public static WebApplicationOptions Options(string[]? args = null) => new() { Args = args ?? [], ContentRootPath = AppContext.BaseDirectory };

    /// <summary>MS5_* configuration, JSON logs, the system clock, health checks.</summary>
    public static IHostApplicationBuilder AddMs5ServiceDefaults(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        // MS5_* win over appsettings and environment variables, the command line wins over them.
        var sources = builder.Configuration.Sources;
        var commandLine = sources.Select((s, i) => (s, i)).FirstOrDefault(x => x.s is Microsoft.Extensions.Configuration.CommandLine.CommandLineConfigurationSource);
        var ms5 = new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = Ms5Settings.FromEnvironment() };
        if (commandLine.s is null)
        {
            sources.Add(ms5);
        }
        else
        {
            sources.Insert(commandLine.i, ms5);
        }
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddHealthChecks();
        // Every host refuses a feature flag that is not true/false (MS5_FEATURE_*), naming it.
        builder.Services.AddValidatedOptions<FeatureOptions>(builder.Configuration, FeatureOptions.Section);

        // Structured logs: one JSON object per line, scopes and state fields kept.
        builder.Logging.ClearProviders();
        builder.Logging.AddJsonConsole(o =>
        {
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            o.UseUtcTimestamp = true;
        });
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
        builder.Logging.AddFilter("Polly", LogLevel.Warning);
        return builder;
    }

    /// <summary>Registers a readiness check of a dependency (postgres, kafka, influxdb, alertmanager).</summary>
    public static IHealthChecksBuilder AddReadinessCheck<T>(this IServiceCollection services, string name)
        where T : class, IHealthCheck =>
        services.AddHealthChecks().AddCheck<T>(name, HealthStatus.Unhealthy, [ReadyTag], CheckTimeout);

    /// <summary>/healthz (alive), /readyz (every dependency answers), /metrics (Prometheus).</summary>
    public static IEndpointRouteBuilder MapMs5DefaultEndpoints(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/healthz", () => TypedResults.Ok(new { status = "alive" }))
            .WithName("Healthz").WithTags("health").WithSummary("Liveness: the process answers.").AllowAnonymous();
        app.MapGet("/readyz", ReadyAsync)
            .WithName("Readyz").WithTags("health").WithSummary("Readiness: each dependency answers (503 naming the ones that do not).").AllowAnonymous();
        app.MapMetrics().AllowAnonymous();
        return app;
    }

    private static async Task<IResult> ReadyAsync(HealthCheckService health, CancellationToken ct)
    {
        var result = await health.CheckHealthAsync(r => r.Tags.Contains(ReadyTag), ct);
        var checks = result.Entries.ToDictionary(
            e => e.Key,
            e => e.Value.Status == HealthStatus.Healthy
                ? new DependencyStatus("up", Math.Round(e.Value.Duration.TotalMilliseconds, 1))
                : new DependencyStatus("down", Math.Round(e.Value.Duration.TotalMilliseconds, 1), e.Value.Exception?.Message ?? e.Value.Description),
            StringComparer.Ordinal);
        var ready = checks.Values.All(c => c.Status == "up");
        var report = new ReadinessReport(ready ? "ready" : "not_ready", checks);
        return TypedResults.Json(report, Json, statusCode: ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }
}
