using Ms5.ReportsHost.Training;

namespace Ms5.ReportsHost;

/// <summary>
/// Every metric of the reports host that Prometheus rules and Grafana dashboards use (docs/metrics.md): reports made
/// and failed (<c>Ms5.Reports.ReportMetrics</c>), their generation time, and the nightly model training runs.
/// </summary>
internal static class Telemetry
{
    public const string ReportsGenerated = Ms5.Reports.ReportMetrics.GeneratedName;
    public const string ReportsFailed = Ms5.Reports.ReportMetrics.FailedName;
    public const string ReportSeconds = Ms5.Reports.ReportMetrics.DurationName;
    public const string TrainingRuns = TrainingMetrics.RunsName;
    public const string TrainingSeconds = TrainingMetrics.DurationName;
}
