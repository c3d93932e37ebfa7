using Ms5.Kafka;
using Ms5.Kafka.DeadLetters;

namespace Ms5.Ingest.Replay;

/// <summary>
/// Sends a record the file format could not turn into a message straight to the DLQ, in the one DLQ format
/// (<see cref="DeadLetterMessage"/>): the source is the file (partition -1) and its line instead of a topic and offset.
/// </summary>
internal static class ReplayDeadLetters
{
    /// <summary>The DLQ stage of records replay rejects itself.</summary>
    public const string Stage = "replay";

    public static void Send(EventProducer producer, string dlqTopic, string file, ReplayRecord record)
    {
        var letter = DeadLetterMessage.FromOutsideKafka(Stage, "file:" + Path.GetFileName(file), record.Line, null, record.Problems, record.Value, null);
        var message = DeadLetterMessage.Create(letter);
        producer.ProduceRaw(dlqTopic, message.Key, message.Value!, message.Headers);
    }
}
