using System.Diagnostics;
using System.Globalization;
using Ms5.Kafka;
using Prometheus;

namespace Ms5.Api;

/// <summary>
/// Every metric of the API host that Prometheus rules and Grafana dashboards use (docs/metrics.md): request
/// duration by route template, method and status; the access metrics (<see cref="Access.AccessMetrics"/>) and
/// Kafka produce errors of HTTP ingest. Labels are route templates, never raw paths (no ids in labels).
/// </summary>
internal static class Telemetry
{
    public const string RequestDuration = "ms5_http_request_duration_seconds";
    public const string Logins = "ms5_auth_logins_total";
    public const string Lockouts = "ms5_auth_lockouts_total";
    public const string Denied = "ms5_http_denied_total";
    public const string ProduceErrors = PipelineMetrics.ProduceErrors;

    private static readonly Histogram Duration = Metrics.CreateHistogram(RequestDuration, "HTTP request duration by route template (unmatched: no endpoint), method and status.", new HistogramConfiguration
    {
        LabelNames = ["route", "method", "status"],
        Buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });

    /// <summary>Times every request; the route template is read after the endpoint ran (routing sets it further down the pipeline).</summary>
    public static IApplicationBuilder UseRequestMetrics(this IApplicationBuilder app) => app.Use(async (ctx, next) =>
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            await next(ctx);
        }
        finally
        {
            var route = (ctx.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
            var status = ctx.RequestAborted.IsCancellationRequested && !ctx.Response.HasStarted ? 499 : ctx.Response.StatusCode;
            Duration.WithLabels(route, Method(ctx.Request.Method), status.ToString(CultureInfo.InvariantCulture)).Observe(Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
    });

    /// <summary>Known methods as they are; anything else as "other" (a label must not take arbitrary client text).</summary>
    private static string Method(string method) => method switch
    {
        "GET" or "POST" or "PUT" or "DELETE" or "PATCH" or "HEAD" or "OPTIONS" => method,
        _ => "other",
    };
}
