namespace Ms5.Analytics.Andon;

/// <summary>
/// An Andon: where and why it was raised, its escalation level and who acknowledged and resolved it when.
/// <see cref="Kind"/> and <see cref="Severity"/> are the plant file's words (<see cref="AndonNames"/>); a
/// line-level Andon has an empty <see cref="MachineId"/>.
/// </summary>
public sealed record AndonRecord(
    Guid Id, string PlantId, string LineId, string MachineId, string RuleId, string Kind, string Severity, string Summary,
    DateTimeOffset Since, DateTimeOffset RaisedAt, string RaisedBy, int Level,
    DateTimeOffset? AckedAt, string? AckedBy, DateTimeOffset? ResolvedAt, string? ResolvedBy, string? Resolution)
{
    /// <summary>The operator assigned to the machine for the shift in force when it was raised (none for a line-level Andon or an unassigned machine).</summary>
    public string? Assignee { get; init; }

    /// <summary>Where it is in its lifecycle.</summary>
    public AndonStatus Lifecycle => AndonLifecycle.StatusOf(Level, AckedAt is not null, ResolvedAt is not null);

    /// <summary><see cref="Lifecycle"/> as the API and ms5.andon.v1 spell it: raised, escalated, acknowledged, resolved.</summary>
    public string Status => AndonLifecycle.Name(Lifecycle);

    /// <summary>How long it has been open at <paramref name="now"/>; a resolved Andon's age stops at its resolution.</summary>
    public TimeSpan AgeAt(DateTimeOffset now)
    {
        var age = (ResolvedAt ?? now) - RaisedAt;
        return age > TimeSpan.Zero ? age : TimeSpan.Zero;
    }
}

/// <summary>
/// One lifecycle step of an Andon (<see cref="AndonLifecycle.Raised"/>, <see cref="AndonLifecycle.Escalated"/> per
/// level, <see cref="AndonLifecycle.Acknowledged"/>, <see cref="AndonLifecycle.Resolved"/>), made by
/// <see cref="Actor"/> at <see cref="At"/>; <see cref="Level"/> is the level the Andon had then.
/// </summary>
public sealed record AndonTransition(Guid AndonId, string Transition, int Level, DateTimeOffset At, string Actor, string? Note);

/// <summary>An episode found by the rules, with where it happened and the rule's configuration.</summary>
/// <remarks><see cref="ResolveOnly"/>: the condition ended before its threshold; only an Andon already raised for it (on time, before the ending event arrived) is resolved.</remarks>
public sealed record AndonFinding(AndonEpisode Episode, string PlantId, string LineId, AndonRule Rule, AndonConfig Config, bool ResolveOnly = false)
{
    /// <summary>The plant's shift calendar: which shift (and so which assigned operator) is in force when the Andon is raised. Null: no assignee.</summary>
    public Plant.ShiftCalendar? Calendar { get; init; }
}

/// <summary>The words the plant file, the database and the API use for rule kinds and severities.</summary>
public static class AndonNames
{
    public static string Of(AndonKind kind) => kind switch
    {
        AndonKind.NoCounts => "no_counts",
        AndonKind.LowOee => "low_oee",
        AndonKind.RejectRate => "reject_rate",
        AndonKind.AnomalousStop => "anomalous_stop",
        _ => kind.ToString().ToLowerInvariant(),
    };

    public static string Of(AndonSeverity severity) => severity.ToString().ToLowerInvariant();
}
