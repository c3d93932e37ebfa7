using Ms5.Analytics.Oee;
using Ms5.Reports.Pdf;
using Ms5.Reports.Tests.Support;

namespace Ms5.Reports.Tests;

public sealed class PdfReportTests
{
    private static readonly Lazy<byte[]> WorkedPdf = new(() => PdfReport.Render(SomeReport.WorkedExample()));

    [Fact]
    public void WorkedExample_PrintsTheTilesWithOneDecimalAndTheirCounts()
    {
        using var pdf = PdfText.Read(WorkedPdf.Value);
        var page1 = pdf.Lines(1);

        Assert.Contains("74.8 % 88.8 % 86.1 % 97.8 % 65.4 %", page1);
        Assert.Contains("18,848 423 19,271 7:00 6:13", page1);
        Assert.Contains("OEE AVAILABILITY PERFORMANCE QUALITY TEEP", page1);
    }

    [Fact]
    public void Header_OnEveryPage_NamesScopeShiftRevisionAndLocalAndUtcBounds()
    {
        using var pdf = PdfText.Read(WorkedPdf.Value);

        Assert.True(pdf.Pages >= 2);
        foreach (var page in pdf.PageNumbers)
        {
            var lines = pdf.Lines(page);
            Assert.Contains("Packaging line 1 Shift “early” · Tue 2026-11-17", lines);
            Assert.Contains("REVISED", lines);
            Assert.Contains("Hamburg bottling plant 2026-11-17 06:00 – 14:00 CET", lines);
            Assert.Contains("Revision 2 · generated 2026-11-17 14:07 CET · data complete UTC 2026-11-17 05:00 – 13:00", lines);
        }
    }

    [Fact]
    public void Footer_NumbersEveryPage()
    {
        using var pdf = PdfText.Read(WorkedPdf.Value);

        foreach (var page in pdf.PageNumbers)
        {
            Assert.EndsWith($"page {page} of {pdf.Pages}", pdf.Lines(page)[^1]);
        }
    }

    [Fact]
    public void Revision2_MarksRevisedAndListsItsChangesOnPageOne()
    {
        using var pdf = PdfText.Read(WorkedPdf.Value);
        var page1 = pdf.Lines(1);

        Assert.Contains("REVISED — revision 2 replaces revision 1. What changed:", page1);
        Assert.Contains("• " + SomeReport.ChangeLine, page1);
        Assert.DoesNotContain(pdf.PageNumbers.Skip(1), p => pdf.Text(p).Contains(SomeReport.ChangeLine, StringComparison.Ordinal));
    }

    [Fact]
    public void Revision1_IsNotMarkedRevised()
    {
        using var pdf = PdfText.Read(PdfReport.Render(SomeReport.WorkedExample(revision: 1)));

        Assert.DoesNotContain("REVISED", pdf.AllText, StringComparison.Ordinal);
        Assert.Contains("Revision 1 · generated", pdf.Text(1), StringComparison.Ordinal);
    }

    [Fact]
    public void IncompleteData_SaysHowMuchWasComputed()
    {
        using var pdf = PdfText.Read(PdfReport.Render(SomeReport.WorkedExample(completeness: 0.975)));

        Assert.Contains("Revision 2 · generated 2026-11-17 14:07 CET · data 97.5 % complete UTC 2026-11-17 05:00 – 13:00", pdf.Lines(1));
        Assert.Contains("Data 97.5 % complete:", pdf.Text(1), StringComparison.Ordinal);
    }

    [Fact]
    public void MachineRow_PrintsKpisCountsStopsAndMtbfMttrInMinutes()
    {
        using var pdf = PdfText.Read(WorkedPdf.Value);

        // 373 run minutes / 2 failures; 35 unplanned minutes / 2 failures.
        Assert.Contains("Filler F-101 88.8 86.1 97.8 74.8 18,848 423 35.0 2 186.5 17.5", pdf.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public void StopAndAndonTables_ShowLocalTimesAndDashWhenNotYet()
    {
        using var pdf = PdfText.Read(WorkedPdf.Value);
        var text = pdf.AllText;

        Assert.Contains("Filler F-101 electrical fault unplanned 07:10 07:32 22.0", text, StringComparison.Ordinal);
        Assert.Contains("Filler F-101 changeover setup 10:40 10:52 12.0", text, StringComparison.Ordinal);
        Assert.Contains("07:20 long-stop Filler F-101 critical 2 Stopped for 22 min: electrical fault 1.6 14.5", text, StringComparison.Ordinal);
        Assert.Contains("13:35 oee-below-target Filler F-101 warning 1 OEE 61 % over the last hour, target 75 % — —", text, StringComparison.Ordinal);
        Assert.Contains("Cola 0.5 l", text, StringComparison.Ordinal);
        Assert.Contains("(none)", text, StringComparison.Ordinal);
    }

    [Fact]
    public void UndefinedKpis_PrintDashNeverZero()
    {
        var doc = SomeReport.Line(3);
        var idle = doc.Machines[0] with { Components = new OeeComponents { CalendarSeconds = 28_800, PlannedStopSeconds = 28_800 }, Kpis = OeeKpis.From(new OeeComponents { CalendarSeconds = 28_800, PlannedStopSeconds = 28_800 }) };
        doc = doc with { Machines = [idle, .. doc.Machines.Skip(1)], Tiles = doc.Tiles with { Previous = null } };

        using var pdf = PdfText.Read(PdfReport.Render(doc));
        var text = pdf.AllText;

        Assert.Contains($"{idle.MachineName} — — — — 0 0 0.0 0 — —", text, StringComparison.Ordinal);
        Assert.Contains("previous — previous — previous — previous — previous —", pdf.Lines(1));
        Assert.Contains("Previous: not known", text, StringComparison.Ordinal);
    }

    [Fact]
    public void PageCount_GrowsWithTheMachineCount()
    {
        int Pages(int machines)
        {
            using var pdf = PdfText.Read(PdfReport.Render(SomeReport.Line(machines)));
            return pdf.Pages;
        }

        var (one, forty, many) = (Pages(1), Pages(40), Pages(120));

        Assert.True(one < forty && forty < many, $"pages: 1 machine {one}, 40 machines {forty}, 120 machines {many}");
    }

    [Fact]
    public void MachineTable_Over120Machines_RepeatsItsHeaderOnEveryPageItReaches()
    {
        var doc = SomeReport.Line(120);
        using var pdf = PdfText.Read(PdfReport.Render(doc));
        const string header = "Machine A % P % Q % OEE % Good Reject Unpl. min Stops MTBF min MTTR min";
        // A machine row: the name and its ten figures (A, P, Q, OEE, good, reject, minutes, stops, MTBF, MTTR).
        bool IsMachineRow(string line) => doc.Machines.Any(m => line.StartsWith(m.MachineName + " ", StringComparison.Ordinal)
            && line[(m.MachineName.Length + 1)..].Split(' ') is { Length: 10 } cells && cells.All(c => c == "—" || double.TryParse(c, System.Globalization.CultureInfo.InvariantCulture, out _)));
        var pages = pdf.PageNumbers.Where(p => pdf.Lines(p).Any(IsMachineRow)).ToList();

        Assert.True(pages.Count >= 3, $"the table spans {pages.Count} pages");
        Assert.All(pages, p => Assert.Contains(header, pdf.Lines(p)));
        Assert.All(pages.Skip(1), p => Assert.Contains(pdf.Lines(p), l => l.StartsWith("Machines (continued) A, P, Q: availability", StringComparison.Ordinal)));
        Assert.All(doc.Machines, m => Assert.Contains(pdf.PageNumbers, p => pdf.Lines(p).Any(l => l.StartsWith(m.MachineName + " ", StringComparison.Ordinal))));
        Assert.Contains(pdf.PageNumbers, p => pdf.Lines(p).Any(l => l.StartsWith("All 120 machines ", StringComparison.Ordinal)));
    }

    [Fact]
    public void EmptySections_SayNone()
    {
        var doc = SomeReport.WorkedExample() with { LongestStops = [], MicroStops = [], Changeovers = [], Products = [], Andons = [], Pareto = [] };

        using var pdf = PdfText.Read(PdfReport.Render(doc));
        var lines = pdf.PageNumbers.SelectMany(pdf.Lines).ToList();

        foreach (var heading in new[] { "The 10 longest stops", "Micro-stops per machine", "Changeovers", "Products made", "Andons" })
        {
            var at = lines.FindIndex(l => l.StartsWith(heading, StringComparison.Ordinal));
            Assert.True(at >= 0, heading);
            Assert.Equal("none", lines[at + 1]);
        }

        Assert.Contains("none: no stops in this span", lines);
    }

    [Fact]
    public void PlantReport_HasALineColumnAndATimelinePerLine()
    {
        var doc = SomeReport.Plant(100);

        using var pdf = PdfText.Read(PdfReport.Render(doc));
        var lines = pdf.PageNumbers.SelectMany(pdf.Lines).ToList();

        Assert.Equal("Plant report Shift “early” · Tue 2026-11-17", pdf.Lines(1)[0]);
        Assert.Contains("Machine Line A % P % Q % OEE % Good Reject Unpl. min Stops MTBF min MTTR min", lines);
        Assert.Contains(lines, l => l.StartsWith("Machine states · line-01 local time", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Machine states · line-03 local time", StringComparison.Ordinal));
        Assert.Equal(3, lines.Count(l => l.StartsWith("running down setup / changeover planned stop idle offline no data", StringComparison.Ordinal)));
    }

    [Fact]
    public void Charts_ArePlacedOnPageOneAsImages()
    {
        using var pdf = PdfText.Read(WorkedPdf.Value);

        var images = pdf.Page(1).GetImages().ToList();

        // Hourly OEE, six big losses, Pareto and the one-machine timeline.
        Assert.Equal(4, images.Count);
        Assert.All(images, i => Assert.True(i.WidthInSamples > 300, $"{i.WidthInSamples} px wide"));
    }

    [Fact]
    public void Fonts_AreTheShippedDejaVuFacesAllEmbedded()
    {
        using var pdf = PdfText.Read(WorkedPdf.Value);

        var fonts = pdf.Fonts();

        Assert.NotEmpty(fonts);
        Assert.All(fonts, f => Assert.True(f.Embedded, $"{f.Name} is not embedded"));
        Assert.All(fonts, f => Assert.Contains("DejaVu", f.Name, StringComparison.Ordinal));
        Assert.All(pdf.Page(1).Letters, l => Assert.Contains("DejaVu", l.FontName, StringComparison.Ordinal));
    }

    [Fact]
    public void ConcurrentRenders_GiveTheSameTextAsOneAtATime()
    {
        var docs = new[] { SomeReport.WorkedExample(), SomeReport.Line(12), SomeReport.Plant(45), SomeReport.WorkedExample(revision: 1) };
        var serial = docs.Select(d => Texts(PdfReport.Render(d))).ToList();

        var parallel = new string[docs.Length * 2];
        Parallel.For(0, parallel.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => parallel[i] = Texts(PdfReport.Render(docs[i % docs.Length])));

        for (var i = 0; i < parallel.Length; i++)
        {
            Assert.Equal(serial[i % docs.Length], parallel[i]);
        }

        static string Texts(byte[] bytes)
        {
            using var pdf = PdfText.Read(bytes);
            return pdf.AllText;
        }
    }

    [Fact]
    public void ReportWithNoMachinesOrHours_StillRendersEverySectionAsNone()
    {
        var worked = SomeReport.WorkedExample();
        var empty = worked with
        {
            Tiles = new(Ms5.Analytics.Reports.KpiSet.Of(worked.Header.From, worked.Header.To, default), null, null),
            Machines = [], Losses = SixBigLosses.From(default), Pareto = [], Hourly = [], Timelines = [],
            LongestStops = [], MicroStops = [], Changeovers = [], Products = [], Andons = [], Stops = [],
        };

        using var pdf = PdfText.Read(PdfReport.Render(empty));
        var lines = pdf.PageNumbers.SelectMany(pdf.Lines).ToList();

        Assert.Contains("— — — — —", lines);
        Assert.Equal("none", lines[lines.FindIndex(l => l.StartsWith("Machines ", StringComparison.Ordinal)) + 1]);
        Assert.Equal("none", lines[lines.FindIndex(l => l.StartsWith("Machine states", StringComparison.Ordinal)) + 1]);
    }
}
