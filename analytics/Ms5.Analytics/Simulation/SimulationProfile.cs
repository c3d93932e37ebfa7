namespace Ms5.Analytics.Simulation;

/// <summary>
/// How the plant simulator runs one machine (the plant file's <c>simulation</c> object of a machine);
/// defaults give a believable 60–80 % OEE. Simulator input only: the domain's <see cref="Plant.Machine"/> does not carry it.
/// </summary>
public sealed record SimulationProfile(
    double RejectRate = 0.02,
    TimeSpan MeanTimeBetweenFailures = default,
    TimeSpan MeanTimeToRepair = default,
    double SpeedFactor = 0.92)
{
    public static readonly TimeSpan DefaultMtbf = TimeSpan.FromMinutes(45);
    public static readonly TimeSpan DefaultMttr = TimeSpan.FromMinutes(4);

    /// <summary>For machines the plant file gives no <c>simulation</c> object.</summary>
    public static SimulationProfile Default { get; } = new();

    public TimeSpan Mtbf => MeanTimeBetweenFailures > TimeSpan.Zero ? MeanTimeBetweenFailures : DefaultMtbf;
    public TimeSpan Mttr => MeanTimeToRepair > TimeSpan.Zero ? MeanTimeToRepair : DefaultMttr;
}
