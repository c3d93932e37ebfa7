namespace Ms5.Analytics.Anomalies;

/// <summary>
/// One judgement of a stop. <see cref="Score"/> is in [0, 1): r / (1 + r) for r &gt; 0 and 0 otherwise, where r is how
/// far beyond normal the stop is in units of its threshold's distance (<see cref="ScoreOf"/>): 0 at normal, 0.5 at the
/// threshold, 2/3 at twice as far, toward 1 beyond. <see cref="Flagged"/> is true when the threshold is passed.
/// <list type="bullet">
/// <item>LongStop: <see cref="Observed"/> seconds (so far, for an open stop), <see cref="Threshold"/> the context's
/// threshold seconds; r = (ln seconds − median) / (ln threshold − median); flagged when seconds &gt; threshold.</item>
/// <item>Burst: stops of the machine in the hour up to the stop's start (itself included) and the hour's bound;
/// r = (count − rate) / (bound − rate); flagged when count &gt; bound.</item>
/// <item>UnseenReason: the machine's stops in the training window and <see cref="BaselineOptions.MinSamples"/>;
/// r = stops / MinSamples when the reason was never seen (flagged, as there are enough stops to judge), 0 when it was.</item>
/// </list>
/// </summary>
public sealed record AnomalyScore(
    Guid Id,
    AnomalyKind Kind,
    string MachineId,
    string LineId,
    string Reason,
    DateTimeOffset StopStart,
    DateTimeOffset? StopEnd,
    double Seconds,
    double Observed,
    double Threshold,
    double Score,
    bool Flagged,
    string Explanation)
{
    public bool Open => StopEnd is null;

    /// <summary>r / (1 + r) for r &gt; 0, else 0.</summary>
    public static double ScoreOf(double r) => r > 0 ? r / (1 + r) : 0;
}
