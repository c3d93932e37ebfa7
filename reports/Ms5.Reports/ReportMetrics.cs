using Ms5.Analytics.Reports;
using Prometheus;

namespace Ms5.Reports;

/// <summary>Report metrics (prometheus-net, as every MS5 process): made, failed, and how long making one took.</summary>
public static class ReportMetrics
{
    public const string GeneratedName = "ms5_reports_generated_total";
    public const string FailedName = "ms5_reports_failed_total";
    public const string DurationName = "ms5_report_generation_seconds";

    private static readonly Counter Made = Metrics.CreateCounter(GeneratedName, "Reports made (new revisions stored).", "kind", "trigger");
    private static readonly Counter Failures = Metrics.CreateCounter(FailedName, "Report generations that failed.", "kind");
    private static readonly Histogram Duration = Metrics.CreateHistogram(DurationName, "Time to read, build, render and store one report.",
        new HistogramConfiguration { LabelNames = ["kind"], Buckets = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60] });

    public static void Generated(ReportKind kind, string trigger, TimeSpan elapsed)
    {
        var k = kind.ToString().ToLowerInvariant();
        Made.WithLabels(k, trigger).Inc();
        Duration.WithLabels(k).Observe(elapsed.TotalSeconds);
    }

    public static void Failed(ReportKind kind) => Failures.WithLabels(kind.ToString().ToLowerInvariant()).Inc();
}
