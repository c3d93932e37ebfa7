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

    /// <summary>
    /// A DLQ record read back (the historian stores every one in dead_letters, whoever sent it). A record without
    /// MS5's headers (written there by hand or by another tool) keeps its own DLQ position as its source.
    /// </summary>
    public static DeadLetter Read(ConsumeResult<byte[]?, byte[]?> record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var headers = record.Message.Headers ?? [];
        string? Text(string name) => headers.TryGetLastBytes(name, out var b) && b is not null ? Encoding.UTF8.GetString(b) : null;
        var ours = new HashSet<string>(StringComparer.Ordinal) { DlqHeaders.Reason, DlqHeaders.Problems, DlqHeaders.SourceTopic, DlqHeaders.SourcePartition, DlqHeaders.SourceOffset, DlqHeaders.Stage };
        var problems = ParseProblems(Text(DlqHeaders.Problems)) ?? [new EventProblem("$", Text(DlqHeaders.Reason) ?? "on the DLQ topic without MS5's headers")];
        var stage = Text(DlqHeaders.Stage) ?? "unknown";
        var letter = new DeadLetter(stage, record.Topic, record.Partition.Value, record.Offset.Value, null, problems, record.Message.Value);
        if (Text(DlqHeaders.SourceTopic) is { } topic
            && int.TryParse(Text(DlqHeaders.SourcePartition), NumberStyles.Integer, CultureInfo.InvariantCulture, out var partition)
            && long.TryParse(Text(DlqHeaders.SourceOffset), NumberStyles.Integer, CultureInfo.InvariantCulture, out var offset))
        {
            letter = letter with { Topic = topic, Partition = partition, Offset = offset };
        }

        return letter with
        {
            MachineId = record.Message.Key is { Length: > 0 and <= 128 } key ? Encoding.UTF8.GetString(key) : null,
            Key = record.Message.Key,
            SourceHeaders = headers.Where(h => !ours.Contains(h.Key)).Select(h => new KeyValuePair<string, byte[]>(h.Key, h.GetValueBytes())).ToList(),
        };
    }

    private static List<EventProblem>? ParseProblems(string? json)
    {
        if (json is null)
        {
            return null;
        }

        try
        {
            return System.Text.Json.JsonSerializer.Deserialize<List<Dictionary<string, string?>?>>(json)?
                .OfType<Dictionary<string, string?>>()
                .Select(p => new EventProblem(p.GetValueOrDefault("field") ?? "$", p.GetValueOrDefault("message") ?? "")).ToList();
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or NotSupportedException or InvalidOperationException)
        {
            // A record written by hand or another tool: its problems are unreadable, not the consumer's end.
            return null;
        }
    }
}
