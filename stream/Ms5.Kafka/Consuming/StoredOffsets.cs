using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Ms5.Kafka.Consuming;

/// <summary>Where a consumer whose offsets live in PostgreSQL starts on newly assigned partitions.</summary>
public static class StoredOffsets
{
    /// <summary>
    /// The offsets stored with the data, read inside a rebalance callback (which cannot be async): a few attempts
    /// within <paramref name="budget"/>, then null (see <see cref="Assign"/>) rather than an exception that would
    /// stop the consumer while its database is away.
    /// </summary>
    public static IReadOnlyDictionary<int, long>? TryLoad(Func<CancellationToken, Task<IReadOnlyDictionary<int, long>>> load, TimeSpan budget, string group, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(load);
        using var cts = new CancellationTokenSource(budget);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return load(cts.Token).GetAwaiter().GetResult();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                logger.LogWarning("{Group} could not read its stored offsets (attempt {Attempt}): {Error}", group, attempt, ex.Message);
                // Signalled: the budget is spent.
                if (cts.Token.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(500 * attempt)))
                {
                    return null;
                }
            }
        }
    }

    /// <summary>
    /// The stored offset when there is one; the beginning when there is none, or when it lies past the
    /// end of the partition (the dev broker forgets its topics on restart; rows already stored are
    /// recognised by their event id).
    /// </summary>
    public static IEnumerable<TopicPartitionOffset> Assign(IReadOnlyList<TopicPartition> partitions, Func<TopicPartition, long?> endOffset, IReadOnlyDictionary<int, long>? stored, string group, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        ArgumentNullException.ThrowIfNull(endOffset);
        if (stored is null)
        {
            // The store is unreachable: the group's committed offsets (never past what is durable, commits follow
            // the writes) or, without any, the beginning. Re-reading is idempotent; skipping never happens.
            logger.LogWarning("{Group} could not read its stored offsets; starting at the offsets committed to Kafka", group);
            foreach (var tp in partitions)
            {
                yield return new TopicPartitionOffset(tp, Offset.Unset);
            }

            yield break;
        }

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
