using Ms5.Analytics.Oee;

namespace Ms5.Analytics.Orders;

/// <summary>
/// An order's progress as of an instant, from the summed additive OEE minute components of its machines (never a second
/// count, never averaged ratios). See <see cref="OrderProgressCalculator"/> for which minutes count.
/// </summary>
public sealed record OrderProgress
{
    /// <summary>The instant the figures are as of: the order's actual end when it has one, else now.</summary>
    public required DateTimeOffset AsOf { get; init; }

    public required long GoodCount { get; init; }
    public required long RejectCount { get; init; }

    /// <summary>Good + reject.</summary>
    public required long TotalCount { get; init; }

    /// <summary>Good / target, exactly (may pass 1 when the order over-produces).</summary>
    public required double PercentOfTarget { get; init; }

    /// <summary>Target − good, never below 0.</summary>
    public required long RemainingQuantity { get; init; }

    public required double? Availability { get; init; }
    public required double? Performance { get; init; }
    public required double? Quality { get; init; }
    public required double? Oee { get; init; }

    /// <summary>Good parts per hour over the order's last 15 complete minutes (all its complete minutes when fewer); null before it has one.</summary>
    public required double? CurrentRate { get; init; }

    /// <summary>Parts per hour the order's machines make at their ideal cycle for the product (their rates add up); null when unknown.</summary>
    public required double? IdealRate { get; init; }

    /// <summary>While running: when the target is reached at <see cref="CurrentRate"/> (now when already reached; null at rate 0).</summary>
    public required DateTimeOffset? EstimatedFinish { get; init; }

    /// <summary>While running: when the target is reached at <see cref="IdealRate"/>.</summary>
    public required DateTimeOffset? EstimatedFinishAtIdealRate { get; init; }

    /// <summary>Good parts a straight line from 0 at plannedStart to the target at plannedEnd reaches at <see cref="AsOf"/>.</summary>
    public required double PlannedGoodCount { get; init; }

    /// <summary>Good − planned good: positive ahead of plan, negative behind.</summary>
    public required double PlanVariance { get; init; }

    /// <summary><see cref="PlanVariance"/> &lt; 0.</summary>
    public required bool BehindPlan { get; init; }
}

/// <summary>
/// Progress maths. The minutes of an order are those whose start lies in [actualStart, actualEnd or now), summed over the
/// order's machines (a line order's machines are the line's active machines at creation, so its counts are the line
/// figures GET /api/oee gives for them): back-to-back orders on a machine never count a minute twice. A minute is
/// counted whole, so a transition inside a minute gives that minute to the order whose window holds its start.
/// </summary>
public static class OrderProgressCalculator
{
    /// <summary>How far back <see cref="OrderProgress.CurrentRate"/> looks.</summary>
    public static readonly TimeSpan RateWindow = TimeSpan.FromMinutes(15);

    /// <summary>The instant progress is as of: actual end when the order has one, else <paramref name="now"/>.</summary>
    public static DateTimeOffset AsOf(ProductionOrder order, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(order);
        return order.ActualEnd ?? now;
    }

    /// <summary>The order's counted window [actualStart, asOf), or null before it started (or when asOf precedes the start).</summary>
    public static (DateTimeOffset From, DateTimeOffset To)? Window(ProductionOrder order, DateTimeOffset now)
    {
        var asOf = AsOf(order, now);
        return order.ActualStart is { } s && s < asOf ? (s, asOf) : null;
    }

    /// <summary>
    /// The whole minutes the current rate is measured over: the last 15 complete minutes of <see cref="Window"/> (the
    /// minute in progress has a partial bucket and is left out; so is a first minute the order started inside, which is
    /// not counted as the order's), or all its complete minutes when fewer; null when it has none yet.
    /// </summary>
    public static (DateTimeOffset From, DateTimeOffset To)? RateWindowOf(ProductionOrder order, DateTimeOffset now)
    {
        if (Window(order, now) is not { } w)
        {
            return null;
        }

        var to = BucketCalculator.Floor(w.To);
        var from = BucketCalculator.Ceiling(w.From);
        if (to - from > RateWindow)
        {
            from = to - RateWindow;
        }

        return to > from ? (from, to) : null;
    }

    /// <summary><paramref name="t"/> + <paramref name="seconds"/>, or null when that lies beyond the calendar (a rate near 0, a huge target).</summary>
    private static DateTimeOffset? After(DateTimeOffset t, double seconds) =>
        double.IsFinite(seconds) && seconds < (DateTimeOffset.MaxValue - t).TotalSeconds - 1 ? t.AddSeconds(seconds) : null;

    /// <summary>The parts per hour of machines running at the given ideal cycle times in parallel; null when there are none.</summary>
    public static double? IdealRate(IEnumerable<TimeSpan> idealCycles)
    {
        var cycles = idealCycles.ToList();
        return cycles.Count == 0 || cycles.Any(c => c <= TimeSpan.Zero) ? null : cycles.Sum(c => 3600 / c.TotalSeconds);
    }

    /// <summary>Seconds the target needs at the ideal rate (target × ideal cycle for one machine).</summary>
    public static double? RequiredSeconds(long quantity, double? idealRate) => idealRate is > 0 ? quantity * 3600 / idealRate.Value : null;

    /// <param name="order">The order.</param>
    /// <param name="now">The present (or the instant of a replayed past).</param>
    /// <param name="whole">Components summed over the minutes of <see cref="Window"/>.</param>
    /// <param name="recent">Components summed over the minutes of <see cref="RateWindowOf"/>.</param>
    /// <param name="idealRate">Parts per hour at the ideal cycle (<see cref="IdealRate"/>).</param>
    public static OrderProgress Compute(ProductionOrder order, DateTimeOffset now, OeeComponents whole, OeeComponents recent, double? idealRate)
    {
        ArgumentNullException.ThrowIfNull(order);
        var asOf = AsOf(order, now);
        var kpis = OeeKpis.From(whole);
        var good = whole.GoodCount;
        var remaining = Math.Max(0, order.TargetQuantity - good);

        double? rate = null;
        if (RateWindowOf(order, now) is { } rw)
        {
            rate = recent.GoodCount / (rw.To - rw.From).TotalHours;
        }

        DateTimeOffset? atRate = null, atIdeal = null;
        if (order.Status == OrderStatus.Running)
        {
            atRate = remaining == 0 ? asOf : rate is > 0 ? After(asOf, remaining / rate.Value * 3600) : null;
            atIdeal = RequiredSeconds(remaining, idealRate) is { } s ? After(asOf, s) : null;
        }

        var planned = PlannedGood(order, asOf);
        return new OrderProgress
        {
            AsOf = asOf,
            GoodCount = good,
            RejectCount = whole.RejectCount,
            TotalCount = whole.ProducedCount,
            PercentOfTarget = (double)good / order.TargetQuantity,
            RemainingQuantity = remaining,
            Availability = kpis.Availability,
            Performance = kpis.Performance,
            Quality = kpis.Quality,
            Oee = kpis.Oee,
            CurrentRate = rate,
            IdealRate = idealRate,
            EstimatedFinish = atRate,
            EstimatedFinishAtIdealRate = atIdeal,
            PlannedGoodCount = planned,
            PlanVariance = good - planned,
            BehindPlan = good < planned,
        };
    }

    /// <summary>target × the elapsed share of the planned window at <paramref name="at"/>, clamped to [0, target].</summary>
    public static double PlannedGood(ProductionOrder order, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(order);
        var share = (at - order.PlannedStart) / (order.PlannedEnd - order.PlannedStart);
        return order.TargetQuantity * Math.Clamp(share, 0, 1);
    }
}
