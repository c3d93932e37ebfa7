namespace Ms5.Analytics.Orders;

/// <summary>Why a transition or an edit was refused.</summary>
public enum OrderRefusal
{
    None,

    /// <summary>The action is not allowed from the order's current status (a 409 naming the status).</summary>
    NotFromStatus,

    /// <summary><c>at</c> of a completion or cancellation precedes the order's actual start (a 400 on <c>at</c>).</summary>
    BeforePreviousTransition,
}

/// <summary>
/// The transition rules. Allowed: release from planned; start from planned or released (an order can be started
/// directly, e.g. recorded after the fact); complete from running; cancel from planned, released or running.
/// Completed and cancelled are final. The <c>at</c> (business time) of completing or cancelling a started order must not
/// precede its actual start; release and start times are not ordered against each other (an order recorded after the
/// fact is often released "now" and started at a past instant).
/// Starting sets <see cref="ProductionOrder.ActualStart"/>; completing, and cancelling a running order, set
/// <see cref="ProductionOrder.ActualEnd"/>. Edits (target, plan, note, product) are allowed while planned or released.
/// </summary>
public static class OrderLifecycle
{
    public static IReadOnlyList<OrderStatus> AllowedFrom(OrderAction action) => action switch
    {
        OrderAction.Release => [OrderStatus.Planned],
        OrderAction.Start => [OrderStatus.Planned, OrderStatus.Released],
        OrderAction.Complete => [OrderStatus.Running],
        _ => [OrderStatus.Planned, OrderStatus.Released, OrderStatus.Running],
    };

    public static OrderStatus Target(OrderAction action) => action switch
    {
        OrderAction.Release => OrderStatus.Released,
        OrderAction.Start => OrderStatus.Running,
        OrderAction.Complete => OrderStatus.Completed,
        _ => OrderStatus.Cancelled,
    };

    public static bool CanEdit(OrderStatus status) => status is OrderStatus.Planned or OrderStatus.Released;

    public static OrderRefusal Check(ProductionOrder order, OrderAction action, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(order);
        if (!AllowedFrom(action).Contains(order.Status))
        {
            return OrderRefusal.NotFromStatus;
        }

        return order.ActualStart is { } started && at < started ? OrderRefusal.BeforePreviousTransition : OrderRefusal.None;
    }

    /// <summary>The order after the action; throws when <see cref="Check"/> refuses it.</summary>
    public static ProductionOrder Apply(ProductionOrder order, OrderAction action, DateTimeOffset at)
    {
        var refusal = Check(order, action, at);
        if (refusal != OrderRefusal.None)
        {
            throw new InvalidOperationException($"cannot {OrderNames.Of(action)} order {order.OrderId} ({OrderNames.Of(order.Status)}): {refusal}");
        }

        return order with
        {
            Status = Target(action),
            ActualStart = action == OrderAction.Start ? at : order.ActualStart,
            ActualEnd = action == OrderAction.Complete || (action == OrderAction.Cancel && order.Status == OrderStatus.Running) ? at : order.ActualEnd,
            LastTransitionAt = at,
            Version = order.Version + 1,
        };
    }
}
