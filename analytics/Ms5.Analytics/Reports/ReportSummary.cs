using System.Globalization;
using Ms5.Analytics.Oee;

namespace Ms5.Analytics.Reports;

/// <summary>
/// The headline figures of a report, kept with it (list views, e-mail subjects) and compared between revisions to
/// say what late data changed. Ratios are fractions 0..1, null when undefined.
/// </summary>
public sealed record ReportSummary(
    double? Oee,
    double? Availability,
    double? Performance,
    double? Quality,
    double? Teep,
    long GoodCount,
    long RejectCount,
    double PlannedSeconds,
    double RunSeconds,
    double UnplannedStopSeconds,
    long StopCount)
{
    public static ReportSummary Of(OeeComponents c)
    {
        var k = OeeKpis.From(c);
        return new ReportSummary(k.Oee, k.Availability, k.Performance, k.Quality, k.Teep, c.GoodCount, c.RejectCount,
            c.PlannedSeconds, c.RunSeconds, c.UnplannedStopSeconds, c.FailureCount);
    }

    /// <summary>A percentage with one decimal, invariant culture ("74.8 %"), or "—" when undefined.</summary>
    public static string Percent(double? fraction) =>
        fraction is { } f ? (f * 100).ToString("0.0", CultureInfo.InvariantCulture) + " %" : "—";

    /// <summary>
    /// What changed from <paramref name="before"/> to <paramref name="after"/>, one line per figure, in the order a
    /// reader looks (e.g. "OEE 74.2 % → 74.8 %", "good 19,000 → 19,271"). Percentages that round to the same text
    /// but differ are still reported, with more decimals, so a revision never says "nothing changed" when it did.
    /// </summary>
    public static IReadOnlyList<string> Changes(ReportSummary before, ReportSummary after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var changes = new List<string>();
        void Ratio(string name, double? a, double? b)
        {
            if (a != b && !(a is { } x && b is { } y && Math.Abs(x - y) < 1e-12))
            {
                var (ta, tb) = (Percent(a), Percent(b));
                if (ta == tb)
                {
                    (ta, tb) = (Fine(a), Fine(b));
                }

                changes.Add($"{name} {ta} → {tb}");
            }
        }

        void Count(string name, double a, double b, string format)
        {
            if (Math.Abs(a - b) > 1e-9)
            {
                changes.Add($"{name} {a.ToString(format, CultureInfo.InvariantCulture)} → {b.ToString(format, CultureInfo.InvariantCulture)}");
            }
        }

        Ratio("OEE", before.Oee, after.Oee);
        Ratio("availability", before.Availability, after.Availability);
        Ratio("performance", before.Performance, after.Performance);
        Ratio("quality", before.Quality, after.Quality);
        Count("good", before.GoodCount, after.GoodCount, "#,0");
        Count("reject", before.RejectCount, after.RejectCount, "#,0");
        Count("unplanned stop min", before.UnplannedStopSeconds / 60, after.UnplannedStopSeconds / 60, "0.0");
        Count("stops", before.StopCount, after.StopCount, "#,0");
        Count("planned min", before.PlannedSeconds / 60, after.PlannedSeconds / 60, "0.0");
        Count("run min", before.RunSeconds / 60, after.RunSeconds / 60, "0.0");
        if (changes.Count == 0)
        {
            changes.Add("stop details changed (figures unchanged)");
        }

        return changes;
    }

    private static string Fine(double? fraction) =>
        fraction is { } f ? (f * 100).ToString("0.000", CultureInfo.InvariantCulture) + " %" : "—";
}
