namespace Ms5.Analytics.Oee;

/// <summary>Where a second of a machine's time goes in OEE.</summary>
public enum LossCategory
{
    /// <summary>Producing: actual production time.</summary>
    Run,

    /// <summary>Breakdowns, waiting, offline: availability loss.</summary>
    Unplanned,

    /// <summary>Setup and changeover: availability loss (or planned time, if the plant says so).</summary>
    Setup,

    /// <summary>Stops shorter than the micro-stop threshold: a speed loss, counted inside run time.</summary>
    MicroStop,

    /// <summary>Planned stops: not planned busy time.</summary>
    PlannedStop,
}

/// <summary>
/// Plant OEE settings. Defaults: stops under 2 minutes are micro-stops; setup counts against
/// availability; a machine silent for 5 minutes is offline (unplanned).
/// </summary>
public sealed record OeeSettings
{
    public TimeSpan MicroStopThreshold { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>When false, setup is planned time (not planned busy time), as some plants book changeovers.</summary>
    public bool SetupCountsAgainstAvailability { get; init; } = true;

    public TimeSpan OfflineAfterSilence { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The OEE a line should reach (0..1): lines without their own <c>oeeTarget</c> use it (monitoring, dashboards).</summary>
    public double Target { get; init; } = 0.65;

    public static OeeSettings Default { get; } = new();
}
