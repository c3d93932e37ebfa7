using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Ms5.Kafka;
using Ms5.Kafka.Consuming;

namespace Ms5.Stream.Tests.Support;

/// <summary>
/// A <see cref="BatchConsumer{TBatch}"/> over a <see cref="ScriptedSession"/> whose write can fail a number of times
/// or wait until the test opens <see cref="Gate"/>. It journals "write P" when a write attempt starts and "written P"
/// when one succeeds (P: the batch's partition@offset list).
/// </summary>
internal sealed class ScriptedBatchConsumer : BatchConsumer<IReadOnlyList<ConsumeResult<byte[]?, byte[]?>>>
{
    private readonly ScriptedSession _session;
    private readonly Journal _journal;
    private readonly Lock _lock = new();
    private readonly List<(IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> Batch, DateTimeOffset At)> _cuts = [];
    private readonly List<(IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> Batch, DateTimeOffset At)> _attempts = [];
    private int _failuresLeft;

    public ScriptedBatchConsumer(ScriptedSession session, TimeProvider time, Journal journal, ConsumerSettings settings)
        : base(new KafkaOptions(), settings, time, NullLogger.Instance)
    {
        _session = session;
        _journal = journal;
        session.Listener = this;
    }

    public static ConsumerSettings Config(int maxBatch = 100, int maxDelayMs = 200, int maxRetryDelayMs = 30_000) =>
        new(Messages.Topic, "test-group", maxBatch, TimeSpan.FromMilliseconds(maxDelayMs), TimeSpan.FromMilliseconds(maxRetryDelayMs));

    /// <summary>While set and not completed, writes wait for it.</summary>
    public TaskCompletionSource? Gate { get; set; }

    /// <summary>Batches as they were cut (on the consuming thread), with the clock at that moment.</summary>
    public IReadOnlyList<(IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> Batch, DateTimeOffset At)> Cuts
    {
        get
        {
            lock (_lock)
            {
                return [.. _cuts];
            }
        }
    }

    /// <summary>Every write attempt, with the batch instance passed and the clock at that moment.</summary>
    public IReadOnlyList<(IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> Batch, DateTimeOffset At)> Attempts
    {
        get
        {
            lock (_lock)
            {
                return [.. _attempts];
            }
        }
    }

    /// <summary>The chunks handed over while a batch was filled behind a write (<c>OnFilling</c>), as "first..last" offsets of partition 0.</summary>
    public IReadOnlyList<string> Filling
    {
        get
        {
            lock (_lock)
            {
                return [.. _filling];
            }
        }
    }

    private readonly List<string> _filling = [];

    protected override void OnFilling(IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> chunk)
    {
        lock (_lock)
        {
            _filling.Add($"{chunk[0].Offset.Value}..{chunk[^1].Offset.Value}");
        }
    }

    /// <summary>The next this many write attempts throw.</summary>
    public void FailNext(int attempts) => Interlocked.Exchange(ref _failuresLeft, attempts);

    protected override IConsumerSession CreateSession() => _session;

    protected override ValueTask<IReadOnlyList<ConsumeResult<byte[]?, byte[]?>>> PrepareAsync(IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> messages, CancellationToken ct)
    {
        IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> batch = [.. messages];
        lock (_lock)
        {
            _cuts.Add((batch, Time.GetUtcNow()));
        }

        return ValueTask.FromResult(batch);
    }

    protected override async Task WriteAsync(IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> batch, CancellationToken ct)
    {
        lock (_lock)
        {
            _attempts.Add((batch, Time.GetUtcNow()));
        }

        var positions = Journal.Positions(batch);
        _journal.Add("write " + positions);
        if (Interlocked.Decrement(ref _failuresLeft) >= 0)
        {
            throw new InvalidOperationException("the store is down");
        }

        if (Gate is { } gate)
        {
            await gate.Task.WaitAsync(ct);
        }

        _journal.Add("written " + positions);
    }
}
