using ScottPlot;

namespace Ms5.Reports.Pdf.Charts;

/// <summary>
/// The shared look of every chart and its conversion to PNG. Sizes are given in points and fonts in points, drawn
/// at <see cref="Scale"/> pixels per point (144 dpi): sharp on paper, small enough to render a plant report fast.
/// Every text element is set to the shipped DejaVu family by name, never left to ScottPlot's system-font default.
/// </summary>
internal static class ChartImage
{
    public const double Scale = 2;

    public const float AxisFontSize = 7;

    public static readonly Color Ink = Color.FromHex("#22262B");
    public static readonly Color Muted = Color.FromHex("#666E78");
    public static readonly Color GridLine = Color.FromHex("#E3E6EA");

    public static Plot NewPlot()
    {
        var plot = new Plot { ScaleFactor = Scale };
        plot.FigureBackground.Color = Colors.White;
        plot.DataBackground.Color = Colors.White;
        plot.Axes.Top.FrameLineStyle.Width = 0;
        plot.Axes.Right.FrameLineStyle.Width = 0;
        plot.Axes.Left.FrameLineStyle.Color = Muted;
        plot.Axes.Bottom.FrameLineStyle.Color = Muted;
        plot.Grid.MajorLineColor = GridLine;
        plot.Grid.MinorLineWidth = 0;
        return plot;
    }

    /// <summary>Renders <paramref name="plot"/> to a PNG of the given size in points, with every text in DejaVu.</summary>
    public static byte[] Png(Plot plot, double widthPoints, double heightPoints)
    {
        ArgumentNullException.ThrowIfNull(plot);
        UseReportFonts(plot);
        using var image = plot.GetImage((int)Math.Round(widthPoints * Scale), (int)Math.Round(heightPoints * Scale));
        return image.GetImageBytes(ImageFormat.Png);
    }

    /// <summary>Sets the DejaVu family on the axes (ticks and labels) and the title: plottables set theirs where they are made.</summary>
    public static void UseReportFonts(Plot plot)
    {
        ArgumentNullException.ThrowIfNull(plot);
        ReportFonts.EnsureRegistered();
        foreach (var axis in new IAxis[] { plot.Axes.Left, plot.Axes.Bottom, plot.Axes.Right, plot.Axes.Top })
        {
            // Ticks a chart set in the condensed face keep it; any other name (ScottPlot's default included) becomes DejaVu Sans.
            axis.TickLabelStyle.FontName = axis.TickLabelStyle.FontName == ReportFonts.Condensed ? ReportFonts.Condensed : ReportFonts.Family;
            axis.TickLabelStyle.ForeColor = Ink;
            axis.Label.FontName = ReportFonts.Family;
            axis.Label.ForeColor = Muted;
        }

        plot.Axes.Title.Label.FontName = ReportFonts.Family;
        plot.Legend.FontName = ReportFonts.Family;
    }

    /// <summary>Axis tick labels at the given positions only, in the given font size.</summary>
    public static void Ticks(IAxis axis, double[] positions, string[] labels, float size = AxisFontSize, bool condensed = false)
    {
        ArgumentNullException.ThrowIfNull(axis);
        axis.SetTicks(positions, labels);
        axis.TickLabelStyle.FontSize = size;
        axis.TickLabelStyle.FontName = condensed ? ReportFonts.Condensed : ReportFonts.Family;
        axis.MajorTickStyle.Length = 3;
        axis.MinorTickStyle.Length = 0;
    }

    public static void LabelStyle(LabelStyle style, float size, Color color, bool condensed = false, bool bold = false)
    {
        ArgumentNullException.ThrowIfNull(style);
        style.FontName = condensed ? ReportFonts.Condensed : ReportFonts.Family;
        style.FontSize = size;
        style.ForeColor = color;
        style.Bold = bold;
    }
}
