namespace Ms5.Analytics.Events;

/// <summary>
/// Turns cumulative PLC counters into increments. A counter that goes down was reset (power cycle,
/// rollover, PLC program download): the parts since the reset are the new reading itself, never a
/// negative count. The first reading of a machine only sets the baseline.
/// </summary>
public static class CounterDelta
{
    public static long Increment(long? previousTotal, long currentTotal)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(currentTotal);
        if (previousTotal is null)
        {
            return 0;
        }

        return currentTotal >= previousTotal.Value ? currentTotal - previousTotal.Value : currentTotal;
    }

    public static bool IsReset(long? previousTotal, long currentTotal) => previousTotal is not null && currentTotal < previousTotal.Value;
}

/// <summary>Per-machine counter state for a stream of counter events in event-time order.</summary>
public sealed class CounterTracker
{
    private readonly Dictionary<string, (long Good, long Reject)> _last = new(StringComparer.Ordinal);

    public int Resets { get; private set; }

    /// <summary>Increments since the machine's previous counter event (zero for its first one).</summary>
    public (long Good, long Reject) Next(string machineId, long goodTotal, long rejectTotal)
    {
        (long, long)? prev = _last.TryGetValue(machineId, out var p) ? p : null;
        long good, reject;
        if (prev is { } pr)
        {
            // A PLC clears all its counters together: when either went down, both restarted from zero.
            if (CounterDelta.IsReset(pr.Item1, goodTotal) || CounterDelta.IsReset(pr.Item2, rejectTotal))
            {
                Resets++;
                good = goodTotal;
                reject = rejectTotal;
            }
            else
            {
                good = goodTotal - pr.Item1;
                reject = rejectTotal - pr.Item2;
            }
        }
        else
        {
            good = 0;
            reject = 0;
        }

        _last[machineId] = (goodTotal, rejectTotal);
        return (good, reject);
    }
}
