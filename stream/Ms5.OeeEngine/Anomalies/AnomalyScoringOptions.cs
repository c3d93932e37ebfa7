using Ms5.Kafka;
using Ms5.ServiceDefaults;

namespace Ms5.OeeEngine.Anomalies;

/// <summary>Live downtime anomaly scoring in the engine host (section "Stream:AnomalyScoring", e.g. Stream__AnomalyScoring__Interval=00:00:15).</summary>
public sealed class AnomalyScoringOptions : ISelfValidatingOptions
{
    public const string Section = "Stream:AnomalyScoring";

    /// <summary>Off: the engine scores nothing (training still scores its window).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often every plant with a ready model is scored.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Stops that began in the last this long are scored each run (plus older ones still open or just ended); at least an hour.</summary>
    public TimeSpan LookBack { get; set; } = TimeSpan.FromHours(3);

    /// <summary>
    /// How far back a flag still stored open is followed to its end (its stop may have ended while the engine was down
    /// longer than <see cref="LookBack"/>); an older open flag stays open until training scores its stop again.
    /// </summary>
    public TimeSpan OpenFlagLookBack { get; set; } = TimeSpan.FromDays(2);

    /// <summary>A plant whose newest event is older than this is a replayed past: its stops are judged as of that event, not now.</summary>
    public TimeSpan LiveWithin { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How often the newest ready model of each plant (and the plant file) is looked up; a new version is loaded.</summary>
    public TimeSpan ModelCheckInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Where new and changed flags are published.</summary>
    public string Topic { get; set; } = Topics.Anomaly;

    public IEnumerable<string> Validate()
    {
        if (Interval < TimeSpan.FromMilliseconds(100))
        {
            yield return $"{Section}:Interval must be at least 00:00:00.1; got {Interval}";
        }

        if (LookBack < TimeSpan.FromHours(1) || LookBack > TimeSpan.FromDays(7))
        {
            yield return $"{Section}:LookBack must be from 01:00:00 to 7.00:00:00; got {LookBack}";
        }

        if (OpenFlagLookBack < LookBack || OpenFlagLookBack > TimeSpan.FromDays(31))
        {
            yield return $"{Section}:OpenFlagLookBack must be from LookBack ({LookBack}) to 31.00:00:00; got {OpenFlagLookBack}";
        }

        if (LiveWithin <= TimeSpan.Zero)
        {
            yield return $"{Section}:LiveWithin must be positive; got {LiveWithin}";
        }

        if (ModelCheckInterval < TimeSpan.FromMilliseconds(100))
        {
            yield return $"{Section}:ModelCheckInterval must be at least 00:00:00.1; got {ModelCheckInterval}";
        }

        if (string.IsNullOrWhiteSpace(Topic))
        {
            yield return $"{Section}:Topic must not be empty";
        }
    }
}
