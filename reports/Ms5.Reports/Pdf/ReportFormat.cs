using System.Globalization;
using Ms5.Analytics.Reports;

namespace Ms5.Reports.Pdf;

/// <summary>
/// How a report writes numbers and times: invariant culture (a report reads the same whatever the server's locale),
/// "—" for anything undefined or not yet known (never 0), times on the plant's wall clock.
/// </summary>
internal static class ReportFormat
{
    public const string None = "—";

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>A ratio as a percentage with one decimal: 0.748 → "74.8 %".</summary>
    public static string Percent(double? ratio) => ratio is { } r && double.IsFinite(r) ? (r * 100).ToString("0.0", Inv) + " %" : None;

    /// <summary>A ratio as a bare percentage number for dense tables: 0.748 → "74.8".</summary>
    public static string PercentNumber(double? ratio) => ratio is { } r && double.IsFinite(r) ? (r * 100).ToString("0.0", Inv) : None;

    /// <summary>Seconds as minutes with one decimal: 2820 → "47.0", 953334 → "15,888.9".</summary>
    public static string Minutes(double? seconds) => seconds is { } s && double.IsFinite(s) ? (s / 60).ToString("#,0.0", Inv) : None;

    /// <summary>Seconds as hours and minutes, rounded to the minute: 25200 → "7:00".</summary>
    public static string HoursMinutes(double? seconds)
    {
        if (seconds is not { } s || !double.IsFinite(s))
        {
            return None;
        }

        var minutes = (long)Math.Round(Math.Abs(s) / 60, MidpointRounding.AwayFromZero);
        return (s < 0 ? "-" : "") + (minutes / 60).ToString("#,0", Inv) + ":" + (minutes % 60).ToString("00", Inv);
    }

    public static string Count(long? count) => count is { } c ? c.ToString("#,0", Inv) : None;

    public static string Number(double value, string format) => value.ToString(format, Inv);

    /// <summary>"2026-11-17 06:00 – 14:00 CET"; the end's date is written when it differs, and each end's zone name when DST changes in between.</summary>
    public static string LocalBounds(ReportHeader h)
    {
        ArgumentNullException.ThrowIfNull(h);
        var a = h.Local(h.From);
        var b = h.Local(h.To);
        var za = TimeZoneNames.Abbreviation(h.TimeZone, h.From);
        var zb = TimeZoneNames.Abbreviation(h.TimeZone, h.To);
        var end = a.Date == b.Date ? Clock(b) : Stamp(b);
        return za == zb ? $"{Stamp(a)} – {end} {zb}" : $"{Stamp(a)} {za} – {Stamp(b)} {zb}";
    }

    /// <summary>"UTC 2026-11-17 05:00 – 13:00".</summary>
    public static string UtcBounds(ReportHeader h)
    {
        ArgumentNullException.ThrowIfNull(h);
        var a = h.From.ToUniversalTime();
        var b = h.To.ToUniversalTime();
        return $"UTC {Stamp(a)} – {(a.Date == b.Date ? Clock(b) : Stamp(b))}";
    }

    /// <summary>A span's bounds on the plant's wall clock, shortest unambiguous form ("2026-11-16 22:00 – 11-17 06:00").</summary>
    public static string SpanBounds(ReportHeader h, DateTimeOffset from, DateTimeOffset to)
    {
        ArgumentNullException.ThrowIfNull(h);
        var a = h.Local(from);
        var b = h.Local(to);
        return $"{Stamp(a)} – {(a.Date == b.Date ? Clock(b) : Stamp(b))}";
    }

    /// <summary>An instant with its zone name: "2026-11-17 14:07 CET".</summary>
    public static string LocalStampWithZone(ReportHeader h, DateTimeOffset t)
    {
        ArgumentNullException.ThrowIfNull(h);
        return $"{Stamp(h.Local(t))} {TimeZoneNames.Abbreviation(h.TimeZone, t)}";
    }

    /// <summary>
    /// An instant inside a report's tables: "06:12" when the report covers part of one local day and the instant is on
    /// it, else "11-17 06:12", so a night shift's or a week's times are never ambiguous.
    /// </summary>
    public static string LocalTime(ReportHeader h, DateTimeOffset t)
    {
        ArgumentNullException.ThrowIfNull(h);
        var local = h.Local(t);
        var first = h.Local(h.From).Date;
        var last = h.Local(h.To.AddTicks(-1)).Date;
        return first == last && local.Date == first ? Clock(local) : local.ToString("MM-dd HH:mm", Inv);
    }

    /// <summary>The report's kind for titles: Shift “early”, Day, Week 2026-W47, Range.</summary>
    public static string KindTitle(ReportHeader h)
    {
        ArgumentNullException.ThrowIfNull(h);
        return h.Kind switch
        {
            ReportKind.Shift => h.ShiftName is { } s ? $"Shift “{s}”" : "Shift",
            ReportKind.Day => "Day",
            ReportKind.Week => h.Day is { } d ? $"Week {ISOWeek.GetYear(d.ToDateTime(TimeOnly.MinValue))}-W{ISOWeek.GetWeekOfYear(d.ToDateTime(TimeOnly.MinValue)):00}" : "Week",
            _ => "Range",
        };
    }

    /// <summary>The report's day where it has one ("Tue 2026-11-17"), else the local start date.</summary>
    public static string DayTitle(ReportHeader h)
    {
        ArgumentNullException.ThrowIfNull(h);
        var day = h.Day ?? DateOnly.FromDateTime(h.Local(h.From).DateTime);
        return day.ToString("ddd yyyy-MM-dd", Inv);
    }

    /// <summary>The share of the span the engine had computed: "complete" at 1, else a percentage that never rounds up to 100.</summary>
    public static string Completeness(double completeness) =>
        completeness >= 1 ? "complete" : (Math.Floor(Math.Max(0, completeness) * 1000) / 10).ToString("0.0", Inv) + " % complete";

    /// <summary>Cuts text to a number of characters with an ellipsis (for chart labels, where nothing measures text).</summary>
    public static string Clip(string text, int max)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length <= max ? text : string.Concat(text.AsSpan(0, max - 1), "…");
    }

    private static string Stamp(DateTimeOffset t) => t.ToString("yyyy-MM-dd HH:mm", Inv);

    private static string Clock(DateTimeOffset t) => t.ToString("HH:mm", Inv);
}
