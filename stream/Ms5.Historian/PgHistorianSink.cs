using Confluent.Kafka;
using Ms5.Analytics.Events;
using Ms5.Kafka;
using Ms5.Kafka.Consuming;
using Ms5.Postgres;
using Prometheus;

namespace Ms5.Historian;

/// <summary>
/// Raw events → PostgreSQL, exactly once: rows and consumed offsets commit in one transaction and
/// the consumer starts from the stored offsets. It is also the stage that routes invalid messages:
/// each goes to the DLQ topic (flushed before the transaction commits) and to dead_letters.
/// </summary>
internal sealed class PgHistorianSink(KafkaOptions kafka, ConsumerSettings settings, EventPipeline pipeline, HistorianWriter writer, TimeProvider time, ILogger<PgHistorianSink> logger)
    : EventConsumer(kafka, settings, pipeline, time, logger)
{
    private static readonly Counter Events = Metrics.CreateCounter(Telemetry.PgEvents, "Messages by outcome.", "outcome");

    protected override IEnumerable<TopicPartitionOffset> OnAssigned(IReadOnlyList<TopicPartition> partitions, Func<TopicPartition, long?> endOffset) =>
        StoredOffsets.Assign(partitions, endOffset, StoredOffsets.TryLoad(ct => writer.LoadOffsetsAsync(Topic, ct), Settings.RevocationWait, GroupId, Logger), GroupId, Logger);

    protected override async Task HandleAsync(EventBatch batch, CancellationToken ct)
    {
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
