using Confluent.Kafka;

namespace Ms5.Kafka;

/// <summary>A producer that counts failed deliveries per topic (<see cref="PipelineMetrics.ProduceErrors"/>) and otherwise forwards everything.</summary>
internal sealed class CountingProducer(IProducer<byte[]?, byte[]?> inner) : IProducer<byte[]?, byte[]?>
{
    public Handle Handle => inner.Handle;

    public string Name => inner.Name;

    public async Task<DeliveryResult<byte[]?, byte[]?>> ProduceAsync(string topic, Message<byte[]?, byte[]?> message, CancellationToken cancellationToken = default)
    {
        try
        {
            return await inner.ProduceAsync(topic, message, cancellationToken);
        }
        catch (ProduceException<byte[]?, byte[]?>)
        {
            PipelineMetrics.ProduceFailed(topic);
            throw;
        }
    }

    public async Task<DeliveryResult<byte[]?, byte[]?>> ProduceAsync(TopicPartition topicPartition, Message<byte[]?, byte[]?> message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(topicPartition);
        try
        {
            return await inner.ProduceAsync(topicPartition, message, cancellationToken);
        }
        catch (ProduceException<byte[]?, byte[]?>)
        {
            PipelineMetrics.ProduceFailed(topicPartition.Topic);
            throw;
        }
    }

    public void Produce(string topic, Message<byte[]?, byte[]?> message, Action<DeliveryReport<byte[]?, byte[]?>>? deliveryHandler = null)
    {
        try
        {
            inner.Produce(topic, message, Counting(topic, deliveryHandler));
        }
        catch (ProduceException<byte[]?, byte[]?>)
        {
            PipelineMetrics.ProduceFailed(topic);
            throw;
        }
    }

    public void Produce(TopicPartition topicPartition, Message<byte[]?, byte[]?> message, Action<DeliveryReport<byte[]?, byte[]?>>? deliveryHandler = null)
    {
        ArgumentNullException.ThrowIfNull(topicPartition);
        try
        {
            inner.Produce(topicPartition, message, Counting(topicPartition.Topic, deliveryHandler));
        }
        catch (ProduceException<byte[]?, byte[]?>)
        {
            PipelineMetrics.ProduceFailed(topicPartition.Topic);
            throw;
        }
    }

    private static Action<DeliveryReport<byte[]?, byte[]?>>? Counting(string topic, Action<DeliveryReport<byte[]?, byte[]?>>? handler) =>
        handler is null ? null : report =>
        {
            if (report.Error.IsError)
            {
                PipelineMetrics.ProduceFailed(topic);
            }

            handler(report);
        };

    public int Poll(TimeSpan timeout) => inner.Poll(timeout);

    public int Flush(TimeSpan timeout) => inner.Flush(timeout);

    public void Flush(CancellationToken cancellationToken = default) => inner.Flush(cancellationToken);

    public void InitTransactions(TimeSpan timeout) => inner.InitTransactions(timeout);

    public void BeginTransaction() => inner.BeginTransaction();

    public void CommitTransaction(TimeSpan timeout) => inner.CommitTransaction(timeout);

    public void CommitTransaction() => inner.CommitTransaction();

    public void AbortTransaction(TimeSpan timeout) => inner.AbortTransaction(timeout);

    public void AbortTransaction() => inner.AbortTransaction();

    public void SendOffsetsToTransaction(IEnumerable<TopicPartitionOffset> offsets, IConsumerGroupMetadata groupMetadata, TimeSpan timeout) =>
        inner.SendOffsetsToTransaction(offsets, groupMetadata, timeout);

    public int AddBrokers(string brokers) => inner.AddBrokers(brokers);

    public void SetSaslCredentials(string username, string password) => inner.SetSaslCredentials(username, password);

    public void Dispose() => inner.Dispose();
}
