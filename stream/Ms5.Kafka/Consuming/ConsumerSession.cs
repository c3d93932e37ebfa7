using Confluent.Kafka;

namespace Ms5.Kafka.Consuming;

/// <summary>What the group does to a consumer's partitions; the session reports it to <see cref="BatchConsumer{TBatch}"/>.</summary>
public interface IPartitionListener
{
    /// <summary>Where to start the newly assigned partitions (<see cref="Offset.Unset"/>: the group's committed offset).</summary>
    IEnumerable<TopicPartitionOffset> OnAssigned(IReadOnlyList<TopicPartition> partitions, Func<TopicPartition, long?> endOffset);

    /// <summary>The partitions go (revoked in a rebalance, or lost); called on the consuming thread before they do.</summary>
    void OnRevoked(IReadOnlyList<TopicPartition> partitions, bool lost);
}

/// <summary>
/// The narrow part of a Kafka consumer that <see cref="BatchConsumer{TBatch}"/> needs, so its loop (commit only
/// after a durable write, revocation, backoff) is unit-tested without a broker; <see cref="KafkaConsumerSession"/>
/// is the real one.
/// </summary>
public interface IConsumerSession : IDisposable
{
    /// <summary>The next message, or null when none came within <paramref name="timeout"/>; rebalance callbacks run inside.</summary>
    ConsumeResult<byte[]?, byte[]?>? Consume(TimeSpan timeout);

    void Commit(IReadOnlyList<TopicPartitionOffset> offsets);

    /// <summary>Reads an owned partition again from <paramref name="offset"/> (after a write was abandoned).</summary>
    void Seek(TopicPartitionOffset offset);

    /// <summary>Stops fetching from every owned partition (the consumer keeps serving the group: heartbeats, rebalances).</summary>
    void PauseAll();

    /// <summary>Fetches again from every owned partition.</summary>
    void ResumeAll();

    void Close();

    /// <summary>
    /// Each owned partition's high watermark (-1 when unknown) and the consumer's position (null when none yet). The
    /// watermarks come with each fetch; <paramref name="ask"/> asks the broker instead (while fetching is paused).
    /// </summary>
    IReadOnlyList<(TopicPartition Partition, long High, long? Position)> Watermarks(bool ask) => [];
}

/// <summary>A Confluent consumer subscribed to one topic, its rebalance callbacks sent to a <see cref="IPartitionListener"/>.</summary>
internal sealed class KafkaConsumerSession : IConsumerSession
{
    private readonly IConsumer<byte[]?, byte[]?> _consumer;
    private readonly string _topic;

    public KafkaConsumerSession(ConsumerConfig config, string topic, IPartitionListener listener, Action<Error> onError, bool keysAndHeaders = true)
    {
        _topic = topic;
        // Only the headers (a dead letter keeps them) are read from librdkafka besides key, value, partition and offset:
        // not each message's topic name (a string marshalled per message; it is always this session's topic, set below)
        // nor its timestamp (unused). A consumer whose dead letters are only counted (the OEE engine) reads neither key
        // nor headers: the key is not copied, and no empty header list is made per message.
        var own = new ConsumerConfig(new Dictionary<string, string>(config)) { ConsumeResultFields = keysAndHeaders ? "headers" : "none" };
        var builder = new ConsumerBuilder<byte[]?, byte[]?>(own);
        if (!keysAndHeaders)
        {
            builder.SetKeyDeserializer(NoKey.Instance);
        }

        _consumer = builder
            .SetPartitionsAssignedHandler((c, parts) => listener.OnAssigned(parts, tp => EndOffset(c, tp)).ToList())
            .SetPartitionsRevokedHandler((_, parts) => listener.OnRevoked(parts.Select(p => p.TopicPartition).ToList(), lost: false))
            .SetPartitionsLostHandler((_, parts) => listener.OnRevoked(parts.Select(p => p.TopicPartition).ToList(), lost: true))
            .SetErrorHandler((_, e) => onError(e))
            .Build();
        _consumer.Subscribe(topic);
    }

    public ConsumeResult<byte[]?, byte[]?>? Consume(TimeSpan timeout)
    {
        var cr = _consumer.Consume(timeout);
        if (cr is not null)
        {
            cr.Topic = _topic;
        }

        return cr;
    }

    public void Commit(IReadOnlyList<TopicPartitionOffset> offsets) => _consumer.Commit(offsets);

    public void Seek(TopicPartitionOffset offset) => _consumer.Seek(offset);

    public void PauseAll() => _consumer.Pause(_consumer.Assignment);

    public void ResumeAll() => _consumer.Resume(_consumer.Assignment);

    public void Close() => _consumer.Close();

    public IReadOnlyList<(TopicPartition Partition, long High, long? Position)> Watermarks(bool ask)
    {
        var list = new List<(TopicPartition, long, long?)>();
        foreach (var tp in _consumer.Assignment)
        {
            long high;
            try
            {
                high = ask ? _consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(1)).High.Value : _consumer.GetWatermarkOffsets(tp).High.Value;
            }
            catch (KafkaException)
            {
                high = -1;
            }

            var position = _consumer.Position(tp);
            list.Add((tp, high, position == Offset.Unset ? null : position.Value));
        }

        return list;
    }

    public void Dispose() => _consumer.Dispose();

    private static long? EndOffset(IConsumer<byte[]?, byte[]?> consumer, TopicPartition tp)
    {
        try
        {
            return consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(5)).High.Value;
        }
        catch (KafkaException)
        {
            return null;
        }
    }
}

/// <summary>Reads no key: every message's key is null (nothing copied from the Kafka client).</summary>
public sealed class NoKey : IDeserializer<byte[]?>
{
    public static readonly NoKey Instance = new();

    public byte[]? Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context) => null;
}
