namespace Ms5.Analytics.Orders;

/// <summary>
/// A production order: make <see cref="TargetQuantity"/> good parts of <see cref="Product"/> on
/// <see cref="MachineIds"/> (a line's active machines when it was created for a line, then <see cref="LineId"/> is set)
/// between <see cref="PlannedStart"/> and <see cref="PlannedEnd"/>. Actual start and end are business time
/// (the <c>at</c> of the transitions), so orders can be recorded after the fact.
/// </summary>
public sealed record ProductionOrder
{
    public required string OrderId { get; init; }
    public required string PlantId { get; init; }
    public required string Product { get; init; }
    public required long TargetQuantity { get; init; }

    /// <summary>The line the order was planned for; null for an order planned for machines.</summary>
    public string? LineId { get; init; }

    public required IReadOnlyList<string> MachineIds { get; init; }
    public required DateTimeOffset PlannedStart { get; init; }
    public required DateTimeOffset PlannedEnd { get; init; }
    public string? Note { get; init; }
    public OrderStatus Status { get; init; } = OrderStatus.Planned;
    public DateTimeOffset? ActualStart { get; init; }
    public DateTimeOffset? ActualEnd { get; init; }

    /// <summary>The business time of the latest transition (creation counts as none): a later transition may not precede it.</summary>
    public DateTimeOffset? LastTransitionAt { get; init; }

    /// <summary>Optimistic-concurrency version: 1 when created, +1 on every change.</summary>
    public int Version { get; init; } = 1;

    public bool IsFinal => Status is OrderStatus.Completed or OrderStatus.Cancelled;

    /// <summary>Open orders (planned, released, running) hold their planned window on their machines.</summary>
    public bool IsOpen => !IsFinal;

    public bool SharesMachineWith(ProductionOrder other) => MachineIds.Intersect(other.MachineIds, StringComparer.Ordinal).Any();
}

/// <summary>Order ids look like the plant file's ids: a letter or digit, then letters, digits, '.', '_', ':' or '-', at most 128 in all.</summary>
public static partial class OrderIds
{
    [System.Text.RegularExpressions.GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}\z", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex Pattern();

    public static bool IsValid(string? id) => id is not null && Pattern().IsMatch(id);
}
