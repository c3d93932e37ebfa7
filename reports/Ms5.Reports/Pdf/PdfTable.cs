using PdfSharp.Drawing;

namespace Ms5.Reports.Pdf;

/// <summary>A column: its header, its share of the block's width, right-aligned (numbers) or clipped to fit (names).</summary>
internal sealed record TableColumn(string Header, double Weight, bool Right = false, bool Clip = false);

/// <summary>One row's texts; <see cref="Total"/> rows are bold on a shaded band (the "all machines" line).</summary>
internal sealed record TableRow(IReadOnlyList<string> Cells, bool Total = false);

/// <summary>
/// A table under a section heading that runs over as many pages as it needs, the heading (marked "continued") and
/// the column headers repeated at the top of every page it reaches. A narrow table may be set in side-by-side
/// blocks (read down the left block, then the right) so a plant's long lists take half the pages. An empty table
/// says "none".
/// </summary>
internal static class PdfTable
{
    public const double RowHeight = 10.5;
    public const string None = "none";
    internal const double HeaderHeight = 13;
    internal const double Pad = 3;
    private const double BlockGap = 14;

    /// <summary>Draws the table; <paramref name="blocks"/> side-by-side blocks are used once there are more than 30 rows.</summary>
    public static void Draw(PageFlow flow, string title, IReadOnlyList<TableColumn> columns, IReadOnlyList<TableRow> rows, string? note = null, int blocks = 1)
    {
        ArgumentNullException.ThrowIfNull(flow);
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            flow.Section(title, 12, note);
            flow.NoneLine(None);
            return;
        }

        blocks = rows.Count > 30 ? Math.Max(1, blocks) : 1;
        var blockWidth = (PageFlow.Width - (blocks - 1) * BlockGap) / blocks;
        var weights = columns.Sum(c => c.Weight);
        var widths = columns.Select(c => c.Weight / weights * blockWidth).ToArray();
        flow.Section(title, HeaderHeight + RowHeight * Math.Min(rows.Count, 3), note);
        var next = 0;
        while (true)
        {
            var capacity = Math.Max(1, (int)((flow.Remaining - HeaderHeight - 1) / RowHeight));
            var onPage = Math.Min(rows.Count - next, capacity * blocks);
            var perBlock = (onPage + blocks - 1) / blocks;
            var top = flow.Y;
            var bottom = top;
            for (var b = 0; b < blocks && next < rows.Count && onPage > 0; b++)
            {
                var x = PageFlow.Left + b * (blockWidth + BlockGap);
                var y = Header(flow, columns, widths, x, top);
                var count = Math.Min(perBlock, onPage);
                for (var i = 0; i < count; i++, next++)
                {
                    y = Row(flow, columns, widths, rows[next], next, x, y);
                }

                onPage -= count;
                flow.G.DrawLine(ReportStyle.Pen(ReportStyle.Rule, 0.6), x, y, x + blockWidth, y);
                bottom = Math.Max(bottom, y);
            }

            flow.Y = bottom + 2;
            if (next >= rows.Count)
            {
                return;
            }

            flow.NewPage();
            flow.Section(title + " (continued)", HeaderHeight + RowHeight, note);
        }
    }

    internal static double Header(PageFlow flow, IReadOnlyList<TableColumn> columns, double[] widths, double left, double y)
    {
        var g = flow.G;
        g.DrawRectangle(ReportStyle.Brush(ReportStyle.HeaderFill), left, y, widths.Sum(), HeaderHeight);
        var x = left;
        for (var c = 0; c < columns.Count; c++)
        {
            Cell(g, columns[c].Header, flow.Style.CellBold, ReportStyle.Brush(ReportStyle.Navy), x, widths[c], y + 9, columns[c].Right, clip: true);
            x += widths[c];
        }

        return y + HeaderHeight;
    }

    internal static double Row(PageFlow flow, IReadOnlyList<TableColumn> columns, double[] widths, TableRow row, int index, double left, double y)
    {
        var g = flow.G;
        if (row.Total || index % 2 == 1)
        {
            g.DrawRectangle(ReportStyle.Brush(row.Total ? ReportStyle.HeaderFill : ReportStyle.Zebra), left, y, widths.Sum(), RowHeight);
        }

        var font = row.Total ? flow.Style.CellBold : flow.Style.Cell;
        var brush = ReportStyle.Brush(ReportStyle.Ink);
        var x = left;
        for (var c = 0; c < columns.Count; c++)
        {
            Cell(g, c < row.Cells.Count ? row.Cells[c] : "", font, brush, x, widths[c], y + 7.6, columns[c].Right, columns[c].Clip);
            x += widths[c];
        }

        return y + RowHeight;
    }

    private static void Cell(XGraphics g, string text, XFont font, XBrush brush, double x, double width, double baseline, bool right, bool clip)
    {
        if (clip)
        {
            text = TextWrap.Fit(g, text, font, width - 2 * Pad);
        }

        var tx = right ? x + width - Pad - g.MeasureString(text, font).Width : x + Pad;
        g.DrawString(text, font, brush, new XPoint(tx, baseline));
    }
}
