using Ms5.Analytics.Orders;

namespace Ms5.Analytics.Contracts;

/// <summary>
/// One ms5.orders.v1 message (analytics/contract/orders.v1.schema.json), key = orderId: a lifecycle change of a production
/// order (created, updated, released, started, completed, cancelled: one per order_history row, from the outbox) with the
/// order as it is after it, or a periodic <c>progress</c> message of a running order. Property order is the wire order;
/// <see cref="Progress"/> is an explicit null on lifecycle messages.
/// </summary>
public sealed record OrderMessage
{
    /// <summary>created, updated, released, started, completed, cancelled or progress (<see cref="OrderNames.MessageKinds"/>).</summary>
    public required string Kind { get; init; }

    public required string OrderId { get; init; }

    /// <summary>The business time of the change (a transition's <c>at</c>), or the instant progress is as of.</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>Who made the change (a user, <c>auto:MACHINE</c> for an automatic start); "system" for progress.</summary>
    public required string Actor { get; init; }

    public required OrderSnapshot Order { get; init; }

    /// <summary>The progress figures on a progress message; null on lifecycle messages.</summary>
    public required OrderProgress? Progress { get; init; }

    public const string SystemActor = "system";

    public static OrderMessage Lifecycle(string kind, DateTimeOffset at, string actor, OrderSnapshot order)
    {
        ArgumentNullException.ThrowIfNull(order);
        return new OrderMessage { Kind = kind, OrderId = order.OrderId, At = at.ToUniversalTime(), Actor = actor, Order = order, Progress = null };
    }

    public static OrderMessage ForProgress(ProductionOrder order, OrderProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var snapshot = OrderSnapshot.From(order);
        return new OrderMessage
        {
            Kind = OrderNames.Progress, OrderId = snapshot.OrderId, At = progress.AsOf.ToUniversalTime(), Actor = SystemActor, Order = snapshot,
            Progress = progress with
            {
                AsOf = progress.AsOf.ToUniversalTime(),
                EstimatedFinish = progress.EstimatedFinish?.ToUniversalTime(),
                EstimatedFinishAtIdealRate = progress.EstimatedFinishAtIdealRate?.ToUniversalTime(),
            },
        };
    }
}

/// <summary>The order inside an <see cref="OrderMessage"/> (and each order_history row's snapshot). Every field is on the wire; absent ones are explicit nulls.</summary>
public sealed record OrderSnapshot
{
    public required string OrderId { get; init; }
    public required string PlantId { get; init; }
    public required string Product { get; init; }
    public required long TargetQuantity { get; init; }
    public required string? LineId { get; init; }
    public required IReadOnlyList<string> MachineIds { get; init; }
    public required DateTimeOffset PlannedStart { get; init; }
    public required DateTimeOffset PlannedEnd { get; init; }
    public required string? Note { get; init; }

    /// <summary>planned, released, running, completed or cancelled.</summary>
    public required string Status { get; init; }

    public required DateTimeOffset? ActualStart { get; init; }
    public required DateTimeOffset? ActualEnd { get; init; }
    public required int Version { get; init; }

    public static OrderSnapshot From(ProductionOrder o)
    {
        ArgumentNullException.ThrowIfNull(o);
        return new OrderSnapshot
        {
            OrderId = o.OrderId, PlantId = o.PlantId, Product = o.Product, TargetQuantity = o.TargetQuantity, LineId = o.LineId,
            MachineIds = [.. o.MachineIds], PlannedStart = o.PlannedStart.ToUniversalTime(), PlannedEnd = o.PlannedEnd.ToUniversalTime(),
            Note = o.Note, Status = OrderNames.Of(o.Status), ActualStart = o.ActualStart?.ToUniversalTime(), ActualEnd = o.ActualEnd?.ToUniversalTime(),
            Version = o.Version,
        };
    }
}
