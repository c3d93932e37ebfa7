namespace Ms5.Analytics.Reports;

/// <summary>
/// The "Unusual stops" section of a shift report: the downtime-anomaly flags whose stop overlaps the shift, in stop
/// start order. <see cref="ModelTrained"/> false: the plant has no ready anomaly model, so nothing could be flagged
/// (the report says so rather than "none"). <see cref="Limit"/>: how many flags the report lists at most.
/// </summary>
public sealed record UnusualStops(bool ModelTrained, IReadOnlyList<UnusualStopRow> Rows, int Limit = UnusualStops.DefaultLimit)
{
    public const int DefaultLimit = 200;

    /// <summary>No ready model for the plant.</summary>
    public static UnusualStops NoModel { get; } = new(false, []);

    /// <summary>Whether more flags exist than the report lists.</summary>
    public bool Truncated => Rows.Count >= Limit;
}

/// <summary>
/// One flagged stop: its machine, what is unusual (<see cref="Kind"/>, the wire name: long_stop, burst, unseen_reason,
/// shift_pileup, unusual_pattern), reason, whole bounds (End null while the stop was open when last scored),
/// <see cref="Seconds"/> as scored (its whole length, or how long it had lasted while open), <see cref="Score"/> 0..1
/// and the explanation in words.
/// </summary>
public sealed record UnusualStopRow(
    string MachineId,
    string MachineName,
    string Kind,
    string Reason,
    DateTimeOffset Start,
    DateTimeOffset? End,
    double Seconds,
    double Score,
    string Explanation)
{
    /// <summary>The kind for readers: "long stop", "burst", "unusual reason", "shift pile-up", "unusual pattern".</summary>
    public string KindText => Kind switch
    {
        "long_stop" => "long stop",
        "burst" => "burst",
        "unseen_reason" => "unusual reason",
        "shift_pileup" => "shift pile-up",
        "unusual_pattern" => "unusual pattern",
        _ => Kind,
    };
}
