using Ms5.Analytics.Oee;
using Ms5.Analytics.Orders;

namespace Ms5.Analytics.Reports;

/// <summary>
/// One order of a shift report's "Orders" section. <see cref="GoodInShift"/>, <see cref="RejectInShift"/> and
/// <see cref="OeeInShift"/> are summed over the shift's part of the order (<see cref="ShiftOrders.Overlap"/>);
/// <see cref="PercentOfTarget"/> is the whole order's (good so far / target) as the report was made;
/// <see cref="Finish"/> is the actual end of a finished order, or the estimated finish at the current rate of a running one
/// (<see cref="FinishEstimated"/>; null when the rate is 0).
/// </summary>
public sealed record ShiftOrderRow(
    string OrderId,
    string Product,
    IReadOnlyList<string> MachineIds,
    string MachineNames,
    string Status,
    long TargetQuantity,
    long GoodInShift,
    long RejectInShift,
    double PercentOfTarget,
    double? OeeInShift,
    DateTimeOffset? Finish,
    bool FinishEstimated);

/// <summary>
/// Which orders ran during a shift and their figures there. An order ran during [from, to) when its actual window
/// [actualStart, actualEnd or now) overlaps it; its shift part is that overlap, and (as for order progress) the minutes
/// counted are those whose start lies in it, so two orders back to back on a machine never share a minute.
/// </summary>
public static class ShiftOrders
{
    /// <summary>The shift's part of the order's actual window, or null when the order did not run during [from, to).</summary>
    public static (DateTimeOffset From, DateTimeOffset To)? Overlap(ProductionOrder order, DateTimeOffset from, DateTimeOffset to, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(order);
        if (OrderProgressCalculator.Window(order, now) is not { } w)
        {
            return null;
        }

        var (start, end) = (w.From > from ? w.From : from, w.To < to ? w.To : to);
        return start < end ? (start, end) : null;
    }

    /// <param name="order">The order as the report is made.</param>
    /// <param name="machineNames">Its machines' display names, joined.</param>
    /// <param name="inShift">Components summed over the minutes of <see cref="Overlap"/>.</param>
    /// <param name="overall">The order's progress as the report is made.</param>
    public static ShiftOrderRow Row(ProductionOrder order, string machineNames, OeeComponents inShift, OrderProgress overall)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(overall);
        var running = order.Status == OrderStatus.Running;
        return new ShiftOrderRow(order.OrderId, order.Product, order.MachineIds, machineNames, OrderNames.Of(order.Status), order.TargetQuantity,
            inShift.GoodCount, inShift.RejectCount, overall.PercentOfTarget, OeeKpis.From(inShift).Oee,
            running ? overall.EstimatedFinish : order.ActualEnd, running);
    }
}
