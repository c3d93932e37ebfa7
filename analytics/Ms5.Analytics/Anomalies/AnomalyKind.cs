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
}

public static class AnomalyKinds
{
    /// <summary>The wire name: long_stop, burst, unseen_reason (also part of the deterministic id).</summary>
    public static string Name(AnomalyKind kind) => kind switch
    {
        AnomalyKind.LongStop => "long_stop",
        AnomalyKind.Burst => "burst",
        AnomalyKind.UnseenReason => "unseen_reason",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
