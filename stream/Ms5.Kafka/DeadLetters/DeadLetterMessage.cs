using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Ms5.Analytics.Events;

namespace Ms5.Kafka.DeadLetters;

/// <summary>Header names on DLQ records (<c>ms5.machine-events.dlq.v1</c>).</summary>
public static class DlqHeaders
{
    /// <summary>Every problem, "field: message; field: message".</summary>
    public const string Reason = "ms5-dlq-reason";

    /// <summary>The same problems as a JSON array of {field, message}.</summary>
    public const string Problems = "ms5-dlq-problems";

    /// <summary>The Kafka topic, <c>http:/api/ingest/events</c> or <c>file:NAME</c>.</summary>
    public const string SourceTopic = "ms5-source-topic";

    /// <summary>The Kafka partition; -1 for a request or a file.</summary>
    public const string SourcePartition = "ms5-source-partition";

    /// <summary>The Kafka offset, the index in the request's array, or the file's line.</summary>
    public const string SourceOffset = "ms5-source-offset";

    /// <summary>Which stage rejected it: historian-pg, http-ingest, replay.</summary>
    public const string Stage = "ms5-dlq-stage";
}

/// <summary>
/// The DLQ record format, defined once: whoever rejects an event (a consumer, HTTP ingest, file replay) sends
/// the original key and bytes, the original headers, then the reason, the problems as JSON, the source
/// position and the stage.
/// </summary>
public static class DeadLetterMessage
{
    public static Message<byte[]?, byte[]?> Create(DeadLetter letter)
    {
        ArgumentNullException.ThrowIfNull(letter);
        var headers = new Headers();
        foreach (var (key, value) in letter.SourceHeaders)
        {
            headers.Add(key, value);
        }

        headers.Add(DlqHeaders.Reason, Encoding.UTF8.GetBytes(letter.Reason));
        headers.Add(DlqHeaders.Problems, Encoding.UTF8.GetBytes(EventProblem.ToJson(letter.Problems)));
        headers.Add(DlqHeaders.SourceTopic, Encoding.UTF8.GetBytes(letter.Topic));
        headers.Add(DlqHeaders.SourcePartition, Encoding.UTF8.GetBytes(letter.Partition.ToString(CultureInfo.InvariantCulture)));
        headers.Add(DlqHeaders.SourceOffset, Encoding.UTF8.GetBytes(letter.Offset.ToString(CultureInfo.InvariantCulture)));
        headers.Add(DlqHeaders.Stage, Encoding.UTF8.GetBytes(letter.Stage));
        return new Message<byte[]?, byte[]?> { Key = letter.Key, Value = letter.Payload, Headers = headers };
    }

    /// <summary>A message from a source that is not Kafka (HTTP ingest, a replayed file), rejected by <paramref name="stage"/>.</summary>
    public static DeadLetter FromOutsideKafka(string stage, string source, long position, string? machineId, IReadOnlyList<EventProblem> problems, byte[] payload, byte[]? key) =>
        new(stage, source, DeadLetter.NoPartition, position, machineId, problems, payload) { Key = key };
}
