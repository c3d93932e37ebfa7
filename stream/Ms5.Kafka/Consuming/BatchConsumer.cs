using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Ms5.ServiceDefaults;
using Polly;
using Prometheus;

namespace Ms5.Kafka.Consuming;

/// <summary>
/// A consumer-group loop that gathers messages into batches (size or age), hands each batch to
/// <see cref="WriteAsync"/> until it is durable (retrying with backoff, never skipping), and only
/// then commits the offsets. One batch is written while the next is consumed, so the database and
/// the consumer work at the same time; at most one write is in flight, so batches stay in order.
/// <see cref="PrepareAsync"/> (parsing, validation) runs on the consuming thread, so it overlaps the write
/// of the previous batch too. On revocation the in-flight write finishes and is committed before the
/// partitions go; messages of revoked partitions still pending are dropped: their new owner reads them
/// from the last durable offset.
/// </summary>
public abstract class BatchConsumer<TBatch> : BackgroundService, IPartitionListener
{
    private static readonly Counter Consumed = Metrics.CreateCounter(PipelineMetrics.SinkMessages, "Messages consumed and durably handled.", "group");
    private static readonly Counter WriteFailures = Metrics.CreateCounter(PipelineMetrics.SinkWriteFailures, "Failed batch writes (retried).", "group");
    private static readonly Histogram BatchSeconds = Metrics.CreateHistogram(PipelineMetrics.SinkBatchSeconds, "Time to make one batch durable.", new HistogramConfiguration
    {
        LabelNames = ["group"],
        Buckets = Histogram.ExponentialBuckets(0.001, 2, 16),
    });

    private static readonly Histogram PrepareSeconds = Metrics.CreateHistogram(PipelineMetrics.SinkPrepareSeconds, "Time to prepare one batch (parse, validate) on the consuming thread.", new HistogramConfiguration
    {
        LabelNames = ["group"],
        Buckets = Histogram.ExponentialBuckets(0.001, 2, 16),
    });

    /// <summary>Partitions the consumer owns now (what tests and dashboards read instead of logs).</summary>
    public const string PartitionsMetric = "ms5_consumer_partitions";

    /// <summary>Partition assignments received (each rebalance that gives the consumer partitions counts once).</summary>
    public const string AssignmentsMetric = "ms5_consumer_assignments_total";

    private static readonly Gauge Partitions = Metrics.CreateGauge(PartitionsMetric, "Partitions the consumer group member owns.", "group");
    private static readonly Counter Assignments = Metrics.CreateCounter(AssignmentsMetric, "Partition assignments received.", "group");
    private static readonly Counter ConsumeErrors = Metrics.CreateCounter("ms5_consumer_errors_total", "Consume calls that failed with a non-fatal broker error (retried).", "group");
    private static readonly Gauge Lag = Metrics.CreateGauge(PipelineMetrics.ConsumerLag, "Messages of an owned partition not yet durably handled: high watermark minus the next offset to commit.", "group", "topic", "partition");
    private static readonly TimeSpan LagInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan StalledWrite = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long one Consume waits while a write is in flight: the end of the write is noticed only between two of them,
    /// and every batch of a backlog waits for that (100 ms cost ~1 s per 1M-event drain).
    /// </summary>
    private static readonly TimeSpan ServePoll = TimeSpan.FromMilliseconds(5);

    /// <summary>How often the partitions are paused again while a write is in flight (and at once after an assignment).</summary>
    private static readonly TimeSpan RePause = TimeSpan.FromMilliseconds(100);
    private bool _pauseNow;
    private readonly Dictionary<TopicPartition, long> _committed = [];
    private DateTimeOffset _lagAt = DateTimeOffset.MinValue;
    private static readonly Counter Abandoned = Metrics.CreateCounter("ms5_consumer_abandoned_writes_total", "Batch writes abandoned uncommitted because a revocation could not wait for them (their messages are read again).", "group");

    private readonly ResiliencePipeline _retry;
    private List<ConsumeResult<byte[]?, byte[]?>> _pending = [];

    /// <summary>How many of <see cref="_pending"/> (from the start) were handed to <see cref="OnFilling"/>.</summary>
    private int _handed;

    /// <summary>The size of the chunks handed to <see cref="OnFilling"/>.</summary>
    internal const int FillingChunk = 8192;

    /// <summary>The messages of the batch prepared while the previous one is written, and the partitions revoked since.</summary>
    private List<ConsumeResult<byte[]?, byte[]?>> _prepared = [];
    private readonly HashSet<int> _revokedSincePrepare = [];
    private (Task Write, List<ConsumeResult<byte[]?, byte[]?>> Messages, CancellationTokenSource Cancel)? _inflight;
    private readonly List<TopicPartitionOffset> _rewind = [];
    private IConsumerSession? _session;

    protected BatchConsumer(KafkaOptions kafka, ConsumerSettings settings, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Kafka = kafka;
        Settings = settings;
        Time = time;
        Logger = logger;
        _retry = Retry.Forever(settings.MaxRetryDelay, time, (ex, attempt, delay) =>
        {
            WriteFailures.WithLabels(settings.GroupId).Inc();
            logger.LogError(ex, "{Group} could not write a batch (attempt {Attempt}); retrying in {Delay}", settings.GroupId, attempt, delay);
            return default;
        });
    }

    protected ILogger Logger { get; }
    protected KafkaOptions Kafka { get; }
    protected ConsumerSettings Settings { get; }
    protected TimeProvider Time { get; }
    protected string GroupId => Settings.GroupId;
    protected string Topic => Settings.Topic;

    /// <summary>Turns consumed messages into what <see cref="WriteAsync"/> stores (parse, validate, encode).</summary>
    protected abstract ValueTask<TBatch> PrepareAsync(IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> messages, CancellationToken ct);

    /// <summary>
    /// On the consuming thread, while a write is in flight: the next <see cref="FillingChunk"/> or so messages of the batch
    /// being filled, in order, for work that can start early (parsing on another core). <see cref="PrepareAsync"/> still
    /// gets the whole batch, and must not count on having seen every message here, nor on seeing each once: a revocation
    /// drops messages (the batch's messages are then handed again from its start), and messages consumed while no write
    /// runs are not handed over.
    /// </summary>
    protected virtual void OnFilling(IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> chunk)
    {
    }

    /// <summary>Makes the batch durable or throws; called again with the same batch after a failure.</summary>
    protected abstract Task WriteAsync(TBatch batch, CancellationToken ct);

    /// <summary>Where to start newly assigned partitions; Unset means the group's committed offset.</summary>
    protected virtual IEnumerable<TopicPartitionOffset> OnAssigned(IReadOnlyList<TopicPartition> partitions, Func<TopicPartition, long?> endOffset) =>
        partitions.Select(p => new TopicPartitionOffset(p, Offset.Unset));

    /// <summary>Called once a batch is durable and committed (before the next batch starts).</summary>
    protected virtual void OnBatchCompleted()
    {
    }

    /// <summary>Runs before the consumer subscribes.</summary>
    protected virtual Task OnStartingAsync(CancellationToken ct) => Task.CompletedTask;

    /// <summary>The Kafka consumer (tests substitute a scripted session).</summary>
    protected virtual IConsumerSession CreateSession() =>
        new KafkaConsumerSession(Kafka.ConsumerConfig(GroupId, $"{GroupId}-{Environment.ProcessId}"), Topic, this,
            e => Logger.Log(e.IsFatal ? LogLevel.Critical : LogLevel.Warning, "{Group} Kafka error {Code}: {Reason}", GroupId, e.Code, e.Reason), ReadsKeysAndHeaders);

    /// <summary>Whether consumed messages carry their key and headers (false: both null, not read from the Kafka client).</summary>
    protected virtual bool ReadsKeysAndHeaders => true;

    IEnumerable<TopicPartitionOffset> IPartitionListener.OnAssigned(IReadOnlyList<TopicPartition> partitions, Func<TopicPartition, long?> endOffset)
    {
        var offsets = OnAssigned(partitions, endOffset).ToList();
        // A write may be in flight: partitions assigned now are paused on the serving loop's next pass, not after up to RePause.
        _pauseNow = true;
        Partitions.WithLabels(GroupId).Inc(partitions.Count);
        Assignments.WithLabels(GroupId).Inc();
        Logger.LogInformation("{Group} assigned {Partitions}", GroupId, string.Join(", ", offsets.Select(o => $"{o.Partition.Value}@{o.Offset}")));
        return offsets;
    }

    void IPartitionListener.OnRevoked(IReadOnlyList<TopicPartition> partitions, bool lost)
    {
        var revoked = partitions.Select(p => p.Partition.Value).ToHashSet();
        // Finish and commit what is being written before the partitions change hands; but a write that cannot
        // finish (its database is down) must not stop the group from rebalancing.
        if (_inflight is { } inflight && Task.WhenAny(inflight.Write, Task.Delay(Settings.RevocationWait, Time)).GetAwaiter().GetResult() != inflight.Write)
        {
            AbandonInflight(revoked);
        }
        else
        {
            CompleteInflightAsync().GetAwaiter().GetResult();
        }

        DropPending(revoked, lost ? "lost" : "revoked");
        _revokedSincePrepare.UnionWith(revoked);
        Partitions.WithLabels(GroupId).Dec(partitions.Count);
        foreach (var tp in partitions)
        {
            _committed.Remove(tp);
            Lag.RemoveLabelled(GroupId, tp.Topic, tp.Partition.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    /// <summary>
    /// Stops the write in flight without committing its offsets to Kafka. Whatever it had made durable is idempotent to
    /// write again (event ids, point keys; a write in several transactions, such as the OEE engine's lanes, may have
    /// committed some of them); the messages of partitions this consumer keeps are read again from the batch's first
    /// offset (pending ones after them too), those of revoked partitions by their next owner.
    /// </summary>
    private void AbandonInflight(HashSet<int> revoked)
    {
        var (write, messages, cancel) = _inflight!.Value;
        _inflight = null;
        cancel.Cancel();
        // Not waited for: parts of a write may not honour cancellation (a synchronous COPY to a hung database), and
        // its offsets are not committed anyway. It ends by itself; its token source goes with it.
        _ = write.ContinueWith(_ => cancel.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        var reread = messages.Concat(_prepared).Concat(_pending).Where(m => !revoked.Contains(m.Partition.Value)).ToList();
        _rewind.AddRange(reread.GroupBy(m => m.TopicPartition).Select(g => new TopicPartitionOffset(g.Key, g.Min(m => m.Offset.Value))));
        _pending.RemoveAll(m => !revoked.Contains(m.Partition.Value));
        _handed = 0;
        Abandoned.WithLabels(GroupId).Inc();
        Logger.LogWarning("{Group} abandoned the write of {Count} messages: it did not finish within {Wait} of a revocation; its offsets are not committed, {Reread} messages of kept partitions are read again (what it had stored already is recognised as duplicates)",
            GroupId, messages.Count, Settings.RevocationWait, reread.Count);
    }

    private DateTimeOffset _lastConsumeWarning = DateTimeOffset.MinValue;

    /// <summary>
    /// One Consume. An error that is not fatal — a subscribed topic not there yet, or refused (authorization) — is
    /// logged (at most every 30 s) and waited out: it must not stop the consumer, let alone the host.
    /// </summary>
    private ConsumeResult<byte[]?, byte[]?>? TryConsume(IConsumerSession session, TimeSpan timeout)
    {
        try
        {
            return session.Consume(timeout);
        }
        catch (ConsumeException ex) when (!ex.Error.IsFatal)
        {
            ConsumeErrors.WithLabels(GroupId).Inc();
            if (Time.GetUtcNow() - _lastConsumeWarning > TimeSpan.FromSeconds(30))
            {
                _lastConsumeWarning = Time.GetUtcNow();
                Logger.LogWarning("{Group} cannot consume {Topic} for now: {Reason}; retrying", GroupId, Topic, ex.Error.Reason);
            }

            Thread.Sleep(TimeSpan.FromMilliseconds(200));
            return null;
        }
    }

    private void Rewind(IConsumerSession session)
    {
        foreach (var offset in _rewind)
        {
            try
            {
                session.Seek(offset);
            }
            catch (KafkaException ex)
            {
                // Revoked meanwhile: its next owner reads it from the last durable offset.
                Logger.LogWarning("{Group} could not rewind {Partition} to {Offset}: {Reason}", GroupId, offset.TopicPartition, offset.Offset, ex.Error.Reason);
            }
        }

        _rewind.Clear();
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Factory.StartNew(() => RunAsync(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();

    internal async Task RunAsync(CancellationToken ct)
    {
        await OnStartingAsync(ct);
        using var session = CreateSession();
        _session = session;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                Rewind(session);
                MeasureLag(session, paused: false);
                Fill(session, ct);
                if (_pending.Count == 0)
                {
                    ServeGroupWhileWriting(session);
                    await CompleteInflightAsync();
                    continue;
                }

                // The next batch is parsed and validated while the previous one is written.
                var messages = TakeBatch();
                _prepared = messages;
                _revokedSincePrepare.Clear();
                var prepare = System.Diagnostics.Stopwatch.StartNew();
                var batch = await PrepareAsync(messages, ct);
                PrepareSeconds.WithLabels(GroupId).Observe(prepare.Elapsed.TotalSeconds);
                ServeGroupWhileWriting(session);
                await CompleteInflightAsync();
                _prepared = [];
                if (_rewind.Count > 0)
                {
                    // A revocation abandoned the write: the prepared messages of kept partitions are read again after the rewind.
                    continue;
                }

                if (_revokedSincePrepare.Count > 0)
                {
                    // Partitions revoked meanwhile belong to their new owner now, with their messages.
                    messages = messages.Where(m => !_revokedSincePrepare.Contains(m.Partition.Value)).ToList();
                    if (messages.Count == 0)
                    {
                        continue;
                    }

                    batch = await PrepareAsync(messages, ct);
                }

                var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
                _inflight = (Task.Run(() => WriteDurablyAsync(batch, cancel.Token), cancel.Token), messages, cancel);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            session.Close();
            _session = null;
        }
    }

    /// <summary>
    /// While the batch in flight is not durable yet (its database may be down for minutes) the consumer keeps calling
    /// Consume: that is what lets the group rebalance (revocation callbacks run inside Consume, and a member that stops
    /// polling is thrown out after max.poll.interval). Meanwhile it reads on into the batch after the prepared one, up to
    /// <see cref="ConsumerSettings.MaxBatch"/> messages; only then are the partitions paused. Pausing makes librdkafka drop
    /// the messages it had fetched ahead and fetch them again after the resume, so a backlog whose consumer paused at
    /// every batch waited for those fetches before each next batch (the write then had nothing to take). A message
    /// fetched before the pause is kept for the next batch, never dropped.
    /// </summary>
    private void ServeGroupWhileWriting(IConsumerSession session)
    {
        if (_inflight is not { } inflight || inflight.Write.IsCompleted)
        {
            return;
        }

        var since = Time.GetUtcNow();
        var pausedAt = DateTimeOffset.MinValue;
        var paused = false;
        try
        {
            while (_inflight is { } current && !current.Write.IsCompleted && _rewind.Count == 0)
            {
                // Paused once the next batch is full, again now and then, and right after a rebalance assigned partitions
                // (inside Consume): those are not paused yet.
                if (_pending.Count >= Settings.MaxBatch && (!paused || _pauseNow || Time.GetUtcNow() - pausedAt >= RePause))
                {
                    _pauseNow = false;
                    session.PauseAll();
                    paused = true;
                    pausedAt = Time.GetUtcNow();
                }

                if (Time.GetUtcNow() - since > StalledWrite)
                {
                    // A write that does not finish (its database is down): the broker tells how far the topic has grown
                    // (paused, no fetch brings the watermarks).
                    MeasureLag(session, paused);
                }

                var cr = TryConsume(session, ServePoll);
                if (_rewind.Count > 0)
                {
                    RewindAlso(cr);
                    break;
                }

                if (cr is { IsPartitionEOF: false })
                {
                    AddPending(cr);
                    HandOverFilling();
                }
            }
        }
        finally
        {
            if (paused)
            {
                session.ResumeAll();
            }
        }
    }

    /// <summary>When the first of the pending messages came (they may have been read while the previous write ran).</summary>
    private DateTimeOffset _pendingSince;

    private void AddPending(ConsumeResult<byte[]?, byte[]?> cr)
    {
        if (_pending.Count == 0)
        {
            _pendingSince = Time.GetUtcNow();
        }

        _pending.Add(cr);
    }

    /// <summary>
    /// A revocation inside the Consume that returned <paramref name="cr"/> abandoned a write: the pending messages of kept
    /// partitions were dropped and are read again after the rewind, so this one is not kept either. Its partition is
    /// rewound to it unless the rewind already starts at or before it.
    /// </summary>
    private void RewindAlso(ConsumeResult<byte[]?, byte[]?>? cr)
    {
        if (cr is { IsPartitionEOF: false } && !_rewind.Any(r => r.TopicPartition == cr.TopicPartition && r.Offset.Value <= cr.Offset.Value))
        {
            _rewind.RemoveAll(r => r.TopicPartition == cr.TopicPartition);
            _rewind.Add(cr.TopicPartitionOffset);
        }
    }

    /// <summary>Waits for the batch being written, then commits its offsets (never before it is durable).</summary>
    private async Task CompleteInflightAsync()
    {
        if (_inflight is not { } inflight)
        {
            return;
        }

        _inflight = null;
        try
        {
            await inflight.Write;
        }
        finally
        {
            inflight.Cancel.Dispose();
        }

        Commit(inflight.Messages);
        Consumed.WithLabels(GroupId).Inc(inflight.Messages.Count);
        OnBatchCompleted();
    }

    private void Fill(IConsumerSession session, CancellationToken ct)
    {
        // A batch goes out at most MaxDelay after its first message came (read while the previous write ran, too).
        var deadline = (_pending.Count > 0 ? _pendingSince : Time.GetUtcNow()) + Settings.MaxDelay;
        while (_pending.Count < Settings.MaxBatch)
        {
            var wait = _pending.Count == 0 ? TimeSpan.FromMilliseconds(500) : deadline - Time.GetUtcNow();
            if (wait <= TimeSpan.Zero)
            {
                if (_inflight is not { Write.IsCompleted: false })
                {
                    return;
                }

                // The previous batch is still being written: a backlog keeps filling this one (fewer, bigger batches).
                wait = TimeSpan.FromMilliseconds(20);
            }

            var cr = TryConsume(session, wait);
            if (_rewind.Count > 0)
            {
                RewindAlso(cr);
                return;
            }

            if (cr is null)
            {
                if (_pending.Count == 0)
                {
                    ct.ThrowIfCancellationRequested();
                    if (_inflight is { Write.IsCompleted: true })
                    {
                        // Idle: commit the finished write now rather than when the next message comes.
                        return;
                    }

                    deadline = Time.GetUtcNow() + Settings.MaxDelay;
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
                deadline = Time.GetUtcNow() + Settings.MaxDelay;
            }

            AddPending(cr);
            HandOverFilling();
        }
    }

    /// <summary>
    /// The batch to prepare next: every pending message; but when the previous write has just ended with part of the
    /// pending messages handed over (<see cref="OnFilling"/>, prepared on other cores meanwhile), only that part, so the
    /// next write starts at once instead of after preparing the rest on this thread. The rest stays pending and begins the
    /// next batch. Cutting a prefix of the pending list keeps every partition's messages in order: the batch holds each
    /// partition's earliest pending ones, and its offsets are committed only up to them.
    /// </summary>
    private List<ConsumeResult<byte[]?, byte[]?>> TakeBatch()
    {
        List<ConsumeResult<byte[]?, byte[]?>> messages;
        if (_handed > 0 && _handed < _pending.Count && _inflight is not { Write.IsCompleted: false })
        {
            messages = _pending.GetRange(0, _handed);
            _pending.RemoveRange(0, _handed);
        }
        else
        {
            messages = _pending;
            _pending = [];
        }

        _handed = 0;
        return messages;
    }

    /// <summary>A backlog: the batch being filled is handed to <see cref="OnFilling"/> chunk by chunk while the previous one is written.</summary>
    private void HandOverFilling()
    {
        if (_pending.Count - _handed >= FillingChunk && _inflight is { Write.IsCompleted: false })
        {
            OnFilling(_pending.GetRange(_handed, _pending.Count - _handed));
            _handed = _pending.Count;
        }
    }

    private Task WriteDurablyAsync(TBatch batch, CancellationToken ct) =>
        _retry.ExecuteAsync(async token =>
        {
            using var timer = BatchSeconds.WithLabels(GroupId).NewTimer();
            await WriteAsync(batch, token);
        }, ct).AsTask();

    private void Commit(List<ConsumeResult<byte[]?, byte[]?>> batch)
    {
        var offsets = NextOffsets(batch);
        try
        {
            _session?.Commit(offsets);
            foreach (var o in offsets)
            {
                _committed[o.TopicPartition] = o.Offset.Value;
            }
        }
        catch (KafkaException ex)
        {
            // The data is durable; a failed commit only means re-reading (idempotent) after a restart.
            Logger.LogWarning("{Group} offset commit failed: {Reason}", GroupId, ex.Error.Reason);
        }
    }

    /// <summary>
    /// Each partition's offset after its last message in <paramref name="batch"/>. One pass without a key object per
    /// message (a backlog's batch holds 100k messages; <see cref="ConsumeResult{TKey,TValue}.TopicPartition"/> makes two
    /// objects each time it is read). A consumer reads one topic, so the partition number is the key.
    /// </summary>
    internal static List<TopicPartitionOffset> NextOffsets(IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> batch)
    {
        var next = new Dictionary<int, (string Topic, long Offset)>();
        foreach (var m in batch)
        {
            var offset = m.Offset.Value + 1;
            ref var slot = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(next, m.Partition.Value, out var exists);
            if (!exists)
            {
                slot = (m.Topic, offset);
            }
            else if (offset > slot.Offset)
            {
                slot.Offset = offset;
            }
        }

        return next.Select(p => new TopicPartitionOffset(p.Value.Topic, p.Key, p.Value.Offset)).ToList();
    }

    /// <summary>
    /// Consumer lag per owned partition, at most every few seconds: from the watermarks fetches bring (no broker round
    /// trip on the consuming thread), or asked of the broker while fetching is paused behind a write that does not
    /// finish (then the lag must keep growing as the topic does).
    /// </summary>
    private void MeasureLag(IConsumerSession session, bool paused)
    {
        var now = Time.GetUtcNow();
        if (now - _lagAt < LagInterval)
        {
            return;
        }

        _lagAt = now;
        foreach (var (tp, high, position) in session.Watermarks(ask: paused))
        {
            var next = _committed.TryGetValue(tp, out var c) ? c : position;
            if (high >= 0 && next is >= 0)
            {
                Lag.WithLabels(GroupId, tp.Topic, tp.Partition.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)).Set(Math.Max(0, high - next.Value));
            }
        }
    }

    private void DropPending(HashSet<int> partitions, string why)
    {
        var removed = _pending.RemoveAll(m => partitions.Contains(m.Partition.Value));
        _handed = 0;
        Logger.LogInformation("{Group} partitions {Why}: {Partitions}; dropped {Removed} pending (re-read by the new owner)", GroupId, why, string.Join(",", partitions), removed);
    }
}
