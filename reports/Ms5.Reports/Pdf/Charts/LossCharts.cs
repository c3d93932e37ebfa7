using Ms5.Analytics.Oee;
using Ms5.Analytics.Reports;
using ScottPlot;

namespace Ms5.Reports.Pdf.Charts;

/// <summary>Where the planned time went: the six big losses, and the downtime Pareto by reason (minutes, with counts).</summary>
internal static class LossCharts
{
    /// <summary>How many reasons the Pareto draws; the rest are summed in its caption.</summary>
    public const int ParetoReasons = 8;

    public static readonly Color Availability = Color.FromHex("#C0392B");
    public static readonly Color Setup = Color.FromHex("#E67E22");
    public static readonly Color Performance = Color.FromHex("#E0A800");
    public static readonly Color Quality = Color.FromHex("#7D3C98");

    public static byte[] SixBigLosses(SixBigLosses losses, double widthPoints, double heightPoints)
    {
        ArgumentNullException.ThrowIfNull(losses);
        (string Name, double Seconds, Color Color)[] items =
        [
            ("Breakdowns", losses.Breakdowns, Availability),
            ("Setup & changeover", losses.Setup, Setup),
            ("Micro-stops", losses.MicroStops, Performance),
            ("Reduced speed", losses.ReducedSpeed, Performance.Lighten(0.35)),
            ("Process defects", losses.ProcessDefects, Quality),
            ("Start-up rejects", losses.StartupRejects, Quality.Lighten(0.4)),
        ];
        return HorizontalBars(items.Select(i => (i.Name, i.Seconds / 60, ReportFormat.Minutes(i.Seconds), i.Color)).ToList(), widthPoints, heightPoints, "minutes");
    }

    public static byte[] Pareto(IReadOnlyList<ParetoRow> pareto, double widthPoints, double heightPoints)
    {
        ArgumentNullException.ThrowIfNull(pareto);
        var items = pareto.Take(ParetoReasons)
            .Select(p => (ReportFormat.Clip(ReasonLabel(p), 24), p.Seconds / 60, $"{ReportFormat.Minutes(p.Seconds)} min · {p.Count}×", CategoryColor(p.Category)))
            .ToList();
        return HorizontalBars(items, widthPoints, heightPoints, "minutes of stop");
    }

    /// <summary>A reason with its category when it is not a plain unplanned stop, so "jam" and "jam (micro-stop)" stay apart.</summary>
    public static string ReasonLabel(ParetoRow p)
    {
        ArgumentNullException.ThrowIfNull(p);
        return p.Category == "unplanned" ? p.Reason : $"{p.Reason} ({CategoryName(p.Category)})";
    }

    public static string CategoryName(string category) => category switch
    {
        "micro_stop" => "micro-stop",
        "planned_stop" => "planned stop",
        _ => category,
    };

    private static Color CategoryColor(string category) => category switch
    {
        "setup" => Setup,
        "micro_stop" => Performance,
        _ => Availability,
    };

    /// <summary>Bars from the top down in the given order, each with its label right of the bar.</summary>
    private static byte[] HorizontalBars(IReadOnlyList<(string Name, double Value, string Label, Color Color)> items, double widthPoints, double heightPoints, string axisLabel)
    {
        using var plot = ChartImage.NewPlot();
        var bars = items.Select((item, i) => new Bar
        {
            Position = i,
            Value = item.Value,
            FillColor = item.Color,
            LineWidth = 0,
            Size = 0.66,
            Label = item.Label,
            LabelOffset = 3,
        }).ToList();
        var barPlot = plot.Add.Bars(bars);
        barPlot.Horizontal = true;
        ChartImage.LabelStyle(barPlot.ValueLabelStyle, 7, ChartImage.Ink);

        ChartImage.Ticks(plot.Axes.Left, items.Select((_, i) => (double)i).ToArray(), items.Select(i => i.Name).ToArray(), 7.5f);
        plot.Axes.Left.MajorTickStyle.Length = 0;
        plot.Axes.Bottom.TickLabelStyle.FontSize = ChartImage.AxisFontSize;
        plot.Axes.Bottom.MinorTickStyle.Length = 0;
        plot.Axes.Bottom.Label.Text = axisLabel;
        plot.Axes.Bottom.Label.FontSize = 7;
        plot.Grid.YAxisStyle.MajorLineStyle.Width = 0;

        var max = Math.Max(1, items.Count == 0 ? 1 : items.Max(i => i.Value));
        var min = Math.Min(0, items.Count == 0 ? 0 : items.Min(i => i.Value));
        // Room right of the longest bar for its label: the labels' width (about 4.3 pt a character at 7 pt) out of
        // the data area's (the figure less the category names on the left).
        var labelPoints = 8 + 4.3 * items.Select(i => i.Label.Length).DefaultIfEmpty(0).Max();
        var namePoints = 10 + 4.6 * items.Select(i => i.Name.Length).DefaultIfEmpty(0).Max();
        var dataPoints = Math.Max(40, widthPoints - namePoints - 12);
        var share = Math.Min(0.7, labelPoints / dataPoints);
        plot.Axes.SetLimitsX(min, min + (max - min) / (1 - share));
        plot.Axes.SetLimitsY(items.Count - 0.5, -0.5);
        return ChartImage.Png(plot, widthPoints, heightPoints);
    }
}
