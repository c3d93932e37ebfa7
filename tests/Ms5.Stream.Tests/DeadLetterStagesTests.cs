using Ms5.Analytics.Events;
using Ms5.Kafka.Consuming;
using Ms5.Kafka.DeadLetters;
using Ms5.Stream.Tests.Support;

namespace Ms5.Stream.Tests;

public sealed class DeadLetterStagesTests
{
    private const string Dlq = "ms5.machine-events.dlq.v1";

    [Fact]
    public async Task SkipDeadLetters_RouteAsync_CountsTheBatchsDeadLetters()
    {
        var counted = new List<int>();
        var stage = new SkipDeadLetters(counted.Add);

        await stage.RouteAsync(Batch(Letter(0, 1), Letter(0, 2), Letter(1, 5)), CancellationToken.None);

        Assert.Equal([3], counted);
    }

    [Fact]
    public async Task SkipDeadLetters_RouteAsyncWithoutDeadLetters_CountsNothing()
    {
        var counted = new List<int>();
        var stage = new SkipDeadLetters(counted.Add);

        await stage.RouteAsync(Batch(), CancellationToken.None);

        Assert.Empty(counted);
    }

    [Fact]
    public async Task SkipDeadLetters_SameBatchRetried_CountsEachDeadLetterOnce()
    {
        var counted = new List<int>();
        var stage = new SkipDeadLetters(counted.Add);
        var batch = Batch(Letter(0, 1), Letter(0, 2));

        await stage.RouteAsync(batch, CancellationToken.None);
        await stage.RouteAsync(batch, CancellationToken.None);
        stage.BatchCompleted();
        await stage.RouteAsync(Batch(Letter(0, 3)), CancellationToken.None);

        Assert.Equal([2, 1], counted);
    }

    [Fact]
    public async Task PublishDeadLetters_SameBatchRetried_SendsEachDeadLetterOnce()
    {
        var producer = new RecordingProducer();
        var stage = new PublishDeadLetters(producer, Dlq);
        var batch = Batch(Letter(0, 1), Letter(1, 5));

        await stage.RouteAsync(batch, CancellationToken.None);
        await stage.RouteAsync(batch, CancellationToken.None);

        Assert.Equal([(Dlq, "1"), (Dlq, "5")], producer.Sent.Select(s => (s.Topic, Header(s.Message, DlqHeaders.SourceOffset))));
    }

    [Fact]
    public async Task PublishDeadLetters_SendFails_ThrowsAndSendsOnTheRetry()
    {
        var producer = new RecordingProducer();
        producer.FailNext(1);
        var stage = new PublishDeadLetters(producer, Dlq);
        var batch = Batch(Letter(0, 1));

        await Assert.ThrowsAnyAsync<Confluent.Kafka.KafkaException>(() => stage.RouteAsync(batch, CancellationToken.None));
        Assert.Empty(producer.Sent);

        await stage.RouteAsync(batch, CancellationToken.None);

        Assert.Equal(["1"], producer.Sent.Select(s => Header(s.Message, DlqHeaders.SourceOffset)));
    }

    [Fact]
    public async Task PublishDeadLetters_AfterBatchCompleted_SendsTheSamePositionAgain()
    {
        // After a revocation the partition's new owner (or this consumer, reassigned) may read it again.
        var producer = new RecordingProducer();
        var stage = new PublishDeadLetters(producer, Dlq);

        await stage.RouteAsync(Batch(Letter(0, 1)), CancellationToken.None);
        stage.BatchCompleted();
        await stage.RouteAsync(Batch(Letter(0, 1)), CancellationToken.None);

        Assert.Equal(2, producer.Sent.Count);
    }

    [Fact]
    public async Task PublishDeadLetters_SendsTheDlqRecordOfEachLetter()
    {
        var producer = new RecordingProducer();
        var letter = Letter(3, 9) with { Payload = Messages.Bytes("{}") };

        await new PublishDeadLetters(producer, Dlq).RouteAsync(Batch(letter), CancellationToken.None);

        var sent = Assert.Single(producer.Sent).Message;
        var expected = DeadLetterMessage.Create(letter);
        Assert.Equal(expected.Value, sent.Value);
        Assert.Equal(expected.Key, sent.Key);
        Assert.Equal(expected.Headers.Select(h => (h.Key, Messages.Text(h.GetValueBytes()))), sent.Headers.Select(h => (h.Key, Messages.Text(h.GetValueBytes()))));
    }

    private static DeadLetter Letter(int partition, long offset) =>
        new("historian-pg", Messages.Topic, partition, offset, "press-01", [new EventProblem("type", "is required")], Messages.Bytes("{\"machineId\":\"press-01\"}"))
        {
            Key = Messages.Bytes("press-01"),
        };

    private static EventBatch Batch(params DeadLetter[] letters)
    {
        var batch = new EventBatch(Messages.Topic);
        foreach (var letter in letters)
        {
            batch.Advance(letter.Partition, letter.Offset);
            batch.DeadLetters.Add(letter);
        }

        return batch;
    }

    private static string Header(Confluent.Kafka.Message<byte[]?, byte[]?> message, string name) =>
        Messages.Text(message.Headers.GetLastBytes(name));
}
