using System.Globalization;
using Ms5.Analytics.Events;
using Ms5.Analytics.Oee;
using Ms5.Analytics.Reports;
using Ms5.Reports.Pdf.Charts;

namespace Ms5.Reports.Pdf;

/// <summary>The report's tables: per machine (with the all-machines total), and the stop, product and Andon lists.</summary>
internal static class ReportTables
{
    public static void Machines(PageFlow flow, ReportDocument doc)
    {
        ArgumentNullException.ThrowIfNull(doc);
        var plant = doc.Header.LineId is null;
        var columns = new List<TableColumn> { new("Machine", plant ? 16 : 22, Clip: true) };
        if (plant)
        {
            columns.Add(new("Line", 8, Clip: true));
        }

        columns.AddRange(
        [
            new("A %", 5.5, Right: true), new("P %", 5.5, Right: true), new("Q %", 5.5, Right: true), new("OEE %", 6, Right: true),
            new("Good", 8, Right: true), new("Reject", 6.5, Right: true), new("Unpl. min", 8, Right: true),
            new("Stops", 5, Right: true), new("MTBF min", 8, Right: true), new("MTTR min", 8, Right: true),
        ]);

        var rows = doc.Machines.Select(m => Row(m.MachineName, plant ? m.LineId : null, m.Components, m.Kpis, total: false)).ToList();
        if (doc.Machines.Count > 1)
        {
            var t = doc.Tiles.Current;
            rows.Add(Row($"All {doc.Machines.Count} machines", plant ? "" : null, t.Components, t.Kpis, total: true));
        }

        PdfTable.Draw(flow, "Machines", columns, rows, "A, P, Q: availability, performance, quality · Unpl. min: unplanned stop minutes · MTBF, MTTR: minutes, from unplanned stops");
    }

    public static void LongestStops(PageFlow flow, ReportDocument doc)
    {
        ArgumentNullException.ThrowIfNull(doc);
        var h = doc.Header;
        var rows = doc.LongestStops.Select(s => new TableRow(
        [
            s.MachineName, s.ReasonOrState, LossCharts.CategoryName(s.Category), ReportFormat.LocalTime(h, s.Start),
            s.End is { } e ? ReportFormat.LocalTime(h, e) : "ongoing", ReportFormat.Minutes(s.Seconds),
        ])).ToList();
        PdfTable.Draw(flow, $"The {ReportBuilder.LongestStopCount} longest stops", StopColumns("Category"), rows, "minutes inside this span");
    }

    public static void MicroStops(PageFlow flow, ReportDocument doc)
    {
        ArgumentNullException.ThrowIfNull(doc);
        TableColumn[] columns = [new("Machine", 34, Clip: true), new("Micro-stops", 15, Right: true), new("Minutes", 14, Right: true), new("Mean s", 12, Right: true)];
        var rows = doc.MicroStops.Select(m => new TableRow(
        [
            m.MachineName, ReportFormat.Count(m.Count), ReportFormat.Minutes(m.Seconds),
            m.Count > 0 ? ReportFormat.Number(m.Seconds / m.Count, "0.0") : ReportFormat.None,
        ])).ToList();
        PdfTable.Draw(flow, "Micro-stops per machine", columns, rows, blocks: 2);
    }

    public static void Changeovers(PageFlow flow, ReportDocument doc)
    {
        ArgumentNullException.ThrowIfNull(doc);
        var h = doc.Header;
        var rows = doc.Changeovers.Select(s => new TableRow(
        [
            s.MachineName, s.ReasonOrState, ContractState(s), ReportFormat.LocalTime(h, s.Start),
            s.End is { } e ? ReportFormat.LocalTime(h, e) : "ongoing", ReportFormat.Minutes(s.Seconds),
        ])).ToList();
        PdfTable.Draw(flow, "Changeovers", StopColumns("State"), rows, "minutes inside this span");
    }

    public static void Products(PageFlow flow, ReportDocument doc)
    {
        ArgumentNullException.ThrowIfNull(doc);
        TableColumn[] columns = [new("Product", 40, Clip: true), new("Good", 15, Right: true), new("Reject", 15, Right: true), new("Total", 15, Right: true), new("Reject %", 12, Right: true)];
        var rows = doc.Products.Select(p =>
        {
            var total = p.Good + p.Reject;
            return new TableRow(
            [
                p.Product ?? "(none)", ReportFormat.Count(p.Good), ReportFormat.Count(p.Reject), ReportFormat.Count(total),
                ReportFormat.PercentNumber(total > 0 ? (double)p.Reject / total : null),
            ]);
        }).ToList();
        PdfTable.Draw(flow, "Products made", columns, rows, "“(none)”: parts counted before a product was named", blocks: 2);
    }

    public static void Andons(PageFlow flow, ReportDocument doc)
    {
        ArgumentNullException.ThrowIfNull(doc);
        var h = doc.Header;
        var names = doc.Machines.ToDictionary(m => m.MachineId, m => m.MachineName, StringComparer.Ordinal);
        TableColumn[] columns =
        [
            new("Raised", 9), new("Rule", 13, Clip: true), new("Machine", 15, Clip: true), new("Severity", 8, Clip: true), new("Level", 5, Right: true),
            new("Summary", 28, Clip: true), new("Ack. min", 8, Right: true), new("Resolve min", 10, Right: true),
        ];
        var rows = doc.Andons.Select(a => new TableRow(
        [
            ReportFormat.LocalTime(h, a.RaisedAt), a.RuleId, names.GetValueOrDefault(a.MachineId, a.MachineId), a.Severity,
            a.Level.ToString(CultureInfo.InvariantCulture), a.Summary,
            ReportFormat.Minutes(a.TimeToAcknowledge?.TotalSeconds), ReportFormat.Minutes(a.TimeToResolve?.TotalSeconds),
        ])).ToList();
        PdfTable.Draw(flow, "Andons", columns, rows, "minutes from raised to acknowledged and to resolved; “—”: not yet");
    }

    private static TableColumn[] StopColumns(string third) =>
    [
        new("Machine", 24, Clip: true), new("Reason", 24, Clip: true), new(third, 12, Clip: true), new("Start", 11), new("End", 11), new("Minutes", 9, Right: true),
    ];

    private static string ContractState(StopRow s) => ContractNames.Of(s.State);

    private static TableRow Row(string name, string? line, OeeComponents c, OeeKpis k, bool total)
    {
        var cells = new List<string> { name };
        if (line is not null)
        {
            cells.Add(line);
        }

        cells.AddRange(
        [
            ReportFormat.PercentNumber(k.Availability), ReportFormat.PercentNumber(k.Performance), ReportFormat.PercentNumber(k.Quality),
            ReportFormat.PercentNumber(k.Oee), ReportFormat.Count(c.GoodCount), ReportFormat.Count(c.RejectCount),
            ReportFormat.Minutes(c.UnplannedStopSeconds), ReportFormat.Count(c.FailureCount),
            ReportFormat.Minutes(k.MtbfSeconds), ReportFormat.Minutes(k.MttrSeconds),
        ]);
        return new TableRow(cells, total);
    }
}
