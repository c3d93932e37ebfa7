namespace Ms5.Analytics.Orders;

/// <summary>A production order's lifecycle: planned → released → running → completed | cancelled (the last two are final).</summary>
public enum OrderStatus
{
    Planned,
    Released,
    Running,
    Completed,
    Cancelled,
}

/// <summary>What can be done to an order; each is one kind of history row and one ms5.orders.v1 message kind.</summary>
public enum OrderAction
{
    Release,
    Start,
    Complete,
    Cancel,
}

/// <summary>The wire names (API, database, ms5.orders.v1) of statuses, actions and history kinds.</summary>
public static class OrderNames
{
    public static IReadOnlyList<OrderStatus> Statuses { get; } = Enum.GetValues<OrderStatus>();

    public static string Of(OrderStatus s) => s.ToString().ToLowerInvariant();

    public static string Of(OrderAction a) => a.ToString().ToLowerInvariant();

    public static OrderStatus? ParseStatus(string? s) =>
        Statuses.Cast<OrderStatus?>().FirstOrDefault(x => string.Equals(Of(x!.Value), s, StringComparison.Ordinal));

    public static OrderAction? ParseAction(string? s) =>
        Enum.GetValues<OrderAction>().Cast<OrderAction?>().FirstOrDefault(x => string.Equals(Of(x!.Value), s, StringComparison.Ordinal));

    /// <summary>The history kind (and message kind) a transition writes: released, started, completed, cancelled.</summary>
    public static string HistoryKind(OrderAction a) => a switch
    {
        OrderAction.Release => "released",
        OrderAction.Start => "started",
        OrderAction.Complete => "completed",
        _ => "cancelled",
    };

    public const string Created = "created";
    public const string Updated = "updated";
    public const string Progress = "progress";

    /// <summary>Every history kind, in lifecycle order.</summary>
    public static IReadOnlyList<string> HistoryKinds { get; } = [Created, Updated, "released", "started", "completed", "cancelled"];

    /// <summary>Every ms5.orders.v1 message kind.</summary>
    public static IReadOnlyList<string> MessageKinds { get; } = [.. HistoryKinds, Progress];
}
