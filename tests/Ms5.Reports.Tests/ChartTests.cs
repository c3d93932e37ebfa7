using Ms5.Analytics.Reports;
using Ms5.Reports.Pdf;
using Ms5.Reports.Pdf.Charts;
using Ms5.Reports.Tests.Support;
using SkiaSharp;

namespace Ms5.Reports.Tests;

/// <summary>ScottPlot draws no text at all when it finds no font: these check the charts' text is really there.</summary>
public sealed class ChartTests
{
    [Fact]
    public void TimelineMachineNames_AreDrawnWithTheShippedFonts()
    {
        var doc = SomeReport.WorkedExample();
        var named = doc.Timelines;
        var unnamed = named.Select(t => t with { MachineName = "" }).ToList();

        // The names sit left of the bars, in the chart's first 112 points.
        var withNames = DarkPixels(TimelineChart.Render(doc.Header, named, 500), right: 100 * ChartImage.Scale);
        var withoutNames = DarkPixels(TimelineChart.Render(doc.Header, unnamed, 500), right: 100 * ChartImage.Scale);

        Assert.Equal(0, withoutNames);
        Assert.True(withNames > 50, $"{withNames} dark pixels where the machine name should be");
    }

    [Fact]
    public void ParetoReasons_AreDrawnAsText()
    {
        var pareto = new List<ParetoRow> { new("electrical fault", "unplanned", 3, 1_320, 0.6), new("jam", "micro_stop", 9, 880, 0.4) };
        var blank = pareto.Select(p => p with { Reason = "" }).ToList();

        var labelled = Decode(LossCharts.Pareto(pareto, 260, 140));
        var unlabelled = Decode(LossCharts.Pareto(blank, 260, 140));

        Assert.True(Difference(labelled, unlabelled) > 300, "the reasons changed nothing in the picture");
    }

    [Fact]
    public void EveryChartOfAReport_IsDrawnAndHasText()
    {
        var images = ChartSections.Render(SomeReport.Line(12));

        Assert.All(new[] { images.Hourly, images.Losses, images.Pareto! }.Concat(images.Timelines), png =>
        {
            using var bitmap = Decode(png);
            Assert.True(bitmap.Width > 300);
            // Axis tick labels are dark text; coloured bars alone would not give this many near-black pixels.
            Assert.True(DarkPixels(png, right: bitmap.Width) > 400);
        });
    }

    [Fact]
    public void ChartFontResolver_ServesDejaVuFromTheAssembly()
    {
        ReportFonts.EnsureRegistered();

        var regular = ScottPlot.Fonts.FontResolvers[0].CreateTypeface(ReportFonts.Family, false, false);
        var condensedBold = ScottPlot.Fonts.FontResolvers[0].CreateTypeface(ReportFonts.Condensed, true, false);

        Assert.NotNull(regular);
        Assert.NotNull(condensedBold);
        Assert.StartsWith("DejaVu Sans", regular.FamilyName, StringComparison.Ordinal);
        Assert.True(condensedBold.IsBold);
        Assert.Null(ScottPlot.Fonts.FontResolvers[0].CreateTypeface("Arial", false, false));
    }

    [Fact]
    public void TimelineTicks_FollowTheLocalClock()
    {
        var h = SomeReport.WorkedExample().Header;

        var (positions, labels) = TimelineChart.TimeTicks(h);

        Assert.Equal(["06:00", "07:00", "08:00", "09:00", "10:00", "11:00", "12:00", "13:00", "14:00"], labels);
        Assert.Equal(0, positions[0]);
        Assert.Equal(480, positions[^1]);
    }

    private static SKBitmap Decode(byte[] png) => SKBitmap.Decode(png) ?? throw new InvalidOperationException("not a PNG");

    private static int DarkPixels(byte[] png, double right)
    {
        using var bitmap = Decode(png);
        var count = 0;
        for (var y = 0; y < bitmap.Height; y++)
        {
            for (var x = 0; x < Math.Min(bitmap.Width, (int)right); x++)
            {
                var c = bitmap.GetPixel(x, y);
                if (c.Red < 160 && c.Green < 160 && c.Blue < 160)
                {
                    count++;
                }
            }
        }

        return count;
    }

    private static int Difference(SKBitmap a, SKBitmap b)
    {
        var count = 0;
        for (var y = 0; y < Math.Min(a.Height, b.Height); y++)
        {
            for (var x = 0; x < Math.Min(a.Width, b.Width); x++)
            {
                if (a.GetPixel(x, y) != b.GetPixel(x, y))
                {
                    count++;
                }
            }
        }

        return count;
    }
}
