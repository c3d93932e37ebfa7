using Ms5.Analytics.Oee;
using Ms5.Analytics.Orders;

namespace Ms5.Analytics.Tests;

/// <summary>
/// Order progress from summed minute components. The worked example: one machine (ideal 1.0 s), a 480-minute shift with
/// 60 min of breaks (420 min planned) and 47 min down (373 min run), 19,271 parts of which 423 rejects.
/// </summary>
public sealed class OrderProgressTests
{
    private static readonly DateTimeOffset T = new(2026, 11, 26, 6, 0, 0, TimeSpan.Zero);

    private static readonly OeeComponents Shift = new()
    {
        CalendarSeconds = 28_800, PlannedSeconds = 25_200, RunSeconds = 22_380, UnplannedStopSeconds = 2_820, PlannedStopSeconds = 3_600,
        GoodCount = 18_848, RejectCount = 423, IdealSeconds = 19_271, FailureCount = 1,
    };

    /// <summary>The shift's last 15 minutes: 728 good parts.</summary>
    private static readonly OeeComponents Last15 = new() { PlannedSeconds = 900, RunSeconds = 900, GoodCount = 728, RejectCount = 12, IdealSeconds = 740 };

    private static ProductionOrder Running() => OrderLifecycle.Apply(OrderLifecycleTests.Order(), OrderAction.Start, T);

    [Fact]
    public void WorkedExample_CompletedOrder_HasTheShiftsFiguresAndExactPercentOfTarget()
    {
        var done = OrderLifecycle.Apply(Running(), OrderAction.Complete, T.AddMinutes(480));
        var p = OrderProgressCalculator.Compute(done, T.AddDays(1), Shift, Last15, 3600);

        Assert.Equal(T.AddMinutes(480), p.AsOf);
        Assert.Equal((18_848L, 423L, 19_271L, 1_152L), (p.GoodCount, p.RejectCount, p.TotalCount, p.RemainingQuantity));
        Assert.Equal(18_848d / 20_000, p.PercentOfTarget);
        Assert.Equal(0.9424, p.PercentOfTarget);
        Assert.Equal(22_380d / 25_200, p.Availability);
        Assert.Equal(19_271d / 22_380, p.Performance);
        Assert.Equal(18_848d / 19_271, p.Quality);
        Assert.Equal(18_848d / 25_200, p.Oee!.Value, 15);
        Assert.Equal(74.8, Math.Round(p.Oee.Value * 100, 1));
        Assert.Equal(2_912d, p.CurrentRate);
        Assert.Null(p.EstimatedFinish);
        Assert.Null(p.EstimatedFinishAtIdealRate);
        Assert.Equal((20_000d, -1_152d, true), (p.PlannedGoodCount, p.PlanVariance, p.BehindPlan));
    }

    [Fact]
    public void RunningOrder_EstimatesFinish_AtTheCurrentAndTheIdealRate()
    {
        var now = T.AddMinutes(480);
        var p = OrderProgressCalculator.Compute(Running(), now, Shift, Last15, 3600);

        Assert.Equal(now + TimeSpan.FromHours(1_152d / 2_912), p.EstimatedFinish);
        Assert.Equal(now.AddSeconds(1_152), p.EstimatedFinishAtIdealRate); // 1,152 parts × 1.0 s
        Assert.Equal(now, p.AsOf);
    }

    [Fact]
    public void RunningOrder_AtRateZero_HasNoEstimate_AndReachedTargetFinishesNow()
    {
        var now = T.AddMinutes(480);
        Assert.Null(OrderProgressCalculator.Compute(Running(), now, Shift, default, 3600).EstimatedFinish);

        var reached = OrderProgressCalculator.Compute(Running() with { TargetQuantity = 18_000 }, now, Shift, Last15, null);
        Assert.Equal((now, (DateTimeOffset?)null, 0L), (reached.EstimatedFinish!.Value, reached.EstimatedFinishAtIdealRate, reached.RemainingQuantity));
        Assert.Equal(18_848d / 18_000, reached.PercentOfTarget);
        Assert.False(reached.BehindPlan);
    }

    [Fact]
    public void Windows_AreActualStartToEndOrNow_AndTheRateLooksBack15MinutesOrToTheStart()
    {
        var running = Running();
        Assert.Equal((T, T.AddHours(2)), OrderProgressCalculator.Window(running, T.AddHours(2)));
        Assert.Equal((T.AddMinutes(105), T.AddHours(2)), OrderProgressCalculator.RateWindowOf(running, T.AddHours(2)));
        Assert.Equal((T, T.AddMinutes(10)), OrderProgressCalculator.RateWindowOf(running, T.AddMinutes(10)));

        // Whole minutes only: the minute in progress (partial bucket) and a first minute the order started inside are left out.
        Assert.Equal((T.AddMinutes(105), T.AddHours(2)), OrderProgressCalculator.RateWindowOf(running, T.AddHours(2).AddSeconds(40)));
        var midMinute = OrderLifecycle.Apply(OrderLifecycleTests.Order(), OrderAction.Start, T.AddSeconds(30));
        Assert.Equal((T.AddMinutes(1), T.AddMinutes(5)), OrderProgressCalculator.RateWindowOf(midMinute, T.AddMinutes(5).AddSeconds(10)));
        Assert.Null(OrderProgressCalculator.RateWindowOf(midMinute, T.AddSeconds(50)));
        Assert.Null(OrderProgressCalculator.Window(OrderLifecycleTests.Order(), T.AddHours(2)));

        // 10 minutes in, 400 good: 2,400 per hour.
        var p = OrderProgressCalculator.Compute(running, T.AddMinutes(10), new OeeComponents { GoodCount = 400 }, new OeeComponents { GoodCount = 400 }, null);
        Assert.Equal(2_400d, p.CurrentRate);
    }

    [Fact]
    public void EstimatesBeyondTheCalendar_AreNull()
    {
        var huge = Running() with { TargetQuantity = 1_000_000_000 };
        var p = OrderProgressCalculator.Compute(huge, T.AddMinutes(15), new OeeComponents { GoodCount = 1 }, new OeeComponents { GoodCount = 1 }, 1d / 86_400);

        Assert.Equal(4d, p.CurrentRate);
        Assert.Null(p.EstimatedFinish);
        Assert.Null(p.EstimatedFinishAtIdealRate);
    }

    [Fact]
    public void NotStartedOrder_HasZeroCounts_UndefinedRatios_AndIsBehindOnceItsPlanBegan()
    {
        var p = OrderProgressCalculator.Compute(OrderLifecycleTests.Order(), T.AddHours(2), default, default, 3600);

        Assert.Equal((0L, 0d, (double?)null, (double?)null, (DateTimeOffset?)null), (p.GoodCount, p.PercentOfTarget, p.Oee, p.CurrentRate, p.EstimatedFinish));
        Assert.Equal((5_000d, -5_000d, true), (p.PlannedGoodCount, p.PlanVariance, p.BehindPlan));
        Assert.Equal(0d, OrderProgressCalculator.PlannedGood(OrderLifecycleTests.Order(), T.AddHours(-1)));
    }

    [Fact]
    public void IdealRate_OfParallelMachines_AddsUp_AndRequiredSecondsFollow()
    {
        Assert.Equal(3_600d + 2_400d, OrderProgressCalculator.IdealRate([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1.5)]));
        Assert.Null(OrderProgressCalculator.IdealRate([]));
        Assert.Equal(19_271d, OrderProgressCalculator.RequiredSeconds(19_271, 3_600));
        Assert.Null(OrderProgressCalculator.RequiredSeconds(10, null));
    }
}
