using System.Text.Json.Serialization;

namespace Ms5.Analytics.Contracts;

/// <summary>
/// One ms5.andon.v1 message: a lifecycle step of an Andon and the Andon as it is after it
/// (analytics/contract/andon.v1.schema.json). Property order is the wire order; <see cref="Note"/> is left out when absent.
/// </summary>
public sealed record AndonMessage
{
    /// <summary>raised, escalated, acknowledged or resolved.</summary>
    public required string Transition { get; init; }

    public required int TransitionLevel { get; init; }
    public required DateTimeOffset At { get; init; }

    /// <summary>"system" for rules and timers, else the operator.</summary>
    public required string Actor { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Note { get; init; }

    public required AndonSnapshot Andon { get; init; }
}

/// <summary>
/// The Andon inside an <see cref="AndonMessage"/>. Every field is on the wire; the ones not reached yet
/// (acknowledgement, resolution) are explicit nulls. <see cref="MachineId"/> is empty for a line-level Andon.
/// </summary>
public sealed record AndonSnapshot
{
    public required Guid Id { get; init; }

    /// <summary>raised, escalated, acknowledged or resolved.</summary>
    public required string Status { get; init; }

    public required string PlantId { get; init; }
    public required string LineId { get; init; }
    public required string MachineId { get; init; }

    /// <summary>The id of the plant's Andon rule.</summary>
    public required string Rule { get; init; }

    public required string Kind { get; init; }
    public required string Severity { get; init; }
    public required int Level { get; init; }
    public required string Summary { get; init; }
    public required DateTimeOffset Since { get; init; }
    public required DateTimeOffset RaisedAt { get; init; }
    public required string RaisedBy { get; init; }
    public required DateTimeOffset? AcknowledgedAt { get; init; }
    public required string? AcknowledgedBy { get; init; }
    public required DateTimeOffset? ResolvedAt { get; init; }
    public required string? ResolvedBy { get; init; }

    /// <summary>cleared (the condition ended) or manual (an operator resolved it); null while open.</summary>
    public required string? Resolution { get; init; }

    /// <summary>The operator assigned to the machine for the shift in force when the Andon was raised; absent (not null) when none.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Assignee { get; init; }
}
