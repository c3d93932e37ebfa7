using Ms5.Analytics.Oee;
using Ms5.Analytics.Reports;
using PdfSharp.Drawing;

namespace Ms5.Reports.Pdf;

/// <summary>Page 1's top: what a revision changed, a warning when the data is incomplete, and the KPI tiles with their comparisons.</summary>
internal static class SummarySection
{
    private const int TilesPerRow = 5;
    private const double TileGap = 6;
    private const double TileHeight = 50;

    private sealed record Tile(string Label, string Value, string Previous, string WeekAgo, bool Primary = false);

    public static void Draw(PageFlow flow, ReportDocument doc)
    {
        if (doc.Header.Revision > 1)
        {
            Revision(flow, doc.Header);
        }

        if (doc.Header.Completeness < 1)
        {
            Incomplete(flow, doc.Header);
        }

        Tiles(flow, doc);
    }

    private static void Revision(PageFlow flow, ReportHeader h)
    {
        var g = flow.G;
        var s = flow.Style;
        var textWidth = PageFlow.Width - 16;
        var changes = h.Changes.Count == 0 ? ["(no change was recorded)"] : h.Changes;
        var lines = changes.SelectMany(c => TextWrap.Lines(g, c, s.Body, textWidth - 10).Select((l, i) => (Text: l, First: i == 0))).ToList();
        var height = 20 + lines.Count * 10.5 + 4;
        flow.Ensure(height);
        var y = flow.Y;
        g.DrawRectangle(ReportStyle.Pen(ReportStyle.Bad, 1), ReportStyle.Brush(XColor.FromArgb(0xFD, 0xF0, 0xEE)), PageFlow.Left, y, PageFlow.Width, height);
        g.DrawString($"REVISED — revision {h.Revision} replaces revision {h.Revision - 1}. What changed:", s.BodyBold,
            ReportStyle.Brush(ReportStyle.Bad), new XPoint(PageFlow.Left + 8, y + 13));
        var ly = y + 25;
        foreach (var (text, first) in lines)
        {
            if (first)
            {
                g.DrawString("•", s.Body, ReportStyle.Brush(ReportStyle.Ink), new XPoint(PageFlow.Left + 8, ly));
            }

            g.DrawString(text, s.Body, ReportStyle.Brush(ReportStyle.Ink), new XPoint(PageFlow.Left + 18, ly));
            ly += 10.5;
        }

        flow.Y = y + height + 8;
    }

    private static void Incomplete(PageFlow flow, ReportHeader h)
    {
        var g = flow.G;
        flow.Ensure(18);
        var text = $"Data {ReportFormat.Completeness(h.Completeness)}: the engine had not computed every machine's minutes for the whole span when this report was made; a revision follows when it has.";
        var lines = TextWrap.Lines(g, text, flow.Style.Body, PageFlow.Width - 16);
        var height = 6 + lines.Count * 10.5;
        g.DrawRectangle(ReportStyle.Pen(ReportStyle.Warn, 1), ReportStyle.Brush(XColor.FromArgb(0xFF, 0xF6, 0xE5)), PageFlow.Left, flow.Y, PageFlow.Width, height);
        var y = flow.Y + 11;
        foreach (var line in lines)
        {
            g.DrawString(line, flow.Style.Body, ReportStyle.Brush(ReportStyle.Ink), new XPoint(PageFlow.Left + 8, y));
            y += 10.5;
        }

        flow.Y += height + 8;
    }

    private static void Tiles(PageFlow flow, ReportDocument doc)
    {
        var t = doc.Tiles;
        var (c, p, w) = (t.Current, t.Previous, t.WeekAgo);
        Tile Ratio(string label, Func<OeeKpis, double?> f, bool primary = false) =>
            new(label, ReportFormat.Percent(f(c.Kpis)), ReportFormat.Percent(p is null ? null : f(p.Kpis)), ReportFormat.Percent(w is null ? null : f(w.Kpis)), primary);
        Tile Count(string label, Func<OeeComponents, long> f) =>
            new(label, ReportFormat.Count(f(c.Components)), ReportFormat.Count(p is null ? null : f(p.Components)), ReportFormat.Count(w is null ? null : f(w.Components)));
        Tile Time(string label, Func<OeeComponents, double> f) =>
            new(label, ReportFormat.HoursMinutes(f(c.Components)), ReportFormat.HoursMinutes(p is null ? null : f(p.Components)), ReportFormat.HoursMinutes(w is null ? null : f(w.Components)));

        Tile[] tiles =
        [
            Ratio("OEE", k => k.Oee, primary: true), Ratio("AVAILABILITY", k => k.Availability), Ratio("PERFORMANCE", k => k.Performance),
            Ratio("QUALITY", k => k.Quality), Ratio("TEEP", k => k.Teep),
            Count("GOOD PARTS", x => x.GoodCount), Count("REJECTS", x => x.RejectCount), Count("TOTAL PARTS", x => x.ProducedCount),
            Time("PLANNED TIME (h:mm)", x => x.PlannedSeconds), Time("RUN TIME (h:mm)", x => x.RunSeconds),
        ];

        var rows = (tiles.Length + TilesPerRow - 1) / TilesPerRow;
        flow.Ensure(rows * (TileHeight + TileGap) + 12);
        var width = (PageFlow.Width - (TilesPerRow - 1) * TileGap) / TilesPerRow;
        for (var i = 0; i < tiles.Length; i++)
        {
            var x = PageFlow.Left + i % TilesPerRow * (width + TileGap);
            var y = flow.Y + i / TilesPerRow * (TileHeight + TileGap);
            DrawTile(flow, tiles[i], x, y, width);
        }

        flow.Y += rows * (TileHeight + TileGap) - TileGap + 9;
        var h = doc.Header;
        var note = "Previous: " + (p is null ? "not known" : ReportFormat.SpanBounds(h, p.From, p.To))
            + " · week ago: " + (w is null ? "not known" : ReportFormat.SpanBounds(h, w.From, w.To))
            + $" · times in {h.TimeZone.Id} · “—”: not defined";
        flow.G.DrawString(TextWrap.Fit(flow.G, note, flow.Style.Small, PageFlow.Width), flow.Style.Small, ReportStyle.Brush(ReportStyle.Muted), new XPoint(PageFlow.Left, flow.Y));
        flow.Y += 6;
    }

    private static void DrawTile(PageFlow flow, Tile tile, double x, double y, double width)
    {
        var g = flow.G;
        var s = flow.Style;
        g.DrawRectangle(ReportStyle.Brush(ReportStyle.TileFill), x, y, width, TileHeight);
        g.DrawRectangle(ReportStyle.Brush(tile.Primary ? ReportStyle.Navy : ReportStyle.Rule), x, y, 3, TileHeight);
        var inner = x + 8;
        var right = x + width - 6;
        g.DrawString(tile.Label, s.TileLabel, ReportStyle.Brush(ReportStyle.Muted), new XPoint(inner, y + 10));
        g.DrawString(tile.Value, s.TileValue, ReportStyle.Brush(tile.Primary ? ReportStyle.Navy : ReportStyle.Ink), new XPoint(inner, y + 28));
        Compare(g, s, "previous", tile.Previous, inner, right, y + 38.5);
        Compare(g, s, "week ago", tile.WeekAgo, inner, right, y + 46.5);
    }

    private static void Compare(XGraphics g, ReportStyle s, string label, string value, double left, double right, double baseline)
    {
        var muted = ReportStyle.Brush(ReportStyle.Muted);
        g.DrawString(label, s.TileCompare, muted, new XPoint(left, baseline));
        g.DrawString(value, s.TileCompare, ReportStyle.Brush(ReportStyle.Ink), new XPoint(right - g.MeasureString(value, s.TileCompare).Width, baseline));
    }
}
