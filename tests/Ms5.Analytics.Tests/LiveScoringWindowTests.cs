using Ms5.Analytics.Anomalies;
using Ms5.Analytics.Events;

namespace Ms5.Analytics.Tests;

/// <summary>When live scoring judges a plant's stops as of, and which stops it scores.</summary>
public sealed class LiveScoringWindowTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan LookBack = TimeSpan.FromHours(3);
    private static readonly TimeSpan LiveWithin = TimeSpan.FromMinutes(15);

    private static StopFeatures Stop(DateTimeOffset start, DateTimeOffset? end) => new()
    {
        MachineId = "m1", LineId = "l1", State = MachineState.Down, Reason = "jam", Category = Plant.ReasonCategory.Unplanned, Loss = "unplanned",
        Start = start, End = end, Seconds = ((end ?? Now) - start).TotalSeconds, LogSeconds = 0, HourOfDay = start.Hour, DayOfWeek = start.DayOfWeek,
        HourOfWeek = 0, StopsInPrecedingHour = 0,
    };

    [Fact]
    public void LivePlant_IsJudgedAsOfNow()
    {
        var w = LiveScoringWindow.For(Now, Now.AddMinutes(-14), LookBack, LiveWithin)!;

        Assert.Equal(new LiveScoringWindow(Now, Now.AddHours(-3), Now.AddHours(-27), Replay: false), w);
    }

    [Fact]
    public void PlantSilentLongerThanLiveWithin_IsAReplay_JudgedAsOfItsNewestEvent()
    {
        var latest = new DateTimeOffset(2026, 11, 2, 17, 30, 0, TimeSpan.Zero);

        Assert.Equal(new LiveScoringWindow(latest, latest.AddHours(-3), latest.AddHours(-27), Replay: true), LiveScoringWindow.For(Now, latest, LookBack, LiveWithin));
        Assert.True(LiveScoringWindow.For(Now, Now.AddMinutes(-15).AddTicks(-1), LookBack, LiveWithin)!.Replay);
        Assert.False(LiveScoringWindow.For(Now, Now.AddMinutes(-15), LookBack, LiveWithin)!.Replay);
    }

    [Fact]
    public void PlantWithoutEvents_HasNoWindow()
    {
        Assert.Null(LiveScoringWindow.For(Now, null, LookBack, LiveWithin));
    }

    [Fact]
    public void Earlier_AreTheStopsBeforeTheWindowStillOpenOrEndingInIt()
    {
        var w = LiveScoringWindow.For(Now, Now, LookBack, LiveWithin)!;
        var recent = Stop(Now.AddHours(-2), Now.AddHours(-2).AddMinutes(3));
        var openSinceYesterday = Stop(Now.AddHours(-20), null);
        var endedInWindow = Stop(Now.AddHours(-5), Now.AddHours(-2.5));
        var endedBefore = Stop(Now.AddHours(-5), Now.AddHours(-4));

        Assert.Equal([openSinceYesterday, endedInWindow], w.Earlier([recent, openSinceYesterday, endedInWindow, endedBefore]));
        Assert.Empty(w.Earlier([recent, endedBefore]));
    }

    [Fact]
    public void OldestOpenFlag_BeforeTheWindow_ExtendsTheRead_UpToTheOpenFlagLookBack()
    {
        var day = TimeSpan.FromDays(1);

        var twoDays = TimeSpan.FromDays(2);
        Assert.Equal(Now.AddHours(-40), LiveScoringWindow.For(Now, Now, LookBack, LiveWithin, Now.AddHours(-40), twoDays)!.ReadFrom);
        Assert.Equal(Now.AddDays(-2), LiveScoringWindow.For(Now, Now, LookBack, LiveWithin, Now.AddDays(-3), twoDays)!.ReadFrom);
        Assert.Equal(Now.AddHours(-27), LiveScoringWindow.For(Now, Now, LookBack, LiveWithin, Now.AddHours(-9), day)!.ReadFrom);
        Assert.Equal(Now.AddHours(-3), LiveScoringWindow.For(Now, Now, LookBack, LiveWithin, Now.AddHours(-40), twoDays)!.ScoreFrom);
    }
}
