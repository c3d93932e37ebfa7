using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Ms5.ServiceDefaults;
using Npgsql;

namespace Ms5.Postgres;

public static class PostgresRegistration
{
    /// <summary>The data source (<c>Ms5:Pg</c>, MS5_PG), the plant store and cache, and the "postgres" readiness check.</summary>
    public static IHostApplicationBuilder AddMs5Postgres(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(sp => NpgsqlDataSource.Create(PgConnectionString.FromConfiguration(sp.GetRequiredService<IConfiguration>())));
        builder.Services.AddSingleton<PlantStore>();
        builder.Services.AddSingleton<OrderStore>();
        builder.Services.AddSingleton<PlantDirectory>();
        builder.Services.AddReadinessCheck<PostgresReadiness>("postgres");
        return builder;
    }

    /// <summary>Applies pending migrations and loads the plant cache before any consumer starts (hosted services start in order).</summary>
    public static IHostApplicationBuilder AddMs5Migrations(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddHostedService<SchemaMigration>();
        return builder;
    }

    /// <summary>
    /// Migrates and loads the plants before the consumers start; while PostgreSQL cannot be reached (a host started
    /// before its database, after a reboot) it waits and retries instead of failing, and /readyz says so meanwhile.
    /// </summary>
    private sealed class SchemaMigration(IConfiguration configuration, PlantDirectory plants, TimeProvider time, ILogger<SchemaMigration> logger) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            var retry = Retry.Forever(TimeSpan.FromSeconds(5), time, (ex, attempt, delay) =>
            {
                logger.LogWarning("PostgreSQL not ready for migrations (attempt {Attempt}): {Error}; retrying in {Delay}", attempt, ex.Message, delay);
                return default;
            }, ex => ex is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException);
            await retry.ExecuteAsync(async ct =>
            {
                var applied = await Migrator.MigrateAsync(PgConnectionString.FromConfiguration(configuration), ct);
                if (applied.Count > 0)
                {
                    logger.LogInformation("Applied migrations {Migrations}", string.Join(", ", applied));
                }

                await plants.ReloadAsync(ct);
            }, cancellationToken);
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class PostgresReadiness(NpgsqlDataSource db) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            await using var cmd = db.CreateCommand("SELECT count(*) FROM schema_migrations");
            await cmd.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
    }
}
