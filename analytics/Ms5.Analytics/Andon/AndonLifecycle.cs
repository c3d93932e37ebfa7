namespace Ms5.Analytics.Andon;

/// <summary>Where an Andon is in its lifecycle.</summary>
public enum AndonStatus
{
    /// <summary>Open at level 1, nobody has acknowledged it yet.</summary>
    Raised,

    /// <summary>Open and unacknowledged past an escalation timer (level 2 or 3).</summary>
    Escalated,

    /// <summary>Open, and someone has taken it on: it escalates no further.</summary>
    Acknowledged,

    /// <summary>Closed: its condition cleared, or someone resolved it by hand.</summary>
    Resolved,
}

/// <summary>What an operator asks of an Andon.</summary>
public enum AndonAction
{
    Acknowledge,
    Resolve,
}

/// <summary>Why an operator's request on an Andon was refused.</summary>
public enum AndonRefusal
{
    None,
    NotFound,
    AlreadyAcknowledged,
    AlreadyResolved,
}

/// <summary>
/// The Andon lifecycle: raised → escalated (level 2 and 3 after the plant's timers, while unacknowledged) →
/// acknowledged → resolved (by itself when the condition clears, or by hand). Which step is allowed, why one is
/// refused, when escalations are due, and the transition each step records. Storage applies these decisions.
/// </summary>
public static class AndonLifecycle
{
    public const string Raised = "raised";
    public const string Escalated = "escalated";
    public const string Acknowledged = "acknowledged";
    public const string Resolved = "resolved";

    /// <summary>The actor of what the rules and timers do by themselves.</summary>
    public const string SystemActor = "system";

    /// <summary>How an Andon was resolved: its condition cleared, or an operator resolved it.</summary>
    public const string ClearedResolution = "cleared";
    public const string ManualResolution = "manual";

    public const string ClearedNote = "condition cleared";

    /// <summary>A resolved Andon is resolved whatever else happened; an acknowledged one no longer counts as escalated.</summary>
    public static AndonStatus StatusOf(int level, bool acknowledged, bool resolved) =>
        resolved ? AndonStatus.Resolved : acknowledged ? AndonStatus.Acknowledged : level > 1 ? AndonStatus.Escalated : AndonStatus.Raised;

    public static string Name(AndonStatus status) => status switch
    {
        AndonStatus.Raised => Raised,
        AndonStatus.Escalated => Escalated,
        AndonStatus.Acknowledged => Acknowledged,
        _ => Resolved,
    };

    /// <summary>
    /// Whether an operator may <paramref name="action"/> an Andon in this state: nothing changes a resolved Andon,
    /// and acknowledging twice is refused; resolving an acknowledged (or unacknowledged) open Andon is allowed.
    /// </summary>
    public static AndonRefusal Check(AndonAction action, bool acknowledged, bool resolved) =>
        resolved ? AndonRefusal.AlreadyResolved
        : action == AndonAction.Acknowledge && acknowledged ? AndonRefusal.AlreadyAcknowledged
        : AndonRefusal.None;

    /// <summary>What to tell the operator whose <paramref name="action"/> on Andon <paramref name="id"/> was refused.</summary>
    public static (string Title, string Detail) Explain(AndonRefusal refusal, AndonAction action, Guid id) => refusal switch
    {
        AndonRefusal.NotFound => ("Unknown Andon", $"no Andon with id {id}"),
        AndonRefusal.AlreadyResolved => ($"Cannot {Verb(action)} a resolved Andon", $"Andon {id} is already resolved"),
        AndonRefusal.AlreadyAcknowledged => ("Already acknowledged", $"Andon {id} is already acknowledged"),
        _ => throw new ArgumentOutOfRangeException(nameof(refusal), refusal, "not a refusal"),
    };

    public static string Verb(AndonAction action) => action == AndonAction.Acknowledge ? "acknowledge" : "resolve";

    /// <summary>
    /// The escalations due to an unacknowledged, open Andon raised at <paramref name="raisedAt"/> and now at
    /// <paramref name="level"/>: every level above it whose timer has run out by <paramref name="until"/>, in order.
    /// </summary>
    public static IReadOnlyList<(int Level, DateTimeOffset At)> EscalationsDue(AndonConfig config, DateTimeOffset raisedAt, int level, DateTimeOffset until)
    {
        ArgumentNullException.ThrowIfNull(config);
        return config.EscalationTimes(raisedAt).Where(x => x.Level > level && x.At <= until).ToList();
    }

    /// <summary>
    /// The escalations a newly stored Andon has already gone through: its timers ran until its condition cleared,
    /// or until <paramref name="now"/> if it has not (a replay of history stores old Andons fully escalated).
    /// </summary>
    public static IReadOnlyList<(int Level, DateTimeOffset At)> EscalationsOnRaise(AndonConfig config, AndonEpisode episode, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(episode);
        return EscalationsDue(config, episode.RaisedAt, 1, episode.ClearedAt is { } c && c < now ? c : now);
    }

    /// <summary>Whether the Andon of an episode resolves by itself at <paramref name="now"/>: its condition has cleared by then.</summary>
    public static bool IsCleared(AndonEpisode episode, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(episode);
        return episode.ClearedAt is { } c && c <= now;
    }

    /// <summary>The rules raise an episode's Andon at level 1, at the moment its condition has held for the threshold.</summary>
    public static AndonTransition RaisedByRule(AndonEpisode episode)
    {
        ArgumentNullException.ThrowIfNull(episode);
        return new(episode.Id, Raised, 1, episode.RaisedAt, SystemActor, null);
    }

    /// <summary>An operator pulls the cord: a manual Andon at level 1, its summary as the note.</summary>
    public static AndonTransition Pulled(Guid id, DateTimeOffset at, string actor, string summary) => new(id, Raised, 1, at, actor, summary);

    public static AndonTransition Escalation(Guid id, int level, DateTimeOffset at) => new(id, Escalated, level, at, SystemActor, null);

    /// <summary>The condition cleared: resolved by the system at the level the Andon had reached.</summary>
    public static AndonTransition Cleared(Guid id, int level, DateTimeOffset at) => new(id, Resolved, level, at, SystemActor, ClearedNote);

    /// <summary>An operator's allowed <paramref name="action"/>, recorded at the Andon's current level.</summary>
    public static AndonTransition ByOperator(AndonAction action, Guid id, int level, DateTimeOffset at, string actor, string? note) =>
        new(id, action == AndonAction.Acknowledge ? Acknowledged : Resolved, level, at, actor, note);
}
