using System.Text.Json.Serialization;

namespace Ms5.Analytics.Anomalies;

/// <summary>What is unusual about a stop.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AnomalyKind>))]
public enum AnomalyKind
{
    /// <summary>It lasts (or has lasted so far) longer than its context's threshold.</summary>
    LongStop,

    /// <summary>The machine has more stops in the hour up to it than its bound for that hour of the week.</summary>
    Burst,

    /// <summary>Its reason never occurred on the machine in the training window.</summary>
    UnseenReason,

    /// <summary>The machine's stops so far in this shift are more than its bound for that much of that shift (stops piling up, e.g. on nights).</summary>
    ShiftPileup,

    /// <summary>The ML.NET model finds the combination of the stop's features rare for the plant (none of the single checks above need to).</summary>
    UnusualPattern,
}

public static class AnomalyKinds
{
    /// <summary>Every kind, in wire-name order of the enum.</summary>
    public static IReadOnlyList<AnomalyKind> All { get; } = Enum.GetValues<AnomalyKind>();

    /// <summary>The wire name: long_stop, burst, unseen_reason, shift_pileup, unusual_pattern (also part of the deterministic id).</summary>
    public static string Name(AnomalyKind kind) => kind switch
    {
        AnomalyKind.LongStop => "long_stop",
        AnomalyKind.Burst => "burst",
        AnomalyKind.UnseenReason => "unseen_reason",
        AnomalyKind.ShiftPileup => "shift_pileup",
        AnomalyKind.UnusualPattern => "unusual_pattern",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>The kind of a wire name; null when it names none.</summary>
    public static AnomalyKind? Parse(string? name) => All.Select(k => (AnomalyKind?)k).FirstOrDefault(k => Name(k!.Value) == name);
}
