using System.Globalization;
using System.Text;
using Ms5.Analytics.Events;

namespace Ms5.Analytics.Tests;

/// <summary>
/// The parser reads eventId, ts, type, state and machineId from the message's bytes without a string when they have
/// their usual plain shape. Each value here is parsed twice: as written, and with its first character as a JSON
/// escape (\uXXXX), which always takes the string path. Both must give the same event or the same problems, for
/// good and bad values alike.
/// </summary>
public sealed class EventParserFastPathTests
{
    private const string Id = "6f1c0a4e-8d2b-4c1e-9a57-3b0f5e2d7c11";

    private static string Escaped(string value) =>
        value.Length == 0 ? value : "\\u" + ((int)value[0]).ToString("x4", CultureInfo.InvariantCulture) + value[1..];

    private static string Message(string field, string value)
    {
        var fields = new Dictionary<string, string>
        {
            ["eventId"] = Id, ["machineId"] = "press-1", ["ts"] = "2026-11-26T06:00:00.000Z", ["type"] = "state", ["state"] = "down",
        };
        fields[field] = value;
        return "{" + string.Join(",", fields.Select(kv => $"\"{kv.Key}\":\"{kv.Value}\"")) + "}";
    }

    private static void SameBothWays(string field, string value)
    {
        var plain = EventParser.Parse(Encoding.UTF8.GetBytes(Message(field, value)));
        var escaped = EventParser.Parse(Encoding.UTF8.GetBytes(Message(field, Escaped(value))));
        Assert.Equal(escaped.Event, plain.Event);
        Assert.Equal(escaped.Problems, plain.Problems);
        Assert.Equal(escaped.MachineId, plain.MachineId);
        Assert.Equal(escaped.ValidTs, plain.ValidTs);
        Assert.Equal(escaped.Event?.Ts.Offset, plain.Event?.Ts.Offset);
    }

    [Theory]
    [InlineData(Id)]
    [InlineData("6F1C0A4E-8D2B-4C1E-9A57-3B0F5E2D7C11")]
    [InlineData("6f1c0a4e8d2b4c1e9a573b0f5e2d7c11")]
    [InlineData("{6f1c0a4e-8d2b-4c1e-9a57-3b0f5e2d7c11}")]
    [InlineData("6f1c0a4e-8d2b-4c1e-9a57-3b0f5e2d7c1g")]
    [InlineData("6f1c0a4e-8d2b-4c1e-9a57+3b0f5e2d7c11")]
    [InlineData(" 6f1c0a4e-8d2b-4c1e-9a57-3b0f5e2d7c1")]
    [InlineData("6f1c0a4e-8d2b-4c1e-9a57-3b0f5e2d7c11 ")]
    [InlineData("0x1c0a4e-8d2b-4c1e-9a57-3b0f5e2d7c11")]
    [InlineData("+f1c0a4e-8d2b-4c1e-9a57-3b0f5e2d7c11")]
    [InlineData("6f1c0a4e-+d2b-4c1e-9a57-3b0f5e2d7c11")]
    [InlineData("")]
    public void EventId_FastAndStringPathAgree(string value) => SameBothWays("eventId", value);

    [Theory]
    [InlineData("2026-11-26T06:00:00Z")]
    [InlineData("2026-11-26T06:00:00.1Z")]
    [InlineData("2026-11-26T06:00:00.1234567Z")]
    [InlineData("2026-11-26T06:00:00.123456789Z")]
    [InlineData("2026-11-26T06:00:00.1234567890Z")]
    [InlineData("2026-11-26T06:00:00.000z")]
    [InlineData("2026-11-26t06:00:00.000Z")]
    [InlineData("2026-11-26T07:00:00.000+01:00")]
    [InlineData("2026-02-29T06:00:00.000Z")]
    [InlineData("2024-02-29T23:59:59.999Z")]
    [InlineData("2026-11-26T24:00:00.000Z")]
    [InlineData("2026-11-26T06:00:00.Z")]
    [InlineData("2026-11-26 06:00:00.000Z")]
    [InlineData("２026-11-26T06:00:00.000Z")]
    [InlineData("2026-11-26T06:00:00.00é0Z")]
    [InlineData("0000-11-26T06:00:00.000Z")]
    [InlineData("")]
    public void Ts_FastAndStringPathAgree(string value) => SameBothWays("ts", value);

    [Theory]
    [InlineData("type", "state")]
    [InlineData("type", "count")]
    [InlineData("type", "counter")]
    [InlineData("type", "State")]
    [InlineData("type", "counters")]
    [InlineData("type", "")]
    [InlineData("state", "running")]
    [InlineData("state", "idle")]
    [InlineData("state", "setup")]
    [InlineData("state", "planned_stop")]
    [InlineData("state", "offline")]
    [InlineData("state", "PLANNED_STOP")]
    [InlineData("state", "downtime")]
    [InlineData("machineId", "m")]
    [InlineData("machineId", "press-1 line/2")]
    [InlineData("machineId", "")]
    [InlineData("machineId", "presse-é")]
    public void Names_FastAndStringPathAgree(string field, string value) => SameBothWays(field, value);

    [Fact]
    public void MachineIds_UpToTheLimit_AgreeAndAreShared_LongerOnesAreReported()
    {
        var max = new string('m', EventParser.MaxMachineIdLength);
        SameBothWays("machineId", max);
        SameBothWays("machineId", max + "m");
        var over = EventParser.Parse(Encoding.UTF8.GetBytes(Message("machineId", max + "m")));
        Assert.Equal([new EventProblem("machineId", $"must be at most {EventParser.MaxMachineIdLength} characters, got {EventParser.MaxMachineIdLength + 1}")], over.Problems);

        var first = EventParser.Parse(Encoding.UTF8.GetBytes(Message("machineId", "shared-press"))).Event!;
        var second = EventParser.Parse(Encoding.UTF8.GetBytes(Message("machineId", "shared-press"))).Event!;
        Assert.Equal("shared-press", first.MachineId);
        Assert.Same(first.MachineId, second.MachineId);
    }

    [Fact]
    public void ProblemLists_OfEarlierResults_AreNotChangedByLaterParses()
    {
        var first = EventParser.Parse(Encoding.UTF8.GetBytes(Message("type", "nope")));
        var snapshot = first.Problems.ToList();
        var second = EventParser.Parse(Encoding.UTF8.GetBytes(Message("ts", "yesterday")));
        var valid = EventParser.Parse(Encoding.UTF8.GetBytes(Message("state", "idle")));
        Assert.True(valid.IsValid);
        Assert.Empty(valid.Problems);
        Assert.Equal(snapshot, first.Problems);
        Assert.Equal([new EventProblem("type", "must be one of state, count, counter, got 'nope'")], first.Problems);
        Assert.Equal("ts", Assert.Single(second.Problems).Field);
        Assert.NotSame(first.Problems, second.Problems);
    }

    [Fact]
    public void AValidEvent_ReadFromBytes_HasEveryFieldExactly()
    {
        var e = EventParser.Parse(Encoding.UTF8.GetBytes(Message("ts", "2026-11-26T06:00:00.1234567Z"))).Event!;
        Assert.Equal(new MachineEvent(Guid.Parse(Id), "press-1", new DateTimeOffset(2026, 11, 26, 6, 0, 0, TimeSpan.Zero).AddTicks(1_234_567), EventType.State, State: MachineState.Down), e);
    }
}
