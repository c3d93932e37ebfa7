using Ms5.Analytics.Oee;
using Ms5.OeeEngine;

namespace Ms5.Stream.Tests;

public sealed class LiveBucketsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 10, 30, 30, TimeSpan.Zero);

    private static KeyValuePair<DateTimeOffset, OeeComponents> Minute(int hour, int minute, double seconds = 60) =>
        new(new DateTimeOffset(2026, 11, 26, hour, minute, 0, TimeSpan.Zero), new OeeComponents { CalendarSeconds = seconds, PlannedSeconds = seconds, RunSeconds = seconds / 2 });

    [Fact]
    public void Put_MachineNotLoaded_IsIgnoredUntilLoaded()
    {
        var live = new LiveBuckets();

        live.Put("m1", [Minute(10, 29)], Now);

        Assert.False(live.Has("m1"));
        Assert.All(live.Windows("m1", Now, null), w => Assert.Equal(0, w.Sum.PlannedSeconds));
    }

    [Fact]
    public void Windows_SumsEachWindowsMinutes_IncludingTheCurrentPartialMinute()
    {
        var live = new LiveBuckets();
        live.Put("m1", [Minute(9, 29), Minute(9, 30), Minute(10, 14), Minute(10, 15), Minute(10, 29), Minute(10, 30, seconds: 30)], Now, load: true);

        var windows = live.Windows("m1", Now, shiftStart: new DateTimeOffset(2026, 11, 26, 10, 20, 0, TimeSpan.Zero)).ToDictionary(w => w.Window.Name, w => w.Sum);

        // 15m: [10:15, now) = 10:15, 10:29, 10:30 (30 s so far); 1h: [09:30, now) adds 09:30 and 10:14; shift: [10:20, now).
        Assert.Equal(150, windows["15m"].PlannedSeconds);
        Assert.Equal(75, windows["15m"].RunSeconds);
        Assert.Equal(270, windows["1h"].PlannedSeconds);
        Assert.Equal(90, windows["shift"].PlannedSeconds);
    }

    [Fact]
    public void Put_AgainForAMinute_ReplacesIt_AndDropsMinutesOlderThanTheHorizon()
    {
        var live = new LiveBuckets();
        var old = new KeyValuePair<DateTimeOffset, OeeComponents>(Now - LiveBuckets.Horizon - TimeSpan.FromMinutes(1), new OeeComponents { CalendarSeconds = 60, PlannedSeconds = 60 });
        live.Put("m1", [old, Minute(10, 29)], Now, load: true);

        live.Put("m1", [new(Minute(10, 29).Key, new OeeComponents { CalendarSeconds = 60, PlannedSeconds = 40 })], Now);

        var minutes = live.Minutes("m1", DateTimeOffset.MinValue);
        Assert.Equal([new DateTimeOffset(2026, 11, 26, 10, 29, 0, TimeSpan.Zero)], minutes.Select(m => m.Key));
        Assert.Equal(40, minutes[0].Value.PlannedSeconds);
    }

    [Fact]
    public void Minutes_FromATime_ReturnsOnlyCompleteMinutes_InOrder()
    {
        var live = new LiveBuckets();
        live.Put("m1", [Minute(10, 30, seconds: 30), Minute(10, 28), Minute(10, 29), Minute(10, 10)], Now, load: true);

        var minutes = live.Minutes("m1", new DateTimeOffset(2026, 11, 26, 10, 20, 0, TimeSpan.Zero));

        Assert.Equal([28, 29], minutes.Select(m => m.Key.Minute));
    }

    [Fact]
    public void Clear_ForgetsEveryMachine()
    {
        var live = new LiveBuckets();
        live.Put("m1", [Minute(10, 29)], Now, load: true);

        live.Clear();

        Assert.False(live.Has("m1"));
        Assert.Empty(live.Minutes("m1", DateTimeOffset.MinValue));
    }
}
