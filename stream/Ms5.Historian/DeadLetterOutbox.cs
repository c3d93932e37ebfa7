using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Ms5.Kafka.DeadLetters;
using Ms5.Postgres;
using Ms5.ServiceDefaults;
using Npgsql;
using Prometheus;

namespace Ms5.Historian;

/// <summary>
/// Publishes the dead letters the PostgreSQL historian stored (dead_letters rows not yet published) to the DLQ
/// topic, in the one DLQ format, and marks them published in the same transaction that locked them. While the
/// DLQ topic cannot be written it retries with backoff; valid events never wait for it. A crash between the
/// send and the mark publishes a letter again (at least once on the topic; dead_letters holds it once).
/// </summary>
internal sealed class DeadLetterOutbox(NpgsqlDataSource db, IProducer<byte[]?, byte[]?> producer, IOptions<HistorianOptions> options, TimeProvider time, ILogger<DeadLetterOutbox> logger) : BackgroundService
{
    private const int BatchSize = 1_000;
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(500);
    private static readonly Counter Published = Metrics.CreateCounter("ms5_dlq_published_total", "Dead letters published to the DLQ topic from the historian's outbox.");
    private static readonly Counter TooLarge = Metrics.CreateCounter("ms5_dlq_too_large_total", "Dead letters too large for the DLQ topic (kept in dead_letters only).");
    private static readonly Counter Failures = Metrics.CreateCounter(Telemetry.DlqPublishFailures, "Failed attempts to publish dead letters (retried).");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var retry = Retry.Forever(options.Value.MaxRetryDelay, time, (ex, attempt, delay) =>
        {
            Failures.Inc();
            logger.LogWarning("Could not publish dead letters to {Topic} (attempt {Attempt}): {Error}; retrying in {Delay}", options.Value.DlqTopic, attempt, ex.Message, delay);
            return default;
        });
        while (!stoppingToken.IsCancellationRequested)
        {
            var sent = await retry.ExecuteAsync(PublishOnceAsync, stoppingToken);
            if (sent < BatchSize)
            {
                await Task.Delay(Poll, time, stoppingToken);
            }
        }
    }

    /// <summary>Publishes one batch of unpublished letters; the number sent.</summary>
    internal async ValueTask<int> PublishOnceAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var letters = await DeadLetterStore.LockUnpublishedAsync(conn, tx, options.Value.Topic, BatchSize, ct);
        if (letters.Count == 0)
        {
            return 0;
        }

        // A letter the DLQ can never take (larger than the topic allows) must not block the ones behind it: it stays
        // in dead_letters, is logged, and counts as done; any other failure retries the batch.
        var tooLarge = await Task.WhenAll(letters.Select(async l =>
        {
            try
            {
                await producer.ProduceAsync(options.Value.DlqTopic, DeadLetterMessage.Create(l.Letter), ct);
                return false;
            }
            catch (ProduceException<byte[]?, byte[]?> ex) when (ex.Error.Code is ErrorCode.MsgSizeTooLarge or ErrorCode.InvalidMsgSize)
            {
                logger.LogError("Dead letter {Id} ({Topic}/{Partition}@{Offset}) is too large for {Dlq}; kept in dead_letters only", l.Id, l.Letter.Topic, l.Letter.Partition, l.Letter.Offset, options.Value.DlqTopic);
                return true;
            }
        }));
        TooLarge.Inc(tooLarge.Count(x => x));
        await DeadLetterStore.MarkPublishedAsync(conn, tx, letters.Select(l => l.Id).ToList(), time.GetUtcNow(), ct);
        await tx.CommitAsync(ct);
        Published.Inc(letters.Count);
        return letters.Count;
    }
}
