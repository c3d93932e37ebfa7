using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ms5.Analytics.Events;

namespace Ms5.Analytics.Tests;

public class EventParserTests
{
    private const string LongMax = "9223372036854775807";

    [Fact]
    public void Parse_WhenMessageIsEmpty_ReportsWholeMessage()
    {
        var result = EventParser.Parse([]);

        Assert.False(result.IsValid);
        Assert.Null(result.Event);
        Assert.Equal([new EventProblem("$", "message is empty")], result.Problems);
    }

    [Fact]
    public void Parse_WhenMessageIsLargerThan64KiB_ReportsSizeWithoutParsing()
    {
        var bytes = new byte[EventParser.MaxMessageBytes + 1];
        Array.Fill(bytes, (byte)'x');

        var result = EventParser.Parse(bytes);

        Assert.Equal([new EventProblem("$", "message is 65537 bytes, more than the 65536 allowed")], result.Problems);
    }

    [Fact]
    public void Parse_WhenMessageIsExactly64KiB_IsAccepted()
    {
        var json = Some.Count();
        var padding = EventParser.MaxMessageBytes - Encoding.UTF8.GetByteCount(json) - ",\"pad\":\"\"".Length;
        json = json[..^1] + ",\"pad\":\"" + new string('x', padding) + "\"}";
        Assert.Equal(EventParser.MaxMessageBytes, Encoding.UTF8.GetByteCount(json));

        var result = Some.Parse(json);

        Assert.True(result.IsValid);
        Assert.Equal(10, result.Event!.Good);
    }

    [Theory]
    [InlineData("hello")]
    [InlineData("{\"eventId\":\"6f1c0a4e-8d2b-4c1e-9a57-3b0f5e2d7c11\",\"machineId\":")]
    [InlineData("{\"eventId\":\"6f1c0a4e")]
    [InlineData("{")]
    [InlineData("{'type':'count'}")]
    public void Parse_WhenMessageIsNotJsonOrTruncated_ReportsNotValidJson(string text)
    {
        var result = Some.Parse(text);

        var problem = Assert.Single(result.Problems);
        Assert.Equal("$", problem.Field);
        Assert.StartsWith("not valid JSON: ", problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("[{\"type\":\"count\"}]")]
    [InlineData("\"press-01\"")]
    [InlineData("42")]
    [InlineData("true")]
    [InlineData("null")]
    public void Parse_WhenTopLevelIsNotAnObject_ReportsMustBeObject(string text)
    {
        var result = Some.Parse(text);

        Assert.Equal([new EventProblem("$", "must be a JSON object")], result.Problems);
        Assert.Null(result.MachineId);
        Assert.Null(result.ValidMachineId);
        Assert.Null(result.ValidTs);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData(" x")]
    [InlineData("]")]
    [InlineData("\"more\"")]
    public void Parse_WhenContentFollowsTheObject_ReportsNotValidJson(string trailing)
    {
        var result = Some.Parse(Some.Count() + trailing);

        var problem = Assert.Single(result.Problems);
        Assert.Equal("$", problem.Field);
        Assert.StartsWith("not valid JSON: ", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_WhenOnlyWhitespaceFollowsTheObject_IsAccepted()
    {
        var result = Some.Parse(Some.Count() + " \r\n\t ");

        Assert.True(result.IsValid);
    }

    [Theory]
    [InlineData("eventId")]
    [InlineData("machineId")]
    [InlineData("ts")]
    [InlineData("type")]
    public void Parse_WhenRequiredFieldIsMissing_ReportsThatField(string field)
    {
        var result = Some.Parse(Some.Count(o => o.Remove(field)));

        Assert.Equal([new EventProblem(field, "is required")], result.Problems);
    }

    [Fact]
    public void Parse_WhenObjectIsEmpty_ReportsAllFourRequiredFieldsInOrder()
    {
        var result = Some.Parse("{}");

        Assert.Equal(
            [
                new EventProblem("eventId", "is required"),
                new EventProblem("machineId", "is required"),
                new EventProblem("ts", "is required"),
                new EventProblem("type", "is required"),
            ],
            result.Problems);
    }

    public static TheoryData<string, string, string, string> WrongTypes => new()
    {
        { "state", "machineId", "5", "must be a string, got a number" },
        { "state", "eventId", "true", "must be a string, got a boolean" },
        { "state", "ts", "null", "must be a string, got null" },
        { "state", "type", "{\"a\":1}", "must be a string, got an object" },
        { "state", "state", "[\"running\"]", "must be a string, got an array" },
        { "state", "reason", "7", "must be a string, got a number" },
        { "state", "reason", "false", "must be a string, got a boolean" },
        { "count", "good", "\"3\"", "must be an integer, got a string" },
        { "count", "reject", "true", "must be an integer, got a boolean" },
        { "count", "good", "null", "must be an integer, got null" },
        { "count", "reject", "{}", "must be an integer, got an object" },
        { "counter", "goodTotal", "[1]", "must be an integer, got an array" },
        { "counter", "rejectTotal", "false", "must be an integer, got a boolean" },
    };

    [Theory]
    [MemberData(nameof(WrongTypes))]
    public void Parse_WhenFieldHasWrongJsonType_ReportsFieldAndActualType(string type, string field, string rawValue, string message)
    {
        var json = type switch
        {
            "state" => Some.State(o => o[field] = JsonNode.Parse(rawValue)),
            "count" => Some.Count(o => o[field] = JsonNode.Parse(rawValue)),
            _ => Some.Counter(o => o[field] = JsonNode.Parse(rawValue)),
        };

        var result = Some.Parse(json);

        Assert.Equal([new EventProblem(field, message)], result.Problems);
    }

    [Theory]
    [InlineData("not-a-uuid")]
    [InlineData("6f1c0a4e8d2b4c1e9a573b0f5e2d7c11")]
    [InlineData("{6f1c0a4e-8d2b-4c1e-9a57-3b0f5e2d7c11}")]
    [InlineData("6f1c0a4e-8d2b-4c1e-9a57-3b0f5e2d7c1")]
    [InlineData("")]
    public void Parse_WhenEventIdIsNotAHyphenatedUuid_ReportsEventIdAndValue(string id)
    {
        var result = Some.Parse(Some.Count(o => o["eventId"] = id));

        Assert.Equal([new EventProblem("eventId", $"must be a UUID like 6f1c0a4e-8d2b-4c1e-9a57-3b0f5e2d7c11, got '{id}'")], result.Problems);
    }

    [Fact]
    public void Parse_WhenEventIdIsUppercase_IsAccepted()
    {
        var result = Some.Parse(Some.Count(o => o["eventId"] = Some.EventId.ToUpperInvariant()));

        Assert.Equal(Some.Id, result.Event!.EventId);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\t")]
    public void Parse_WhenMachineIdIsEmptyOrWhitespace_ReportsMustNotBeEmpty(string machineId)
    {
        var result = Some.Parse(Some.Count(o => o["machineId"] = machineId));

        Assert.Equal([new EventProblem("machineId", "must not be empty")], result.Problems);
    }

    [Fact]
    public void Parse_WhenMachineIdHas129Characters_ReportsLength()
    {
        var result = Some.Parse(Some.Count(o => o["machineId"] = new string('m', 129)));

        Assert.Equal([new EventProblem("machineId", "must be at most 128 characters, got 129")], result.Problems);
    }

    [Fact]
    public void Parse_WhenMachineIdHas128Characters_IsAccepted()
    {
        var id = new string('m', 128);

        var result = Some.Parse(Some.Count(o => o["machineId"] = id));

        Assert.Equal(id, result.Event!.MachineId);
    }

    [Theory]
    [InlineData("machineId", "press\u000101")]
    [InlineData("machineId", "press-01\n")]
    [InlineData("machineId", "press\u007f01")]
    [InlineData("reason", "ja\u0000m")]
    public void Parse_WhenIdentifierContainsControlCharacters_ReportsField(string field, string value)
    {
        var result = Some.Parse(Some.State(o => o[field] = value));

        Assert.Equal([new EventProblem(field, "must not contain control characters")], result.Problems);
    }

    [Fact]
    public void Parse_WhenReasonHas129Characters_ReportsLength()
    {
        var result = Some.Parse(Some.State(o => o["reason"] = new string('r', 129)));

        Assert.Equal([new EventProblem("reason", "must be at most 128 characters, got 129")], result.Problems);
    }

    [Theory]
    [InlineData("2026-11-26T06:00:00")]
    [InlineData("2026-11-26T06:00:00.000")]
    [InlineData("2026-11-26 06:00:00Z")]
    [InlineData("2026-11-26")]
    [InlineData("26.11.2026 06:00")]
    [InlineData("2026-11-26T06:00:00+0200")]
    [InlineData("2026-11-26T06:00:00.1234567890Z")]
    [InlineData("")]
    public void Parse_WhenTsIsNotRfc3339WithOffset_ReportsTsAndValue(string ts)
    {
        var result = Some.Parse(Some.Count(o => o["ts"] = ts));

        Assert.Equal([new EventProblem("ts", $"must be an ISO-8601 UTC timestamp like 2026-11-26T06:00:00.000Z, got '{ts}'")], result.Problems);
    }

    [Fact]
    public void Parse_WhenTsHasOffset_NormalizesToTheSameInstantInUtc()
    {
        var result = Some.Parse(Some.Count(o => o["ts"] = "2026-11-26T08:00:00.250+02:00"));

        var ts = result.Event!.Ts;
        Assert.Equal(TimeSpan.Zero, ts.Offset);
        Assert.Equal(new DateTime(2026, 11, 26, 6, 0, 0, 250, DateTimeKind.Utc), ts.UtcDateTime);
    }

    [Theory]
    [InlineData("2026-11-26t06:00:00z")]
    [InlineData("2026-11-26T06:00:00Z")]
    [InlineData("2026-11-26T05:00:00-01:00")]
    [InlineData("2026-11-26T06:00:00.000000000+00:00")]
    public void Parse_WhenTsUsesAnyAllowedSpelling_GivesTheSameInstant(string ts)
    {
        var result = Some.Parse(Some.Count(o => o["ts"] = ts));

        Assert.Equal(Some.Ts.UtcTicks, result.Event!.Ts.UtcTicks);
        Assert.Equal(TimeSpan.Zero, result.Event.Ts.Offset);
    }

    [Fact]
    public void Parse_WhenTsHasNineFractionalDigits_TruncatesTo100Nanoseconds()
    {
        var result = Some.Parse(Some.Count(o => o["ts"] = "2026-11-26T06:00:00.123456789Z"));

        Assert.Equal(Some.Ts.UtcTicks + 1_234_567, result.Event!.Ts.UtcTicks);
    }

    [Theory]
    [InlineData("2026-02-30T06:00:00Z")]
    [InlineData("2026-13-01T06:00:00Z")]
    [InlineData("2026-11-26T24:00:00Z")]
    [InlineData("2026-11-26T06:60:00Z")]
    [InlineData("2026-11-26T06:00:60Z")]
    [InlineData("2026-11-26T06:00:00+25:00")]
    public void Parse_WhenTsIsNotARealDateAndTime_ReportsTs(string ts)
    {
        var result = Some.Parse(Some.Count(o => o["ts"] = ts));

        Assert.Equal([new EventProblem("ts", $"is not a real date and time: '{ts}'")], result.Problems);
    }

    [Fact]
    public void Parse_WhenTypeIsUnknown_ReportsAllowedTypes()
    {
        var result = Some.Parse(Some.Count(o => o["type"] = "alarm"));

        Assert.Equal([new EventProblem("type", "must be one of state, count, counter, got 'alarm'")], result.Problems);
    }

    [Theory]
    [InlineData("broken")]
    [InlineData("Running")]
    [InlineData("planned-stop")]
    public void Parse_WhenStateIsUnknown_ReportsAllowedStates(string state)
    {
        var result = Some.Parse(Some.State(o => o["state"] = state));

        Assert.Equal([new EventProblem("state", $"must be one of running, idle, down, setup, planned_stop, offline, got '{state}'")], result.Problems);
    }

    [Fact]
    public void Parse_WhenStateEventHasNoState_ReportsStateRequired()
    {
        var result = Some.Parse(Some.State(o => o.Remove("state")));

        Assert.Equal([new EventProblem("state", "is required when type is 'state'")], result.Problems);
    }

    [Theory]
    [InlineData("good")]
    [InlineData("reject")]
    public void Parse_WhenCountEventLacksACount_ReportsThatField(string field)
    {
        var result = Some.Parse(Some.Count(o => o.Remove(field)));

        Assert.Equal([new EventProblem(field, "is required when type is 'count'")], result.Problems);
    }

    [Theory]
    [InlineData("goodTotal")]
    [InlineData("rejectTotal")]
    public void Parse_WhenCounterEventLacksATotal_ReportsThatField(string field)
    {
        var result = Some.Parse(Some.Counter(o => o.Remove(field)));

        Assert.Equal([new EventProblem(field, "is required when type is 'counter'")], result.Problems);
    }

    [Fact]
    public void Parse_WhenCountEventCarriesCounterFields_OnlyRequiresGoodAndReject()
    {
        var result = Some.Parse(Some.Count(o =>
        {
            o.Remove("good");
            o.Remove("reject");
            o["goodTotal"] = 5;
            o["rejectTotal"] = 1;
        }));

        Assert.Equal(["good", "reject"], Some.Fields(result));
    }

    [Theory]
    [InlineData("good", "-1", "must not be negative, got -1")]
    [InlineData("reject", "-9223372036854775808", "must not be negative, got -9223372036854775808")]
    [InlineData("good", "-3.0", "must not be negative, got -3")]
    [InlineData("good", "1.5", "must be a whole number between 0 and " + LongMax + ", got 1.5")]
    [InlineData("reject", "1e30", "must be a whole number between 0 and " + LongMax + ", got 1e30")]
    [InlineData("good", "9223372036854775808", "must be a whole number between 0 and " + LongMax + ", got 9223372036854775808")]
    [InlineData("good", "-0.5", "must be a whole number between 0 and " + LongMax + ", got -0.5")]
    public void Parse_WhenCountIsNotANonNegativeWholeNumber_ReportsFieldAndValue(string field, string raw, string message)
    {
        var result = Some.Parse(Some.Count(o => o[field] = JsonNode.Parse(raw)));

        Assert.Equal([new EventProblem(field, message)], result.Problems);
    }

    [Theory]
    [InlineData("goodTotal", "-1", "must not be negative, got -1")]
    [InlineData("rejectTotal", "2.25", "must be a whole number between 0 and " + LongMax + ", got 2.25")]
    public void Parse_WhenCounterTotalIsInvalid_ReportsFieldAndValue(string field, string raw, string message)
    {
        var result = Some.Parse(Some.Counter(o => o[field] = JsonNode.Parse(raw)));

        Assert.Equal([new EventProblem(field, message)], result.Problems);
    }

    [Theory]
    [InlineData("10.0", 10)]
    [InlineData("1E2", 100)]
    [InlineData("0", 0)]
    [InlineData("-0", 0)]
    [InlineData(LongMax, long.MaxValue)]
    public void Parse_WhenCountIsAWholeNumberInAnySpelling_AcceptsItsValue(string raw, long expected)
    {
        var result = Some.Parse(Some.Count(o => o["good"] = JsonNode.Parse(raw)));

        Assert.Equal(expected, result.Event!.Good);
    }

    [Fact]
    public void Parse_WhenKnownFieldAppearsTwice_ReportsDuplicate()
    {
        var json = $$"""{"eventId":"{{Some.EventId}}","machineId":"a","ts":"{{Some.TsText}}","machineId":"b","type":"count","good":1,"reject":0}""";

        var result = Some.Parse(json);

        Assert.Equal([new EventProblem("machineId", "appears more than once")], result.Problems);
    }

    [Fact]
    public void Parse_WhenKnownFieldAppearsTwiceWithBadSecondValue_ReportsDuplicateOnce()
    {
        var json = Some.Count()[..^1] + ""","good":{"x":[1,2]}}""";

        var result = Some.Parse(json);

        Assert.Equal([new EventProblem("good", "appears more than once")], result.Problems);
    }

    [Fact]
    public void Parse_WhenUnknownFieldsArePresent_IgnoresThem()
    {
        var json = Some.Count(o =>
        {
            o["line"] = "line-1";
            o["extra"] = JsonNode.Parse("""{"nested":[1,{"deep":null}],"n":1.5}""");
            o["version"] = 2;
        });
        var json2 = json[..^1] + ",\"dup\":1,\"dup\":2}";

        var result = Some.Parse(json2);

        Assert.Equal(MachineEvent.Counts(Some.Id, Some.Machine, Some.Ts, 10, 1), result.Event);
    }

    [Theory]
    [InlineData("null")]
    [InlineData("\"\"")]
    public void Parse_WhenReasonIsNullOrEmpty_TreatsItAsAbsent(string raw)
    {
        var result = Some.Parse(Some.State(o => o["reason"] = JsonNode.Parse(raw)));

        Assert.Equal(MachineEvent.StateChange(Some.Id, Some.Machine, Some.Ts, MachineState.Running), result.Event);
    }

    [Fact]
    public void Parse_WhenReasonIsWhitespace_ReportsMustNotBeEmpty()
    {
        var result = Some.Parse(Some.State(o => o["reason"] = "  "));

        Assert.Equal([new EventProblem("reason", "must not be empty")], result.Problems);
    }

    [Fact]
    public void Parse_WhenEventHasSeveralProblems_ReportsAllInContractFieldOrder()
    {
        // Written in scrambled order on purpose: problems come back in contract order.
        const string json = """{"reject":1.5,"good":-1,"type":"count","ts":"yesterday","machineId":"","eventId":"nope"}""";

        var result = Some.Parse(json);

        Assert.Equal(["eventId", "machineId", "ts", "good", "reject"], Some.Fields(result));
        Assert.Equal(
            [
                new EventProblem("eventId", "must be a UUID like 6f1c0a4e-8d2b-4c1e-9a57-3b0f5e2d7c11, got 'nope'"),
                new EventProblem("machineId", "must not be empty"),
                new EventProblem("ts", "must be an ISO-8601 UTC timestamp like 2026-11-26T06:00:00.000Z, got 'yesterday'"),
                new EventProblem("good", "must not be negative, got -1"),
                new EventProblem("reject", "must be a whole number between 0 and " + LongMax + ", got 1.5"),
            ],
            result.Problems);
    }

    [Fact]
    public void Parse_WhenStateEventHasSeveralProblems_ReportsAllInContractFieldOrder()
    {
        const string json = """{"reason":"\u0001","state":"broken","type":"state","machineId":7,"eventId":"x","eventId":"y"}""";

        var result = Some.Parse(json);

        Assert.Equal(["eventId", "eventId", "machineId", "ts", "state", "reason"], Some.Fields(result));
        Assert.Equal(new EventProblem("eventId", "appears more than once"), result.Problems[0]);
        Assert.Equal(new EventProblem("eventId", "must be a UUID like 6f1c0a4e-8d2b-4c1e-9a57-3b0f5e2d7c11, got 'x'"), result.Problems[1]);
    }

    [Fact]
    public void Parse_WhenTypeIsUnknown_DoesNotCheckTypeSpecificFields()
    {
        var result = Some.Parse(Some.State(o =>
        {
            o["type"] = "alarm";
            o["state"] = "broken";
        }));

        Assert.Equal(["type"], Some.Fields(result));
    }

    [Fact]
    public void Parse_SchemaExamples_GiveExactEvents()
    {
        var schema = JsonNode.Parse(File.ReadAllText(Path.Combine(Some.RepoRoot, "analytics", "contract", "machine-event.v1.schema.json")))!;
        var examples = schema["examples"]!.AsArray().Select(e => Some.Parse(e!.ToJsonString())).ToList();

        Assert.All(examples, r => Assert.Empty(r.Problems));
        Assert.Equal(
            [
                MachineEvent.StateChange(Guid.Parse("6f1c0a4e-8d2b-4c1e-9a57-3b0f5e2d7c11"), "press-01", Some.Ts, MachineState.Down, "jam"),
                MachineEvent.StateChange(Guid.Parse("5e0b9f3d-7c1a-4b0d-8f46-2a9e4d1c6b00"), "press-01", Some.Ts.AddMinutes(5), MachineState.Setup, "changeover", "BRK-200"),
                MachineEvent.Counts(Guid.Parse("7a2d1b5f-9e3c-4d2f-8b68-4c1a6f3e8d22"), "press-01", Some.Ts.AddSeconds(1), 10, 1),
                MachineEvent.Counters(Guid.Parse("8b3e2c6a-af4d-4e3a-9c79-5d2b7a4f9e33"), "press-01", Some.Ts.AddSeconds(2), 123456, 789),
            ],
            examples.Select(r => r.Event!));
    }

    [Fact]
    public void Parse_ValidEvent_SetsOnlyTheFieldsOfItsType()
    {
        var state = Some.Parse(Some.State(o =>
        {
            o["state"] = "planned_stop";
            o["reason"] = "break";
            o["good"] = 5;
        })).Event!;
        var count = Some.Parse(Some.Count(o => o["state"] = "running")).Event!;

        Assert.Equal(MachineEvent.StateChange(Some.Id, Some.Machine, Some.Ts, MachineState.PlannedStop, "break"), state);
        Assert.Null(state.Good);
        Assert.Equal(MachineEvent.Counts(Some.Id, Some.Machine, Some.Ts, 10, 1), count);
        Assert.Null(count.State);
    }

    [Fact]
    public void Parse_ValidEvent_ExposesMachineIdAndNoProblems()
    {
        var result = Some.Parse(Some.Counter());

        Assert.True(result.IsValid);
        Assert.Empty(result.Problems);
        Assert.Equal("press-01", result.MachineId);
    }

    [Fact]
    public void Parse_WhenOnlyTypeIsInvalid_KeepsValidMachineIdAndTs()
    {
        var result = Some.Parse(Some.Count(o => o["type"] = "alarm"));

        Assert.False(result.IsValid);
        Assert.Equal("press-01", result.MachineId);
        Assert.Equal("press-01", result.ValidMachineId);
        Assert.Equal(Some.Ts, result.ValidTs);
    }

    [Fact]
    public void Parse_WhenMachineIdIsInvalid_HasNoValidMachineIdButKeepsTs()
    {
        var result = Some.Parse(Some.Count(o => o["machineId"] = " "));

        Assert.Equal(" ", result.MachineId);
        Assert.Null(result.ValidMachineId);
        Assert.Equal(Some.Ts, result.ValidTs);
    }

    [Fact]
    public void Parse_WhenTsIsInvalid_HasNoValidTsButKeepsMachineId()
    {
        var result = Some.Parse(Some.Count(o => o["ts"] = "2026-02-30T00:00:00Z"));

        Assert.Equal("press-01", result.ValidMachineId);
        Assert.Null(result.ValidTs);
    }

    [Fact]
    public void Parse_WhenMachineIdAndTsAreMissing_HasNeither()
    {
        var result = Some.Parse(Some.Count(o =>
        {
            o.Remove("machineId");
            o.Remove("ts");
        }));

        Assert.Null(result.MachineId);
        Assert.Null(result.ValidMachineId);
        Assert.Null(result.ValidTs);
    }

    [Fact]
    public void Parse_WhenTsHasTrailingNewline_ReportsTs()
    {
        var result = Some.Parse(Some.Count(o => o["ts"] = "2026-11-26T06:00:00.000Z\n"));

        Assert.Equal([new EventProblem("ts", "must be an ISO-8601 UTC timestamp like 2026-11-26T06:00:00.000Z, got '2026-11-26T06:00:00.000Z\n'")], result.Problems);
    }

    [Fact]
    public void EventProblem_Join_GivesOneLineInOrder()
    {
        var line = EventProblem.Join([new EventProblem("$", "message is empty"), new EventProblem("ts", "is required")]);

        Assert.Equal("$: message is empty; ts: is required", line);
    }

    [Fact]
    public void Parse_WhenNestingIsDeeperThan64_ReportsNotValidJson()
    {
        var deep = new string('[', 70) + new string(']', 70);
        var json = Some.Count()[..^1] + ",\"x\":" + deep + "}";

        var result = Some.Parse(json);

        var problem = Assert.Single(result.Problems);
        Assert.Equal("$", problem.Field);
        Assert.StartsWith("not valid JSON: ", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void JsonException_IsNotThrownForAnyPrefixOfAValidMessage()
    {
        var bytes = Encoding.UTF8.GetBytes(Some.State(o => o["reason"] = "jam"));
        for (var n = 0; n < bytes.Length; n++)
        {
            var ex = Record.Exception(() => EventParser.Parse(bytes.AsSpan(0, n)));
            Assert.False(ex is JsonException, $"prefix of {n} bytes threw");
            Assert.Null(ex);
        }
    }
}
