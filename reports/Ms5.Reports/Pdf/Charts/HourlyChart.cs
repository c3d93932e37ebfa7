using System.Globalization;
using Ms5.Analytics.Reports;
using ScottPlot;

namespace Ms5.Reports.Pdf.Charts;

/// <summary>
/// OEE hour by hour through the span: one bar per hour, an hour with no planned time (OEE undefined) left as a gap
/// marked "—" rather than drawn as 0, and the whole span's OEE as a dashed line (its value is in the section heading).
/// </summary>
internal static class HourlyChart
{
    public static readonly Color Bar = Color.FromHex("#3C6E9F");

    public static readonly Color SpanLine = Color.FromHex("#C0392B");

    /// <summary>Above this many hours the bars are too narrow for value labels.</summary>
    private const int LabelledHours = 26;

    public static byte[] Render(ReportDocument doc, double widthPoints, double heightPoints)
    {
        ArgumentNullException.ThrowIfNull(doc);
        var hours = doc.Hourly;
        using var plot = ChartImage.NewPlot();
        var bars = new List<Bar>();
        var gaps = new List<int>();
        for (var i = 0; i < hours.Count; i++)
        {
            if (hours[i].Kpis.Oee is { } oee)
            {
                bars.Add(new Bar
                {
                    Position = i,
                    Value = oee * 100,
                    FillColor = Bar,
                    LineWidth = 0,
                    Size = 0.72,
                    LabelOffset = 1,
                    Label = hours.Count <= LabelledHours ? ReportFormat.Number(oee * 100, "0.0") : "",
                });
            }
            else
            {
                gaps.Add(i);
            }
        }

        // Under the bars, so their value labels stay readable where the line crosses them.
        if (doc.Tiles.Current.Kpis.Oee is { } span)
        {
            plot.Add.HorizontalLine(span * 100, 1, SpanLine, LinePattern.Dashed);
        }

        var top = Math.Max(100, bars.Count == 0 ? 0 : bars.Max(b => b.Value)) * 1.12;
        if (bars.Count > 0)
        {
            var barPlot = plot.Add.Bars(bars);
            ChartImage.LabelStyle(barPlot.ValueLabelStyle, hours.Count <= 12 ? 7 : 6, ChartImage.Ink, condensed: true);
            barPlot.ValueLabelStyle.BackgroundColor = Colors.White;
            barPlot.ValueLabelStyle.Padding = 1;
        }

        // With narrow bars a mark per gap would only clutter; the heading says what a gap means.
        foreach (var i in hours.Count <= LabelledHours ? gaps : [])
        {
            var gap = plot.Add.Text(ReportFormat.None, i, top * 0.02);
            ChartImage.LabelStyle(gap.LabelStyle, 8, ChartImage.Muted);
            gap.LabelAlignment = Alignment.LowerCenter;
        }

        var (positions, labels) = HourTicks(doc.Header, hours);
        ChartImage.Ticks(plot.Axes.Bottom, positions, labels, hours.Count > 12 ? 6.5f : 7f);
        ChartImage.Ticks(plot.Axes.Left, [0, 25, 50, 75, 100], ["0", "25", "50", "75", "100"]);
        plot.Axes.Left.Label.Text = "OEE %";
        plot.Axes.Left.Label.FontSize = 7;
        plot.Grid.XAxisStyle.MajorLineStyle.Width = 0;
        plot.Axes.SetLimits(-0.6, Math.Max(1, hours.Count) - 0.4, 0, top);
        return ChartImage.Png(plot, widthPoints, heightPoints);
    }

    /// <summary>
    /// Local hour labels, thinned to at most about 16; a span of more than a day and a half is labelled by day instead
    /// ("Mon 11-16" at each local midnight), which also holds across a DST change.
    /// </summary>
    private static (double[] Positions, string[] Labels) HourTicks(ReportHeader h, IReadOnlyList<HourRow> hours)
    {
        var positions = new List<double>();
        var labels = new List<string>();
        if (h.To - h.From > TimeSpan.FromHours(36))
        {
            var days = (h.To - h.From).TotalDays;
            var every = (int)Math.Ceiling(days / 10);
            var n = 0;
            for (var i = 0; i < hours.Count; i++)
            {
                var local = h.Local(hours[i].From);
                if (local.TimeOfDay == TimeSpan.Zero && n++ % every == 0)
                {
                    positions.Add(i - 0.5);
                    labels.Add(local.ToString("ddd MM-dd", CultureInfo.InvariantCulture));
                }
            }

            if (positions.Count > 0)
            {
                return (positions.ToArray(), labels.ToArray());
            }
        }

        int[] steps = [1, 2, 3, 4, 6, 12, 24];
        var step = steps.FirstOrDefault(s => hours.Count / s <= 16, 24);
        for (var i = 0; i < hours.Count; i += step)
        {
            positions.Add(i);
            labels.Add(h.Local(hours[i].From).ToString("HH:mm", CultureInfo.InvariantCulture));
        }

        return (positions.ToArray(), labels.ToArray());
    }
}
