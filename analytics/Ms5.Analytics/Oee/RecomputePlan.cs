namespace Ms5.Analytics.Oee;

/// <summary>
/// What a batch's new events can change on one machine: from <see cref="From"/> (the start of the stop they
/// end, or the machine's previous sign of life) up to the next state event after them (<see cref="NextState"/>),
/// or, for the machine's newest events, up to <see cref="Newest"/> and on to now.
/// </summary>
public readonly record struct AffectedSpan(DateTimeOffset From, DateTimeOffset? NextState, DateTimeOffset Newest)
{
    /// <summary>Without a later state event the machine's current state may have changed.</summary>
    public bool ReachesCurrentState => NextState is null;
}

/// <summary>Whole minutes <c>[From, To)</c> to recompute for one machine (<c>To</c> may be now, inside the current minute).</summary>
public readonly record struct MinuteRange(DateTimeOffset From, DateTimeOffset To);

/// <summary>
/// Which minutes the OEE engine recomputes and from which events, decided without I/O: after a batch of events
/// (<see cref="AfterEvents"/>) and on the ticker's schedule (<see cref="OnTick"/>); and whether the machine's
/// in-memory event tail can serve the range or its events must be loaded from the store (<see cref="LoadFrom"/>).
/// </summary>
public static class RecomputePlan
{
    /// <summary>A machine whose history is replayed this far behind now is extended by the ticker only once the replay pauses.</summary>
    public static readonly TimeSpan ReplayLag = TimeSpan.FromHours(1);

    /// <summary>The most one tick extends a machine that is behind (a day per tick catches up a paused replay without a huge transaction).</summary>
    public static readonly TimeSpan MaxPerTick = TimeSpan.FromDays(1);

    /// <summary>The minutes a batch's new events can change: from the span's start minute to the end of the next state event's minute (or the newest event's), never past now; null when nothing is left.</summary>
    public static MinuteRange? AfterEvents(AffectedSpan span, DateTimeOffset now)
    {
        var from = BucketCalculator.Floor(span.From);
        var end = BucketCalculator.Ceiling(span.NextState ?? span.Newest);
        var to = end < now ? end : now;
        return from < to ? new MinuteRange(from, to) : null;
    }

    /// <summary>
    /// The ticker's range for a machine computed up to <paramref name="computedTo"/> (null: never; then the last
    /// minute). Null when up to date, or while a replay is writing it (progress reset within two ticks and far
    /// behind now); otherwise up to now, at most <see cref="MaxPerTick"/> at once.
    /// </summary>
    public static MinuteRange? OnTick(DateTimeOffset? computedTo, DateTimeOffset? touchedAt, DateTimeOffset now, TimeSpan tickInterval)
    {
        var from = computedTo ?? BucketCalculator.Floor(now).AddMinutes(-1);
        if (touchedAt is { } touched && touched > now - (2 * tickInterval) && now - from > ReplayLag)
        {
            return null;
        }

        var to = now - from > MaxPerTick ? from + MaxPerTick : now;
        return from < to ? new MinuteRange(from, to) : null;
    }

    /// <summary>
    /// Where the store must be read from for <paramref name="range"/>: null when the machine's in-memory tail (complete
    /// from <paramref name="tailCompleteFrom"/>; null: no tail) serves it, else the range's start (everything from there on).
    /// </summary>
    public static DateTimeOffset? LoadFrom(MinuteRange range, DateTimeOffset? tailCompleteFrom) =>
        tailCompleteFrom is { } complete && range.From >= complete ? null : range.From;
}
