using Ms5.Analytics.Events;

namespace Ms5.Analytics.Tests;

public class CounterDeltaTests
{
    [Theory]
    [InlineData(null, 500L, 0L)]
    [InlineData(null, 0L, 0L)]
    [InlineData(100L, 130L, 30L)]
    [InlineData(100L, 100L, 0L)]
    [InlineData(100L, 7L, 7L)]
    [InlineData(100L, 0L, 0L)]
    [InlineData(0L, 5L, 5L)]
    public void Increment_GivesPartsSincePreviousReading(long? previous, long current, long expected)
    {
        Assert.Equal(expected, CounterDelta.Increment(previous, current));
    }

    [Theory]
    [InlineData(null, 0L, false)]
    [InlineData(100L, 100L, false)]
    [InlineData(100L, 101L, false)]
    [InlineData(100L, 99L, true)]
    [InlineData(100L, 0L, true)]
    public void IsReset_IsTrueOnlyWhenTheCounterGoesDown(long? previous, long current, bool expected)
    {
        Assert.Equal(expected, CounterDelta.IsReset(previous, current));
    }

    [Fact]
    public void Increment_WhenReadingIsNegative_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CounterDelta.Increment(5, -1));
    }

    [Fact]
    public void Tracker_FirstReadingOfAMachine_OnlySetsTheBaseline()
    {
        var tracker = new CounterTracker();

        Assert.Equal((0L, 0L), tracker.Next("press-04", 123456, 789));
        Assert.Equal(0, tracker.Resets);
    }

    [Fact]
    public void Tracker_OverASequenceWithAReset_GivesExactIncrements()
    {
        var tracker = new CounterTracker();
        var readings = new (long Good, long Reject)[] { (1000, 10), (1025, 11), (1025, 11), (1100, 15), (5, 0), (12, 2), (12, 2), (40, 3) };

        var increments = readings.Select(r => tracker.Next("press-04", r.Good, r.Reject)).ToArray();

        Assert.Equal([(0L, 0L), (25L, 1L), (0L, 0L), (75L, 4L), (5L, 0L), (7L, 2L), (0L, 0L), (28L, 1L)], increments);
        Assert.Equal(1, tracker.Resets);
        Assert.Equal(25 + 75 + 5 + 7 + 28, increments.Sum(i => i.Item1));
    }

    [Fact]
    public void Tracker_WhenBothCountersDropInOneReading_CountsOneReset()
    {
        var tracker = new CounterTracker();
        tracker.Next("m", 100, 10);

        Assert.Equal((3L, 1L), tracker.Next("m", 3, 1));
        Assert.Equal(1, tracker.Resets);
    }

    [Fact]
    public void Tracker_WhenOnlyRejectCounterDrops_TreatsBothCountersAsReset()
    {
        var tracker = new CounterTracker();
        tracker.Next("m", 100, 10);

        Assert.Equal((105L, 2L), tracker.Next("m", 105, 2));
        Assert.Equal(1, tracker.Resets);
    }

    [Fact]
    public void Tracker_KeepsMachinesIndependent()
    {
        var tracker = new CounterTracker();

        Assert.Equal((0L, 0L), tracker.Next("press-04", 1000, 10));
        Assert.Equal((0L, 0L), tracker.Next("weld-02", 50, 1));
        Assert.Equal((10L, 0L), tracker.Next("press-04", 1010, 10));
        Assert.Equal((0L, 0L), tracker.Next("asm-03", 5, 0));
        Assert.Equal((2L, 1L), tracker.Next("weld-02", 52, 2));
        Assert.Equal((4L, 0L), tracker.Next("asm-03", 4, 0));
        Assert.Equal((1L, 1L), tracker.Next("press-04", 1011, 11));
        Assert.Equal(1, tracker.Resets);
    }

    [Fact]
    public void Tracker_MachineIdsAreCaseSensitive()
    {
        var tracker = new CounterTracker();
        tracker.Next("press-04", 1000, 10);

        Assert.Equal((0L, 0L), tracker.Next("PRESS-04", 2000, 20));
    }

    [Fact]
    public void Tracker_WhenOnlyTheGoodCounterDrops_TreatsBothCountersAsReset()
    {
        var tracker = new CounterTracker();
        tracker.Next("weld-02", 1000, 10);

        // A PLC power cycle clears both counters; the reject counter has since counted 12.
        Assert.Equal((5L, 12L), tracker.Next("weld-02", 5, 12));
        Assert.Equal(1, tracker.Resets);
    }
}
