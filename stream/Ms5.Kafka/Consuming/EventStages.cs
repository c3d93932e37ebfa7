using Confluent.Kafka;
using Ms5.Analytics.Events;

namespace Ms5.Kafka.Consuming;

/// <summary>Stage 1, deserialize: every message's bytes through the contract parser (null or empty bytes are a parse problem, not an exception).</summary>
public static class DeserializeStage
{
    /// <summary>Below this many messages parsing stays on the calling thread; above it, it uses every core.</summary>
    private const int ParallelFrom = 4096;

    public static EventParseResult[] Run(IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var parsed = new EventParseResult[messages.Count];
        Run(messages, 0, parsed);
        return parsed;
    }

    /// <summary>Parses <paramref name="messages"/> from index <paramref name="from"/> on into the same places of <paramref name="parsed"/>.</summary>
    public static void Run(IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> messages, int from, EventParseResult[] parsed)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(parsed);
        ArgumentOutOfRangeException.ThrowIfLessThan(parsed.Length, messages.Count, nameof(parsed));
        if (messages.Count - from >= ParallelFrom)
        {
            Parallel.For(from, messages.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i => parsed[i] = Parse(messages[i]));
        }
        else
        {
            for (var i = from; i < messages.Count; i++)
            {
                parsed[i] = Parse(messages[i]);
            }
        }
    }

    /// <summary>
    /// One message parsed: what <see cref="EventParser.Parse"/> gives for its bytes, or, for a message whose bytes were let
    /// go (<see cref="LetGo"/>), the valid event they were parsed into then (parsing is a pure function of the bytes).
    /// </summary>
    public static EventParseResult Parse(ConsumeResult<byte[]?, byte[]?> message)
    {
        ArgumentNullException.ThrowIfNull(message);
        // Read once: a chunk handed over again after a revocation may be let go on another thread meanwhile; reading the
        // field twice could see the original message first and the emptied one second, and parse "no bytes".
        var m = message.Message;
        return m is ParsedMessage parsed ? EventParseResult.Valid(parsed.Event) : EventParser.Parse(m.Value);
    }

    /// <summary>
    /// For a consumer whose dead letters keep nothing of their message (<see cref="IDeadLetterStage.KeepsSources"/> false):
    /// each message parsed into a valid event (<paramref name="parsed"/>, in the same order) keeps that event instead of its
    /// bytes and its Kafka message object. A backlog's batch holds 100k messages for as long as it is prepared and written;
    /// their bytes were the larger part of what it kept alive (and what the GC copied from generation to generation). A
    /// message parsed again later (a revocation drops messages and the batch is prepared or handed over again) gets the
    /// same result from <see cref="Parse(ConsumeResult{byte[], byte[]})"/>; a message that did not parse keeps its bytes.
    /// Only the messages from index <paramref name="from"/> on are looked at (those before were let go already).
    /// </summary>
    public static void LetGo(IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> messages, int from, ReadOnlySpan<EventParseResult> parsed)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentOutOfRangeException.ThrowIfNotEqual(parsed.Length, messages.Count, nameof(parsed));
        ArgumentOutOfRangeException.ThrowIfNegative(from);
        for (var i = from; i < parsed.Length; i++)
        {
            if (parsed[i].Event is { } evt && messages[i].Message is not ParsedMessage)
            {
                messages[i].Message = new ParsedMessage(evt);
            }
        }
    }
}

/// <summary>
/// A consumed message whose bytes were let go once they parsed into <see cref="Event"/> (<see cref="DeserializeStage.LetGo"/>):
/// no key, bytes or headers.
/// </summary>
internal sealed class ParsedMessage(MachineEvent evt) : Message<byte[]?, byte[]?>
{
    public MachineEvent Event { get; } = evt;
}

/// <summary>
/// Stage 2, validate: the contract's problems and the plant's and clock's (<see cref="EventRules.AllProblems"/>,
/// the same rules HTTP ingest applies). Every message comes out either as an accepted event or as a dead
/// letter with all its problems and its original key, bytes and headers (none of them when the consumer let go of
/// them, see <see cref="DeserializeStage.LetGo"/>); none is dropped, and the offsets
/// advance past both.
/// </summary>
public sealed class ValidateStage(EventRules rules, TimeProvider time, string stage)
{
    public string Stage => stage;

    public EventBatch Run(string topic, IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> messages, IReadOnlyList<EventParseResult> parsed)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(parsed);
        if (messages.Count != parsed.Count)
        {
            throw new ArgumentException($"{parsed.Count} parse results for {messages.Count} messages", nameof(parsed));
        }

        var now = time.GetUtcNow();
        var batch = new EventBatch(topic);
        batch.Events.EnsureCapacity(messages.Count);
        for (var i = 0; i < messages.Count; i++)
        {
            var m = messages[i];
            batch.Advance(m.Partition.Value, m.Offset.Value);
            var result = parsed[i];
            var problems = rules.AllProblems(result, now);
            if (problems.Count == 0 && result.Event is { } evt)
            {
                batch.Events.Add(new SourcedEvent(evt, m.Partition.Value, m.Offset.Value));
                continue;
            }

            batch.DeadLetters.Add(new DeadLetter(stage, m.Topic, m.Partition.Value, m.Offset.Value, result.Event?.MachineId ?? result.MachineId ?? KeyText(m.Message.Key), problems, m.Message.Value)
            {
                Key = m.Message.Key,
                SourceHeaders = m.Message.Headers is { } h ? h.Select(x => new KeyValuePair<string, byte[]>(x.Key, x.GetValueBytes())).ToList() : [],
            });
        }

        return batch;
    }

    /// <summary>The key as machine id when it is short printable text (a rejected message's best guess of its machine).</summary>
    private static string? KeyText(byte[]? key)
    {
        if (key is not { Length: > 0 and <= 128 })
        {
            return null;
        }

        var text = System.Text.Encoding.UTF8.GetString(key);
        return text.Any(char.IsControl) ? null : text;
    }
}
