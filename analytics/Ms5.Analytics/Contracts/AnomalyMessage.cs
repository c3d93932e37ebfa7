namespace Ms5.Analytics.Contracts;

/// <summary>
/// One ms5.anomaly.v1 message: a downtime flag as stored after a live scoring run (analytics/contract/anomaly.v1.schema.json),
/// key = machine id. Published when the flag is new, when its stop ends, when it stops (or starts again) being flagged,
/// or when a newer model judged it; not for every second an open stop lasts longer. Property order is the wire order;
/// <see cref="End"/> is an explicit null while the stop is open.
/// </summary>
public sealed record AnomalyMessage
{
    /// <summary>The flag's deterministic id (UUIDv5 of plant, machine, stop start and kind): a replay gives the same id.</summary>
    public required Guid Id { get; init; }

    public required string PlantId { get; init; }
    public required string MachineId { get; init; }
    public required string LineId { get; init; }

    /// <summary>The wire name of an <see cref="Anomalies.AnomalyKind"/>: long_stop, burst, unseen_reason, shift_pileup or unusual_pattern.</summary>
    public required string Kind { get; init; }

    public required string Reason { get; init; }
    public required DateTimeOffset Start { get; init; }

    /// <summary>When the stop ended; null while it is open.</summary>
    public required DateTimeOffset? End { get; init; }

    /// <summary>The stop's length; for an open stop, how long it had lasted at <see cref="At"/>.</summary>
    public required double Seconds { get; init; }

    /// <summary>0..1; 0.5 at the context's threshold.</summary>
    public required double Score { get; init; }

    public required bool Flagged { get; init; }
    public required bool Open { get; init; }
    public required string Explanation { get; init; }
    public required int ModelVersion { get; init; }

    /// <summary>The instant the stop was judged as of: wall clock for a live plant, the plant's newest event for a replayed past.</summary>
    public required DateTimeOffset At { get; init; }
}
