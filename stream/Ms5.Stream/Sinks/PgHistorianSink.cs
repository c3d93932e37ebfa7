using Confluent.Kafka;
using Ms5.Kafka;
using Ms5.Postgres;
using Prometheus;

namespace Ms5.Stream.Sinks;

/// <summary>
/// Raw events → PostgreSQL, exactly once: rows and consumed offsets commit in one transaction and
/// the consumer starts from the stored offsets. It is also the stage that routes invalid messages:
/// each goes to the DLQ topic (flushed before the transaction commits) and to dead_letters.
/// </summary>
internal sealed class PgHistorianSink(
    KafkaOptions kafka,
    string topic,
    string dlqTopic,
    HistorianWriter writer,
    EventClassifier classifier,
    DlqPublisher dlq,
    int maxBatch,
    TimeSpan maxDelay,
    TimeSpan maxRetryDelay,
    ILogger<PgHistorianSink> logger)
    : BatchConsumer<(HistorianBatch Batch, IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> Messages)>(kafka, topic, writer.ConsumerGroup, maxBatch, maxDelay, maxRetryDelay, logger)
{
    private static readonly Counter Events = Metrics.CreateCounter("ms5_historian_pg_events_total", "Messages by outcome.", "outcome");

    // DLQ records already sent for the pending batch: a retried write must not send them again.
    private readonly HashSet<(int Partition, long Offset)> _dlqSent = [];

    protected override IEnumerable<TopicPartitionOffset> OnAssigned(IConsumer<byte[]?, byte[]?> consumer, List<TopicPartition> partitions) =>
        StoredOffsets.Assign(consumer, partitions, writer.LoadOffsetsAsync(Topic).GetAwaiter().GetResult(), GroupId, Logger);

    protected override void OnBatchCompleted() => _dlqSent.Clear();

    protected override (HistorianBatch Batch, IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> Messages) Prepare(IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> messages)
    {
        var batch = new HistorianBatch(Topic);
        classifier.Classify(messages, batch);
        return (batch, messages);
    }

    protected override async Task WriteAsync((HistorianBatch Batch, IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> Messages) prepared, CancellationToken ct)
    {
        var (batch, messages) = prepared;
        var unsent = batch.DeadLetters.Where(d => !_dlqSent.Contains((d.Partition, d.Offset))).ToList();
        if (unsent.Count > 0)
        {
            await dlq.PublishAsync(dlqTopic, messages, unsent, ct);
            _dlqSent.UnionWith(unsent.Select(d => (d.Partition, d.Offset)));
        }

        var result = await writer.WriteAsync(batch, ct);
        Events.WithLabels("stored").Inc(result.Inserted);
        Events.WithLabels("duplicate").Inc(result.Duplicates);
        Events.WithLabels("rejected").Inc(result.DeadLetters);
        foreach (var d in batch.DeadLetters.Take(5))
        {
            Logger.LogWarning("Rejected {Topic}/{Partition}@{Offset} machine={Machine}: {Reason}", d.Topic, d.Partition, d.Offset, d.MachineId, d.Reason);
        }
    }
}
