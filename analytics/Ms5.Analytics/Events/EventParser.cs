using System.Text.Json;

namespace Ms5.Analytics.Events;

/// <summary>
/// Parses one contract-v1 message (UTF-8 JSON bytes) and reports <em>every</em> problem with its field,
/// not just the first. Unknown fields are ignored. This checks the message on its own; plant-dependent
/// rules (unknown machine, clock skew) are in <see cref="EventRules"/>.
/// Longer than our ~300-line habit on purpose: one forward pass of <see cref="System.Text.Json.Utf8JsonReader"/>
/// feeding per-field checks in contract order is the hot path of every consumer (~1.9M events/s on one core);
/// split, the reader loop and the checks it feeds would sit apart.
/// </summary>
public static class EventParser
{
    /// <summary>Larger messages are rejected before parsing: no machine event needs 64 KiB.</summary>
    public const int MaxMessageBytes = 64 * 1024;

    public const int MaxMachineIdLength = 128;
    public const int MaxReasonLength = 128;
    public const int MaxProductLength = 128;

    [ThreadStatic]
    private static List<EventProblem>? t_problems;

    public static EventParseResult Parse(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty)
        {
            return EventParseResult.Invalid(new EventProblem("$", "message is empty"));
        }

        if (utf8.Length > MaxMessageBytes)
        {
            return EventParseResult.Invalid(new EventProblem("$", $"message is {utf8.Length} bytes, more than the {MaxMessageBytes} allowed"));
        }

        var fields = new RawFields();
        // One list per thread, reused: a valid event needs none, an invalid one gets its own ordered copy (Build).
        var problems = t_problems ??= new List<EventProblem>(4);
        problems.Clear();
        try
        {
            ReadFields(utf8, ref fields, problems);
        }
        catch (JsonException ex)
        {
            return EventParseResult.Invalid(new EventProblem("$", $"not valid JSON: {ex.Message}"));
        }

        if (problems.Count == 1 && problems[0].Field == "$")
        {
            return EventParseResult.Invalid(problems[0]);
        }

        return Build(ref fields, problems);
    }

    private static void ReadFields(ReadOnlySpan<byte> utf8, ref RawFields f, List<EventProblem> problems)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 64 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            // Read the rest so that a syntax error anywhere is reported as such.
            while (reader.Read())
            {
            }

            problems.Add(new EventProblem("$", "must be a JSON object"));
            return;
        }

        // Hot path (every consumed message): property names are matched as UTF-8 bytes and duplicates
        // tracked in a bit mask, so a valid event allocates only its own strings.
        var seen = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var field = FieldOf(ref reader);
            reader.Read();
            if (field >= 0)
            {
                var bit = 1 << field;
                if ((seen & bit) != 0)
                {
                    problems.Add(new EventProblem(Names[field], "appears more than once"));
                    reader.Skip();
                    continue;
                }

                seen |= bit;
            }

            switch (field)
            {
                case 0:
                    if ((f.EventIdValue = Uuid(ref reader, ref f.EventIdPresent)) is null)
                    {
                        f.EventId = ReadString(ref reader, Names[0], problems, ref f.EventIdPresent);
                    }

                    break;
                case 1: f.MachineId = Interned(ref reader, ref f.MachineIdPresent) ?? ReadString(ref reader, Names[1], problems, ref f.MachineIdPresent); break;
                case 2:
                    if ((f.TsValue = Ts(ref reader, ref f.TsPresent)) is null)
                    {
                        f.Ts = ReadString(ref reader, Names[2], problems, ref f.TsPresent);
                    }

                    break;
                case 3: f.Type = Known(ref reader, KnownTypes, ref f.TypePresent) ?? ReadString(ref reader, Names[3], problems, ref f.TypePresent); break;
                case 4: f.State = Known(ref reader, KnownStates, ref f.StatePresent) ?? ReadString(ref reader, Names[4], problems, ref f.StatePresent); break;
                case 5: f.Reason = ReadOptionalString(ref reader, Names[5], problems); break;
                case 6: f.Good = ReadCount(ref reader, Names[6], problems, ref f.GoodPresent); break;
                case 7: f.Reject = ReadCount(ref reader, Names[7], problems, ref f.RejectPresent); break;
                case 8: f.GoodTotal = ReadCount(ref reader, Names[8], problems, ref f.GoodTotalPresent); break;
                case 9: f.RejectTotal = ReadCount(ref reader, Names[9], problems, ref f.RejectTotalPresent); break;
                case 10: f.Product = ReadOptionalString(ref reader, Names[10], problems); break;
                default: reader.Skip(); break;
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject)
        {
            throw new JsonException("object is not closed");
        }

        // Trailing content after the object ("{}{}", "{} x") is not one event.
        if (reader.Read())
        {
            throw new JsonException($"unexpected content after the event object at byte {reader.TokenStartIndex}");
        }
    }

    // Allocation-free reading of the fields every event has (the hot path of every consumer): a UUID and a "…Z" timestamp
    // parsed from the message's bytes, the contract's type and state names and machine ids as shared strings. Anything
    // else (escaped, other shapes, wrong types) takes the string path, which reports the problems; a fast path only
    // accepts what the string path accepts, with the same result.
    private static readonly string[] KnownTypes = ["state", "count", "counter"];
    private static readonly string[] KnownStates = ["running", "idle", "down", "setup", "planned_stop", "offline"];

    /// <summary>
    /// At most this many distinct machine ids are shared (a plant has a few thousand). Ids are shared before they are
    /// validated, so junk can take places for good: bounded to ~5 MB; an id beyond it is read as its own string.
    /// </summary>
    private const int MaxInternedMachineIds = 20_000;

    private static int s_internedMachineIds;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> MachineIds = new(StringComparer.Ordinal);

    private static bool Plain(ref Utf8JsonReader reader) => reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped && !reader.HasValueSequence;

    /// <summary>A UUID in the "D" form exactly (what <c>Guid.TryParseExact(s, "D")</c> accepts without surrounding blanks).</summary>
    private static Guid? Uuid(ref Utf8JsonReader reader, ref bool present)
    {
        if (!Plain(ref reader) || reader.ValueSpan.Length != 36
            || !System.Buffers.Text.Utf8Parser.TryParse(reader.ValueSpan, out Guid id, out var used, 'D') || used != 36)
        {
            return null;
        }

        present = true;
        return id;
    }

    /// <summary>The common "yyyy-MM-ddTHH:mm:ss[.fraction]Z" shape (<see cref="Timestamps.TryParseFast"/>, the same code the string path runs first).</summary>
    private static DateTimeOffset? Ts(ref Utf8JsonReader reader, ref bool present)
    {
        Span<char> chars = stackalloc char[30];
        if (Ascii(ref reader, chars) is not (>= 0 and var n) || !Timestamps.TryParseFast(chars[..n], out var ts))
        {
            return null;
        }

        present = true;
        return ts;
    }

    /// <summary>The length of a plain ASCII string value copied into <paramref name="buffer"/> as characters (no string), -1 when it is not one or does not fit.</summary>
    private static int Ascii(ref Utf8JsonReader reader, scoped Span<char> buffer)
    {
        var v = reader.ValueSpan;
        return Plain(ref reader) && v.Length <= buffer.Length && System.Text.Ascii.ToUtf16(v, buffer, out _) == System.Buffers.OperationStatus.Done ? v.Length : -1;
    }

    /// <summary>One of <paramref name="names"/> when the value is exactly that name, else null (the string path reads it).</summary>
    private static string? Known(ref Utf8JsonReader reader, string[] names, ref bool present)
    {
        if (!Plain(ref reader))
        {
            return null;
        }

        foreach (var name in names)
        {
            if (reader.ValueSpan.Length == name.Length && System.Text.Ascii.Equals(reader.ValueSpan, name))
            {
                present = true;
                return name;
            }
        }

        return null;
    }

    /// <summary>The machine id as a shared string (ASCII ids up to the length limit), else null (the string path reads it).</summary>
    private static string? Interned(ref Utf8JsonReader reader, ref bool present)
    {
        Span<char> chars = stackalloc char[MaxMachineIdLength];
        if (Ascii(ref reader, chars) is not (>= 0 and var n))
        {
            return null;
        }

        var text = chars[..n];
        var lookup = MachineIds.GetAlternateLookup<ReadOnlySpan<char>>();
        if (!lookup.TryGetValue(text, out var id))
        {
            id = new string(text);
            if (Volatile.Read(ref s_internedMachineIds) < MaxInternedMachineIds)
            {
                if (MachineIds.TryAdd(id, id))
                {
                    Interlocked.Increment(ref s_internedMachineIds);
                }
                else
                {
                    id = MachineIds[id];
                }
            }
        }

        present = true;
        return id;
    }

    private static readonly string[] Names = ["eventId", "machineId", "ts", "type", "state", "reason", "good", "reject", "goodTotal", "rejectTotal", "product"];

    /// <summary>Index of the contract field the reader is on, -1 for an unknown (ignored) field.</summary>
    private static int FieldOf(ref Utf8JsonReader reader)
    {
        if (reader.ValueIsEscaped)
        {
            return Array.IndexOf(Names, reader.GetString());
        }

        var name = reader.ValueSpan;
        return name switch
        {
            _ when name.SequenceEqual("eventId"u8) => 0,
            _ when name.SequenceEqual("machineId"u8) => 1,
            _ when name.SequenceEqual("ts"u8) => 2,
            _ when name.SequenceEqual("type"u8) => 3,
            _ when name.SequenceEqual("state"u8) => 4,
            _ when name.SequenceEqual("reason"u8) => 5,
            _ when name.SequenceEqual("good"u8) => 6,
            _ when name.SequenceEqual("reject"u8) => 7,
            _ when name.SequenceEqual("goodTotal"u8) => 8,
            _ when name.SequenceEqual("rejectTotal"u8) => 9,
            _ when name.SequenceEqual("product"u8) => 10,
            _ => -1,
        };
    }

    private static string? ReadString(ref Utf8JsonReader reader, string name, List<EventProblem> problems, ref bool present)
    {
        present = true;
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString();
        }

        problems.Add(new EventProblem(name, $"must be a string, got {Describe(reader.TokenType)}"));
        reader.Skip();
        return null;
    }

    private static string? ReadOptionalString(ref Utf8JsonReader reader, string name, List<EventProblem> problems)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        var ignored = false;
        return ReadString(ref reader, name, problems, ref ignored);
    }

    private static long? ReadCount(ref Utf8JsonReader reader, string name, List<EventProblem> problems, ref bool present)
    {
        present = true;
        if (reader.TokenType != JsonTokenType.Number)
        {
            problems.Add(new EventProblem(name, $"must be an integer, got {Describe(reader.TokenType)}"));
            reader.Skip();
            return null;
        }

        if (reader.TryGetInt64(out var value))
        {
            if (value < 0)
            {
                problems.Add(new EventProblem(name, $"must not be negative, got {value}"));
                return null;
            }

            return value;
        }

        // 10.0 is an integer written as a decimal; 1.5 and 1e30 are not counts.
        if (reader.TryGetDecimal(out var dec) && dec == decimal.Truncate(dec) && dec is >= long.MinValue and <= long.MaxValue)
        {
            var whole = (long)dec;
            if (whole < 0)
            {
                problems.Add(new EventProblem(name, $"must not be negative, got {whole}"));
                return null;
            }

            return whole;
        }

        problems.Add(new EventProblem(name, $"must be a whole number between 0 and {long.MaxValue}, got {System.Text.Encoding.UTF8.GetString(reader.ValueSpan)}"));
        return null;
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        _ => token.ToString(),
    };

    private static EventParseResult Build(ref RawFields f, List<EventProblem> problems)
    {
        var eventId = f.EventIdValue ?? Guid.Empty;
        if (!f.EventIdPresent)
        {
            problems.Add(new EventProblem("eventId", "is required"));
        }
        else if (f.EventIdValue is null && f.EventId is not null && !Guid.TryParseExact(f.EventId, "D", out eventId))
        {
            problems.Add(new EventProblem("eventId", $"must be a UUID like 6f1c0a4e-8d2b-4c1e-9a57-3b0f5e2d7c11, got '{Truncate(f.EventId)}'"));
        }

        if (!f.MachineIdPresent)
        {
            problems.Add(new EventProblem("machineId", "is required"));
        }
        else if (f.MachineId is not null)
        {
            CheckIdentifier("machineId", f.MachineId, MaxMachineIdLength, problems);
        }

        var ts = f.TsValue ?? default;
        if (!f.TsPresent)
        {
            problems.Add(new EventProblem("ts", "is required"));
        }
        else if (f.TsValue is null && f.Ts is not null && !Timestamps.TryParse(f.Ts, out ts, out var tsError))
        {
            problems.Add(new EventProblem("ts", tsError));
        }

        EventType type = default;
        var typeOk = false;
        if (!f.TypePresent)
        {
            problems.Add(new EventProblem("type", "is required"));
        }
        else if (f.Type is not null)
        {
            typeOk = ContractNames.TryParseType(f.Type, out type);
            if (!typeOk)
            {
                problems.Add(new EventProblem("type", $"must be one of {ContractNames.AllTypes}, got '{Truncate(f.Type)}'"));
            }
        }

        MachineState? state = null;
        string? reason = null;
        string? product = null;
        if (typeOk)
        {
            switch (type)
            {
                case EventType.State:
                    state = CheckState(ref f, problems);
                    if (f.Reason is not null)
                    {
                        reason = f.Reason.Length == 0 ? null : f.Reason;
                        if (reason is not null)
                        {
                            CheckIdentifier("reason", reason, MaxReasonLength, problems);
                        }
                    }

                    // On other event types "product" is ignored, as an unknown field would be.
                    if (f.Product is { Length: > 0 })
                    {
                        product = f.Product;
                        CheckIdentifier("product", product, MaxProductLength, problems);
                    }

                    break;
                case EventType.Count:
                    Require(f.GoodPresent, "good", "count", problems);
                    Require(f.RejectPresent, "reject", "count", problems);
                    break;
                case EventType.Counter:
                    Require(f.GoodTotalPresent, "goodTotal", "counter", problems);
                    Require(f.RejectTotalPresent, "rejectTotal", "counter", problems);
                    break;
            }
        }

        if (typeOk && type != EventType.State)
        {
            problems.RemoveAll(p => p.Field == "product");
        }

        if (problems.Count > 0)
        {
            var ordered = EventProblem.InContractOrder(problems);
            var partialMachine = ordered.Any(p => p.Field == "machineId") ? null : f.MachineId;
            DateTimeOffset? partialTs = f.TsPresent && !ordered.Any(p => p.Field == "ts") ? ts : null;
            return EventParseResult.Invalid(ordered, partialMachine ?? f.MachineId, partialMachine, partialTs);
        }

        var evt = type switch
        {
            EventType.State => new MachineEvent(eventId, f.MachineId!, ts, type, State: state, Reason: reason, Product: product),
            EventType.Count => new MachineEvent(eventId, f.MachineId!, ts, type, Good: f.Good, Reject: f.Reject),
            _ => new MachineEvent(eventId, f.MachineId!, ts, type, GoodTotal: f.GoodTotal, RejectTotal: f.RejectTotal),
        };
        return EventParseResult.Valid(evt);
    }

    private static MachineState? CheckState(ref RawFields f, List<EventProblem> problems)
    {
        if (!f.StatePresent)
        {
            problems.Add(new EventProblem("state", "is required when type is 'state'"));
            return null;
        }

        if (f.State is null)
        {
            return null;
        }

        if (ContractNames.TryParseState(f.State, out var s))
        {
            return s;
        }

        problems.Add(new EventProblem("state", $"must be one of {ContractNames.AllStates}, got '{Truncate(f.State)}'"));
        return null;
    }

    private static void Require(bool present, string field, string type, List<EventProblem> problems)
    {
        if (!present)
        {
            problems.Add(new EventProblem(field, $"is required when type is '{type}'"));
        }
    }

    private static void CheckIdentifier(string field, string value, int maxLength, List<EventProblem> problems)
    {
        if (value.Length == 0 || string.IsNullOrWhiteSpace(value))
        {
            problems.Add(new EventProblem(field, "must not be empty"));
        }
        else if (value.Length > maxLength)
        {
            problems.Add(new EventProblem(field, $"must be at most {maxLength} characters, got {value.Length}"));
        }
        else if (value.AsSpan().ContainsAnyInRange('\u0000', '\u001F') || value.AsSpan().ContainsAnyInRange('\u007F', '\u009F'))
        {
            // char.IsControl: exactly these two ranges (Unicode category Cc), without a LINQ enumerator per identifier.
            problems.Add(new EventProblem(field, "must not contain control characters"));
        }
    }

    internal static string Truncate(string s) => s.Length <= 64 ? s : string.Concat(s.AsSpan(0, 61), "...");

    private struct RawFields
    {
        public string? EventId, MachineId, Ts, Type, State, Reason, Product;
        public Guid? EventIdValue;
        public DateTimeOffset? TsValue;
        public long? Good, Reject, GoodTotal, RejectTotal;
        public bool EventIdPresent, MachineIdPresent, TsPresent, TypePresent, StatePresent;
        public bool GoodPresent, RejectPresent, GoodTotalPresent, RejectTotalPresent;
    }
}

/// <summary>Either a valid event or the full list of problems (and the machine id if one could be read).</summary>
/// <remarks>A value, not an object: a backlog's batch holds one per message (100k) for as long as the batch lives.</remarks>
public readonly record struct EventParseResult
{
    private EventParseResult(MachineEvent? evt, IReadOnlyList<EventProblem> problems, string? machineId, string? validMachineId = null, DateTimeOffset? validTs = null)
    {
        Event = evt;
        Problems = problems;
        MachineId = machineId;
        ValidMachineId = validMachineId;
        ValidTs = validTs;
    }

    public MachineEvent? Event { get; }
    public IReadOnlyList<EventProblem> Problems { get => field ?? []; }
    public string? MachineId { get; }

    /// <summary>For an invalid event: its machine id and ts when those fields themselves were fine, so that plant and clock rules can still report on them.</summary>
    public string? ValidMachineId { get; }

    public DateTimeOffset? ValidTs { get; }

    public bool IsValid => Event is not null;

    public static EventParseResult Valid(MachineEvent evt) => new(evt, [], evt.MachineId);
    public static EventParseResult Invalid(EventProblem problem) => new(null, [problem], null);
    public static EventParseResult Invalid(IReadOnlyList<EventProblem> problems, string? machineId, string? validMachineId = null, DateTimeOffset? validTs = null) =>
        new(null, problems, machineId, validMachineId, validTs);
}
