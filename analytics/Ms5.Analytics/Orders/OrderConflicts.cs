namespace Ms5.Analytics.Orders;

/// <summary>
/// Conflicts between orders sharing a machine. Plans: two open orders (planned, released, running) on a common machine
/// may not have overlapping planned windows (half-open [plannedStart, plannedEnd): back to back is fine); finished orders
/// no longer hold their window. Running: a machine runs one order at a time, so the actual windows [actualStart,
/// actualEnd) of orders sharing a machine never overlap (no minute is counted by two orders): an order cannot start while
/// another on a common machine is running, nor at an instant before a finished order's actual end on one (a started
/// order runs from its start on, so it would overlap that order's window).
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
                || (o.ActualStart is not null && o.ActualEnd is { } e && at < e))
            .OrderBy(o => o.Status == OrderStatus.Running ? 0 : 1).ThenBy(o => o.ActualStart).ThenBy(o => o.OrderId, StringComparer.Ordinal)
            .FirstOrDefault();
    }
}
