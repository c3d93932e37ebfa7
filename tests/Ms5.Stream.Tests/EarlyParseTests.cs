using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Ms5.Analytics.Events;
using Ms5.Kafka;
using Ms5.Kafka.Consuming;
using Ms5.Stream.Tests.Support;

namespace Ms5.Stream.Tests;

/// <summary>
/// A backlog's batch is parsed chunk by chunk while the previous one is written (<c>OnFilling</c>); the prepared batch
/// must be exactly what parsing it whole gives, whatever happened to the messages in between.
/// </summary>
public sealed class EarlyParseTests
{
    [Fact]
    public async Task Prepare_WithEveryChunkParsedEarly_EqualsParsingTheBatchWhole()
    {
        var messages = Batch(20);
        using var consumer = Consumer();
        consumer.Fill(messages.GetRange(0, 8));
        consumer.Fill(messages.GetRange(8, 8));

        var prepared = await consumer.PrepareAsync(messages);

        AssertSameAsWhole(messages, prepared);
        Assert.Equal(16, consumer.ParsedEarly);
    }

    [Fact]
    public async Task Prepare_AfterAMessageOfAChunkWasDropped_GivesEachMessageItsOwnResult()
    {
        var messages = Batch(20);
        using var consumer = Consumer();
        consumer.Fill(messages.GetRange(0, 8));
        consumer.Fill(messages.GetRange(8, 8));
        // A revocation took message 3's partition: the first chunk no longer lines up, nor does any after it.
        var kept = messages.Where((_, i) => i != 3).ToList();

        var prepared = await consumer.PrepareAsync(kept);

        AssertSameAsWhole(kept, prepared);
        Assert.Equal(0, consumer.ParsedEarly);
    }

    [Fact]
    public async Task Prepare_AfterAMessageWasDropped_AndTheBatchHandedAgain_UsesTheChunksHandedAgain()
    {
        var messages = Batch(20);
        using var consumer = Consumer();
        consumer.Fill(messages.GetRange(0, 8));
        // A revocation dropped message 3; the consumer hands the batch over again from its start.
        var kept = messages.Where((_, i) => i != 3).ToList();
        consumer.Fill(kept.GetRange(0, 8));
        consumer.Fill(kept.GetRange(8, 8));

        var prepared = await consumer.PrepareAsync(kept);

        AssertSameAsWhole(kept, prepared);
        Assert.Equal(16, consumer.ParsedEarly);
    }

    [Fact]
    public async Task Prepare_AfterTheSecondChunkWasDropped_UsesTheFirstAndTheThird()
    {
        var messages = Batch(24);
        using var consumer = Consumer();
        consumer.Fill(messages.GetRange(0, 8));
        consumer.Fill(messages.GetRange(8, 8));
        consumer.Fill(messages.GetRange(16, 8));
        var kept = messages.Take(8).Concat(messages.Skip(16)).ToList();

        var prepared = await consumer.PrepareAsync(kept);

        AssertSameAsWhole(kept, prepared);
        Assert.Equal(16, consumer.ParsedEarly);
    }

    [Fact]
    public async Task Prepare_WithChunksOfOtherMessages_IgnoresThem_AndTheNextBatchStartsClean()
    {
        var first = Batch(10);
        // The same offsets read again after a rewind: other message objects, other content.
        var reread = Batch(10, machine: "press-02");
        using var consumer = Consumer();
        consumer.Fill(first.GetRange(0, 10));

        var prepared = await consumer.PrepareAsync(reread);
        AssertSameAsWhole(reread, prepared);
        Assert.Equal(0, consumer.ParsedEarly);

        // The next batch starts with the stale chunk gone: its own first chunk lines up at its start.
        var next = Batch(5);
        consumer.Fill(next.GetRange(0, 5));
        AssertSameAsWhole(next, await consumer.PrepareAsync(next));
        Assert.Equal(5, consumer.ParsedEarly);
    }

    [Fact]
    public async Task Prepare_WithALongerChunkThanTheBatch_ParsesTheBatchItself()
    {
        var messages = Batch(10);
        using var consumer = Consumer();
        consumer.Fill(messages);

        var batch = messages.Take(6).ToList();

        var prepared = await consumer.PrepareAsync(batch);

        AssertSameAsWhole(batch, prepared);
        Assert.Equal(0, consumer.ParsedEarly);
    }

    [Fact]
    public async Task Prepare_InvalidMessagesParsedEarly_AreStillDeadLettersWithTheirProblems()
    {
        var messages = Batch(6);
        messages[2] = Messages.At(0, 2, Messages.Bytes("{not json"));
        messages[4] = Messages.At(0, 4, Messages.Bytes(Messages.State(o => o["state"] = "flying")));
        using var consumer = Consumer();
        consumer.Fill(messages.GetRange(0, 6));

        var prepared = await consumer.PrepareAsync(messages);

        AssertSameAsWhole(messages, prepared);
        Assert.Equal(6, consumer.ParsedEarly);
        Assert.Equal([2L, 4L], prepared.Validated!.DeadLetters.Select(d => d.Offset));
        Assert.Equal([0L, 1L, 3L, 5L], prepared.Validated.Events.Select(e => e.Offset));
    }

    [Fact]
    public async Task Prepare_WithEveryChunkValidatedEarly_JoinsThemWithTheRestInOrder()
    {
        // Two partitions, invalid messages in both chunks and in the rest: events, dead letters and offsets as validated whole.
        var messages = Batch(20);
        for (var i = 0; i < messages.Count; i += 2)
        {
            messages[i] = Messages.At(1, i, messages[i].Message.Value);
        }

        messages[3] = Messages.At(0, 3, Messages.Bytes("{not json"));
        messages[10] = Messages.At(1, 10, Messages.Bytes(Messages.State(o => o["machineId"] = "nobody")));
        messages[17] = Messages.At(0, 17, Messages.Bytes(Messages.State(o => o["state"] = "flying")));
        using var consumer = Consumer();
        consumer.Fill(messages.GetRange(0, 8));
        consumer.Fill(messages.GetRange(8, 8));

        var prepared = await consumer.PrepareAsync(messages);

        AssertSameAsWhole(messages, prepared);
        Assert.Equal(16, consumer.ValidatedEarly);
        Assert.Equal([3L, 10L, 17L], prepared.Validated!.DeadLetters.Select(d => d.Offset));
        Assert.Equal(new Dictionary<int, long> { [0] = 20, [1] = 19 }, prepared.Validated.NextOffsets);
    }

    [Fact]
    public async Task Prepare_WhenAChunkCouldNotBeValidatedEarly_ValidatesTheWholeBatchThen()
    {
        var messages = Batch(20);
        messages[5] = Messages.At(0, 5, Messages.Bytes(Messages.State(o => o["machineId"] = "nobody")));
        // One of the two chunks' reads fails (whichever runs first); the catalog answers again at prepare.
        var catalog = new FakeCatalog(Messages.KnownMachine, "press-02") { FailNext = 1 };
        using var consumer = new TestConsumer(catalog);
        consumer.Fill(messages.GetRange(0, 8));
        consumer.Fill(messages.GetRange(8, 8));

        var prepared = await consumer.PrepareAsync(messages);

        AssertSameAsWhole(messages, prepared);
        Assert.Equal(16, consumer.ParsedEarly);
        Assert.Equal(0, consumer.ValidatedEarly);
        Assert.Equal([5L], prepared.Validated!.DeadLetters.Select(d => d.Offset));
    }

    [Fact]
    public async Task Prepare_WhenTheCatalogIsAwayAtPrepare_LeavesValidationToTheWrite()
    {
        var messages = Batch(20);
        var catalog = new FakeCatalog(Messages.KnownMachine, "press-02") { Unavailable = true };
        using var consumer = new TestConsumer(catalog);
        consumer.Fill(messages.GetRange(0, 8));

        var prepared = await consumer.PrepareAsync(messages);

        Assert.Null(prepared.Validated);
        Assert.Equal(8, consumer.ParsedEarly);
    }

    [Fact]
    public async Task Prepare_ForAConsumerWhoseDeadLettersKeepNothing_LetsGoOfTheBytesOfEveryValidEvent()
    {
        var messages = Batch(12);
        messages[2] = Messages.At(0, 2, Messages.Bytes("{not json"));
        messages[9] = Messages.At(0, 9, Messages.Bytes(Messages.State(o => o["machineId"] = "nobody")));
        var original = Copy(messages);
        using var consumer = Consumer(keepsSources: false);
        consumer.Fill(messages.GetRange(0, 8));

        var prepared = await consumer.PrepareAsync(messages);

        AssertSameAsWhole(original, messages, prepared);
        Assert.Equal(8, consumer.ParsedEarly);
        // Early and late alike: every message that parsed holds its event instead of its bytes; the one that did not keeps them.
        Assert.All(messages.Where((_, i) => i != 2), m => Assert.Null(m.Message.Value));
        Assert.Equal(original[2].Message.Value, messages[2].Message.Value);
        // A machine the plant does not know is a dead letter all the same, counted at its offset (without its bytes).
        var unknown = Assert.Single(prepared.Validated!.DeadLetters, d => d.Offset == 9);
        Assert.Null(unknown.Payload);
        Assert.Equal("nobody", unknown.MachineId);
    }

    [Fact]
    public async Task Prepare_ForAConsumerWhoseDeadLettersKeepSources_KeepsEveryMessagesBytes()
    {
        var messages = Batch(12);
        var original = Copy(messages);
        using var consumer = Consumer(keepsSources: true);
        consumer.Fill(messages.GetRange(0, 8));

        AssertSameAsWhole(original, messages, await consumer.PrepareAsync(messages));
        Assert.Equal(original.Select(m => m.Message.Value), messages.Select(m => m.Message.Value));
    }

    [Fact]
    public async Task Prepare_AgainAfterARevocation_OfMessagesWhoseBytesWereLetGo_GivesEachMessageItsOwnResult()
    {
        // Two partitions; the batch is prepared (bytes let go), then partition 1 is revoked and the rest prepared again.
        var messages = Batch(20);
        for (var i = 0; i < messages.Count; i += 3)
        {
            messages[i] = Messages.At(1, i, messages[i].Message.Value);
        }

        messages[4] = Messages.At(0, 4, Messages.Bytes(Messages.State(o => o["machineId"] = "nobody")));
        var original = Copy(messages);
        using var consumer = Consumer(keepsSources: false);
        consumer.Fill(messages.GetRange(0, 8));
        await consumer.PrepareAsync(messages);

        var kept = Enumerable.Range(0, messages.Count).Where(i => messages[i].Partition.Value == 0).ToList();
        var prepared = await consumer.PrepareAsync([.. kept.Select(i => messages[i])]);

        AssertSameAsWhole([.. kept.Select(i => original[i])], [.. kept.Select(i => messages[i])], prepared);
        Assert.Equal([4L], prepared.Validated!.DeadLetters.Select(d => d.Offset));
    }

    [Fact]
    public async Task Prepare_WithChunksHandedAgainAfterTheirBytesWereLetGo_GivesEachMessageItsOwnResult()
    {
        var messages = Batch(20);
        var original = Copy(messages);
        using var consumer = Consumer(keepsSources: false);
        consumer.Fill(messages.GetRange(0, 8));
        consumer.Fill(messages.GetRange(8, 8));
        // A revocation dropped message 3 and the batch is handed over again from its start, its chunks' bytes let go already.
        var keptAt = Enumerable.Range(0, messages.Count).Where(i => i != 3).ToList();
        var kept = keptAt.Select(i => messages[i]).ToList();
        consumer.Fill(kept.GetRange(0, 8));

        var prepared = await consumer.PrepareAsync(kept);

        AssertSameAsWhole([.. keptAt.Select(i => original[i])], kept, prepared);
        Assert.Equal(8, consumer.ParsedEarly);
    }

    [Fact]
    public async Task Write_WhenTheCatalogWasAwayAtPrepare_ValidatesMessagesWhoseBytesWereLetGo()
    {
        var messages = Batch(20);
        messages[6] = Messages.At(0, 6, Messages.Bytes(Messages.State(o => o["machineId"] = "nobody")));
        messages[11] = Messages.At(0, 11, Messages.Bytes("{not json"));
        var original = Copy(messages);
        var catalog = new FakeCatalog(Messages.KnownMachine, "press-02") { Unavailable = true };
        using var consumer = new TestConsumer(catalog, keepsSources: false);
        consumer.Fill(messages.GetRange(0, 8));
        var prepared = await consumer.PrepareAsync(messages);
        Assert.Null(prepared.Validated);

        catalog.Unavailable = false;
        await consumer.WriteAsync(prepared);

        var whole = Validate(original, DeserializeStage.Run(original));
        var handled = Assert.Single(consumer.Handled);
        Assert.Equal(whole.Events, handled.Events);
        Assert.Equal([6L, 11L], handled.DeadLetters.Select(d => d.Offset));
        // The unknown machine's event had parsed (its bytes let go); the message that did not parse keeps its bytes.
        Assert.Null(handled.DeadLetters[0].Payload);
        Assert.Equal(original[11].Message.Value, handled.DeadLetters[1].Payload);
        Assert.Equal(whole.NextOffsets, handled.NextOffsets);
    }

    [Fact]
    public void Parse_OfAMessageWhoseBytesWereLetGo_IsWhatItsBytesParsedInto()
    {
        var message = Messages.At(0, 0);
        var before = DeserializeStage.Parse(message);

        DeserializeStage.LetGo([message], 0, [before]);
        var after = DeserializeStage.Parse(message);

        Assert.Null(message.Message.Value);
        Assert.Same(before.Event, after.Event);
        Assert.Equal(before, after);
    }

    [Fact]
    public void LetGo_WithParseResultsThatDoNotMatchTheMessages_Throws()
    {
        var message = Messages.At(0, 0);

        Assert.Throws<ArgumentOutOfRangeException>(() => DeserializeStage.LetGo([message, Messages.At(0, 1)], 0, [DeserializeStage.Parse(message)]));
    }

    private static TestConsumer Consumer(bool keepsSources = true) => new(new FakeCatalog(Messages.KnownMachine, "press-02"), keepsSources);

    /// <summary>Copies of the messages with their own message objects and bytes: what they were before any was let go.</summary>
    private static List<ConsumeResult<byte[]?, byte[]?>> Copy(List<ConsumeResult<byte[]?, byte[]?>> messages) =>
        [.. messages.Select(m => Messages.At(m.Partition.Value, m.Offset.Value, m.Message.Value!.ToArray()))];

    private static EventBatch Validate(List<ConsumeResult<byte[]?, byte[]?>> messages, EventParseResult[] parsed) =>
        new ValidateStage(new EventRules(new FakeCatalog(Messages.KnownMachine, "press-02").IsKnown, TimeSpan.FromMinutes(5)), new TimerRecordingClock(), "test")
            .Run(messages[0].Topic, messages, parsed);

    /// <summary>Valid state events at offsets 0..count-1 of partition 0, each with an event id of its own.</summary>
    private static List<ConsumeResult<byte[]?, byte[]?>> Batch(int count, string machine = Messages.KnownMachine) =>
        [.. Enumerable.Range(0, count).Select(i => Messages.At(0, i, Messages.Bytes(Messages.State(o =>
        {
            o["eventId"] = Guid.CreateVersion7().ToString();
            o["machineId"] = machine;
        }, TimerRecordingClock.T0.AddSeconds(i)))))];

    private static void AssertSameAsWhole(List<ConsumeResult<byte[]?, byte[]?>> messages, PreparedEvents prepared) =>
        AssertSameAsWhole(messages, messages, prepared);

    /// <summary>
    /// <paramref name="prepared"/> (of <paramref name="messages"/>) is what parsing and validating <paramref name="original"/>
    /// whole gives: the same messages with the bytes they were consumed with.
    /// </summary>
    private static void AssertSameAsWhole(List<ConsumeResult<byte[]?, byte[]?>> original, List<ConsumeResult<byte[]?, byte[]?>> messages, PreparedEvents prepared)
    {
        var whole = DeserializeStage.Run(original);
        Assert.Equal(messages, prepared.Messages);
        Assert.Equal(whole.Length, prepared.Parsed.Length);
        for (var i = 0; i < whole.Length; i++)
        {
            Assert.Equal(whole[i].Event, prepared.Parsed[i].Event);
            Assert.Equal(whole[i].Problems.Select(p => (p.Field, p.Message)), prepared.Parsed[i].Problems.Select(p => (p.Field, p.Message)));
        }

        // And validated as the batch whole would be: the same events, dead letters (with their problems) and offsets, in order.
        var validated = Validate(original, whole);
        Assert.NotNull(prepared.Validated);
        Assert.Equal(validated.Events, prepared.Validated.Events);
        Assert.Equal(validated.DeadLetters.Select(d => (d.Partition, d.Offset, d.Reason)), prepared.Validated.DeadLetters.Select(d => (d.Partition, d.Offset, d.Reason)));
        Assert.Equal(validated.NextOffsets, prepared.Validated.NextOffsets);
    }

    /// <summary>An event consumer whose filling and preparing the test drives by hand (no session, no write).</summary>
    private sealed class TestConsumer(FakeCatalog catalog, bool keepsSources = true) : EventConsumer(
        new KafkaOptions(), ScriptedBatchConsumer.Config(), new EventPipeline(new ValidateStage(new EventRules(catalog.IsKnown, TimeSpan.FromMinutes(5)), new TimerRecordingClock(), "test"), new NoDeadLetters(keepsSources), catalog),
        new TimerRecordingClock(), NullLogger.Instance)
    {
        public List<EventBatch> Handled { get; } = [];

        public void Fill(List<ConsumeResult<byte[]?, byte[]?>> chunk) => OnFilling(chunk);

        public ValueTask<PreparedEvents> PrepareAsync(List<ConsumeResult<byte[]?, byte[]?>> messages) => PrepareAsync(messages, CancellationToken.None);

        public Task WriteAsync(PreparedEvents prepared) => WriteAsync(prepared, CancellationToken.None);

        protected override Task HandleAsync(EventBatch batch, CancellationToken ct)
        {
            Handled.Add(batch);
            return Task.CompletedTask;
        }
    }

    private sealed class NoDeadLetters(bool keepsSources) : IDeadLetterStage
    {
        public bool KeepsSources => keepsSources;

        public Task RouteAsync(EventBatch batch, CancellationToken ct) => Task.CompletedTask;

        public void BatchCompleted()
        {
        }
    }
}
