using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Ms5.Kafka;

namespace Ms5.Ingest.Replay;

/// <summary>
/// Sends a record the file format could not turn into a message straight to the DLQ. The headers are
/// the historian's (<see cref="DlqHeaders"/>), so one DLQ reader serves both; the source is the file
/// and its line instead of a topic and offset.
/// </summary>
internal static class ReplayDeadLetters
{
    public static void Send(EventProducer producer, string dlqTopic, string file, ReplayRecord record)
    {
        var headers = new Headers
        {
            { DlqHeaders.Reason, Encoding.UTF8.GetBytes(string.Join("; ", record.Problems)) },
            { DlqHeaders.SourceTopic, Encoding.UTF8.GetBytes("file:" + Path.GetFileName(file)) },
            { DlqHeaders.SourceOffset, Encoding.UTF8.GetBytes(record.Line.ToString(CultureInfo.InvariantCulture)) },
            { DlqHeaders.Stage, "replay"u8.ToArray() },
        };
        producer.ProduceRaw(dlqTopic, null, record.Value, headers);
    }
}
