using Ms5.ServiceDefaults;

namespace Ms5.ReportsHost.Training;

/// <summary>What a missed nightly run (no node up at its time) does.</summary>
internal enum NightlyMisfire
{
    /// <summary>Train at once when a node is back, if the plant has had no training run since the time it was due.</summary>
    FireNow,

    /// <summary>Wait for the next night.</summary>
    Skip,
}

/// <summary>
/// Nightly downtime-model training in the reports host (section <c>Ms5:Ml:Downtime:Nightly</c>, e.g.
/// <c>Ms5__Ml__Downtime__Nightly__At=03:15:00</c>). The history window is <c>Ms5:Ml:Downtime:DefaultDays</c>.
/// </summary>
internal sealed class NightlyTrainingOptions : ISelfValidatingOptions
{
    public const string Section = "Ms5:Ml:Downtime:Nightly";

    /// <summary>Whether each plant's model is trained every night; false removes the training triggers.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The time of day on each plant's own clock (its IANA zone) the training runs. On the spring-forward day a
    /// time the clock skips runs when the skipped hour ends; on the fall-back day a repeated time runs the first time.</summary>
    public TimeSpan At { get; set; } = new(2, 30, 0);

    /// <summary>What a run missed while no node was up does (default: train at once when one is back).</summary>
    public NightlyMisfire Misfire { get; set; } = NightlyMisfire.FireNow;

    public IEnumerable<string> Validate()
    {
        if (At < TimeSpan.Zero || At >= TimeSpan.FromDays(1))
        {
            yield return $"{Section}:At must be a time of day from 00:00:00 to 23:59:59 (the plant's clock), got {At}";
        }

        if (!Enum.IsDefined(Misfire))
        {
            yield return $"{Section}:Misfire must be FireNow or Skip, got {Misfire}";
        }
    }
}
