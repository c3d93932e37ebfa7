namespace Ms5.Analytics.Events;

/// <summary>
/// The contract rules that need context: the plant's machines and the clock. A message that passes
/// <see cref="EventParser"/> and these rules is stored; anything else goes to the DLQ with every reason.
/// </summary>
public sealed class EventRules
{
    /// <summary>Events before this are taken for a broken clock (an unset PLC clock reports 1970 or 2000).</summary>
    public static readonly DateTimeOffset EarliestTs = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly Func<string, bool> _isKnownMachine;

    public EventRules(Func<string, bool> isKnownMachine, TimeSpan maxClockSkew)
    {
        ArgumentNullException.ThrowIfNull(isKnownMachine);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxClockSkew, TimeSpan.Zero);
        _isKnownMachine = isKnownMachine;
        MaxClockSkew = maxClockSkew;
    }

    public TimeSpan MaxClockSkew { get; }

    /// <summary>Problems of a parsed event against the plant and the clock; empty when it may be stored.</summary>
    public IReadOnlyList<EventProblem> Check(MachineEvent evt, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(evt);
        return Check(evt.MachineId, evt.Ts, now);
    }

    /// <summary>
    /// All problems of a message: the contract's and, for the fields that were readable, the plant's
    /// and the clock's, in contract field order.
    /// </summary>
    public IReadOnlyList<EventProblem> AllProblems(EventParseResult parsed, DateTimeOffset now)
    {
        if (parsed.Event is { } evt)
        {
            return Check(evt, now);
        }

        var extra = Check(parsed.ValidMachineId, parsed.ValidTs, now);
        if (extra.Count == 0)
        {
            return parsed.Problems;
        }

        return EventProblem.InContractOrder(parsed.Problems.Concat(extra));
    }

    private IReadOnlyList<EventProblem> Check(string? machineId, DateTimeOffset? tsOrNull, DateTimeOffset now)
    {
        List<EventProblem>? problems = null;
        if (machineId is not null && !_isKnownMachine(machineId))
        {
            (problems ??= []).Add(new EventProblem("machineId", $"unknown machine '{EventParser.Truncate(machineId)}': not in the plant configuration"));
        }

        if (tsOrNull is not { } ts)
        {
            return problems ?? (IReadOnlyList<EventProblem>)[];
        }

        if (ts > now + MaxClockSkew)
        {
            var ahead = ts - now;
            (problems ??= []).Add(new EventProblem("ts", $"is {Durations.Describe(ahead)} in the future, beyond the clock-skew limit of {Durations.Describe(MaxClockSkew)}"));
        }
        else if (ts < EarliestTs)
        {
            (problems ??= []).Add(new EventProblem("ts", $"is before {EarliestTs:yyyy-MM-dd}: the source clock is not set"));
        }

        return problems ?? (IReadOnlyList<EventProblem>)[];
    }
}
