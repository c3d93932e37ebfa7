using Ms5.Analytics.Events;
using Ms5.Analytics.Monitoring;
using Ms5.Kafka;
using Prometheus;

namespace Ms5.Historian;

/// <summary>
/// Every metric of the historian host that Prometheus rules and Grafana dashboards use (docs/metrics.md): the shared
/// consumer and producer metrics of its groups (ms5.historian-pg, ms5.historian-influx, the DLQ group), its sinks'
/// outcomes and the dead letters by reason class.
/// </summary>
internal static class Telemetry
{
    public const string DlqMessages = PipelineMetrics.DlqMessages;
    public const string DlqPublishFailures = "ms5_dlq_publish_failures_total";
    public const string PgEvents = "ms5_historian_pg_events_total";
    public const string InfluxPoints = "ms5_historian_influx_events_total";

    public static IReadOnlyList<string> Pipeline { get; } = [PipelineMetrics.ConsumerLag, PipelineMetrics.SinkMessages, PipelineMetrics.SinkWriteFailures, PipelineMetrics.SinkBatchSeconds, PipelineMetrics.SinkPrepareSeconds, PipelineMetrics.ProduceErrors];

    private static readonly Counter DeadLetters = Metrics.CreateCounter(DlqMessages, "Messages on the DLQ topic (from any producer), by reason class (malformed, too_large, unknown_machine, clock_skew, invalid).", "reason");

    /// <summary>Counts dead letters read from the DLQ topic and stored.</summary>
    public static void DeadLettered(IEnumerable<DeadLetter> letters)
    {
        foreach (var group in letters.GroupBy(l => DeadLetterReasons.Classify(l.Problems), StringComparer.Ordinal))
        {
            DeadLetters.WithLabels(group.Key).Inc(group.Count());
        }
    }
}
