using Confluent.Kafka;
using Ms5.Kafka.Consuming;
using Ms5.Stream.Tests.Support;

namespace Ms5.Stream.Tests;

public sealed class BatchConsumerTests
{
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);

    [Fact]
    public void NextOffsets_EachPartitionsHighestOffsetPlusOne_InFirstSeenOrder_WithTheMessagesTopic()
    {
        var offsets = BatchConsumer<int>.NextOffsets([Messages.At(3, 10), Messages.At(0, 4), Messages.At(3, 12), Messages.At(3, 11), Messages.At(0, 2), Messages.At(7, 0)]);

        Assert.Equal([new TopicPartitionOffset(Messages.Topic, 3, 13), new TopicPartitionOffset(Messages.Topic, 0, 5), new TopicPartitionOffset(Messages.Topic, 7, 1)], offsets);
        Assert.Empty(BatchConsumer<int>.NextOffsets([]));
    }

    [Fact]
    public async Task RunAsync_WriteInFlight_CommitsOnlyAfterItCompletesWithLastOffsetPlusOnePerPartition()
    {
        await using var h = new Harness();
        h.Consumer.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Session.Play(Step.At(0, 5), Step.At(1, 7), Step.At(0, 6), Step.At(1, 9), Step.Quiet());
        h.Start();

        await h.Journal.Until("write 0@5,1@7,0@6,1@9");
        Assert.Empty(h.Session.Commits);

        h.Consumer.Gate.SetResult();
        await h.Journal.Until("commit 0@7,1@10");

        Assert.Equal(["write 0@5,1@7,0@6,1@9", "written 0@5,1@7,0@6,1@9", "commit 0@7,1@10"], h.Journal.Entries);
        var commit = Assert.Single(h.Session.Commits);
        Assert.Equal([new TopicPartitionOffset(Messages.Topic, 0, 7), new TopicPartitionOffset(Messages.Topic, 1, 10)], commit);
    }

    [Fact]
    public async Task RunAsync_BacklogBehindAWrite_HandsTheNextBatchOverInWholeChunksInOrder_AndNothingWhileNoWriteRuns()
    {
        const int chunk = ScriptedBatchConsumer.FillingChunk;
        const int first = chunk + 808;
        await using var h = new Harness(ScriptedBatchConsumer.Config(maxBatch: 3 * chunk));
        h.Consumer.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // A first batch of more than a chunk, filled while no write runs (nothing handed over), then a backlog behind its write.
        var firstBatch = Enumerable.Range(0, first).Select(i => Step.At(0, i));
        var backlog = Enumerable.Range(first, 2 * chunk + 5).Select(i => Step.At(0, i));
        h.Session.Play([.. firstBatch, Step.Quiet(), .. backlog, Step.Quiet()]);
        h.Start();

        // The first batch is written while the backlog fills the second one; the write waits for the gate.
        await Until(() => h.Consumer.Cuts.Count == 2);
        Assert.Equal(first, h.Consumer.Cuts[0].Batch.Count);
        Assert.Equal([$"{first}..{first + chunk - 1}", $"{first + chunk}..{first + 2 * chunk - 1}"], h.Consumer.Filling);

        h.Consumer.Gate.SetResult();
        await h.Journal.Until($"commit 0@{first + 2 * chunk + 5}");

        // The whole backlog went out as one batch, every message once; the 5 after the last whole chunk were not handed over.
        Assert.Equal(Enumerable.Range(first, 2 * chunk + 5).Select(i => (long)i), h.Consumer.Cuts[1].Batch.Select(m => m.Offset.Value));
        Assert.Equal(2, h.Consumer.Filling.Count);
    }

    [Fact]
    public async Task RunAsync_WriteEndsWhileABacklogFills_WritesTheChunksHandedOver_AndTheRestNext()
    {
        const int chunk = ScriptedBatchConsumer.FillingChunk;
        const int first = 100;
        await using var h = new Harness(ScriptedBatchConsumer.Config(maxBatch: 4 * chunk));
        var gate = h.Consumer.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // A first batch, then a backlog behind its write; after two chunks and 5 more the write ends (the gate opens and
        // the script waits for it), then nothing comes: the batch is the two chunks handed over, the 5 go next.
        var firstBatch = Enumerable.Range(0, first).Select(i => Step.At(0, i));
        var backlog = Enumerable.Range(first, 2 * chunk + 5).Select(i => Step.At(0, i));
        var writeEnds = new Step.Rebalance(_ =>
        {
            gate.SetResult();
            SpinWait.SpinUntil(() => h.Journal.Entries.Any(e => e.StartsWith("written ", StringComparison.Ordinal)), Journal.HangGuard);
            // The write's task completes right after it journals.
            Thread.Sleep(200);
        });
        h.Session.Play([.. firstBatch, Step.Quiet(), .. backlog, writeEnds, Step.Quiet()]);
        h.Start();

        await h.Journal.Until($"commit 0@{first + 2 * chunk + 5}");

        Assert.Equal(3, h.Consumer.Cuts.Count);
        Assert.Equal(Enumerable.Range(0, first).Select(i => (long)i), h.Consumer.Cuts[0].Batch.Select(m => m.Offset.Value));
        Assert.Equal(Enumerable.Range(first, 2 * chunk).Select(i => (long)i), h.Consumer.Cuts[1].Batch.Select(m => m.Offset.Value));
        Assert.Equal(Enumerable.Range(first + 2 * chunk, 5).Select(i => (long)i), h.Consumer.Cuts[2].Batch.Select(m => m.Offset.Value));
        Assert.Equal([$"{first}..{first + chunk - 1}", $"{first + chunk}..{first + 2 * chunk - 1}"], h.Consumer.Filling);
        // Committed in order, each batch once.
        Assert.Equal([$"commit 0@{first}", $"commit 0@{first + 2 * chunk}", $"commit 0@{first + 2 * chunk + 5}"], h.Journal.Entries.Where(e => e.StartsWith("commit", StringComparison.Ordinal)));
    }

    private static async Task Until(Func<bool> condition)
    {
        using var guard = new CancellationTokenSource(Journal.HangGuard);
        while (!condition())
        {
            await Task.Delay(10, guard.Token);
        }
    }

    [Fact]
    public async Task RunAsync_IdleAfterAWrite_CommitsWithoutWaitingForAnotherMessage()
    {
        await using var h = new Harness();
        h.Session.Play(Step.At(0, 5), Step.Quiet());
        h.Start();

        // Nothing more arrives: the durable batch must still be committed (and completed) while the consumer idles.
        await h.Journal.Until("commit 0@6");

        Assert.Equal(["write 0@5", "written 0@5", "commit 0@6"], h.Journal.Entries);
    }

    [Fact]
    public async Task RunAsync_WriteFails_RetriesTheSameBatchWithDoublingCappedBackoffAndCommitsOnceAfterSuccess()
    {
        await using var h = new Harness(ScriptedBatchConsumer.Config(maxRetryDelayMs: 1000));
        h.Consumer.FailNext(5);
        h.Session.Play(Step.At(0, 5), Step.At(0, 6), Step.Quiet());
        h.Start();

        TimeSpan[] expected = [200 * Ms, 400 * Ms, 800 * Ms, 1000 * Ms, 1000 * Ms];
        foreach (var delay in expected)
        {
            Assert.Equal(delay, await h.Clock.NextTimerAsync());
            Assert.Empty(h.Session.Commits);
            h.Clock.Advance(delay);
        }

        await h.Journal.Until("commit 0@7");

        var start = TimerRecordingClock.T0;
        var attempts = h.Consumer.Attempts;
        Assert.Equal([start + (200 * Ms), start + (400 * Ms), start + (800 * Ms), start + (1600 * Ms), start + (2600 * Ms), start + (3600 * Ms)], attempts.Select(a => a.At));
        Assert.All(attempts, a => Assert.Same(attempts[0].Batch, a.Batch));
        Assert.Equal([.. Enumerable.Repeat("write 0@5,0@6", 6), "written 0@5,0@6", "commit 0@7"], h.Journal.Entries);
    }

    [Fact]
    public async Task OnRevoked_WriteInFlight_CompletesAndCommitsItBeforeReturningAndDropsPendingOfRevokedPartition()
    {
        await using var h = new Harness();
        h.Consumer.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Session.Play(Step.At(0, 10), Step.At(1, 20), Step.Quiet());
        h.Start();
        await h.Journal.Until("write 0@10,1@20");

        h.Session.Play(
            Step.At(0, 11),
            Step.At(1, 21),
            new Step.Rebalance(listener =>
            {
                h.Journal.Add("revoke 0");
                listener.OnRevoked([Messages.Partition(0)], lost: false);
                h.Journal.Add("revoked 0");
            }),
            Step.Quiet());
        await h.Journal.Until("revoke 0");
        Assert.Equal(["write 0@10,1@20", "revoke 0"], h.Journal.Entries);

        h.Consumer.Gate.SetResult();
        await h.Journal.Until("commit 1@22");

        Assert.Equal(
            [
                "write 0@10,1@20", "revoke 0", "written 0@10,1@20", "commit 0@11,1@21", "revoked 0",
                "write 1@21", "written 1@21", "commit 1@22",
            ],
            h.Journal.Entries);
    }

    [Fact]
    public async Task OnRevoked_WriteThatCannotFinish_IsAbandonedUncommitted_AndKeptPartitionsAreReadAgain()
    {
        // The store is down: the write waits forever. The rebalance must not.
        await using var h = new Harness();
        h.Consumer.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Session.Play(Step.At(0, 10), Step.At(1, 20), Step.Quiet());
        h.Start();
        await h.Journal.Until("write 0@10,1@20");

        h.Session.Play(
            Step.At(1, 21),
            new Step.Rebalance(listener =>
            {
                h.Journal.Add("revoke 0");
                listener.OnRevoked([Messages.Partition(0)], lost: false);
                h.Journal.Add("revoked 0");
            }),
            Step.At(1, 22),
            Step.Quiet());
        await h.Journal.Until("revoke 0");
        // The revocation waits RevocationWait (10 s) on the fake clock, then gives the write up.
        Assert.Equal(TimeSpan.FromSeconds(10), await h.Clock.NextTimerAsync());
        h.Clock.Advance(TimeSpan.FromSeconds(10));
        await h.Journal.Until("seek 1@20");

        // Nothing was committed; partition 1 (kept) is read again from the abandoned batch's offset, 1@21 and 1@22 after it.
        Assert.Equal(["write 0@10,1@20", "revoke 0", "revoked 0", "seek 1@20"], h.Journal.Entries);
        Assert.Empty(h.Session.Commits);
    }

    [Fact]
    public async Task OnRevoked_WhileTheNextBatchWaitsForTheWrite_AMessageReturnedByTheSameConsume_IsReadAgainInOrder()
    {
        // The next batch is prepared and waits for the write; the consumer reads on (not paused: the batch after it is not
        // full). A revocation inside one Consume abandons the write, and that Consume still returns a message of a kept
        // partition: it must not begin the next batch ahead of the rewind (a duplicate, out of order).
        await using var h = new Harness(ScriptedBatchConsumer.Config(maxBatch: 2, maxDelayMs: 200));
        h.Consumer.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Session.Play(Step.At(0, 10), Step.At(1, 20), Step.Quiet());
        h.Start();
        await h.Journal.Until("write 0@10,1@20");

        h.Session.Play(
            Step.At(1, 21),
            Step.At(1, 22),
            Step.At(1, 23),
            new Step.Rebalance(listener =>
            {
                h.Journal.Add("revoke 0");
                listener.OnRevoked([Messages.Partition(0)], lost: false);
            }),
            Step.At(1, 24),
            Step.Quiet());
        await h.Journal.Until("revoke 0");
        Assert.Equal(TimeSpan.FromSeconds(10), await h.Clock.NextTimerAsync());
        h.Clock.Advance(TimeSpan.FromSeconds(10));
        await h.Journal.Until("seek 1@20");

        // Partition 1 read again from the rewind (the session only records the seek; the script plays the re-read).
        h.Session.Play(Step.At(1, 20), Step.At(1, 21), Step.At(1, 22), Step.At(1, 23), Step.At(1, 24), Step.Quiet());
        h.Consumer.Gate.SetResult();
        await h.Journal.Until("commit 1@25");

        var writes = h.Journal.Entries.SkipWhile(e => e != "seek 1@20").Where(e => e.StartsWith("write ", StringComparison.Ordinal)).ToList();
        Assert.Equal(["write 1@20,1@21", "write 1@22,1@23", "write 1@24"], writes);
    }

    [Fact]
    public async Task OnRevoked_PartitionsLost_DropsTheirPendingMessagesToo()
    {
        await using var h = new Harness();
        h.Session.Play(
            Step.At(0, 3),
            Step.At(2, 8),
            new Step.Rebalance(listener => listener.OnRevoked([Messages.Partition(2)], lost: true)),
            Step.At(0, 4),
            Step.Quiet());
        h.Start();

        await h.Journal.Until("commit 0@5");

        Assert.Equal(["write 0@3,0@4", "written 0@3,0@4", "commit 0@5"], h.Journal.Entries);
    }

    [Fact]
    public async Task RunAsync_MaxBatchReached_CutsTheBatchWithoutWaiting()
    {
        await using var h = new Harness(ScriptedBatchConsumer.Config(maxBatch: 3, maxDelayMs: 200));
        h.Session.Play(Step.At(0, 0), Step.At(0, 1), Step.At(0, 2), Step.At(0, 3), Step.At(0, 4), Step.Quiet());
        h.Start();

        await h.Journal.Until("commit 0@5");

        var start = TimerRecordingClock.T0;
        Assert.Equal([("0@0,0@1,0@2", start), ("0@3,0@4", start + (200 * Ms))], h.Consumer.Cuts.Select(c => (Journal.Positions(c.Batch), c.At)));
        Assert.Equal(["write 0@0,0@1,0@2", "written 0@0,0@1,0@2", "commit 0@3", "write 0@3,0@4", "written 0@3,0@4", "commit 0@5"], h.Journal.Entries);
    }

    [Fact]
    public async Task RunAsync_FirstMessageMaxDelayOld_CutsTheBatchAtThatAge()
    {
        await using var h = new Harness(ScriptedBatchConsumer.Config(maxBatch: 100, maxDelayMs: 200));
        h.Session.Play(
            Step.At(0, 0),
            Step.At(0, 1, after: 150 * Ms),
            Step.At(0, 2, after: 100 * Ms),
            Step.At(0, 3),
            Step.Quiet());
        h.Start();

        await h.Journal.Until("commit 0@4");

        // The first batch is cut when 0@0 is 200 ms old (0@2 is still 50 ms away); the second 200 ms after 0@2 came.
        var start = TimerRecordingClock.T0;
        Assert.Equal([("0@0,0@1", start + (200 * Ms)), ("0@2,0@3", start + (450 * Ms))], h.Consumer.Cuts.Select(c => (Journal.Positions(c.Batch), c.At)));
    }

    [Fact]
    public async Task RunAsync_Cancelled_ClosesTheSession()
    {
        var h = new Harness();
        h.Start();
        await h.DisposeAsync();

        Assert.True(h.Session.Closed);
    }

    [Fact]
    public void OnAssigned_ByDefault_StartsAtTheGroupsCommittedOffset()
    {
        using var consumer = new ScriptedBatchConsumer(new ScriptedSession(new TimerRecordingClock(), new Journal()), TimeProvider.System, new Journal(), ScriptedBatchConsumer.Config());
        IPartitionListener listener = consumer;

        var offsets = listener.OnAssigned([Messages.Partition(0), Messages.Partition(3)], _ => 42).ToList();

        Assert.Equal([new TopicPartitionOffset(Messages.Topic, 0, Offset.Unset), new TopicPartitionOffset(Messages.Topic, 3, Offset.Unset)], offsets);
    }
}
