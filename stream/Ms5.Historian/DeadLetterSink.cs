using Confluent.Kafka;
using Ms5.Analytics.Events;
using Ms5.Kafka;
using Ms5.Kafka.Consuming;
using Ms5.Kafka.DeadLetters;
using Ms5.Postgres;
using Npgsql;

namespace Ms5.Historian;

/// <summary>
/// Every record on the DLQ topic → dead_letters, whoever sent it (HTTP ingest, file replay, this historian's
/// outbox, another tool), once per stage and source position; the historian's own are there already. At least
/// once and idempotent: Kafka offsets are committed after the insert.
/// </summary>
internal sealed class DeadLetterSink(KafkaOptions kafka, ConsumerSettings settings, NpgsqlDataSource db, TimeProvider time, ILogger<DeadLetterSink> logger)
    : BatchConsumer<List<DeadLetter>>(kafka, settings, time, logger)
{
    protected override ValueTask<List<DeadLetter>> PrepareAsync(IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> messages, CancellationToken ct) =>
        ValueTask.FromResult(messages.Select(DeadLetterMessage.Read).ToList());

    protected override async Task WriteAsync(List<DeadLetter> batch, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await DeadLetterStore.InsertAsync(conn, null, batch, Time.GetUtcNow(), ct);
        Telemetry.DeadLettered(batch);
    }
}
