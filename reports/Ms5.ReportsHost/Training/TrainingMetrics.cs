using Prometheus;

namespace Ms5.ReportsHost.Training;

/// <summary>Nightly training metrics (prometheus-net, as <c>ReportMetrics</c>): runs by outcome and how long each took.</summary>
internal static class TrainingMetrics
{
    public const string RunsName = "ms5_ml_training_runs_total";
    public const string DurationName = "ms5_ml_training_seconds";

    private static readonly Counter Runs = Metrics.CreateCounter(RunsName,
        "Scheduled downtime-model training runs by outcome (ready, insufficient_history, failed).", "outcome");

    private static readonly Histogram Duration = Metrics.CreateHistogram(DurationName, "Time of one scheduled training run of a plant.",
        new HistogramConfiguration { LabelNames = ["outcome"], Buckets = [0.5, 1, 2, 5, 10, 30, 60, 120, 300] });

    public static void Ran(string outcome, TimeSpan elapsed)
    {
        Runs.WithLabels(outcome).Inc();
        Duration.WithLabels(outcome).Observe(elapsed.TotalSeconds);
    }
}
