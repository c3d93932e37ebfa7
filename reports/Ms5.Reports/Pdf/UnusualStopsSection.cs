using System.Globalization;
using Ms5.Analytics.Reports;
using PdfSharp.Drawing;

namespace Ms5.Reports.Pdf;

/// <summary>
/// "Unusual stops" (shift reports): one table row per flag (machine, kind, reason, start on the plant's clock, minutes,
/// score) with its explanation word-wrapped underneath, since the explanation is what a supervisor reads. A flag and its
/// explanation never split across pages; the heading and column headers repeat on every page the section reaches.
/// </summary>
internal static class UnusualStopsSection
{
    public const string Title = "Unusual stops";
    private const double LineHeight = 8.5;
    private const double Indent = 12;

    private static readonly TableColumn[] Columns =
    [
        new("Machine", 22, Clip: true), new("Unusual", 12, Clip: true), new("Reason", 20, Clip: true), new("Start", 10),
        new("Minutes", 9, Right: true), new("Score", 7, Right: true),
    ];

    public static void Draw(PageFlow flow, ReportDocument doc)
    {
        ArgumentNullException.ThrowIfNull(flow);
        ArgumentNullException.ThrowIfNull(doc);
        if (doc.UnusualStops is not { } unusual)
        {
            return;
        }

        var h = doc.Header;
        var note = "flagged by the plant's downtime anomaly model · minutes as scored, “+”: still open then · score 0–1";
        if (!unusual.ModelTrained)
        {
            flow.Section(Title, 12, note);
            flow.NoneLine(NoModelText(h.PlantId));
            return;
        }

        if (unusual.Rows.Count == 0)
        {
            flow.Section(Title, 12, note);
            flow.NoneLine(PdfTable.None);
            return;
        }

        if (unusual.Truncated)
        {
            note = $"the first {unusual.Limit} flags · " + note;
        }

        var g = flow.G;
        var width = PageFlow.Width;
        var weights = Columns.Sum(c => c.Weight);
        var widths = Columns.Select(c => c.Weight / weights * width).ToArray();
        var entries = unusual.Rows.Select(r => (Row: Cells(h, r), Lines: TextWrap.Lines(g, r.Explanation, flow.Style.Small, width - Indent - 2 * PdfTable.Pad))).ToList();
        double Height(int i) => PdfTable.RowHeight + entries[i].Lines.Count * LineHeight + 2;

        flow.Section(Title, PdfTable.HeaderHeight + Height(0), note);
        var y = PdfTable.Header(flow, Columns, widths, PageFlow.Left, flow.Y);
        for (var i = 0; i < entries.Count; i++)
        {
            if (y + Height(i) > ReportStyle.ContentBottom)
            {
                flow.G.DrawLine(ReportStyle.Pen(ReportStyle.Rule, 0.6), PageFlow.Left, y, PageFlow.Left + width, y);
                flow.NewPage();
                flow.Section(Title + " (continued)", PdfTable.HeaderHeight + Height(i), note);
                y = PdfTable.Header(flow, Columns, widths, PageFlow.Left, flow.Y);
            }

            if (i % 2 == 1)
            {
                flow.G.DrawRectangle(ReportStyle.Brush(ReportStyle.Zebra), PageFlow.Left, y, width, Height(i));
            }

            // Drawn on an odd index's zebra band already; the row itself must not shade again.
            var rowY = PdfTable.Row(flow, Columns, widths, entries[i].Row, 0, PageFlow.Left, y);
            foreach (var line in entries[i].Lines)
            {
                flow.G.DrawString(line, flow.Style.Small, ReportStyle.Brush(ReportStyle.Muted), new XPoint(PageFlow.Left + Indent + PdfTable.Pad, rowY + 6.5));
                rowY += LineHeight;
            }

            y += Height(i);
        }

        flow.G.DrawLine(ReportStyle.Pen(ReportStyle.Rule, 0.6), PageFlow.Left, y, PageFlow.Left + width, y);
        flow.Y = y + 2;
    }

    /// <summary>What the section says when the plant has no ready model.</summary>
    public static string NoModelText(string plantId) => $"no anomaly model is trained for plant {plantId} yet, so no stops were judged";

    private static TableRow Cells(ReportHeader h, UnusualStopRow r) => new(
    [
        r.MachineName, r.KindText, r.Reason, ReportFormat.LocalTime(h, r.Start),
        ReportFormat.Minutes(r.Seconds) + (r.End is null ? "+" : ""), r.Score.ToString("0.00", CultureInfo.InvariantCulture),
    ]);
}
