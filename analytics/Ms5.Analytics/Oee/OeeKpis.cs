namespace Ms5.Analytics.Oee;

/// <summary>
/// ISO 22400-2 KPIs from summed components. A ratio whose denominator is zero is undefined (null),
/// never 0 or 1: a machine with no planned time has no availability, not a perfect one.
/// </summary>
public sealed record OeeKpis(
    double? Availability,
    double? Performance,
    double? Quality,
    double? Oee,
    double? Teep,
    double? ScrapRatio,
    double? SetupRatio,
    double? MtbfSeconds,
    double? MttrSeconds)
{
    public static OeeKpis From(OeeComponents c)
    {
        // Availability = APT / PBT
        var availability = Ratio(c.RunSeconds, c.PlannedSeconds);

        // Performance (effectiveness) = ideal cycle time × produced quantity / APT
        var performance = Ratio(c.IdealSeconds, c.RunSeconds);

        // Quality = good / produced
        var quality = Ratio(c.GoodCount, c.ProducedCount);
        var oee = availability * performance * quality;

        // TEEP = OEE × (planned time / calendar time)
        var teep = oee * Ratio(c.PlannedSeconds, c.CalendarSeconds);
        return new OeeKpis(availability, performance, quality, oee, teep,
            Ratio(c.RejectCount, c.ProducedCount),
            Ratio(c.SetupSeconds, c.PlannedSeconds),
            // MTBF = operating time / failures; MTTR = unplanned stop time / failures
            Ratio(c.RunSeconds, c.FailureCount),
            Ratio(c.UnplannedStopSeconds, c.FailureCount));
    }

    private static double? Ratio(double numerator, double denominator) => denominator > 0 ? numerator / denominator : null;
}
