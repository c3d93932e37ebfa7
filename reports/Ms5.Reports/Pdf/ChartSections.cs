using Ms5.Analytics.Reports;
using Ms5.Reports.Pdf.Charts;
using PdfSharp.Drawing;

namespace Ms5.Reports.Pdf;

/// <summary>The charts laid on the pages: hourly OEE, six big losses beside the Pareto, and the state timelines.</summary>
internal static class ChartSections
{
    private const double HourlyHeight = 120;
    private const double LossHeight = 138;
    private const double ColumnGap = 14;

    /// <summary>The chart images, rendered before layout (and in parallel): layout only places them.</summary>
    public sealed record Images(byte[] Hourly, byte[] Losses, byte[]? Pareto, IReadOnlyList<byte[]> Timelines);

    public static double ColumnWidth => (PageFlow.Width - ColumnGap) / 2;

    public static Images Render(ReportDocument doc)
    {
        ArgumentNullException.ThrowIfNull(doc);
        var chunks = TimelineGroups(doc);
        var jobs = new List<Func<byte[]>>
        {
            () => HourlyChart.Render(doc, PageFlow.Width, HourlyHeight),
            () => LossCharts.SixBigLosses(doc.Losses, ColumnWidth, LossHeight),
            () => doc.Pareto.Count == 0 ? [] : LossCharts.Pareto(doc.Pareto, ColumnWidth, LossHeight),
        };
        jobs.AddRange(chunks.Select(c => (Func<byte[]>)(() => TimelineChart.Render(doc.Header, c.Machines, PageFlow.Width))));
        var results = new byte[jobs.Count][];
        Parallel.For(0, jobs.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Environment.ProcessorCount) }, i => results[i] = jobs[i]());
        return new Images(results[0], results[1], results[2].Length == 0 ? null : results[2], results[3..]);
    }

    public static void Hourly(PageFlow flow, ReportDocument doc, Images images)
    {
        var span = doc.Tiles.Current.Kpis.Oee is { } oee ? $" · dashed: the span's OEE, {ReportFormat.Percent(oee)}" : "";
        var note = $"local time{span} · “{ReportFormat.None}”: no planned time that hour";
        flow.Section("OEE by hour", HourlyHeight, note);
        flow.Image(images.Hourly, PageFlow.Left, flow.Y, PageFlow.Width, HourlyHeight);
        flow.Y += HourlyHeight;
    }

    public static void Losses(PageFlow flow, ReportDocument doc, Images images)
    {
        var g = flow.G;
        var s = flow.Style;
        flow.Ensure(20 + LossHeight + 24);
        flow.Y += 8;
        var right = PageFlow.Left + ColumnWidth + ColumnGap;
        ColumnTitle(flow, "Six big losses", "minutes of planned time", PageFlow.Left);
        ColumnTitle(flow, "Downtime Pareto by reason", "minutes · stops", right);
        flow.Y += 18;
        var top = flow.Y;
        flow.Image(images.Losses, PageFlow.Left, top, ColumnWidth, LossHeight);
        if (images.Pareto is { } pareto)
        {
            flow.Image(pareto, right, top, ColumnWidth, LossHeight);
        }
        else
        {
            g.DrawString("none: no stops in this span", s.Body, ReportStyle.Brush(ReportStyle.Muted), new XPoint(right + 2, top + 10));
        }

        var c = doc.Tiles.Current.Components;
        var lossCaption = $"Value-adding: {ReportFormat.Minutes(doc.Losses.ValueAdding)} of {ReportFormat.Minutes(c.PlannedSeconds)} planned min (good parts at ideal rate)";
        var stops = doc.Pareto.Sum(p => p.Count);
        var rest = doc.Pareto.Skip(LossCharts.ParetoReasons).ToList();
        var paretoCaption = $"{ReportFormat.Count(stops)} stops, {ReportFormat.Minutes(doc.Pareto.Sum(p => p.Seconds))} min in all"
            + (rest.Count > 0 ? $"; {rest.Count} more reasons not drawn: {ReportFormat.Minutes(rest.Sum(p => p.Seconds))} min" : "");
        var y = top + LossHeight + 8;
        Caption(g, s, lossCaption, PageFlow.Left, y);
        if (doc.Pareto.Count > 0)
        {
            Caption(g, s, paretoCaption, right, y);
        }

        flow.Y = y + 6;
    }

    public static void Timelines(PageFlow flow, ReportDocument doc, Images images)
    {
        var groups = TimelineGroups(doc);
        if (groups.Count == 0)
        {
            flow.Section("Machine states", 12);
            flow.NoneLine(PdfTable.None);
            return;
        }

        for (var i = 0; i < groups.Count; i++)
        {
            var height = TimelineChart.HeightFor(groups[i].Machines.Count);
            flow.Section(groups[i].Title, height + 14, "local time");
            Legend(flow);
            flow.Image(images.Timelines[i], PageFlow.Left, flow.Y, PageFlow.Width, height);
            flow.Y += height;
        }
    }

    /// <summary>
    /// The timeline charts: one per line in a plant report (a plant manager reads a line at a time), every chart cut
    /// at <see cref="TimelineChart.MachinesPerChart"/> machines so rows stay readable.
    /// </summary>
    public static IReadOnlyList<(string Title, IReadOnlyList<MachineTimeline> Machines)> TimelineGroups(ReportDocument doc)
    {
        ArgumentNullException.ThrowIfNull(doc);
        var lines = doc.Machines.ToDictionary(m => m.MachineId, m => m.LineId, StringComparer.Ordinal);
        var plant = doc.Header.LineId is null;
        var groups = new List<(string, IReadOnlyList<MachineTimeline>)>();
        foreach (var line in doc.Timelines.GroupBy(t => plant ? lines.GetValueOrDefault(t.MachineId, "") : ""))
        {
            var chunks = line.Chunk(TimelineChart.MachinesPerChart).ToArray();
            for (var i = 0; i < chunks.Length; i++)
            {
                var scope = plant ? $"Machine states · {(line.Key.Length == 0 ? "no line" : line.Key)}" : "Machine states";
                var part = chunks.Length == 1 ? "" : $" ({i + 1} of {chunks.Length}: machines {i * TimelineChart.MachinesPerChart + 1}–{i * TimelineChart.MachinesPerChart + chunks[i].Length})";
                groups.Add((scope + part, chunks[i]));
            }
        }

        return groups;
    }

    private static void Legend(PageFlow flow)
    {
        var g = flow.G;
        var s = flow.Style;
        var x = PageFlow.Left + 2;
        foreach (var (_, name, hex) in TimelineChart.Palette)
        {
            var color = XColor.FromArgb(Convert.ToInt32(hex[1..], 16) | unchecked((int)0xFF000000));
            g.DrawRectangle(ReportStyle.Pen(XColor.FromArgb(0xA0, 0xA7, 0xB0), 0.5), ReportStyle.Brush(color), x, flow.Y + 1.5, 9, 7);
            g.DrawString(name, s.Small, ReportStyle.Brush(ReportStyle.Ink), new XPoint(x + 12, flow.Y + 8));
            x += 12 + g.MeasureString(name, s.Small).Width + 12;
        }

        flow.Y += 13;
    }

    private static void ColumnTitle(PageFlow flow, string title, string note, double x)
    {
        var g = flow.G;
        var s = flow.Style;
        g.DrawString(title, s.Section, ReportStyle.Brush(ReportStyle.Navy), new XPoint(x, flow.Y + 10));
        var w = g.MeasureString(title, s.Section).Width;
        g.DrawString(note, s.Small, ReportStyle.Brush(ReportStyle.Muted), new XPoint(x + w + 6, flow.Y + 10));
        g.DrawLine(ReportStyle.Pen(ReportStyle.Navy, 0.6), x, flow.Y + 13.5, x + ColumnWidth, flow.Y + 13.5);
    }

    private static void Caption(XGraphics g, ReportStyle s, string text, double x, double y) =>
        g.DrawString(TextWrap.Fit(g, text, s.Small, ColumnWidth), s.Small, ReportStyle.Brush(ReportStyle.Muted), new XPoint(x, y));
}
