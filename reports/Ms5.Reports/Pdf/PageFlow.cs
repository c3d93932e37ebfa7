using PdfSharp;
using PdfSharp.Drawing;
using PdfSharp.Pdf;

namespace Ms5.Reports.Pdf;

/// <summary>
/// Content laid top to bottom across A4 pages: a cursor <see cref="Y"/> on the current page, a new page (with its
/// header) whenever a block would not fit, and the footers ("page X of Y") once the page count is known.
/// </summary>
internal sealed class PageFlow : IDisposable
{
    private readonly PdfDocument _document;
    private readonly PageFrame _frame;
    private readonly List<PdfPage> _pages = [];
    private readonly List<XImage> _images = [];
    private XGraphics? _graphics;

    public PageFlow(PdfDocument document, PageFrame frame, ReportStyle style)
    {
        _document = document;
        _frame = frame;
        Style = style;
        NewPage();
    }

    public ReportStyle Style { get; }

    public XGraphics G => _graphics ?? throw new ObjectDisposedException(nameof(PageFlow));

    public double Y { get; set; }

    public static double Left => ReportStyle.Margin;

    public static double Width => ReportStyle.ContentWidth;

    public int PageCount => _pages.Count;

    public double Remaining => ReportStyle.ContentBottom - Y;

    public void NewPage()
    {
        _graphics?.Dispose();
        var page = _document.AddPage();
        page.Size = PageSize.A4;
        page.Orientation = PageOrientation.Portrait;
        _pages.Add(page);
        _graphics = XGraphics.FromPdfPage(page);
        _frame.DrawHeader(_graphics, Style);
        Y = ReportStyle.ContentTop;
    }

    /// <summary>Starts a new page unless <paramref name="height"/> points still fit on this one.</summary>
    public void Ensure(double height)
    {
        if (Y + height > ReportStyle.ContentBottom && Y > ReportStyle.ContentTop)
        {
            NewPage();
        }
    }

    /// <summary>A section heading kept together with at least <paramref name="keepWith"/> points of what follows it.</summary>
    public void Section(string title, double keepWith, string? note = null)
    {
        var gap = Y > ReportStyle.ContentTop ? 8 : 0;
        if (Y + gap + 18 + keepWith > ReportStyle.ContentBottom)
        {
            NewPage();
            gap = 0;
        }

        Y += gap;

        G.DrawString(title, Style.Section, ReportStyle.Brush(ReportStyle.Navy), new XPoint(Left, Y + 10));
        if (note is not null)
        {
            var w = G.MeasureString(title, Style.Section).Width;
            note = TextWrap.Fit(G, note, Style.Small, Width - w - 8);
            G.DrawString(note, Style.Small, ReportStyle.Brush(ReportStyle.Muted), new XPoint(Left + w + 8, Y + 10));
        }

        G.DrawLine(ReportStyle.Pen(ReportStyle.Navy, 0.6), Left, Y + 13.5, Left + Width, Y + 13.5);
        Y += 18;
    }

    /// <summary>What an empty section says, so a reader knows it was looked at rather than left out.</summary>
    public void NoneLine(string text = "none")
    {
        Ensure(12);
        G.DrawString(text, Style.Body, ReportStyle.Brush(ReportStyle.Muted), new XPoint(Left + 2, Y + 8));
        Y += 12;
    }

    /// <summary>Draws an image (a chart) at the given place; it stays alive until the document is written.</summary>
    public void Image(byte[] png, double x, double y, double width, double height)
    {
        var image = XImage.FromStream(new MemoryStream(png, writable: false));
        _images.Add(image);
        G.DrawImage(image, x, y, width, height);
    }

    /// <summary>Ends the last page and draws every page's footer, now that the page count is known.</summary>
    public void Finish()
    {
        _graphics?.Dispose();
        _graphics = null;
        for (var i = 0; i < _pages.Count; i++)
        {
            using var g = XGraphics.FromPdfPage(_pages[i], XGraphicsPdfPageOptions.Append);
            _frame.DrawFooter(g, Style, i + 1, _pages.Count);
        }
    }

    public void Dispose()
    {
        _graphics?.Dispose();
        foreach (var image in _images)
        {
            image.Dispose();
        }
    }
}
