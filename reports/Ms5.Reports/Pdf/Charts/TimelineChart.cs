using System.Globalization;
using Ms5.Analytics.Events;
using Ms5.Analytics.Reports;
using ScottPlot;

namespace Ms5.Reports.Pdf.Charts;

/// <summary>
/// Machine states across the span, one row per machine, on a local time axis. A chart holds at most
/// <see cref="MachinesPerChart"/> machines: a plant report draws several rather than one unreadable chart.
/// Times with no known state stay white.
/// </summary>
internal static class TimelineChart
{
    public const int MachinesPerChart = 40;

    /// <summary>Height of one machine's row, in points.</summary>
    public const double RowPoints = 10.5;

    /// <summary>Points above and below the rows: the time axis.</summary>
    public const double AxisPoints = 22;

    /// <summary>The states in legend order with their colours (hex, shared with the PDF legend) and names.</summary>
    public static readonly IReadOnlyList<(MachineState? State, string Name, string Hex)> Palette =
    [
        (MachineState.Running, "running", "#2E9E4F"),
        (MachineState.Down, "down", "#D62728"),
        (MachineState.Setup, "setup / changeover", "#F0A020"),
        (MachineState.PlannedStop, "planned stop", "#7F9CC0"),
        (MachineState.Idle, "idle", "#F4D03F"),
        (MachineState.Offline, "offline", "#4D4D4D"),
        (null, "no data", "#FFFFFF"),
    ];

    private const double LeftPoints = 112;

    private static readonly Dictionary<MachineState, Color> Colours = Palette
        .Where(p => p.State is not null).ToDictionary(p => p.State!.Value, p => Color.FromHex(p.Hex));

    public static double HeightFor(int machines) => machines * RowPoints + AxisPoints;

    public static byte[] Render(ReportHeader header, IReadOnlyList<MachineTimeline> machines, double widthPoints)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(machines);
        var span = (header.To - header.From).TotalMinutes;
        using var plot = ChartImage.NewPlot();
        var bars = new List<Bar>(machines.Count * 8);
        for (var row = 0; row < machines.Count; row++)
        {
            bars.Add(new Bar { Position = row, ValueBase = 0, Value = span, Size = 0.78, FillColor = Colors.White, LineColor = Color.FromHex("#C9CED4"), LineWidth = 0.5f });
            foreach (var seg in machines[row].Segments)
            {
                bars.Add(new Bar
                {
                    Position = row,
                    ValueBase = (seg.From - header.From).TotalMinutes,
                    Value = (seg.To - header.From).TotalMinutes,
                    Size = 0.78,
                    FillColor = Colours[seg.State],
                    LineWidth = 0,
                });
            }
        }

        var barPlot = plot.Add.Bars(bars);
        barPlot.Horizontal = true;

        ChartImage.Ticks(plot.Axes.Left, Enumerable.Range(0, machines.Count).Select(i => (double)i).ToArray(),
            machines.Select(m => ReportFormat.Clip(m.MachineName, 30)).ToArray(), 6.5f, condensed: true);
        plot.Axes.Left.MajorTickStyle.Length = 0;
        var (positions, labels) = TimeTicks(header);
        ChartImage.Ticks(plot.Axes.Bottom, positions, labels, 6.5f);
        plot.Grid.YAxisStyle.MajorLineStyle.Width = 0;
        plot.Grid.XAxisStyle.MajorLineStyle.Color = Color.FromHex("#AEB5BD");
        plot.Grid.XAxisStyle.MajorLineStyle.Pattern = LinePattern.Dotted;
        plot.Grid.IsBeneathPlottables = false;
        plot.Axes.SetLimits(0, span, machines.Count - 0.5, -0.5);
        plot.Layout.Fixed(new PixelPadding((float)LeftPoints, 16, (float)(AxisPoints - 6), 6));
        return ChartImage.Png(plot, widthPoints, HeightFor(machines.Count));
    }

    /// <summary>Ticks on round local times: every 30 minutes up to every day, at most about 12 of them.</summary>
    public static (double[] Positions, string[] Labels) TimeTicks(ReportHeader header)
    {
        ArgumentNullException.ThrowIfNull(header);
        var span = (header.To - header.From).TotalMinutes;
        int[] steps = [30, 60, 120, 180, 240, 360, 720, 1440];
        var step = steps.FirstOrDefault(s => span / s <= 12, 1440);
        var local = header.Local(header.From);
        var sinceMidnight = local.TimeOfDay.TotalMinutes;
        var first = Math.Ceiling(sinceMidnight / step) * step - sinceMidnight;
        var positions = new List<double>();
        var labels = new List<string>();
        // A day tick at the very end would name the day after the span, and its label would not fit.
        var last = step >= 1440 ? span - 1e-9 : span + 1e-9;
        for (var m = first; m <= last; m += step)
        {
            var t = header.Local(header.From.AddMinutes(m));
            positions.Add(m);
            labels.Add(step >= 1440 ? t.ToString("ddd MM-dd", CultureInfo.InvariantCulture)
                : t.TimeOfDay == TimeSpan.Zero && span > 1440 ? t.ToString("ddd HH:mm", CultureInfo.InvariantCulture)
                : t.ToString("HH:mm", CultureInfo.InvariantCulture));
        }

        return (positions.ToArray(), labels.ToArray());
    }
}
