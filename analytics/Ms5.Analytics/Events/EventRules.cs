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
        List<EventProblem>? problems = null;
        if (!_isKnownMachine(evt.MachineId))
        {
            (problems ??= []).Add(new EventProblem("machineId", $"unknown machine '{EventParser.Truncate(evt.MachineId)}': not in the plant configuration"));
        }

        if (evt.Ts > now + MaxClockSkew)
        {
            var ahead = evt.Ts - now;
            (problems ??= []).Add(new EventProblem("ts", $"is {Durations.Describe(ahead)} in the future, beyond the clock-skew limit of {Durations.Describe(MaxClockSkew)}"));
        }
        else if (evt.Ts < EarliestTs)
        {
            (problems ??= []).Add(new EventProblem("ts", $"is before {EarliestTs:yyyy-MM-dd}: the source clock is not set"));
        }

        return problems ?? (IReadOnlyList<EventProblem>)[];
    }
}
