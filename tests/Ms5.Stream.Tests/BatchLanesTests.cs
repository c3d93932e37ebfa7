using Ms5.Analytics.Events;
using Ms5.OeeEngine;

namespace Ms5.Stream.Tests;

public sealed class BatchLanesTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 2, 6, 0, 0, TimeSpan.Zero);

    private static EventBatch Batch(IEnumerable<(string Machine, int Partition)> events, params (int Partition, long Next)[] deadLetterOnly)
    {
        var batch = new EventBatch("t");
        var offsets = new Dictionary<int, long>();
        foreach (var (machine, partition) in events)
        {
            var offset = offsets.GetValueOrDefault(partition);
            offsets[partition] = offset + 1;
            batch.Events.Add(new SourcedEvent(new MachineEvent(Guid.NewGuid(), machine, T0.AddSeconds(offset), EventType.Count, Good: 1), partition, offset));
            batch.Advance(partition, offset);
        }

        foreach (var (partition, next) in deadLetterOnly)
        {
            batch.Advance(partition, next - 1);
        }

        return batch;
    }

    /// <summary>Machine m{i} on partition i % partitions, events round robin.</summary>
    private static IEnumerable<(string, int)> Keyed(int machines, int partitions, int events) =>
        Enumerable.Range(0, events).Select(i => ($"m{i % machines}", i % machines % partitions));

    private static void AssertExactSplit(EventBatch batch, List<BatchLane> lanes)
    {
        // Every event once, in batch order within its lane.
        Assert.Equal(batch.Events.Count, lanes.Sum(l => l.Events.Count));
        var position = batch.Events.Select((e, i) => (e.Event, i)).ToDictionary(x => x.Event, x => x.i);
        foreach (var lane in lanes)
        {
            var order = lane.Events.Select(e => position[e]).ToList();
            Assert.Equal(order.Order().ToList(), order);
            Assert.Equal(lane.Events.Select(e => e.MachineId).Distinct().Order(StringComparer.Ordinal), lane.Machines.Order(StringComparer.Ordinal));
        }

        // Machines and partitions (with their offsets) each in exactly one lane.
        Assert.Equal(lanes.Sum(l => l.Machines.Count), lanes.SelectMany(l => l.Machines).Distinct().Count());
        var partitionLane = new Dictionary<int, int>();
        for (var i = 0; i < lanes.Count; i++)
        {
            foreach (var (p, next) in lanes[i].NextOffsets)
            {
                Assert.True(partitionLane.TryAdd(p, i), $"partition {p} in two lanes");
                Assert.Equal(batch.NextOffsets[p], next);
            }
        }

        Assert.Equal(batch.NextOffsets.Keys.Order(), partitionLane.Keys.Order());
        var eventLane = lanes.SelectMany((l, i) => l.Events.Select(e => (e, i))).ToDictionary(x => x.e, x => x.i);
        foreach (var e in batch.Events)
        {
            Assert.Equal(partitionLane[e.Partition], eventLane[e.Event]);
        }
    }

    [Fact]
    public void Split_KeyedByMachine_TwoBalancedLanesWithDisjointMachinesAndPartitions()
    {
        var batch = Batch(Keyed(machines: 480, partitions: 128, events: 100_000));

        var lanes = BatchLanes.Split(batch, lanes: 2);

        Assert.Equal(2, lanes.Count);
        AssertExactSplit(batch, lanes);
        // 128 partitions of 781-782 events each: the greedy split is within one partition's events of even.
        Assert.InRange(Math.Abs(lanes[0].Events.Count - lanes[1].Events.Count), 0, 1_000);
    }

    [Fact]
    public void Split_SmallBatch_StaysWhole()
    {
        var batch = Batch(Keyed(machines: 480, partitions: 128, events: 19_999));

        var lane = Assert.Single(BatchLanes.Split(batch, lanes: 2));

        Assert.Equal(batch.Events.Select(e => e.Event), lane.Events);
        Assert.Equal(480, lane.Machines.Count);
        Assert.Equal(batch.NextOffsets, lane.NextOffsets);
    }

    [Fact]
    public void Split_OneLaneConfigured_StaysWhole()
    {
        var batch = Batch(Keyed(machines: 480, partitions: 128, events: 100_000));

        Assert.Single(BatchLanes.Split(batch, lanes: 1));
    }

    [Fact]
    public void Split_MachineOnEveryPartition_JoinsThemAllIntoOneLane()
    {
        // A producer that does not key by machine: m0's events on every partition tie all partitions together.
        var events = Keyed(machines: 100, partitions: 16, events: 40_000).Concat(Enumerable.Range(0, 16).Select(p => ("m0", p)));
        var batch = Batch(events);

        var lane = Assert.Single(BatchLanes.Split(batch, lanes: 2));

        Assert.Equal(batch.Events.Count, lane.Events.Count);
        Assert.Equal(batch.NextOffsets, lane.NextOffsets);
    }

    [Fact]
    public void Split_MachineOnTwoPartitions_KeepsBothPartitionsInOneLane()
    {
        // m1 (partition 1) also sends on partition 2: partitions 1 and 2 go together, m2's events with them.
        var events = Keyed(machines: 4, partitions: 4, events: 40_000).Concat([("m1", 2), ("m1", 2)]);
        var batch = Batch(events);

        var lanes = BatchLanes.Split(batch, lanes: 2);

        Assert.Equal(2, lanes.Count);
        AssertExactSplit(batch, lanes);
        var withM1 = Assert.Single(lanes, l => l.Machines.Contains("m1"));
        Assert.Contains("m2", withM1.Machines);
        Assert.True(withM1.NextOffsets.ContainsKey(1) && withM1.NextOffsets.ContainsKey(2));
    }

    [Fact]
    public void Split_PartitionWithOnlyDeadLetters_ItsOffsetIsSavedByExactlyOneLane()
    {
        var batch = Batch(Keyed(machines: 8, partitions: 4, events: 40_000), (7, 1234));

        var lanes = BatchLanes.Split(batch, lanes: 2);

        AssertExactSplit(batch, lanes);
        Assert.Equal(1234, Assert.Single(lanes, l => l.NextOffsets.ContainsKey(7)).NextOffsets[7]);
    }

    [Fact]
    public void Split_MoreLanesThanGroupsOrEvents_OnlyAsManyLanesAsEachGetTheirShare()
    {
        // 3 partitions: at most 3 lanes; 35k events: at most 3 lanes of 10k.
        var three = Batch(Keyed(machines: 3, partitions: 3, events: 90_000));
        Assert.Equal(3, BatchLanes.Split(three, lanes: 8).Count);
        AssertExactSplit(three, BatchLanes.Split(three, lanes: 8));

        var small = Batch(Keyed(machines: 64, partitions: 64, events: 35_000));
        var lanes = BatchLanes.Split(small, lanes: 8);
        Assert.Equal(3, lanes.Count);
        AssertExactSplit(small, lanes);
    }

    [Fact]
    public void Split_UnevenPartitions_HeaviestGroupsSpreadFirst()
    {
        // Partition 0 holds half the events: it gets a lane to itself, the rest share the other.
        var events = Enumerable.Range(0, 30_000).Select(i => ("big", 0))
            .Concat(Enumerable.Range(0, 30_000).Select(i => ($"m{i % 30}", 1 + (i % 30))));
        var batch = Batch(events);

        var lanes = BatchLanes.Split(batch, lanes: 2);

        AssertExactSplit(batch, lanes);
        Assert.Equal(30_000, lanes[0].Events.Count);
        Assert.Equal(["big"], lanes[0].Machines);
        Assert.Equal(30_000, lanes[1].Events.Count);
    }

    [Fact]
    public void Split_MachinesChainingPartitions_JoinsTheWholeChain()
    {
        // a spans partitions 3 and 2, b spans 2 and 1 (joined in that order: a lookup through a non-root), c is alone on 0.
        var events = Enumerable.Range(0, 30_000).Select(i => (i % 2 == 0 ? "a" : "b", i % 2 == 0 ? 3 : 1))
            .Concat([("a", 2), ("b", 2)])
            .Concat(Enumerable.Range(0, 30_000).Select(_ => ("c", 0)));
        var batch = Batch(events);

        var lanes = BatchLanes.Split(batch, lanes: 2);

        Assert.Equal(2, lanes.Count);
        AssertExactSplit(batch, lanes);
        var chain = Assert.Single(lanes, l => l.Machines.Contains("a"));
        Assert.Equal(["a", "b"], chain.Machines.Order(StringComparer.Ordinal));
        Assert.Equal([1, 2, 3], chain.NextOffsets.Keys.Order());
    }

    [Fact]
    public void Split_ALaneBelowTheMinimum_IsNotOpened()
    {
        // 39,000 events on partition 0 and 1,000 on partition 1: a second lane would get 1,000 (< 10,000): one lane.
        var events = Enumerable.Range(0, 39_000).Select(_ => ("big", 0)).Concat(Enumerable.Range(0, 1_000).Select(_ => ("small", 1)));
        Assert.Single(BatchLanes.Split(Batch(events), lanes: 2));

        // Three lanes asked, but the third would be too light: two.
        var three = Enumerable.Range(0, 20_000).Select(_ => ("x", 0)).Concat(Enumerable.Range(0, 20_000).Select(_ => ("y", 1)))
            .Concat(Enumerable.Range(0, 5_000).Select(_ => ("z", 2)));
        var batch = Batch(three);
        var lanes = BatchLanes.Split(batch, lanes: 3);
        Assert.Equal(2, lanes.Count);
        AssertExactSplit(batch, lanes);
    }
}
