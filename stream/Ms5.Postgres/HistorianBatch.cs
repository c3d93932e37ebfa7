using Ms5.Analytics.Events;

namespace Ms5.Postgres;

/// <summary>An accepted event and where it came from.</summary>
public readonly record struct SourcedEvent(MachineEvent Event, int Partition, long Offset);

/// <summary>A rejected message: every problem, the original bytes and its source position.</summary>
public sealed record DeadLetter(string Stage, string Topic, int Partition, long Offset, string? MachineId, IReadOnlyList<EventProblem> Problems, byte[]? Payload)
{
    public string Reason => EventProblem.Join(Problems);
}

/// <summary>What one historian transaction stores: events, dead letters and the offsets they advance to.</summary>
public sealed class HistorianBatch(string topic)
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
