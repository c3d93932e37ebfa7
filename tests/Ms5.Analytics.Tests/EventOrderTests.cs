using Ms5.Analytics.Events;

namespace Ms5.Analytics.Tests;

public sealed class EventOrderTests
{
    private static readonly DateTimeOffset T = new(2026, 12, 1, 6, 0, 0, TimeSpan.Zero);

    private static MachineEvent Count(DateTimeOffset ts, Guid id) => MachineEvent.Counts(id, "m1", ts, 1, 0);

    [Fact]
    public void ByTs_ThenByEventId_WhateverTheOffset()
    {
        var (low, high) = (new Guid("00000000-0000-0000-0000-000000000001"), new Guid("00000000-0000-0000-0000-000000000002"));
        Assert.True(EventOrder.Compare(Count(T, high), Count(T.AddTicks(1), low)) < 0);
        Assert.True(EventOrder.Compare(Count(T, low), Count(T, high)) < 0);
        // The same instant written with another offset is the same ts.
        Assert.True(EventOrder.Compare(Count(T.ToOffset(TimeSpan.FromHours(2)), high), Count(T, low)) > 0);
        Assert.Equal(0, EventOrder.Compare(Count(T, low), Count(T.ToOffset(TimeSpan.FromHours(-5)), low)));
    }

    [Fact]
    public void Sort_GivesTheSortedOrder_AndLeavesAnOrderedListAsItIs()
    {
        var rng = new Random(5);
        var events = Enumerable.Range(0, 200).Select(i => Count(T.AddSeconds(rng.Next(0, 20)), Guid.NewGuid())).ToList();
        var expected = events.OrderBy(e => e.Ts).ThenBy(e => e.EventId).ToList();
        Assert.False(EventOrder.IsOrdered(events));
        EventOrder.Sort(events);
        Assert.Equal(expected, events);
        Assert.True(EventOrder.IsOrdered(events));

        // Equal neighbours (a copy) count as ordered, and an ordered list keeps its exact instances in place.
        var copy = events[10] with { Good = 7 };
        var withCopy = events.Take(11).Append(copy).Concat(events.Skip(11)).ToList();
        Assert.True(EventOrder.IsOrdered(withCopy));
        var before = withCopy.ToList();
        EventOrder.Sort(withCopy);
        Assert.Equal(before.Select(e => e.Good), withCopy.Select(e => e.Good));
        Assert.Same(copy, withCopy[11]);
    }
}
