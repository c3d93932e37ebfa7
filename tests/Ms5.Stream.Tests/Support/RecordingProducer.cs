using Confluent.Kafka;

namespace Ms5.Stream.Tests.Support;

/// <summary>
/// Records what <see cref="IProducer{TKey,TValue}.ProduceAsync(string, Message{TKey,TValue}, CancellationToken)"/> is
/// given, acknowledging at once or failing the next sends; not a broker: every other member throws.
/// </summary>
internal sealed class RecordingProducer : IProducer<byte[]?, byte[]?>
{
    private int _failuresLeft;

    public List<(string Topic, Message<byte[]?, byte[]?> Message)> Sent { get; } = [];

    public Handle Handle => throw new NotSupportedException();

    public string Name => "recording";

    /// <summary>The next this many sends fail as if the broker refused them.</summary>
    public void FailNext(int sends) => _failuresLeft = sends;

    public Task<DeliveryResult<byte[]?, byte[]?>> ProduceAsync(string topic, Message<byte[]?, byte[]?> message, CancellationToken cancellationToken = default)
    {
        if (_failuresLeft > 0)
        {
            _failuresLeft--;
            return Task.FromException<DeliveryResult<byte[]?, byte[]?>>(new ProduceException<byte[]?, byte[]?>(new Error(ErrorCode.Local_MsgTimedOut), new DeliveryResult<byte[]?, byte[]?> { Message = message }));
        }

        Sent.Add((topic, message));
        return Task.FromResult(new DeliveryResult<byte[]?, byte[]?> { Message = message, TopicPartitionOffset = new TopicPartitionOffset(topic, 0, Sent.Count - 1), Status = PersistenceStatus.Persisted });
    }

    public Task<DeliveryResult<byte[]?, byte[]?>> ProduceAsync(TopicPartition topicPartition, Message<byte[]?, byte[]?> message, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public void Produce(string topic, Message<byte[]?, byte[]?> message, Action<DeliveryReport<byte[]?, byte[]?>>? deliveryHandler = null) => throw new NotSupportedException();

    public void Produce(TopicPartition topicPartition, Message<byte[]?, byte[]?> message, Action<DeliveryReport<byte[]?, byte[]?>>? deliveryHandler = null) => throw new NotSupportedException();

    public int Poll(TimeSpan timeout) => throw new NotSupportedException();

    public int Flush(TimeSpan timeout) => throw new NotSupportedException();

    public void Flush(CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public void InitTransactions(TimeSpan timeout) => throw new NotSupportedException();

    public void BeginTransaction() => throw new NotSupportedException();

    public void CommitTransaction(TimeSpan timeout) => throw new NotSupportedException();

    public void CommitTransaction() => throw new NotSupportedException();

    public void AbortTransaction(TimeSpan timeout) => throw new NotSupportedException();

    public void AbortTransaction() => throw new NotSupportedException();

    public void SendOffsetsToTransaction(IEnumerable<TopicPartitionOffset> offsets, IConsumerGroupMetadata groupMetadata, TimeSpan timeout) => throw new NotSupportedException();

    public int AddBrokers(string brokers) => throw new NotSupportedException();

    public void SetSaslCredentials(string username, string password) => throw new NotSupportedException();

    public void Dispose()
    {
    }
}
