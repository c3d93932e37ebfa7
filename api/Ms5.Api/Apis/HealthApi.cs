using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.AspNetCore.Http.HttpResults;
using Ms5.Influx;
using Npgsql;

namespace Ms5.Api.Apis;

public sealed record DependencyStatus(string Status, double LatencyMs, string? Error = null);

public sealed record ReadinessReport(string Status, IReadOnlyDictionary<string, DependencyStatus> Checks);

/// <summary>/healthz: the process is alive. /readyz: every dependency answers (503 naming the ones that do not).</summary>
internal static class HealthApi
{
    public static void MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => TypedResults.Ok(new { status = "alive" }))
            .WithName("Healthz").WithTags("health").WithSummary("Liveness: the process answers.");
        app.MapGet("/readyz", ReadyAsync)
            .WithName("Readyz").WithTags("health").WithSummary("Readiness: PostgreSQL, InfluxDB and Kafka each answer.");
    }

    private static async Task<Results<Ok<ReadinessReport>, JsonHttpResult<ReadinessReport>>> ReadyAsync(
        NpgsqlDataSource db, InfluxWriter influx, KafkaConnection kafka, CancellationToken ct)
    {
        var checks = await Task.WhenAll(
            Check("postgres", async () =>
            {
                await using var cmd = db.CreateCommand("SELECT count(*) FROM schema_migrations");
                await cmd.ExecuteScalarAsync(ct);
            }),
            Check("influxdb", async () =>
            {
                if (!await influx.PingAsync(ct))
                {
                    throw new InvalidOperationException($"no answer from {influx.Options.Url}ping");
                }
            }),
            Check("kafka", () => Task.Run(() =>
            {
                using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = kafka.Options.BootstrapServers }).Build();
                admin.GetMetadata(TimeSpan.FromSeconds(3));
            }, ct)));
        var map = checks.ToDictionary(c => c.Name, c => c.Status);
        var ready = map.Values.All(s => s.Status == "up");
        var report = new ReadinessReport(ready ? "ready" : "not_ready", map);
        return ready ? TypedResults.Ok(report) : TypedResults.Json(report, statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    private static async Task<(string Name, DependencyStatus Status)> Check(string name, Func<Task> probe)
    {
        var sw = Stopwatch.StartNew();
        try
        {
            var task = probe();
            if (await Task.WhenAny(task, Task.Delay(TimeSpan.FromSeconds(5))) != task)
            {
                return (name, new DependencyStatus("down", sw.Elapsed.TotalMilliseconds, "timed out after 5 s"));
            }

            await task;
            return (name, new DependencyStatus("up", Math.Round(sw.Elapsed.TotalMilliseconds, 1)));
        }
        catch (Exception ex)
        {
            return (name, new DependencyStatus("down", Math.Round(sw.Elapsed.TotalMilliseconds, 1), ex.Message));
        }
    }
}
