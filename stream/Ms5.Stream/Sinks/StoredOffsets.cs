using Confluent.Kafka;

namespace Ms5.Stream.Sinks;

/// <summary>Where a consumer whose offsets live in PostgreSQL starts on newly assigned partitions.</summary>
internal static class StoredOffsets
{
    /// <summary>
    /// The stored offset when there is one; the beginning when there is none, or when it lies past the
    /// end of the partition (the dev broker forgets its topics on restart; rows already stored are
    /// recognised by their event id).
    /// </summary>
    public static IEnumerable<TopicPartitionOffset> Assign(IConsumer<byte[]?, byte[]?> consumer, List<TopicPartition> partitions, IReadOnlyDictionary<int, long> stored, string group, ILogger logger)
    {
        foreach (var tp in partitions)
        {
            if (!stored.TryGetValue(tp.Partition.Value, out var next))
            {
                yield return new TopicPartitionOffset(tp, Offset.Beginning);
                continue;
            }

            long? high = null;
            try
            {
                high = consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(5)).High.Value;
            }
            catch (KafkaException ex)
            {
                logger.LogWarning("{Group} could not read the end offset of {Partition}: {Reason}", group, tp, ex.Error.Reason);
            }

            if (high is { } h && next > h)
            {
                logger.LogWarning("{Group} stored offset {Offset} of {Partition} is past the end ({High}); starting from the beginning", group, next, tp, h);
                yield return new TopicPartitionOffset(tp, Offset.Beginning);
                continue;
            }

            yield return new TopicPartitionOffset(tp, next);
        }
    }
}
