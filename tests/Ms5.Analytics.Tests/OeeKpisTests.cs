using Ms5.Analytics.Oee;

namespace Ms5.Analytics.Tests;

public sealed class OeeKpisTests
{
    /// <summary>The standard worked example: 480-minute shift, 60 minutes of breaks, 47 minutes down, 1.0 s ideal, 19,271 made, 423 rejected.</summary>
    private static readonly OeeComponents WorkedExample = new()
    {
        CalendarSeconds = 480 * 60,
        PlannedSeconds = 420 * 60,
        PlannedStopSeconds = 60 * 60,
        UnplannedStopSeconds = 47 * 60,
        RunSeconds = 373 * 60,
        GoodCount = 19_271 - 423,
        RejectCount = 423,
        IdealSeconds = 19_271 * 1.0,
    };

    [Fact]
    public void From_WorkedExample_GivesTheTextbookFigures()
    {
        var k = OeeKpis.From(WorkedExample);
        Assert.Equal(88.81, Math.Round(k.Availability!.Value * 100, 2));
        Assert.Equal(86.11, Math.Round(k.Performance!.Value * 100, 2));
        Assert.Equal(97.80, Math.Round(k.Quality!.Value * 100, 2));
        Assert.Equal(74.79, Math.Round(k.Oee!.Value * 100, 2));
        Assert.Equal(65.44, Math.Round(k.Teep!.Value * 100, 2));
        Assert.Equal(2.20, Math.Round(k.ScrapRatio!.Value * 100, 2));
    }

    [Fact]
    public void Sum_OfMinuteBuckets_GivesTheSameKpisAsTheWhole_RatiosAreNeverAveraged()
    {
        // Two halves with very different OEE: averaging their ratios would be wrong.
        var a = new OeeComponents { CalendarSeconds = 60, PlannedSeconds = 60, RunSeconds = 60, IdealSeconds = 60, GoodCount = 60 };
        var b = new OeeComponents { CalendarSeconds = 60, PlannedSeconds = 60, RunSeconds = 6, UnplannedStopSeconds = 54, IdealSeconds = 3, GoodCount = 2, RejectCount = 1 };
        var k = OeeKpis.From(a + b);
        Assert.Equal(66.0 / 120.0, k.Availability!.Value, 12);
        Assert.Equal(63.0 / 66.0, k.Performance!.Value, 12);
        Assert.Equal(62.0 / 63.0, k.Quality!.Value, 12);
        Assert.Equal(OeeComponents.Sum([a, b]), a + b);
    }

    [Fact]
    public void From_WithNoPlannedTimeOrNoParts_LeavesRatiosUndefined()
    {
        var k = OeeKpis.From(new OeeComponents { CalendarSeconds = 3600, PlannedStopSeconds = 3600 });
        Assert.Null(k.Availability);
        Assert.Null(k.Performance);
        Assert.Null(k.Quality);
        Assert.Null(k.Oee);
        Assert.Null(k.Teep);
    }
}
