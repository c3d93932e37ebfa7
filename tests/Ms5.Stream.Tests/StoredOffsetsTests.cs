using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Ms5.Kafka.Consuming;
using Ms5.Stream.Tests.Support;

namespace Ms5.Stream.Tests;

public sealed class StoredOffsetsTests
{
    [Fact]
    public void Assign_StoredOffsetWithinThePartition_StartsThere()
    {
        var offsets = Assign(new Dictionary<int, long> { [0] = 42 }, end: 50);

        Assert.Equal([new TopicPartitionOffset(Messages.Topic, 0, 42)], offsets);
    }

    [Fact]
    public void Assign_StoredOffsetAtTheEnd_StartsThere()
    {
        var offsets = Assign(new Dictionary<int, long> { [0] = 50 }, end: 50);

        Assert.Equal([new TopicPartitionOffset(Messages.Topic, 0, 50)], offsets);
    }

    [Fact]
    public void Assign_NothingStored_StartsAtTheBeginning()
    {
        var offsets = Assign(new Dictionary<int, long>(), end: 50);

        Assert.Equal([new TopicPartitionOffset(Messages.Topic, 0, Offset.Beginning)], offsets);
    }

    [Fact]
    public void Assign_StoredOffsetPastTheEnd_StartsAtTheBeginning()
    {
        var offsets = Assign(new Dictionary<int, long> { [0] = 51 }, end: 50);

        Assert.Equal([new TopicPartitionOffset(Messages.Topic, 0, Offset.Beginning)], offsets);
    }

    [Fact]
    public void Assign_EndOffsetUnknown_StartsAtTheStoredOffset()
    {
        var offsets = Assign(new Dictionary<int, long> { [0] = 42 }, end: null);

        Assert.Equal([new TopicPartitionOffset(Messages.Topic, 0, 42)], offsets);
    }

    private static List<TopicPartitionOffset> Assign(Dictionary<int, long> stored, long? end) =>
        StoredOffsets.Assign([Messages.Partition(0)], _ => end, stored, "test-group", NullLogger.Instance).ToList();
}
