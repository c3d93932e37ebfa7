namespace Ms5.Analytics.Oee;

/// <summary>
/// The six big losses, in seconds of planned busy time: availability (breakdowns, setup),
/// performance (micro-stops, reduced speed) and quality (process defects, start-up rejects, as the
/// ideal time spent making them). Together with the ideal time of good parts they add up to planned time.
/// </summary>
public sealed record SixBigLosses(
    double Breakdowns,
    double Setup,
    double MicroStops,
    double ReducedSpeed,
    double ProcessDefects,
    double StartupRejects,
    double ValueAdding)
{
    public static SixBigLosses From(OeeComponents c)
    {
        var idealPerPart = c.ProducedCount > 0 ? c.IdealSeconds / c.ProducedCount : 0;
        var speed = c.RunSeconds - c.MicroStopSeconds - c.IdealSeconds;
        var startup = c.StartupRejectCount * idealPerPart;
        var defects = (c.RejectCount - c.StartupRejectCount) * idealPerPart;
        return new SixBigLosses(
            Breakdowns: c.UnplannedStopSeconds,
            Setup: c.SetupSeconds,
            MicroStops: c.MicroStopSeconds,
            ReducedSpeed: speed,
            ProcessDefects: defects,
            StartupRejects: startup,
            ValueAdding: c.GoodCount * idealPerPart);
    }
}
