using Confluent.Kafka;
using Prometheus;

namespace Ms5.Kafka;

/// <summary>Names of the pipeline metrics every Kafka-consuming or producing host exposes (docs/metrics.md); hosts list them in their Telemetry.</summary>
public static class PipelineMetrics
{
    public const string ConsumerLag = "ms5_consumer_lag_messages";
    public const string SinkMessages = "ms5_sink_messages_total";
    public const string SinkWriteFailures = "ms5_sink_write_failures_total";
    public const string SinkBatchSeconds = "ms5_sink_batch_seconds";
    public const string SinkPrepareSeconds = "ms5_sink_prepare_seconds";
    public const string ProduceErrors = "ms5_kafka_produce_errors_total";
    public const string DlqMessages = "ms5_dlq_messages_total";

    private static readonly Counter ProduceFailures = Metrics.CreateCounter(ProduceErrors, "Kafka deliveries that failed, by topic.", "topic");

    /// <summary>Counts a failed delivery to <paramref name="topic"/>.</summary>
    public static void ProduceFailed(string topic) => ProduceFailures.WithLabels(topic).Inc();

    /// <summary>A producer whose failed deliveries are counted in <see cref="ProduceErrors"/>.</summary>
    public static IProducer<byte[]?, byte[]?> Counted(IProducer<byte[]?, byte[]?> producer) => new CountingProducer(producer);
}
