using Ms5.Analytics.Reports;
using PdfSharp.Drawing;

namespace Ms5.Reports.Pdf;

/// <summary>
/// What every page carries, so a single page pinned on a board still says what it is: scope, kind, local and UTC
/// bounds, revision (with a REVISED mark after the first), when it was made, how complete the data was; and the
/// page number in the footer.
/// </summary>
internal sealed class PageFrame(ReportHeader header)
{
    private const double Top = 22;

    private readonly string _title = header.LineName ?? "Plant report";
    private readonly string _kind = $"{ReportFormat.KindTitle(header)} · {ReportFormat.DayTitle(header)}";
    private readonly string _local = ReportFormat.LocalBounds(header);
    private readonly string _utc = ReportFormat.UtcBounds(header);
    private readonly string _meta = $"Revision {header.Revision} · generated {ReportFormat.LocalStampWithZone(header, header.GeneratedAt)} · data ";
    private readonly string _completeness = ReportFormat.Completeness(header.Completeness);

    public bool Revised => header.Revision > 1;

    public void DrawHeader(XGraphics g, ReportStyle s)
    {
        var left = ReportStyle.Margin;
        var right = ReportStyle.PageWidth - ReportStyle.Margin;
        var ink = ReportStyle.Brush(ReportStyle.Ink);
        var muted = ReportStyle.Brush(ReportStyle.Muted);

        g.DrawString(_title, s.Title, ReportStyle.Brush(ReportStyle.Navy), new XPoint(left, Top + 14));
        if (Revised)
        {
            var x = left + g.MeasureString(_title, s.Title).Width + 10;
            var w = g.MeasureString("REVISED", s.Badge).Width + 10;
            g.DrawRectangle(ReportStyle.Brush(ReportStyle.Bad), x, Top + 2, w, 14);
            g.DrawString("REVISED", s.Badge, XBrushes.White, new XPoint(x + 5, Top + 12.5));
        }

        g.DrawString(header.PlantName, s.Body, muted, new XPoint(left, Top + 27));
        g.DrawString(_meta, s.Small, muted, new XPoint(left, Top + 39));
        var metaWidth = g.MeasureString(_meta, s.Small).Width;
        var complete = header.Completeness >= 1;
        g.DrawString(_completeness, complete ? s.Small : s.SmallBold, ReportStyle.Brush(complete ? ReportStyle.Muted : ReportStyle.Warn),
            new XPoint(left + metaWidth, Top + 39));

        DrawRight(g, _kind, s.Subtitle, ink, right, Top + 14);
        DrawRight(g, _local, s.BodyBold, ink, right, Top + 27);
        DrawRight(g, _utc, s.Small, muted, right, Top + 39);
        g.DrawLine(ReportStyle.Pen(ReportStyle.Navy, 1.2), left, Top + 45, right, Top + 45);
    }

    public void DrawFooter(XGraphics g, ReportStyle s, int page, int pages)
    {
        var left = ReportStyle.Margin;
        var right = ReportStyle.PageWidth - ReportStyle.Margin;
        var y = ReportStyle.PageHeight - 26;
        var muted = ReportStyle.Brush(ReportStyle.Muted);
        g.DrawLine(ReportStyle.Pen(ReportStyle.Rule, 0.6), left, y - 9, right, y - 9);
        g.DrawString($"MS5 OEE report · {header.PlantName} · {_title} · {_kind} · revision {header.Revision}", s.Small, muted, new XPoint(left, y));
        DrawRight(g, $"page {page} of {pages}", s.SmallBold, ReportStyle.Brush(ReportStyle.Ink), right, y);
    }

    private static void DrawRight(XGraphics g, string text, XFont font, XBrush brush, double right, double baseline) =>
        g.DrawString(text, font, brush, new XPoint(right - g.MeasureString(text, font).Width, baseline));
}
