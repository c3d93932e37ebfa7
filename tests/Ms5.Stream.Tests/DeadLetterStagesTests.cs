using Ms5.Analytics.Events;
using Ms5.Kafka.Consuming;
using Ms5.Stream.Tests.Support;

namespace Ms5.Stream.Tests;

public sealed class DeadLetterStagesTests
{
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
    public async Task KeepDeadLettersWithBatch_LeavesThemForTheHandler()
    {
        var batch = Batch(Letter(0, 1));

        await new KeepDeadLettersWithBatch().RouteAsync(batch, CancellationToken.None);

        Assert.Equal([(0, 1L)], batch.DeadLetters.Select(d => (d.Partition, d.Offset)));
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
}
