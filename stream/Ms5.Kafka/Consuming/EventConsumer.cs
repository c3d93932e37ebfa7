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

    /// <summary>Stores or computes the batch's accepted events; throws to have the whole batch retried.</summary>
    protected abstract Task HandleAsync(EventBatch batch, CancellationToken ct);

    /// <summary>Chunks of the batch being filled, parsed early on another core (see <see cref="OnFilling"/>); only the consuming thread touches the list.</summary>
    private readonly List<(ConsumeResult<byte[]?, byte[]?>[] Messages, Task<EventParseResult[]> Parsed)> _early = [];

    /// <summary>How many messages of the last prepared batch took their parse result from a chunk parsed early (tests).</summary>
    internal int ParsedEarly { get; private set; }

    protected override void OnFilling(IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> chunk)
    {
        var messages = chunk.ToArray();
        // One thread per chunk: the write in flight has the other core.
        _early.Add((messages, Task.Run(() => Array.ConvertAll(messages, m => EventParser.Parse(m.Message.Value)))));
    }

    protected override async ValueTask<PreparedEvents> PrepareAsync(IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> messages, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var parsed = await ParseAsync(messages);
        try
        {
            return new PreparedEvents(messages, parsed, await ValidateAsync(messages, parsed, ct));
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
    /// </summary>
    private async Task<EventParseResult[]> ParseAsync(IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> messages)
    {
        var parsed = new EventParseResult[messages.Count];
        var at = 0;
        var early = _early.ToArray();
        _early.Clear();
        foreach (var (chunk, task) in early)
        {
            EventParseResult[] results;
            try
            {
                results = await task;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Parsed again below; the parser reports bad input as problems, so this is not expected.
                Logger.LogWarning(ex, "{Group} could not parse {Count} messages ahead; they are parsed with the batch", GroupId, chunk.Length);
                continue;
            }

            if (Lines(messages, at, chunk))
            {
                results.CopyTo(parsed, at);
                at += chunk.Length;
            }
        }

        ParsedEarly = at;
        DeserializeStage.Run(messages, at, parsed);
        return parsed;
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
