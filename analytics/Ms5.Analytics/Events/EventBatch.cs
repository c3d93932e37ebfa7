namespace Ms5.Analytics.Events;

/// <summary>An accepted event and where it came from.</summary>
public readonly record struct SourcedEvent(MachineEvent Event, int Partition, long Offset);

/// <summary>
/// A rejected message: which stage rejected it, every problem, the original key, bytes and headers, and its
/// source position (a Kafka topic/partition/offset; for HTTP ingest and file replay the request or file with
/// partition <see cref="NoPartition"/> and the index or line as offset).
/// </summary>
public sealed record DeadLetter(string Stage, string Topic, int Partition, long Offset, string? MachineId, IReadOnlyList<EventProblem> Problems, byte[]? Payload)
{
    /// <summary>The partition of a source that has none (an HTTP request, a file).</summary>
    public const int NoPartition = -1;

    public string Reason => EventProblem.Join(Problems);

    /// <summary>The original message key (kept on the DLQ record).</summary>
    public byte[]? Key { get; init; }

    /// <summary>The original message headers (kept on the DLQ record, before MS5's own).</summary>
    public IReadOnlyList<KeyValuePair<string, byte[]>> SourceHeaders { get; init; } = [];
}

/// <summary>What the consumer pipeline makes of consumed messages: accepted events, dead letters and the offsets they advance to.</summary>
public sealed class EventBatch(string topic)
{
    public string Topic { get; } = topic;
    public List<SourcedEvent> Events { get; } = [];
    public List<DeadLetter> DeadLetters { get; } = [];

    /// <summary>Per partition, the offset to resume from after this batch (last offset + 1).</summary>
    public Dictionary<int, long> NextOffsets { get; } = [];

    public int Count => Events.Count + DeadLetters.Count;

    public void Advance(int partition, long offset)
    {
        if (!NextOffsets.TryGetValue(partition, out var next) || offset + 1 > next)
        {
            NextOffsets[partition] = offset + 1;
        }
    }

    /// <summary>Drops what came from partitions this consumer no longer owns (their new owner reads them).</summary>
    public void RemovePartitions(IReadOnlyCollection<int> partitions)
    {
        Events.RemoveAll(e => partitions.Contains(e.Partition));
        DeadLetters.RemoveAll(d => partitions.Contains(d.Partition));
        foreach (var p in partitions)
        {
            NextOffsets.Remove(p);
        }
    }

    public void Clear()
    {
        Events.Clear();
        DeadLetters.Clear();
        NextOffsets.Clear();
    }
}

public readonly record struct HistorianWriteResult(int Inserted, int Duplicates, int DeadLetters);
