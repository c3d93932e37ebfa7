using System.Globalization;
using System.Text;
using Ms5.Analytics.Reports;

namespace Ms5.Reports.Delivery;

/// <summary>
/// What a report mail says, as plain values (the report's header and its current KPI tile). KPIs are fractions
/// 0..1, null when the span had no planned time. <see cref="From"/> and <see cref="To"/> are UTC instants, shown on
/// the plant's wall clock (<see cref="TimeZone"/>). <see cref="Day"/>: a shift's local start day, the day of a day
/// report, the Monday of a week report.
/// </summary>
public sealed record ReportMailFacts(
    ReportKind Kind,
    string PlantId,
    string PlantName,
    string? LineId,
    string? LineName,
    string? ShiftName,
    DateOnly? Day,
    DateTimeOffset From,
    DateTimeOffset To,
    TimeZoneInfo TimeZone,
    int Revision,
    double? Oee,
    double? Availability,
    double? Performance,
    double? Quality)
{
    /// <summary>What a revision changed against the previous one (listed in the body).</summary>
    public IReadOnlyList<string> Changes { get; init; } = [];

    /// <summary>Where MS5 is reachable (e.g. <c>https://ms5.plant.example/</c>); shown in the body when set.</summary>
    public string? LinkBaseUrl { get; init; }
}

/// <summary>
/// Composes the mail of a rendered report: subject, a short plain-text body and the PDF and CSV attached. Pure;
/// invariant culture, so the figures read the same whatever the host's culture.
/// </summary>
public static class ReportMailComposer
{
    public const string PdfContentType = "application/pdf";
    public const string CsvContentType = "text/csv";

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static ReportMail Compose(ReportMailFacts facts, IReadOnlyList<string> to, byte[] pdf, byte[] csv)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(to);
        ArgumentNullException.ThrowIfNull(pdf);
        ArgumentNullException.ThrowIfNull(csv);
        var stem = FileStem(facts);
        var pdfName = stem + ".pdf";
        var csvName = stem + ".csv";
        return new ReportMail(
            to,
            Subject(facts),
            TextBody(facts, pdfName, csvName),
            [new MailAttachment(pdfName, PdfContentType, pdf), new MailAttachment(csvName, CsvContentType, csv)]);
    }

    /// <summary>E.g. <c>MS5 shift report: Stamping (line-1) early 2026-11-17 — OEE 74.8 %</c>; a revision from 2 on starts <c>[revised r2]</c>.</summary>
    public static string Subject(ReportMailFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var subject = $"MS5 {KindName(facts.Kind)}: {Scope(facts)} {When(facts)} — OEE {Percent(facts.Oee)}";
        if (facts.Revision > 1)
        {
            subject = $"[revised r{facts.Revision.ToString(Inv)}] {subject}";
        }

        return OneLine(subject);
    }

    public static string TextBody(ReportMailFacts facts, string pdfFileName, string csvFileName)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var b = new StringBuilder();
        b.Append(Inv, $"MS5 {KindName(facts.Kind)}: {Scope(facts)} {When(facts)}").Append('\n').Append('\n');
        Row(b, "Plant", Named(facts.PlantName, facts.PlantId));
        if (facts.LineId is not null)
        {
            Row(b, "Line", Named(facts.LineName ?? facts.LineId, facts.LineId));
        }

        if (facts.Kind == ReportKind.Shift)
        {
            Row(b, "Shift", $"{facts.ShiftName ?? "(no shift)"}, {Date(StartDay(facts))}");
        }

        Row(b, "Period", Period(facts));
        if (facts.Revision > 1)
        {
            Row(b, "Revision", facts.Revision.ToString(Inv) + " (replaces the earlier report)");
            foreach (var change in facts.Changes)
            {
                b.Append("  - ").Append(OneLine(change)).Append('\n');
            }
        }

        b.Append('\n');
        Row(b, "OEE", Percent(facts.Oee));
        Row(b, "Availability", Percent(facts.Availability));
        Row(b, "Performance", Percent(facts.Performance));
        Row(b, "Quality", Percent(facts.Quality));
        b.Append('\n');
        b.Append(Inv, $"Attached: the report ({pdfFileName}) and its data ({csvFileName}).").Append('\n');
        if (!string.IsNullOrWhiteSpace(facts.LinkBaseUrl))
        {
            b.Append("MS5: ").Append(facts.LinkBaseUrl.Trim()).Append('\n');
        }

        return b.ToString();
    }

    /// <summary>File name without extension, e.g. <c>ms5-shift-line-1-2026-11-17-early-r2</c>: letters, digits, '.', '_' and '-' only.</summary>
    public static string FileStem(ReportMailFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var scope = facts.LineId ?? facts.PlantId;
        var when = facts.Kind switch
        {
            ReportKind.Shift => $"{Date(StartDay(facts))}-{facts.ShiftName ?? "none"}",
            ReportKind.Day => Date(StartDay(facts)),
            ReportKind.Week => IsoWeek(StartDay(facts)),
            _ => $"{Local(facts, facts.From).ToString("yyyy-MM-dd'T'HHmm", Inv)}-{Local(facts, facts.To).ToString("yyyy-MM-dd'T'HHmm", Inv)}",
        };
        var stem = $"ms5-{facts.Kind.ToString().ToLowerInvariant()}-{scope}-{when}";
        if (facts.Revision > 1)
        {
            stem += "-r" + facts.Revision.ToString(Inv);
        }

        return string.Concat(stem.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '_'));
    }

    private static string KindName(ReportKind kind) => kind switch
    {
        ReportKind.Shift => "shift report",
        ReportKind.Day => "day report",
        ReportKind.Week => "week report",
        _ => "report",
    };

    private static string Scope(ReportMailFacts f) =>
        f.LineId is null ? Named(f.PlantName, f.PlantId) : Named(f.LineName ?? f.LineId, f.LineId);

    private static string Named(string name, string id) => name == id ? id : $"{name} ({id})";

    private static string When(ReportMailFacts f) => f.Kind switch
    {
        ReportKind.Shift => $"{f.ShiftName ?? "(no shift)"} {Date(StartDay(f))}",
        ReportKind.Day => Date(StartDay(f)),
        ReportKind.Week => IsoWeek(StartDay(f)),
        _ => Period(f),
    };

    private static DateOnly StartDay(ReportMailFacts f) => f.Day ?? DateOnly.FromDateTime(Local(f, f.From).DateTime);

    private static DateTimeOffset Local(ReportMailFacts f, DateTimeOffset t) => TimeZoneInfo.ConvertTime(t, f.TimeZone);

    /// <summary>"2026-11-17 06:00 – 14:00 Europe/Berlin"; the end's date when it differs, both offsets when they differ (a DST change).</summary>
    private static string Period(ReportMailFacts f)
    {
        var from = Local(f, f.From);
        var to = Local(f, f.To);
        var offsets = from.Offset != to.Offset;
        var start = from.ToString("yyyy-MM-dd HH:mm", Inv) + (offsets ? $" (UTC{from:zzz})" : "");
        var end = (from.Date == to.Date && !offsets ? to.ToString("HH:mm", Inv) : to.ToString("yyyy-MM-dd HH:mm", Inv)) + (offsets ? $" (UTC{to:zzz})" : "");
        return $"{start} – {end} {f.TimeZone.Id}";
    }

    private static string Date(DateOnly d) => d.ToString("yyyy-MM-dd", Inv);

    private static string IsoWeek(DateOnly monday)
    {
        var dt = monday.ToDateTime(TimeOnly.MinValue);
        return string.Create(Inv, $"{ISOWeek.GetYear(dt)}-W{ISOWeek.GetWeekOfYear(dt):00}");
    }

    /// <summary>A 0..1 fraction as "74.8 %"; null as "n/a" (no planned time).</summary>
    private static string Percent(double? fraction) =>
        fraction is { } x && double.IsFinite(x) ? (x * 100).ToString("0.0", Inv) + " %" : "n/a";

    private static void Row(StringBuilder b, string label, string value) =>
        b.Append((label + ":").PadRight(14)).Append(OneLine(value)).Append('\n');

    private static string OneLine(string s) => string.Concat(s.Select(c => char.IsControl(c) ? ' ' : c));
}
