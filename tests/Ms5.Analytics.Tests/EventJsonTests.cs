using Ms5.Analytics.Events;

namespace Ms5.Analytics.Tests;

public class EventJsonTests
{
    public static TheoryData<MachineEvent> Events => new()
    {
        MachineEvent.StateChange(Some.Id, "press-01", Some.Ts, MachineState.Down, "jam"),
        MachineEvent.StateChange(Some.Id, "press-01", Some.Ts, MachineState.Running),
        MachineEvent.StateChange(Some.Id, "weld-02", Some.Ts.AddTicks(1), MachineState.PlannedStop, "break"),
        MachineEvent.StateChange(Guid.Empty, "asm-03", Some.Ts, MachineState.Offline),
        MachineEvent.StateChange(Some.Id, "m\"ü/\\", Some.Ts, MachineState.Idle, "grün"),
        MachineEvent.StateChange(Some.Id, "press-01", Some.Ts, MachineState.Setup, "changeover"),
        MachineEvent.Counts(Some.Id, "press-01", Some.Ts.AddMilliseconds(1), 10, 1),
        MachineEvent.Counts(Some.Id, "press-01", Some.Ts, 0, 0),
        MachineEvent.Counts(Some.Id, "press-01", Some.Ts.AddTicks(1_234_567), long.MaxValue, 3),
        MachineEvent.Counters(Some.Id, "press-04", Some.Ts, 123456, 789),
        MachineEvent.Counters(Some.Id, "press-04", new DateTimeOffset(2026, 11, 26, 8, 0, 0, TimeSpan.FromHours(2)), 0, 0),
    };

    [Theory]
    [MemberData(nameof(Events))]
    public void ToUtf8_ThenParse_GivesTheSameEvent(MachineEvent evt)
    {
        var result = EventParser.Parse(EventJson.ToUtf8(evt));

        Assert.Empty(result.Problems);
        Assert.Equal(evt, result.Event);
        Assert.Equal(evt.Ts.UtcTicks, result.Event!.Ts.UtcTicks);
    }

    [Fact]
    public void ToJson_CountEvent_WritesContractShape()
    {
        var json = EventJson.ToJson(MachineEvent.Counts(Some.Id, "press-01", Some.Ts, 10, 1));

        Assert.Equal("""{"eventId":"6f1c0a4e-8d2b-4c1e-9a57-3b0f5e2d7c11","machineId":"press-01","ts":"2026-11-26T06:00:00.000Z","type":"count","good":10,"reject":1}""", json);
    }

    [Fact]
    public void ToJson_StateEventWithoutReason_OmitsReason()
    {
        var json = EventJson.ToJson(MachineEvent.StateChange(Some.Id, "press-01", Some.Ts, MachineState.PlannedStop));

        Assert.Equal("""{"eventId":"6f1c0a4e-8d2b-4c1e-9a57-3b0f5e2d7c11","machineId":"press-01","ts":"2026-11-26T06:00:00.000Z","type":"state","state":"planned_stop"}""", json);
    }

    [Fact]
    public void ToJson_CounterEvent_WritesTotals()
    {
        var json = EventJson.ToJson(MachineEvent.Counters(Some.Id, "press-04", Some.Ts, 123456, 789));

        Assert.Equal("""{"eventId":"6f1c0a4e-8d2b-4c1e-9a57-3b0f5e2d7c11","machineId":"press-04","ts":"2026-11-26T06:00:00.000Z","type":"counter","goodTotal":123456,"rejectTotal":789}""", json);
    }

    [Fact]
    public void Format_WhenInstantIsWholeMilliseconds_WritesMillisecondsInUtc()
    {
        var ts = new DateTimeOffset(2026, 11, 26, 7, 0, 0, 123, TimeSpan.FromHours(1));

        Assert.Equal("2026-11-26T06:00:00.123Z", Timestamps.Format(ts));
    }

    [Fact]
    public void Format_WhenInstantHasSubMillisecondTicks_Writes100Nanoseconds()
    {
        var ts = new DateTimeOffset(2026, 11, 26, 7, 0, 0, 123, TimeSpan.FromHours(1)).AddTicks(1);

        Assert.Equal("2026-11-26T06:00:00.1230001Z", Timestamps.Format(ts));
    }

    [Fact]
    public void Format_WhenInstantIsWholeSeconds_StillWritesThreeFractionalDigits()
    {
        Assert.Equal("2026-11-26T06:00:00.000Z", Timestamps.Format(Some.Ts));
    }

    [Theory]
    [InlineData("2026-11-26T06:00:00.000Z")]
    [InlineData("2026-11-26T06:00:00.1230001Z")]
    [InlineData("1999-12-31T23:59:59.999Z")]
    public void Format_OfParsedCanonicalTimestamp_GivesItBack(string text)
    {
        Assert.True(Timestamps.TryParse(text, out var ts, out var error));
        Assert.Equal("", error);
        Assert.Equal(text, Timestamps.Format(ts));
    }
}
