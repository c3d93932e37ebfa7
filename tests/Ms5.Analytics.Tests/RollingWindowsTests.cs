using Ms5.Analytics.Events;
using Ms5.Analytics.Oee;
using Ms5.Analytics.Plant;

namespace Ms5.Analytics.Tests;

public sealed class RollingWindowsTests
{
    private static readonly DateTimeOffset Day = new(2026, 11, 26, 0, 0, 0, TimeSpan.Zero);

    private static readonly PlantConfig Plant = PlantConfigParser.Parse("""
        { "plantId": "p", "timeZone": "UTC",
          "reasonCodes": [ { "code": "jam", "category": "unplanned" } ],
          "shifts": [ { "name": "day", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "06:00", "end": "18:00" } ],
          "lines": [ { "id": "l1", "machines": [ { "id": "m1", "idealCycleSeconds": 2.0 } ] } ] }
        """);

    [Fact]
    public void Windows_HoldTheWholeMinutesBeforeNow_PlusTheCurrentMinuteSoFar()
    {
        var now = Day.AddHours(10).AddSeconds(20);
        var w = RollingWindows.At(now, Day.AddHours(6));
        Assert.Equal(
            [new WindowBounds("15m", Day.AddHours(10).AddMinutes(-15), now), new WindowBounds("1h", Day.AddHours(9), now), new WindowBounds("shift", Day.AddHours(6), now)],
            w);
        Assert.Equal(2, RollingWindows.At(now, null).Count);
        Assert.Equal(2, RollingWindows.At(now, now.AddHours(1)).Count);
    }

    [Fact]
    public void Sum_TakesTheBucketsInsideTheWindowOnly()
    {
        var buckets = Enumerable.Range(0, 120).ToDictionary(i => Day.AddMinutes(i), i => new OeeComponents { RunSeconds = 60, GoodCount = i });
        var sum = RollingWindows.Sum(buckets, Day.AddMinutes(100), Day.AddMinutes(110).AddSeconds(5));
        Assert.Equal(11 * 60, sum.RunSeconds);
        Assert.Equal(Enumerable.Range(100, 11).Sum(), sum.GoodCount);
    }

    [Fact]
    public void PartialMinute_CountsTimeUpToNowOnly_AndLaterEqualsTheWholeMinute()
    {
        var m = Day.AddHours(7);
        var events = new List<MachineEvent>
        {
            MachineEvent.StateChange(Guid.NewGuid(), "m1", m.AddSeconds(-30), MachineState.Running, null),
            MachineEvent.Counts(Guid.NewGuid(), "m1", m.AddSeconds(10), 5, 1),
            MachineEvent.StateChange(Guid.NewGuid(), "m1", m.AddSeconds(30), MachineState.Down, "jam"),
        };
        var losses = LossClassifier.For(Plant);
        var partial = BucketCalculator.MinuteBuckets(events, TimeSpan.FromSeconds(2), Plant.Calendar, losses, m, m.AddSeconds(42.5));
        var c = Assert.Single(partial).Value;
        Assert.Equal((42.5, 30.0, 12.5, 5L, 1L, 12.0), (c.PlannedSeconds, c.RunSeconds, c.UnplannedStopSeconds, c.GoodCount, c.RejectCount, c.IdealSeconds));

        var whole = BucketCalculator.MinuteBuckets(events, TimeSpan.FromSeconds(2), Plant.Calendar, losses, m, m.AddMinutes(1));
        Assert.Equal((60.0, 30.0, 30.0), (whole[m].PlannedSeconds, whole[m].RunSeconds, whole[m].UnplannedStopSeconds));
    }

    [Fact]
    public void Ceiling_RoundsUpToTheMinute_AndKeepsWholeMinutes()
    {
        Assert.Equal(Day.AddMinutes(1), BucketCalculator.Ceiling(Day.AddSeconds(0.001)));
        Assert.Equal(Day, BucketCalculator.Ceiling(Day));
    }
}
