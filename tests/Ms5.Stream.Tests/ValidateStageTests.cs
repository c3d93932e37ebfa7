using Confluent.Kafka;
using Ms5.Analytics.Events;
using Ms5.Kafka.Consuming;
using Ms5.Stream.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Ms5.Stream.Tests;

public sealed class ValidateStageTests
{
    private const string Stage = "historian-pg";

    private readonly FakeTimeProvider _clock = new(TimerRecordingClock.T0);

    [Fact]
    public void Run_MixedBatch_AcceptsValidEventsAndDeadLettersTheRestAdvancingPastBoth()
    {
        var messages = new[]
        {
            Messages.At(0, 10),
            Messages.At(0, 11, Messages.Bytes(Messages.State(o => o["machineId"] = "press-99"))),
            Messages.At(1, 3, Messages.Bytes("not json")),
        };

        var batch = Run(messages);

        Assert.Equal(Messages.Topic, batch.Topic);
        var accepted = Assert.Single(batch.Events);
        Assert.Equal((0, 10L, Guid.Parse(Messages.EventId)), (accepted.Partition, accepted.Offset, accepted.Event.EventId));
        Assert.Equal([(0, 11L), (1, 3L)], batch.DeadLetters.Select(d => (d.Partition, d.Offset)));
        Assert.Equal(new Dictionary<int, long> { [0] = 12, [1] = 4 }, batch.NextOffsets);
        Assert.Equal(3, batch.Count);
    }

    [Fact]
    public void Run_EventWithSeveralProblems_DeadLettersItWithEveryProblemInContractOrder()
    {
        var json = Messages.State(o =>
        {
            o["eventId"] = "not-a-uuid";
            o["machineId"] = "press-99";
            o["ts"] = "2026-11-26T06:06:00.000Z";
        });

        var letter = Assert.Single(Run([Messages.At(0, 7, Messages.Bytes(json))]).DeadLetters);

        Assert.Equal(
            [
                new EventProblem("eventId", "must be a UUID like 6f1c0a4e-8d2b-4c1e-9a57-3b0f5e2d7c11, got 'not-a-uuid'"),
                new EventProblem("machineId", "unknown machine 'press-99': not in the plant configuration"),
                new EventProblem("ts", "is 6m in the future, beyond the clock-skew limit of 5m"),
            ],
            letter.Problems);
        Assert.Equal(Stage, letter.Stage);
        Assert.Equal("press-99", letter.MachineId);
    }

    [Fact]
    public void Run_TimestampAtTheClockSkewLimit_IsAcceptedAndOneMillisecondLaterIsNot()
    {
        var atLimit = Messages.At(0, 1, Messages.Bytes(Messages.State(ts: TimerRecordingClock.T0.AddMinutes(5))));
        var beyond = Messages.At(0, 2, Messages.Bytes(Messages.State(ts: TimerRecordingClock.T0.AddMinutes(5).AddMilliseconds(1))));

        var batch = Run([atLimit, beyond]);

        Assert.Equal([1L], batch.Events.Select(e => e.Offset));
        var letter = Assert.Single(batch.DeadLetters);
        Assert.Equal([new EventProblem("ts", "is 5m in the future, beyond the clock-skew limit of 5m")], letter.Problems);
    }

    [Fact]
    public void Run_ClockMovesOn_JudgesSkewAgainstTheInjectedClock()
    {
        var message = Messages.At(0, 1, Messages.Bytes(Messages.State(ts: TimerRecordingClock.T0.AddMinutes(10))));
        Assert.Single(Run([message]).DeadLetters);

        _clock.Advance(TimeSpan.FromMinutes(5));

        Assert.Single(Run([message]).Events);
    }

    [Fact]
    public void Run_RejectedMessage_CarriesOriginalKeyBytesHeadersAndPosition()
    {
        var value = Messages.Bytes(Messages.State(o => o["machineId"] = "press-99"));
        var key = Messages.Bytes("press-99");
        var headers = new Headers { { "traceparent", Messages.Bytes("00-abc-01") }, { "source", [1, 2, 3] } };

        var letter = Assert.Single(Run([Messages.At(2, 40, value, key, headers)]).DeadLetters);

        Assert.Same(value, letter.Payload);
        Assert.Same(key, letter.Key);
        Assert.Equal([("traceparent", "00-abc-01"), ("source", "\u0001\u0002\u0003")], letter.SourceHeaders.Select(h => (h.Key, Messages.Text(h.Value))));
        Assert.Equal((Messages.Topic, 2, 40L), (letter.Topic, letter.Partition, letter.Offset));
    }

    [Fact]
    public void Run_UnparsableMessageWithPrintableKey_GuessesTheMachineFromTheKey()
    {
        var letter = Assert.Single(Run([Messages.At(0, 1, Messages.Bytes("not json"), Messages.Bytes("press-07"))]).DeadLetters);

        Assert.Equal("press-07", letter.MachineId);
        Assert.Empty(letter.SourceHeaders);
    }

    [Theory]
    [InlineData("press\u000107")]
    [InlineData("")]
    public void Run_UnparsableMessageWithUnprintableOrEmptyKey_HasNoMachine(string key)
    {
        var letter = Assert.Single(Run([Messages.At(0, 1, Messages.Bytes("not json"), Messages.Bytes(key))]).DeadLetters);

        Assert.Null(letter.MachineId);
    }

    [Fact]
    public void Run_UnparsableMessageWithKeyLongerThan128Bytes_HasNoMachine()
    {
        var letter = Assert.Single(Run([Messages.At(0, 1, Messages.Bytes("not json"), Messages.Bytes(new string('m', 129)))]).DeadLetters);

        Assert.Null(letter.MachineId);
    }

    [Fact]
    public void Run_MachineIdReadableFromTheEvent_PrefersItOverTheKey()
    {
        var value = Messages.Bytes(Messages.State(o => o["type"] = "bogus"));

        var letter = Assert.Single(Run([Messages.At(0, 1, value, Messages.Bytes("press-07"))]).DeadLetters);

        Assert.Equal(Messages.KnownMachine, letter.MachineId);
    }

    [Fact]
    public void Run_ParseResultsDoNotMatchMessages_Throws()
    {
        var stage = new ValidateStage(new EventRules(new FakeCatalog(Messages.KnownMachine).IsKnown, TimeSpan.FromMinutes(5)), _clock, Stage);

        Assert.Throws<ArgumentException>(() => stage.Run(Messages.Topic, [Messages.At(0, 1)], []));
    }

    private EventBatch Run(IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> messages)
    {
        var stage = new ValidateStage(new EventRules(new FakeCatalog(Messages.KnownMachine).IsKnown, TimeSpan.FromMinutes(5)), _clock, Stage);
        return stage.Run(Messages.Topic, messages, DeserializeStage.Run(messages));
    }
}
