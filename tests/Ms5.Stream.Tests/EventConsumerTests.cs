using Microsoft.Extensions.Logging.Abstractions;
using Ms5.Analytics.Events;
using Ms5.Kafka;
using Ms5.Kafka.Consuming;
using Ms5.Stream.Tests.Support;

namespace Ms5.Stream.Tests;

public sealed class EventConsumerTests
{
    [Fact]
    public async Task RunAsync_BatchWithDeadLetters_RoutesThemBeforeHandlingAndCompletesAfterCommit()
    {
        var clock = new TimerRecordingClock();
        var journal = new Journal();
        var catalog = new FakeCatalog(Messages.KnownMachine);
        var session = new ScriptedSession(clock, journal);
        var pipeline = new EventPipeline(new ValidateStage(new EventRules(catalog.IsKnown, TimeSpan.FromMinutes(5)), clock, "test"), new JournaledDeadLetters(journal), catalog);
        using var consumer = new JournaledEventConsumer(session, pipeline, clock, journal);
        session.Play(Step.At(0, 0), Step.Of(Messages.At(0, 1, Messages.Bytes(Messages.State(o => o["machineId"] = "press-99")))), Step.Quiet());
        using var stop = new CancellationTokenSource();
        var run = Task.Run(() => consumer.RunAsync(stop.Token));

        await journal.Until("batch completed");
        await stop.CancelAsync();
        session.Wake();
        await run.WaitAsync(Journal.HangGuard);

        Assert.Equal(["route 0@1", "handle 0@0", "commit 0@2", "batch completed"], journal.Entries);
        Assert.Equal([Messages.KnownMachine, "press-99"], catalog.EnsureRequests);
    }

    /// <summary>An event consumer over a scripted session that journals what it handles.</summary>
    private sealed class JournaledEventConsumer(ScriptedSession session, EventPipeline pipeline, TimeProvider time, Journal journal)
        : EventConsumer(new KafkaOptions(), ScriptedBatchConsumer.Config(), pipeline, time, NullLogger.Instance)
    {
        protected override IConsumerSession CreateSession()
        {
            session.Listener = this;
            return session;
        }

        protected override Task HandleAsync(EventBatch batch, CancellationToken ct)
        {
            journal.Add("handle " + string.Join(",", batch.Events.Select(e => $"{e.Partition}@{e.Offset}")));
            return Task.CompletedTask;
        }
    }

    private sealed class JournaledDeadLetters(Journal journal) : IDeadLetterStage
    {
        public Task RouteAsync(EventBatch batch, CancellationToken ct)
        {
            journal.Add("route " + string.Join(",", batch.DeadLetters.Select(d => $"{d.Partition}@{d.Offset}")));
            return Task.CompletedTask;
        }

        public void BatchCompleted() => journal.Add("batch completed");
    }
}
