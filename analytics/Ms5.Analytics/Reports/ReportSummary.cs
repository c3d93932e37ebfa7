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
    /// reader looks (e.g. "OEE 74.2 % → 74.8 %", "good 19,000 → 19,271"). Percentages and minutes that round to the
    /// same text but differ are still reported, with as many more decimals as it takes to tell them apart (three for
    /// percentages at least), so a revision never says "nothing changed", or "78.000 % → 78.000 %", when it did.
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
                if (ta == tb && a is { } fa && b is { } fb)
                {
                    (ta, tb) = Apart(fa * 100, fb * 100, 3);
                    (ta, tb) = (ta + " %", tb + " %");
                }

                changes.Add($"{name} {ta} → {tb}");
            }
        }

        void Count(string name, long a, long b)
        {
            if (a != b)
            {
                changes.Add($"{name} {a.ToString("#,0", CultureInfo.InvariantCulture)} → {b.ToString("#,0", CultureInfo.InvariantCulture)}");
            }
        }

        void Minutes(string name, double seconds1, double seconds2)
        {
            var (a, b) = (seconds1 / 60, seconds2 / 60);
            if (Math.Abs(a - b) > 1e-9)
            {
                var (ta, tb) = Apart(a, b, 1);
                changes.Add($"{name} {ta} → {tb}");
            }
        }

        Ratio("OEE", before.Oee, after.Oee);
        Ratio("availability", before.Availability, after.Availability);
        Ratio("performance", before.Performance, after.Performance);
        Ratio("quality", before.Quality, after.Quality);
        Count("good", before.GoodCount, after.GoodCount);
        Count("reject", before.RejectCount, after.RejectCount);
        Minutes("unplanned stop min", before.UnplannedStopSeconds, after.UnplannedStopSeconds);
        Count("stops", before.StopCount, after.StopCount);
        Minutes("planned min", before.PlannedSeconds, after.PlannedSeconds);
        Minutes("run min", before.RunSeconds, after.RunSeconds);
        if (changes.Count == 0)
        {
            changes.Add("stop details changed (figures unchanged)");
        }

        return changes;
    }

    /// <summary>Two different numbers with the fewest decimals, from <paramref name="decimals"/> on, that tell them apart (round-trip text if none up to 12 do).</summary>
    private static (string A, string B) Apart(double a, double b, int decimals)
    {
        for (var d = decimals; d <= 12; d++)
        {
            var format = "0." + new string('0', d);
            var (ta, tb) = (a.ToString(format, CultureInfo.InvariantCulture), b.ToString(format, CultureInfo.InvariantCulture));
            if (ta != tb)
            {
                return (ta, tb);
            }
        }

        return (a.ToString("R", CultureInfo.InvariantCulture), b.ToString("R", CultureInfo.InvariantCulture));
    }
}
