using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Ms5.Kafka.Consuming;

/// <summary>Where a consumer whose offsets live in PostgreSQL starts on newly assigned partitions.</summary>
public static class StoredOffsets
{
    /// <summary>
    /// The stored offset when there is one; the beginning when there is none, or when it lies past the
    /// end of the partition (the dev broker forgets its topics on restart; rows already stored are
    /// recognised by their event id).
    /// </summary>
    public static IEnumerable<TopicPartitionOffset> Assign(IReadOnlyList<TopicPartition> partitions, Func<TopicPartition, long?> endOffset, IReadOnlyDictionary<int, long> stored, string group, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        ArgumentNullException.ThrowIfNull(endOffset);
        ArgumentNullException.ThrowIfNull(stored);
        foreach (var tp in partitions)
        {
            if (!stored.TryGetValue(tp.Partition.Value, out var next))
            {
                yield return new TopicPartitionOffset(tp, Offset.Beginning);
                continue;
            }

            var high = endOffset(tp);
            if (high is null)
            {
                logger.LogWarning("{Group} could not read the end offset of {Partition}; starting at the stored offset {Offset}", group, tp, next);
            }
            else if (next > high)
            {
                logger.LogWarning("{Group} stored offset {Offset} of {Partition} is past the end ({High}); starting from the beginning", group, next, tp, high);
                yield return new TopicPartitionOffset(tp, Offset.Beginning);
                continue;
            }

            yield return new TopicPartitionOffset(tp, next);
        }
    }
}
