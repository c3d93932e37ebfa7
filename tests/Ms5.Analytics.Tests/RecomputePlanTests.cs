using Ms5.Analytics.Oee;

namespace Ms5.Analytics.Tests;

public sealed class RecomputePlanTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(5);

    private static DateTimeOffset T(string time) => Some.Utc("2026-11-26T" + time + "Z");

    private static MinuteRange Range(string from, string to) => new(T(from), T(to));

    [Fact]
    public void AfterEvents_SpanInsideMinutes_FloorsTheStartAndCeilsTheNextStateEvent()
    {
        var span = new AffectedSpan(T("06:00:30.500"), T("06:03:10"), T("06:01:00"));

        Assert.Equal(Range("06:00:00", "06:04:00"), RecomputePlan.AfterEvents(span, T("07:00:00")));
    }

    [Fact]
    public void AfterEvents_NextStateEventOnAMinute_EndsAtThatMinute()
    {
        var span = new AffectedSpan(T("06:00:00"), T("06:02:00"), T("06:10:00"));

        Assert.Equal(Range("06:00:00", "06:02:00"), RecomputePlan.AfterEvents(span, T("07:00:00")));
    }

    [Fact]
    public void AfterEvents_NoLaterStateEvent_ReachesTheNewestEventsMinuteEnd()
    {
        var span = new AffectedSpan(T("06:00:10"), null, T("06:05:20"));

        Assert.True(span.ReachesCurrentState);
        Assert.Equal(Range("06:00:00", "06:06:00"), RecomputePlan.AfterEvents(span, T("07:00:00")));
    }

    [Fact]
    public void AfterEvents_EndPastNow_IsCappedAtNowInsideTheCurrentMinute()
    {
        var span = new AffectedSpan(T("06:00:10"), null, T("06:05:20"));

        Assert.Equal(Range("06:00:00", "06:05:40"), RecomputePlan.AfterEvents(span, T("06:05:40")));
    }

    [Fact]
    public void AfterEvents_SpanStartsInTheCurrentMinuteAfterNow_ReturnsNull()
    {
        // Events a little ahead of the engine's clock (within the skew limit): no whole or partial minute before now.
        var span = new AffectedSpan(T("06:05:30"), null, T("06:05:40"));

        Assert.Null(RecomputePlan.AfterEvents(span, T("06:05:00")));
    }

    [Fact]
    public void OnTick_NeverComputed_ComputesTheLastMinuteUpToNow()
    {
        Assert.Equal(Range("06:04:00", "06:05:30"), RecomputePlan.OnTick(null, null, T("06:05:30"), Tick));
    }

    [Fact]
    public void OnTick_ComputedUpToNow_ReturnsNull()
    {
        Assert.Null(RecomputePlan.OnTick(T("06:05:30"), null, T("06:05:30"), Tick));
    }

    [Fact]
    public void OnTick_BehindByLessThanADay_ExtendsUpToNow()
    {
        Assert.Equal(Range("04:00:00", "06:05:30"), RecomputePlan.OnTick(T("04:00:00"), null, T("06:05:30"), Tick));
    }

    [Fact]
    public void OnTick_ReplayWritingFarBehind_ReturnsNull()
    {
        // Touched 9 s ago (within two 5 s ticks) and computed only up to two hours ago: a replay is writing it.
        Assert.Null(RecomputePlan.OnTick(T("04:00:00"), T("06:05:21"), T("06:05:30"), Tick));
    }

    [Fact]
    public void OnTick_ReplayPausedForTwoTicks_ExtendsAgain()
    {
        Assert.Equal(Range("04:00:00", "06:05:30"), RecomputePlan.OnTick(T("04:00:00"), T("06:05:20"), T("06:05:30"), Tick));
    }

    [Fact]
    public void OnTick_TouchedRecentlyButOnlyReplayLagBehind_ExtendsUpToNow()
    {
        // Exactly one hour behind is live data arriving late, not a replay: the ticker keeps the machine current.
        Assert.Equal(Range("05:05:30", "06:05:30"), RecomputePlan.OnTick(T("05:05:30"), T("06:05:29"), T("06:05:30"), Tick));
    }

    [Fact]
    public void OnTick_MoreThanADayBehind_ExtendsByOneDay()
    {
        var computedTo = Some.Utc("2026-11-23T06:00:00Z");

        Assert.Equal(new MinuteRange(computedTo, Some.Utc("2026-11-24T06:00:00Z")), RecomputePlan.OnTick(computedTo, null, T("06:05:30"), Tick));
    }

    [Fact]
    public void OnTick_ExactlyADayBehind_ExtendsUpToNow()
    {
        var computedTo = Some.Utc("2026-11-25T06:05:30Z");

        Assert.Equal(new MinuteRange(computedTo, T("06:05:30")), RecomputePlan.OnTick(computedTo, null, T("06:05:30"), Tick));
    }

    [Fact]
    public void LoadFrom_NoTail_LoadsFromTheRangeStart()
    {
        Assert.Equal(T("06:00:00"), RecomputePlan.LoadFrom(Range("06:00:00", "06:05:00"), null));
    }

    [Fact]
    public void LoadFrom_TailCompleteFromTheRangeStart_LoadsNothing()
    {
        Assert.Null(RecomputePlan.LoadFrom(Range("06:00:00", "06:05:00"), T("06:00:00")));
    }

    [Fact]
    public void LoadFrom_RangeStartsBeforeTheTailIsComplete_LoadsFromTheRangeStart()
    {
        Assert.Equal(T("05:59:00"), RecomputePlan.LoadFrom(Range("05:59:00", "06:05:00"), T("06:00:00")));
    }
}
