using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Ms5.Analytics.Events;
using Ms5.Analytics.Plant;

namespace Ms5.Kafka.Consuming;

/// <summary>The stages every consumer of machine events runs before its own handling.</summary>
public sealed record EventPipeline(ValidateStage Validate, IDeadLetterStage DeadLetters, IMachineCatalog Machines);

/// <summary>
/// Consumed messages deserialized, and validated when the machine catalog could be consulted; otherwise (its database
/// is away) validated in the durable write, which retries until it can: a machine is never declared unknown because
/// the plant could not be read.
/// </summary>
public sealed class PreparedEvents(IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> messages, EventParseResult[] parsed, EventBatch? validated)
{
    public IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> Messages => messages;
    public EventParseResult[] Parsed => parsed;
    public EventBatch? Validated { get; set; } = validated;
}

/// <summary>
/// The one consumer pipeline for <c>ms5.machine-events.v1</c>: deserialize → validate → dead-letter → handle.
/// The first two run on the consuming thread (overlapping the previous batch's write); dead-lettering and
/// <see cref="HandleAsync"/> run in the durable write, so offsets are committed only after both.
/// </summary>
public abstract class EventConsumer(KafkaOptions kafka, ConsumerSettings settings, EventPipeline pipeline, TimeProvider time, ILogger logger)
    : BatchConsumer<PreparedEvents>(kafka, settings, time, logger)
{
    protected EventPipeline Pipeline => pipeline;

    /// <summary>
    /// Keys and headers are read only when dead letters keep them (<see cref="IDeadLetterStage.KeepsSources"/>); when they
    /// do not, each message's bytes are also let go once parsed (<see cref="DeserializeStage.LetGo"/>).
    /// </summary>
    protected override bool ReadsKeysAndHeaders => pipeline.DeadLetters.KeepsSources;

    /// <summary>Stores or computes the batch's accepted events; throws to have the whole batch retried.</summary>
    protected abstract Task HandleAsync(EventBatch batch, CancellationToken ct);

    /// <summary>
    /// Chunks of the batch being filled, parsed and validated early on another core (see <see cref="OnFilling"/>); only the
    /// consuming thread touches the list. A chunk's validation is null when the machine catalog could not be read then.
    /// </summary>
    private readonly List<(ConsumeResult<byte[]?, byte[]?>[] Messages, Task<(EventParseResult[] Parsed, EventBatch? Validated)> Work)> _early = [];

    /// <summary>How many messages of the last prepared batch took their parse result from a chunk parsed early (tests).</summary>
    internal int ParsedEarly { get; private set; }

    /// <summary>How many messages of the last prepared batch took their validation from a chunk validated early (tests).</summary>
    internal int ValidatedEarly { get; private set; }

    protected override void OnFilling(IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> chunk)
    {
        var messages = chunk.ToArray();
        // One thread per chunk, of its own: on the thread pool a chunk queued behind the write's parallel loops and was
        // parsed only when the write ended, which the next write then waited for.
        _early.Add((messages, Task.Factory.StartNew(async () =>
        {
            var parsed = Array.ConvertAll(messages, DeserializeStage.Parse);
            LetGo(messages, 0, parsed);
            try
            {
                return (parsed, (EventBatch?)await ValidateAsync(messages, parsed, CancellationToken.None));
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The catalog could not be read: validated with the batch (or in the write).
                return (parsed, null);
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap()));
    }

    protected override async ValueTask<PreparedEvents> PrepareAsync(IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> messages, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var (parsed, validated, early) = await ParseAsync(messages, ct);
        // The messages taken from early chunks were let go on their chunk's thread.
        LetGo(messages, early, parsed);
        try
        {
            return new PreparedEvents(messages, parsed, await ValidateRestAsync(messages, parsed, validated, early, ct));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Logger.LogWarning("{Group} cannot read the machine catalog ({Error}); the batch is validated when it is written", GroupId, ex.Message);
            return new PreparedEvents(messages, parsed, null);
        }
    }

    /// <summary>
    /// The batch parsed: a chunk parsed early is used where it is exactly the batch's next messages (the same message
    /// objects at the same places, from the batch's start on), so a dropped or re-read message never takes another's
    /// result; a chunk that does not line up (of an earlier batch, or handed again after a revocation dropped messages)
    /// is skipped. The rest is parsed now. Parsing is a pure function of the message's bytes: where it ran changes nothing.
    /// Also returns the validations of the chunks used, in order (their messages are the batch's first ones).
    /// </summary>
    private async Task<(EventParseResult[] Parsed, List<EventBatch?> Validated, int Early)> ParseAsync(IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> messages, CancellationToken ct)
    {
        var parsed = new EventParseResult[messages.Count];
        var validated = new List<EventBatch?>();
        var at = 0;
        var early = _early.ToArray();
        _early.Clear();
        foreach (var (chunk, task) in early)
        {
            (EventParseResult[] Parsed, EventBatch? Validated) results;
            try
            {
                // A chunk waiting for an unreachable catalog does not hold up a stop.
                results = await task.WaitAsync(ct);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException and not OperationCanceledException)
            {
                // Parsed again below; the parser reports bad input as problems, so this is not expected.
                Logger.LogWarning(ex, "{Group} could not parse {Count} messages ahead; they are parsed with the batch", GroupId, chunk.Length);
                continue;
            }

            if (Lines(messages, at, chunk))
            {
                results.Parsed.CopyTo(parsed, at);
                validated.Add(results.Validated);
                at += chunk.Length;
            }
        }

        ParsedEarly = at;
        DeserializeStage.Run(messages, at, parsed);
        return (parsed, validated, at);
    }

    /// <summary>
    /// The batch validated: the chunks validated early, then the rest, joined in order (events, dead letters, each
    /// partition's furthest offset). Validation looks at one message at a time, so joining the chunks' results gives what
    /// validating the batch whole gives; only the clock differs, by the time between a chunk's validation and now (a
    /// chunk's events are checked against "not too far in the future" a little earlier). If a chunk could not be validated,
    /// the whole batch is validated now.
    /// </summary>
    private async Task<EventBatch> ValidateRestAsync(IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> messages, EventParseResult[] parsed, List<EventBatch?> early, int done, CancellationToken ct)
    {
        ValidatedEarly = 0;
        if (early.Count == 0 || early.Any(b => b is null))
        {
            return await ValidateAsync(messages, parsed, ct);
        }

        var parts = early;
        if (done < messages.Count)
        {
            parts = [.. early, await ValidateAsync(messages.Skip(done).ToList(), parsed[done..], ct)];
        }

        var batch = new EventBatch(Topic);
        batch.Events.EnsureCapacity(parts.Sum(b => b!.Events.Count));
        foreach (var part in parts)
        {
            batch.Events.AddRange(part!.Events);
            batch.DeadLetters.AddRange(part.DeadLetters);
            foreach (var (partition, next) in part.NextOffsets)
            {
                batch.Advance(partition, next - 1);
            }
        }

        ValidatedEarly = done;
        return batch;
    }

    /// <summary>The bytes of the parsed messages from <paramref name="from"/> on let go, when dead letters keep nothing of them.</summary>
    private void LetGo(IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> messages, int from, EventParseResult[] parsed)
    {
        if (!pipeline.DeadLetters.KeepsSources)
        {
            DeserializeStage.LetGo(messages, from, parsed);
        }
    }

    private static bool Lines(IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> messages, int at, ConsumeResult<byte[]?, byte[]?>[] chunk)
    {
        if (at + chunk.Length > messages.Count)
        {
            return false;
        }

        for (var i = 0; i < chunk.Length; i++)
        {
            if (!ReferenceEquals(messages[at + i], chunk[i]))
            {
                return false;
            }
        }

        return true;
    }

    protected sealed override async Task WriteAsync(PreparedEvents prepared, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(prepared);
        var batch = prepared.Validated ??= await ValidateAsync(prepared.Messages, prepared.Parsed, ct);
        await pipeline.DeadLetters.RouteAsync(batch, ct);
        await HandleAsync(batch, ct);
    }

    private async Task<EventBatch> ValidateAsync(IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> messages, EventParseResult[] parsed, CancellationToken ct)
    {
        // A machine of a plant loaded a moment ago must not be rejected as unknown.
        await pipeline.Machines.EnsureLoadedAsync(parsed.Select(p => p.Event?.MachineId ?? p.ValidMachineId), ct);
        return pipeline.Validate.Run(Topic, messages, parsed);
    }

    protected override void OnBatchCompleted() => pipeline.DeadLetters.BatchCompleted();
}
