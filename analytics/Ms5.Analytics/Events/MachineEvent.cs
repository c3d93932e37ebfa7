namespace Ms5.Analytics.Events;

/// <summary>Event kinds of contract v1.</summary>
public enum EventType
{
    State,
    Count,
    Counter,
}

/// <summary>Machine states of contract v1; a state holds until the machine's next state event.</summary>
public enum MachineState
{
    Running,
    Idle,
    Down,
    Setup,
    PlannedStop,
    Offline,
}

/// <summary>
/// One validated machine event (contract v1). Type-specific fields are set only for their type:
/// State/Reason for <see cref="EventType.State"/>, Good/Reject for <see cref="EventType.Count"/>,
/// GoodTotal/RejectTotal for <see cref="EventType.Counter"/>. <see cref="Product"/> (optional, state events only)
/// names the product the machine makes from this event on; it holds until a later state event names another.
/// </summary>
public sealed record MachineEvent(
    Guid EventId,
    string MachineId,
    DateTimeOffset Ts,
    EventType Type,
    MachineState? State = null,
    string? Reason = null,
    long? Good = null,
    long? Reject = null,
    long? GoodTotal = null,
    long? RejectTotal = null,
    string? Product = null)
{
    public static MachineEvent StateChange(Guid id, string machine, DateTimeOffset ts, MachineState state, string? reason = null, string? product = null) =>
        new(id, machine, ts, EventType.State, State: state, Reason: reason, Product: product);

    public static MachineEvent Counts(Guid id, string machine, DateTimeOffset ts, long good, long reject) =>
        new(id, machine, ts, EventType.Count, Good: good, Reject: reject);

    public static MachineEvent Counters(Guid id, string machine, DateTimeOffset ts, long goodTotal, long rejectTotal) =>
        new(id, machine, ts, EventType.Counter, GoodTotal: goodTotal, RejectTotal: rejectTotal);
}
