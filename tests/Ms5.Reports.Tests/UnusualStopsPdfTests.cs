using System.Text;
using Ms5.Analytics.Reports;
using Ms5.Reports.Csv;
using Ms5.Reports.Pdf;
using Ms5.Reports.Tests.Support;

namespace Ms5.Reports.Tests;

/// <summary>
/// The shift report's "Unusual stops": each flag a row (machine, kind, reason, local start, minutes, score) with its
/// explanation wrapped underneath; a long list runs over pages with its headers repeated, never splitting a flag from
/// its explanation; no model and no flags each say so in one line; stops.csv carries each flagged stop's anomaly.
/// Set MS5_REPORT_SAMPLE_DIR to keep the rendered PDF for a look (pdftoppm -png -r 60).
/// </summary>
public sealed class UnusualStopsPdfTests
{
    private const string Long = "electrical fault on filler-101 lasted 22 min; normally 2–6 min (95 % of 312 electrical faults in 28 days)";

    private static UnusualStopRow Row(int i, string text) =>
        new("filler-101", "Filler F-101", i % 3 == 0 ? "long_stop" : i % 3 == 1 ? "burst" : "unseen_reason", i % 3 == 2 ? "sensor fault" : "electrical fault",
            SomeReport.From.AddMinutes(70 + i), i == 0 ? SomeReport.From.AddMinutes(92) : null, 1320 + i, 0.81, text);

    private static ReportDocument With(UnusualStops? unusual) => SomeReport.WorkedExample() with { UnusualStops = unusual };

    private static void Keep(byte[] pdf, string name)
    {
        if (Environment.GetEnvironmentVariable("MS5_REPORT_SAMPLE_DIR") is { Length: > 0 } dir)
        {
            Directory.CreateDirectory(dir);
            File.WriteAllBytes(Path.Combine(dir, name), pdf);
        }
    }

    [Fact]
    public void UnusualStops_ListEachFlagWithItsExplanationUnderneath()
    {
        var pdf = PdfReport.Render(With(new UnusualStops(true, [Row(0, Long)])));
        Keep(pdf, "unusual-stops-one.pdf");

        using var text = PdfText.Read(pdf);
        var lines = text.PageNumbers.SelectMany(text.Lines).ToList();
        var at = lines.FindIndex(l => l.StartsWith("Unusual stops", StringComparison.Ordinal));
        Assert.True(at >= 0, string.Join('\n', lines));
        Assert.Equal("Machine Unusual Reason Start Minutes Score", lines[at + 1]);
        Assert.Equal("Filler F-101 long stop electrical fault 07:10 22.0 0.81", lines[at + 2]);
        Assert.Equal(Long, lines[at + 3]);
    }

    [Fact]
    public void UnusualStops_ManyFlags_RunOverPagesWithHeadersRepeated_AndOpenStopsMarked()
    {
        var text = string.Join(' ', Enumerable.Repeat("a burst of 7 stops on filler-101 in the last hour; usually 0–2 at this hour of the week", 3));
        var rows = Enumerable.Range(0, 60).Select(i => Row(i, $"#{i}: {text}")).ToList();
        var pdf = PdfReport.Render(With(new UnusualStops(true, rows)));
        Keep(pdf, "unusual-stops-many.pdf");

        using var read = PdfText.Read(pdf);
        var pagesWithSection = read.PageNumbers.Where(p => read.Lines(p).Any(l => l.StartsWith("Unusual stops", StringComparison.Ordinal))).ToList();
        Assert.True(pagesWithSection.Count >= 2, $"pages: {pagesWithSection.Count}");
        Assert.All(pagesWithSection.Skip(1), p => Assert.Contains(read.Lines(p), l => l.StartsWith("Unusual stops (continued)", StringComparison.Ordinal)));
        Assert.All(pagesWithSection, p => Assert.Contains("Machine Unusual Reason Start Minutes Score", read.Lines(p)));
        var all = read.AllText;
        for (var i = 0; i < 60; i++)
        {
            Assert.Contains($"#{i}: a burst", all, StringComparison.Ordinal);
        }

        Assert.Contains("Filler F-101 burst electrical fault 07:11 22.0+ 0.81", all, StringComparison.Ordinal);
    }

    [Fact]
    public void UnusualStops_SayNoModel_OrNone_AndAreLeftOutOfOtherReports()
    {
        using (var noModel = PdfText.Read(PdfReport.Render(With(UnusualStops.NoModel))))
        {
            var lines = noModel.PageNumbers.SelectMany(noModel.Lines).ToList();
            var at = lines.FindIndex(l => l.StartsWith("Unusual stops", StringComparison.Ordinal));
            Assert.Equal($"no anomaly model is trained for plant {SomeReport.WorkedExample().Header.PlantId} yet, so no stops were judged", lines[at + 1]);
        }

        using (var none = PdfText.Read(PdfReport.Render(With(new UnusualStops(true, [])))))
        {
            var lines = none.PageNumbers.SelectMany(none.Lines).ToList();
            Assert.Equal("none", lines[lines.FindIndex(l => l.StartsWith("Unusual stops", StringComparison.Ordinal)) + 1]);
        }

        using var day = PdfText.Read(PdfReport.Render(With(null)));
        Assert.DoesNotContain("Unusual stops", day.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public void StopsCsv_CarriesEachFlaggedStopsKindScoreAndExplanation_EscapingFormulas()
    {
        var doc = SomeReport.WorkedExample();
        var stop = doc.Stops.First(s => s.Reason == "electrical fault");
        var flags = new UnusualStops(true,
        [
            new UnusualStopRow(stop.MachineId, stop.MachineName, "unseen_reason", "electrical fault", stop.Start, stop.End, 1320, 0.9, "=cmd|' /C calc'!A0"),
            new UnusualStopRow(stop.MachineId, stop.MachineName, "long_stop", "electrical fault", stop.Start, stop.End, 1320, 0.81, Long),
        ]);

        var lines = Encoding.UTF8.GetString(ReportCsv.Stops(doc with { UnusualStops = flags })).Split("\r\n");

        Assert.EndsWith(",machineName,anomalyKind,anomalyScore,anomalyExplanation", lines[0], StringComparison.Ordinal);
        var row = Assert.Single(lines, l => l.Contains(",electrical fault,", StringComparison.Ordinal));
        // Escaped with CsvHelper's apostrophe, and then quoted as CsvHelper does an escaped field.
        Assert.EndsWith(",Filler F-101,unseen_reason;long_stop,0.9,\"'=cmd|' /C calc'!A0 | " + Long + "\"", row, StringComparison.Ordinal);
        Assert.All(lines.Skip(1).Where(l => l.Length > 0 && !l.Contains(",electrical fault,", StringComparison.Ordinal)), l => Assert.EndsWith(",,,", l, StringComparison.Ordinal));
    }
}
