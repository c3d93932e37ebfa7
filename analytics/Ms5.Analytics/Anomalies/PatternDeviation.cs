namespace Ms5.Analytics.Anomalies;

/// <summary>The aspects of a stop the pattern model can find unusual, each worded for a supervisor by <see cref="AnomalyText.UnusualPattern"/>.</summary>
public enum PatternAspect
{
    /// <summary>Value and Usual in seconds (usual: the median of the machine's stops with that reason).</summary>
    Duration,

    /// <summary>Seconds of running before the stop.</summary>
    RunBefore,

    /// <summary>Stops of the machine in the hour before.</summary>
    StopsInHour,

    /// <summary>Stops of the machine earlier in the shift.</summary>
    StopsInShift,

    /// <summary>Reject rate (0..1) in the hour before.</summary>
    RejectRate,

    /// <summary>The stop's time of the week: Value the hour of day, Usual unused.</summary>
    TimeOfWeek,

    /// <summary>The reason: Value how often the machine had it in training, Usual the machine's stops in training.</summary>
    Reason,
}

/// <summary>One aspect of a stop far from the machine's normal: what it is, the stop's value and the usual one (units per <see cref="PatternAspect"/>).</summary>
public sealed record PatternDeviation(PatternAspect Aspect, double Value, double Usual, string? Detail = null);
