using PdfSharp.Drawing;
using PdfSharp.Pdf;

namespace Ms5.Reports.Pdf;

/// <summary>
/// The page geometry, fonts and colours of a report, in points on A4 portrait. One instance per render: PDFsharp's
/// fonts and brushes are not promised to be safe across threads, so no two renders share them.
/// </summary>
internal sealed class ReportStyle
{
    public const double PageWidth = 595.28;
    public const double PageHeight = 841.89;
    public const double Margin = 34;
    public const double ContentWidth = PageWidth - 2 * Margin;

    /// <summary>Where the page header ends and content begins.</summary>
    public const double ContentTop = 74;

    public const double ContentBottom = PageHeight - 38;

    public static readonly XColor Ink = XColor.FromArgb(0x22, 0x26, 0x2B);
    public static readonly XColor Muted = XColor.FromArgb(0x66, 0x6E, 0x78);
    public static readonly XColor Navy = XColor.FromArgb(0x1F, 0x3A, 0x5F);
    public static readonly XColor Rule = XColor.FromArgb(0xC8, 0xCD, 0xD3);
    public static readonly XColor HeaderFill = XColor.FromArgb(0xE6, 0xEB, 0xF1);
    public static readonly XColor Zebra = XColor.FromArgb(0xF5, 0xF7, 0xF9);
    public static readonly XColor TileFill = XColor.FromArgb(0xF3, 0xF5, 0xF8);
    public static readonly XColor Bad = XColor.FromArgb(0xC0, 0x39, 0x2B);
    public static readonly XColor Warn = XColor.FromArgb(0xD9, 0x82, 0x00);
    public static readonly XColor Good = XColor.FromArgb(0x2E, 0x8B, 0x57);

    private static readonly XPdfFontOptions Unicode = new(PdfFontEncoding.Unicode);

    public XFont Title { get; } = Font(ReportFonts.Family, 15, bold: true);
    public XFont Subtitle { get; } = Font(ReportFonts.Family, 11, bold: true);
    public XFont Section { get; } = Font(ReportFonts.Family, 10.5, bold: true);
    public XFont Body { get; } = Font(ReportFonts.Family, 8);
    public XFont BodyBold { get; } = Font(ReportFonts.Family, 8, bold: true);
    public XFont Small { get; } = Font(ReportFonts.Family, 7);
    public XFont SmallBold { get; } = Font(ReportFonts.Family, 7, bold: true);
    public XFont Cell { get; } = Font(ReportFonts.Condensed, 7.5);
    public XFont CellBold { get; } = Font(ReportFonts.Condensed, 7.5, bold: true);
    public XFont TileLabel { get; } = Font(ReportFonts.Condensed, 7, bold: true);
    public XFont TileValue { get; } = Font(ReportFonts.Family, 15, bold: true);
    public XFont TileCompare { get; } = Font(ReportFonts.Condensed, 7);
    public XFont Badge { get; } = Font(ReportFonts.Family, 9, bold: true);

    public static XFont Font(string family, double size, bool bold = false) =>
        new(family, size, bold ? XFontStyleEx.Bold : XFontStyleEx.Regular, Unicode);

    public static XSolidBrush Brush(XColor color) => new(color);

    public static XPen Pen(XColor color, double width) => new(color, width);
}
