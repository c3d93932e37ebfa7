using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Ms5.Kafka;
using Ms5.Postgres;

namespace Ms5.Stream.Sinks;

/// <summary>
/// Sends rejected messages to the DLQ topic with their original key and bytes, the reason and the
/// source position in headers, and waits until Kafka has them (acks=all).
/// </summary>
internal sealed class DlqPublisher(IProducer<byte[]?, byte[]?> producer)
{
    public async Task PublishAsync(string dlqTopic, IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> source, IReadOnlyList<DeadLetter> letters, CancellationToken ct)
    {
        var byPosition = source.ToDictionary(m => (m.Partition.Value, m.Offset.Value));
        var sends = new List<Task>(letters.Count);
        foreach (var d in letters)
        {
            var original = byPosition[(d.Partition, d.Offset)].Message;
            var headers = new Headers();
            if (original.Headers is not null)
            {
                foreach (var h in original.Headers)
                {
                    headers.Add(h.Key, h.GetValueBytes());
                }
            }

            headers.Add(DlqHeaders.Reason, Encoding.UTF8.GetBytes(d.Reason));
            headers.Add(DlqHeaders.Problems, Encoding.UTF8.GetBytes(HistorianWriter.ProblemsJson(d.Problems)));
            headers.Add(DlqHeaders.SourceTopic, Encoding.UTF8.GetBytes(d.Topic));
            headers.Add(DlqHeaders.SourcePartition, Encoding.UTF8.GetBytes(d.Partition.ToString(CultureInfo.InvariantCulture)));
            headers.Add(DlqHeaders.SourceOffset, Encoding.UTF8.GetBytes(d.Offset.ToString(CultureInfo.InvariantCulture)));
            headers.Add(DlqHeaders.Stage, Encoding.UTF8.GetBytes(d.Stage));
            sends.Add(producer.ProduceAsync(dlqTopic, new Message<byte[]?, byte[]?> { Key = original.Key, Value = original.Value, Headers = headers }, ct));
        }

        await Task.WhenAll(sends);
    }
}
