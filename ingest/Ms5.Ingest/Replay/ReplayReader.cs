using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Ms5.Analytics.Events;

namespace Ms5.Ingest.Replay;

/// <summary>
/// One record of a replay file. Records the file format itself could not turn into a message
/// (<see cref="DirectToDlq"/>) go straight to the DLQ with <see cref="Problems"/>; every other record
/// is sent as is and the historian validates it, so file replay and live data follow one rule.
/// </summary>
internal sealed record ReplayRecord(int Line, byte[]? Key, byte[] Value, IReadOnlyList<EventProblem> Problems, DateTimeOffset? Ts, bool DirectToDlq);

/// <summary>Reads JSONL (one event per line), a JSON array of events, or CSV with a header row.</summary>
internal static class ReplayReader
{
    public static readonly string[] CsvColumns = ["eventId", "machineId", "ts", "type", "state", "reason", "good", "reject", "goodTotal", "rejectTotal", "product"];
    private static readonly HashSet<string> NumericColumns = ["good", "reject", "goodTotal", "rejectTotal", "product"];

    public static IEnumerable<ReplayRecord> Read(string path)
    {
        var format = DetectFormat(path);
        return format switch
        {
            "csv" => ReadCsv(path),
            "array" => ReadArray(path),
            _ => ReadJsonl(path),
        };
    }

    internal static string DetectFormat(string path)
    {
        if (path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
        {
            return "csv";
        }

        using var reader = new StreamReader(path);
        int c;
        while ((c = reader.Read()) >= 0 && char.IsWhiteSpace((char)c))
        {
        }

        return c == '[' ? "array" : "jsonl";
    }

    private static IEnumerable<ReplayRecord> ReadJsonl(string path)
    {
        var lineNo = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            yield return Record(lineNo, Encoding.UTF8.GetBytes(line.Trim()));
        }
    }

    private static IEnumerable<ReplayRecord> ReadArray(string path)
    {
        JsonDocument doc;
        string? error = null;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException ex)
        {
            doc = null!;
            error = ex.Message;
        }

        if (error is not null)
        {
            yield return new ReplayRecord(0, null, File.ReadAllBytes(path), [new EventProblem("$", $"file is not a valid JSON array: {error}")], null, DirectToDlq: true);
            yield break;
        }

        using (doc)
        {
            var i = 0;
            foreach (var element in doc.RootElement.EnumerateArray())
            {
                i++;
                yield return Record(i, Encoding.UTF8.GetBytes(element.GetRawText()));
            }
        }
    }

    private static IEnumerable<ReplayRecord> ReadCsv(string path)
    {
        using var reader = new StreamReader(path);
        string[]? header = null;
        foreach (var (line, fields, raw) in CsvRows.Read(reader))
        {
            if (fields.All(string.IsNullOrWhiteSpace))
            {
                continue;
            }

            if (header is null)
            {
                header = fields;
                continue;
            }

            if (fields.Length != header.Length)
            {
                yield return new ReplayRecord(line, null, Encoding.UTF8.GetBytes(raw),
                    [new EventProblem("$", $"CSV line {line} has {fields.Length} fields, the header has {header.Length}")], null, DirectToDlq: true);
                continue;
            }

            // Unknown columns are carried into the JSON and ignored there, like unknown JSON fields.
            yield return Record(line, ToJson(header, fields));
        }
    }

    /// <summary>A CSV row as a contract JSON object: empty cells are absent, numeric columns are numbers when they parse.</summary>
    internal static byte[] ToJson(string[] header, string[] fields)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            for (var i = 0; i < header.Length; i++)
            {
                if (string.IsNullOrEmpty(fields[i]))
                {
                    continue;
                }

                if (NumericColumns.Contains(header[i]) && long.TryParse(fields[i], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
                {
                    w.WriteNumber(header[i], n);
                }
                else
                {
                    w.WriteString(header[i], fields[i]);
                }
            }

            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static ReplayRecord Record(int line, byte[] value)
    {
        var parsed = EventParser.Parse(value);
        var machine = parsed.Event?.MachineId ?? parsed.ValidMachineId ?? parsed.MachineId;
        var key = machine is null ? null : Encoding.UTF8.GetBytes(machine);
        return new ReplayRecord(line, key, value, parsed.Problems, parsed.Event?.Ts ?? parsed.ValidTs, DirectToDlq: false);
    }
}
