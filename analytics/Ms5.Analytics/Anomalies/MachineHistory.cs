using Ms5.Analytics.Reports;

namespace Ms5.Analytics.Anomalies;

/// <summary>
/// What the features of one machine are built from: its state intervals as the historian stores them
/// (<c>state_intervals</c>, in start order; End null while the state holds), optionally the products it made
/// and its part counts. Only <see cref="Intervals"/> is required; a feature whose input is missing is null.
/// </summary>
public sealed record MachineHistory(string MachineId, IReadOnlyList<StateSpan> Intervals)
{
    /// <summary>Product changes (from state events that name a product), in time order. Empty: products unknown.</summary>
    public IReadOnlyList<ProductChange> Products { get; init; } = [];

    /// <summary>Good and reject parts by time (count events or minute buckets), for the reject rate before a stop. Null: unknown.</summary>
    public IReadOnlyList<PartCount>? Counts { get; init; }
}

/// <summary>The machine makes <see cref="Product"/> from <see cref="From"/> until the next change.</summary>
public sealed record ProductChange(DateTimeOffset From, string Product);

/// <summary>Parts counted at <see cref="Ts"/>: a count event, or a minute bucket stamped with its start.</summary>
public sealed record PartCount(DateTimeOffset Ts, long Good, long Reject);
