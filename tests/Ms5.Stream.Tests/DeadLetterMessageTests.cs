using System.Text;
using Confluent.Kafka;
using Ms5.Analytics.Events;
using Ms5.Kafka.Consuming;
using Ms5.Kafka.DeadLetters;
using Ms5.Stream.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Ms5.Stream.Tests;

/// <summary>
/// The DLQ record is the same whoever rejected the event: a consumer (<see cref="ValidateStage"/>), HTTP ingest
/// (api/Ms5.Api/Apis/IngestApi.cs) or file replay (ingest/Ms5.Ingest/Replay/ReplayDeadLetters.cs). The HTTP and
/// replay letters are built here with the same <see cref="DeadLetterMessage.FromOutsideKafka"/> calls those files
/// make (their projects are hosts this test project does not reference); only the stage and source position differ.
/// </summary>
public sealed class DeadLetterMessageTests
{
    private static readonly string[] Ms5HeaderNames =
        [DlqHeaders.Reason, DlqHeaders.Problems, DlqHeaders.SourceTopic, DlqHeaders.SourcePartition, DlqHeaders.SourceOffset, DlqHeaders.Stage];

    private readonly FakeTimeProvider _clock = new(TimerRecordingClock.T0);
    private readonly EventRules _rules = new(new FakeCatalog(Messages.KnownMachine).IsKnown, TimeSpan.FromMinutes(5));

    [Fact]
    public void Create_SameRejectedEventFromConsumerHttpAndReplay_SameKeyBytesHeaderNamesReasonAndProblems()
    {
        // No machine id: HTTP ingest has no key to send, replay sends none, and the Kafka message had none.
        var bytes = Messages.Bytes(Messages.State(o => o.Remove("machineId")));

        var consumer = FromConsumer(bytes, key: null, partition: 4, offset: 17);
        var http = FromHttp(bytes, index: 2);
        var replay = FromReplay(bytes, "events.jsonl", line: 3);

        foreach (var record in new[] { consumer, http, replay })
        {
            Assert.Null(record.Key);
            Assert.Equal(bytes, record.Value);
            Assert.Equal(Ms5HeaderNames, record.Headers.Select(h => h.Key));
            Assert.Equal("machineId: is required", Header(record, DlqHeaders.Reason));
            Assert.Equal("[{\"field\":\"machineId\",\"message\":\"is required\"}]", Header(record, DlqHeaders.Problems));
        }

        Assert.Equal([Messages.Topic, "http:/api/ingest/events", "file:events.jsonl"], new[] { consumer, http, replay }.Select(r => Header(r, DlqHeaders.SourceTopic)));
        Assert.Equal(["4", "-1", "-1"], new[] { consumer, http, replay }.Select(r => Header(r, DlqHeaders.SourcePartition)));
        Assert.Equal(["17", "2", "3"], new[] { consumer, http, replay }.Select(r => Header(r, DlqHeaders.SourceOffset)));
        Assert.Equal(["historian-pg", "http-ingest", "replay"], new[] { consumer, http, replay }.Select(r => Header(r, DlqHeaders.Stage)));
    }

    [Fact]
    public void Create_KeyedRejectedEventFromConsumerAndHttp_SameKeyBytesAndHeaders()
    {
        // Producers key an event by its machine id; HTTP ingest does the same for the record it dead-letters.
        var bytes = Messages.Bytes(Messages.State(o =>
        {
            o["machineId"] = "press-99";
            o["ts"] = "2026-11-26T06:06:00.000Z";
        }));

        var consumer = FromConsumer(bytes, Messages.Bytes("press-99"), partition: 0, offset: 9);
        var http = FromHttp(bytes, index: 0);

        Assert.Equal("press-99", Messages.Text(consumer.Key!));
        Assert.Equal(consumer.Key, http.Key);
        Assert.Equal(consumer.Value, http.Value);
        Assert.Equal(Ms5HeaderNames, consumer.Headers.Select(h => h.Key));
        Assert.Equal(Ms5HeaderNames, http.Headers.Select(h => h.Key));
        const string reason = "machineId: unknown machine 'press-99': not in the plant configuration; ts: is 6m in the future, beyond the clock-skew limit of 5m";
        Assert.Equal([reason, reason], new[] { consumer, http }.Select(r => Header(r, DlqHeaders.Reason)));
        Assert.Equal(Header(consumer, DlqHeaders.Problems), Header(http, DlqHeaders.Problems));
    }

    [Fact]
    public void Create_ConsumedMessageWithHeaders_KeepsThemBeforeMs5Headers()
    {
        var headers = new Headers { { "traceparent", Messages.Bytes("00-abc-01") } };
        var message = Messages.At(1, 2, Messages.Bytes("not json"), Messages.Bytes("press-01"), headers);
        var letter = Assert.Single(Validate(message).DeadLetters);

        var record = DeadLetterMessage.Create(letter);

        Assert.Equal(["traceparent", .. Ms5HeaderNames], record.Headers.Select(h => h.Key));
        Assert.Equal("00-abc-01", Header(record, "traceparent"));
        Assert.Equal("press-01", Messages.Text(record.Key!));
    }

    [Fact]
    public void Create_EmptyConsumedMessage_KeepsTheNullValue()
    {
        var message = Messages.At(0, 0);
        message.Message.Value = null;

        var record = DeadLetterMessage.Create(Assert.Single(Validate(message).DeadLetters));

        Assert.Null(record.Value);
        Assert.Equal("$: message is empty", Header(record, DlqHeaders.Reason));
    }

    [Fact]
    public void Read_ARecordCreatedFromALetter_GivesTheLetterBack()
    {
        var headers = new Headers { { "traceparent", Messages.Bytes("00-abc-01") } };
        var letter = Assert.Single(Validate(Messages.At(3, 41, Messages.Bytes("{\"machineId\":\"press-01\"}"), Messages.Bytes("press-01"), headers)).DeadLetters);
        var record = Messages.At(0, 7, DeadLetterMessage.Create(letter).Value!, letter.Key, DeadLetterMessage.Create(letter).Headers);

        var read = DeadLetterMessage.Read(record);

        Assert.Equal((letter.Stage, letter.Topic, letter.Partition, letter.Offset, letter.Reason), (read.Stage, read.Topic, read.Partition, read.Offset, read.Reason));
        Assert.Equal(letter.Problems, read.Problems);
        Assert.Equal(letter.Payload, read.Payload);
        Assert.Equal(letter.Key, read.Key);
        Assert.Equal("press-01", read.MachineId);
        Assert.Equal([("traceparent", "00-abc-01")], read.SourceHeaders.Select(h => (h.Key, Messages.Text(h.Value))));
    }

    [Fact]
    public void Read_ARecordWithNullHeaderValuesAndNullProblems_IsReadNotThrown()
    {
        var headers = new Headers { { DlqHeaders.Stage, null }, { DlqHeaders.Problems, Messages.Bytes("[null]") }, { "x-empty", null } };

        var read = DeadLetterMessage.Read(Messages.At(1, 4, Messages.Bytes("{}"), null, headers));

        Assert.Equal(("unknown", 1, 4L), (read.Stage, read.Partition, read.Offset));
        Assert.Empty(read.Problems);
        Assert.Equal(["x-empty"], read.SourceHeaders.Select(h => h.Key));
    }

    [Fact]
    public void Read_ARecordWithoutMs5Headers_IsItsOwnSource()
    {
        var record = Messages.At(2, 9, Messages.Bytes("garbage"), null, new Headers());

        var read = DeadLetterMessage.Read(record);

        Assert.Equal(("unknown", Messages.Topic, 2, 9L), (read.Stage, read.Topic, read.Partition, read.Offset));
        Assert.Equal([new EventProblem("$", "on the DLQ topic without MS5's headers")], read.Problems);
    }

    private Message<byte[]?, byte[]?> FromConsumer(byte[] bytes, byte[]? key, int partition, long offset) =>
        DeadLetterMessage.Create(Assert.Single(Validate(Messages.At(partition, offset, bytes, key)).DeadLetters));

    /// <summary>What IngestApi.PostAsync does with one element of the request's array.</summary>
    private Message<byte[]?, byte[]?> FromHttp(byte[] bytes, int index)
    {
        var parsed = EventParser.Parse(bytes);
        var problems = _rules.AllProblems(parsed, _clock.GetUtcNow());
        Assert.NotEmpty(problems);
        var machine = parsed.Event?.MachineId ?? parsed.ValidMachineId;
        var key = machine is null ? null : Encoding.UTF8.GetBytes(machine);
        var letter = DeadLetterMessage.FromOutsideKafka("http-ingest", "http:/api/ingest/events", index, machine ?? parsed.MachineId, problems, bytes, key);
        return DeadLetterMessage.Create(letter);
    }

    /// <summary>What ReplayDeadLetters.Send does with a record of the file (its problems as ReplayReader found them).</summary>
    private static Message<byte[]?, byte[]?> FromReplay(byte[] bytes, string file, int line)
    {
        var problems = EventParser.Parse(bytes).Problems;
        var letter = DeadLetterMessage.FromOutsideKafka("replay", "file:" + Path.GetFileName(file), line, null, problems, bytes, null);
        return DeadLetterMessage.Create(letter);
    }

    private EventBatch Validate(ConsumeResult<byte[]?, byte[]?> message) =>
        new ValidateStage(_rules, _clock, "historian-pg").Run(Messages.Topic, [message], DeserializeStage.Run([message]));

    private static string Header(Message<byte[]?, byte[]?> record, string name) => Messages.Text(record.Headers.GetLastBytes(name));
}
