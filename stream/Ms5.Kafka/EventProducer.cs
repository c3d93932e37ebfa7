using System.Text;
using Confluent.Kafka;
using Ms5.Analytics.Events;

namespace Ms5.Kafka;

/// <summary>
/// Produces contract events (key = machineId, idempotent, acks=all, batched) and counts delivery
/// failures so callers can tell "sent" from "stored by Kafka". Raw bytes can be sent as they are,
/// for replay of files whose lines the historian validates.
/// </summary>
public sealed class EventProducer : IDisposable
{
    private readonly IProducer<byte[]?, byte[]?> _producer;
    private readonly Action<DeliveryReport<byte[]?, byte[]?>> _onDelivery;
    private long _delivered;
    private long _failed;
    private string? _lastError;

    public EventProducer(KafkaOptions options, string clientId)
    {
        ArgumentNullException.ThrowIfNull(options);
        _producer = PipelineMetrics.Counted(new ProducerBuilder<byte[]?, byte[]?>(options.ProducerConfig(clientId)).Build());
        _onDelivery = r =>
        {
            if (r.Error.IsError)
            {
                Interlocked.Increment(ref _failed);
                _lastError = r.Error.Reason;
            }
            else
            {
                Interlocked.Increment(ref _delivered);
            }
        };
    }

    public long Delivered => Interlocked.Read(ref _delivered);
    public long Failed => Interlocked.Read(ref _failed);
    public string? LastError => _lastError;
    public IProducer<byte[]?, byte[]?> Inner => _producer;

    public void Produce(string topic, MachineEvent evt) =>
        ProduceRaw(topic, Encoding.UTF8.GetBytes(evt.MachineId), EventJson.ToUtf8(evt));

    public void ProduceRaw(string topic, byte[]? key, byte[] value, Headers? headers = null)
    {
        while (true)
        {
            try
            {
                _producer.Produce(topic, new Message<byte[]?, byte[]?> { Key = key, Value = value, Headers = headers }, _onDelivery);
                return;
            }
            catch (ProduceException<byte[]?, byte[]?> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
            {
                // Back-pressure: let librdkafka drain its queue, never drop.
                _producer.Poll(TimeSpan.FromMilliseconds(50));
            }
        }
    }

    public Task<DeliveryResult<byte[]?, byte[]?>> ProduceAsync(string topic, byte[]? key, byte[] value, Headers? headers = null, CancellationToken ct = default) =>
        _producer.ProduceAsync(topic, new Message<byte[]?, byte[]?> { Key = key, Value = value, Headers = headers }, ct);

    /// <summary>Waits until every produced message is acknowledged or failed.</summary>
    public void Flush(TimeSpan timeout)
    {
        var left = _producer.Flush(timeout);
        if (left > 0)
        {
            throw new TimeoutException($"{left} messages still unacknowledged after {timeout.TotalSeconds:0}s");
        }
    }

    public void Dispose() => _producer.Dispose();
}
