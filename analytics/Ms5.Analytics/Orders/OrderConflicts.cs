namespace Ms5.Analytics.Orders;

/// <summary>
/// Conflicts between orders sharing a machine. Plans: two open orders (planned, released, running) on a common machine
/// may not have overlapping planned windows (half-open [plannedStart, plannedEnd): back to back is fine); finished orders
/// no longer hold their window. Running: a machine runs one order at a time, so the actual windows [actualStart,
/// actualEnd) of finished orders sharing a machine never overlap (no minute is counted by two orders): an order cannot
/// start while another on a common machine is running, nor at an instant inside a finished order's actual window on one;
/// and it cannot end (complete, cancel) at an instant that would take in another order started on a common machine
/// after it (orders recorded after the fact may be entered in any order, each in its own window).
/// </summary>
public static class OrderConflicts
{
    public static bool PlansOverlap(ProductionOrder a, ProductionOrder b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return a.OrderId != b.OrderId && a.IsOpen && b.IsOpen && a.SharesMachineWith(b)
            && a.PlannedStart < b.PlannedEnd && b.PlannedStart < a.PlannedEnd;
    }

    /// <summary>The first other order whose plan overlaps <paramref name="order"/>'s, by planned start.</summary>
    public static ProductionOrder? OverlappingPlan(ProductionOrder order, IEnumerable<ProductionOrder> others) =>
        others.Where(o => PlansOverlap(order, o)).OrderBy(o => o.PlannedStart).ThenBy(o => o.OrderId, StringComparer.Ordinal).FirstOrDefault();

    /// <summary>The order that keeps <paramref name="order"/> from starting at <paramref name="at"/> on a common machine, if any.</summary>
    public static ProductionOrder? RunningConflict(ProductionOrder order, DateTimeOffset at, IEnumerable<ProductionOrder> others)
    {
        ArgumentNullException.ThrowIfNull(order);
        return others
            .Where(o => o.OrderId != order.OrderId && o.SharesMachineWith(order))
            .Where(o => o.Status == OrderStatus.Running
                || (o.ActualStart is { } s && o.ActualEnd is { } e && s <= at && at < e))
            .OrderBy(o => o.Status == OrderStatus.Running ? 0 : 1).ThenBy(o => o.OrderId, StringComparer.Ordinal)
            .FirstOrDefault();
    }

    /// <summary>
    /// The order that keeps the running <paramref name="order"/> from ending at <paramref name="end"/>: the first other order
    /// on a common machine that started in [order's actual start, <paramref name="end"/>), whose minutes both would count.
    /// </summary>
    public static ProductionOrder? EndConflict(ProductionOrder order, DateTimeOffset end, IEnumerable<ProductionOrder> others)
    {
        ArgumentNullException.ThrowIfNull(order);
        return order.ActualStart is not { } start
            ? null
            : others
                .Where(o => o.OrderId != order.OrderId && o.SharesMachineWith(order) && o.ActualStart is { } s && s >= start && s < end)
                .OrderBy(o => o.ActualStart).ThenBy(o => o.OrderId, StringComparer.Ordinal)
                .FirstOrDefault();
    }
}
