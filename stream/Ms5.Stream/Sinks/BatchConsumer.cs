using Confluent.Kafka;
using Ms5.Kafka;
using Prometheus;

namespace Ms5.Stream.Sinks;

/// <summary>
/// A consumer-group loop that gathers messages into batches (size or age), hands each batch to
/// <see cref="WriteAsync"/> until it is durable (retrying with backoff, never skipping), and only
/// then commits the offsets. One batch is written while the next is consumed, so the database and
/// the consumer work at the same time; at most one write is in flight, so batches stay in order.
/// <see cref="Prepare"/> (parsing, validation) runs on the consuming thread, so it overlaps the write
/// of the previous batch too. On revocation the in-flight write finishes and is committed before the partitions go; messages
/// of revoked partitions still pending are dropped: their new owner reads them from the last
/// durable offset.
/// </summary>
internal abstract class BatchConsumer<TBatch>(KafkaOptions kafka, string topic, string groupId, int maxBatch, TimeSpan maxDelay, TimeSpan maxRetryDelay, ILogger logger)
    : BackgroundService
{
    private static readonly Counter Consumed = Metrics.CreateCounter("ms5_sink_messages_total", "Messages consumed and durably handled.", "group");
    private static readonly Counter WriteFailures = Metrics.CreateCounter("ms5_sink_write_failures_total", "Failed batch writes (retried).", "group");
    private static readonly Histogram BatchSeconds = Metrics.CreateHistogram("ms5_sink_batch_seconds", "Time to make one batch durable.", new HistogramConfiguration
    {
        LabelNames = ["group"],
        Buckets = Histogram.ExponentialBuckets(0.001, 2, 16),
    });

    private List<ConsumeResult<byte[]?, byte[]?>> _pending = [];
    private (Task Write, List<ConsumeResult<byte[]?, byte[]?>> Messages)? _inflight;

    protected ILogger Logger => logger;
    protected KafkaOptions Kafka => kafka;
    protected string GroupId => groupId;
    protected string Topic => topic;

    /// <summary>Turns consumed messages into what <see cref="WriteAsync"/> stores (pure CPU: parse, validate, encode).</summary>
    protected abstract TBatch Prepare(IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> messages);

    /// <summary>Makes the batch durable or throws; called again with the same batch after a failure.</summary>
    protected abstract Task WriteAsync(TBatch batch, CancellationToken ct);

    /// <summary>Where to start newly assigned partitions; Unset means the group's committed offset.</summary>
    protected virtual IEnumerable<TopicPartitionOffset> OnAssigned(IConsumer<byte[]?, byte[]?> consumer, List<TopicPartition> partitions) =>
        partitions.Select(p => new TopicPartitionOffset(p, Offset.Unset));

    /// <summary>Called once a batch is durable and committed (before the next batch starts).</summary>
    protected virtual void OnBatchCompleted()
    {
    }

    /// <summary>Runs before the consumer subscribes.</summary>
    protected virtual Task OnStartingAsync(CancellationToken ct) => Task.CompletedTask;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Factory.StartNew(() => RunAsync(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();

    private async Task RunAsync(CancellationToken ct)
    {
        await OnStartingAsync(ct);
        var config = kafka.ConsumerConfig(groupId, $"{groupId}-{Environment.ProcessId}");
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config)
            .SetPartitionsAssignedHandler((c, parts) =>
            {
                var offsets = OnAssigned(c, parts).ToList();
                logger.LogInformation("{Group} assigned {Partitions}", groupId, string.Join(", ", offsets.Select(o => $"{o.Partition.Value}@{o.Offset}")));
                return offsets;
            })
            .SetPartitionsRevokedHandler((c, parts) =>
            {
                // Finish and commit what is being written before the partitions change hands.
                CompleteInflightAsync(c).GetAwaiter().GetResult();
                DropPending(parts.Select(p => p.Partition.Value).ToHashSet(), "revoked");
            })
            .SetPartitionsLostHandler((c, parts) =>
            {
                CompleteInflightAsync(c).GetAwaiter().GetResult();
                DropPending(parts.Select(p => p.Partition.Value).ToHashSet(), "lost");
            })
            .SetErrorHandler((_, e) => logger.Log(e.IsFatal ? LogLevel.Critical : LogLevel.Warning, "{Group} Kafka error {Code}: {Reason}", groupId, e.Code, e.Reason))
            .Build();
        consumer.Subscribe(topic);
        var backoff = new Backoff(maxRetryDelay);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                Fill(consumer, ct);
                await CompleteInflightAsync(consumer);
                if (_pending.Count == 0)
                {
                    continue;
                }

                var messages = _pending;
                _pending = [];
                var batch = Prepare(messages);
                await CompleteInflightAsync(consumer);
                _inflight = (Task.Run(() => WriteDurablyAsync(batch, messages.Count, backoff, ct), ct), messages);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            consumer.Close();
        }
    }

    /// <summary>Waits for the batch being written, then commits its offsets (never before it is durable).</summary>
    private async Task CompleteInflightAsync(IConsumer<byte[]?, byte[]?> consumer)
    {
        if (_inflight is not { } inflight)
        {
            return;
        }

        _inflight = null;
        await inflight.Write;
        Commit(consumer, inflight.Messages);
        Consumed.WithLabels(groupId).Inc(inflight.Messages.Count);
        OnBatchCompleted();
    }

    private void Fill(IConsumer<byte[]?, byte[]?> consumer, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + maxDelay;
        while (_pending.Count < maxBatch)
        {
            var wait = _pending.Count == 0 ? TimeSpan.FromMilliseconds(500) : deadline - DateTime.UtcNow;
            if (wait <= TimeSpan.Zero)
            {
                return;
            }

            var cr = consumer.Consume(wait);
            if (cr is null)
            {
                if (_pending.Count == 0)
                {
                    ct.ThrowIfCancellationRequested();
                    deadline = DateTime.UtcNow + maxDelay;
                    continue;
                }

                return;
            }

            if (cr.IsPartitionEOF)
            {
                continue;
            }

            if (_pending.Count == 0)
            {
                deadline = DateTime.UtcNow + maxDelay;
            }

            _pending.Add(cr);
        }
    }

    private async Task WriteDurablyAsync(TBatch batch, int count, Backoff backoff, CancellationToken ct)
    {
        while (true)
        {
            using var timer = BatchSeconds.WithLabels(groupId).NewTimer();
            try
            {
                await WriteAsync(batch, ct);
                backoff.Reset();
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                WriteFailures.WithLabels(groupId).Inc();
                var delay = backoff.NextDelay();
                logger.LogError(ex, "{Group} could not write a batch of {Count} (attempt {Attempt}); retrying in {Delay}", groupId, count, backoff.Failures, delay);
                await Task.Delay(delay, ct);
            }
        }
    }

    private void Commit(IConsumer<byte[]?, byte[]?> consumer, List<ConsumeResult<byte[]?, byte[]?>> batch)
    {
        var offsets = batch.GroupBy(m => m.TopicPartition)
            .Select(g => new TopicPartitionOffset(g.Key, g.Max(m => m.Offset.Value) + 1))
            .ToList();
        try
        {
            consumer.Commit(offsets);
        }
        catch (KafkaException ex)
        {
            // The data is durable; a failed commit only means re-reading (idempotent) after a restart.
            logger.LogWarning("{Group} offset commit failed: {Reason}", groupId, ex.Error.Reason);
        }
    }

    private void DropPending(HashSet<int> partitions, string why)
    {
        var removed = _pending.RemoveAll(m => partitions.Contains(m.Partition.Value));
        logger.LogInformation("{Group} partitions {Why}: {Partitions}; dropped {Removed} pending (re-read by the new owner)", groupId, why, string.Join(",", partitions), removed);
    }
}
