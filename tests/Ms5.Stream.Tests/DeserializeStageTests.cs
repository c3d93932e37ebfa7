using Ms5.Analytics.Events;
using Ms5.Kafka.Consuming;
using Ms5.Stream.Tests.Support;

namespace Ms5.Stream.Tests;

public sealed class DeserializeStageTests
{
    [Fact]
    public void Run_NullEmptyAndGarbageBytes_BecomeParseProblemsInMessageOrder()
    {
        var valid = Messages.At(0, 4);
        var messages = new[]
        {
            Messages.At(0, 1),
            Messages.At(0, 2, value: []),
            Messages.At(0, 3, value: Messages.Bytes("not json")),
            valid,
        };
        messages[0].Message.Value = null; // At() fills a null value with a valid event

        var parsed = DeserializeStage.Run(messages);

        Assert.Equal(4, parsed.Length);
        Assert.Equal([new EventProblem("$", "message is empty")], parsed[0].Problems);
        Assert.Equal([new EventProblem("$", "message is empty")], parsed[1].Problems);
        var garbage = Assert.Single(parsed[2].Problems);
        Assert.Equal("$", garbage.Field);
        Assert.StartsWith("not valid JSON: ", garbage.Message, StringComparison.Ordinal);
        Assert.Null(parsed[2].Event);
        Assert.Equal(Guid.Parse(Messages.EventId), parsed[3].Event?.EventId);
        Assert.Empty(parsed[3].Problems);
    }

    [Fact]
    public void Run_BatchLargeEnoughToParseInParallel_KeepsMessageOrder()
    {
        var ids = Enumerable.Range(0, 5000).Select(i => Guid.Parse($"00000000-0000-4000-8000-{i:D12}")).ToList();
        var messages = ids.Select((id, i) => Messages.At(0, i, Messages.Bytes(Messages.State(o => o["eventId"] = id.ToString("D"))))).ToList();

        var parsed = DeserializeStage.Run(messages);

        Assert.Equal(ids, parsed.Select(p => p.Event?.EventId ?? Guid.Empty));
    }

    [Fact]
    public void Run_NoMessages_ReturnsNoResults() => Assert.Empty(DeserializeStage.Run([]));
}
