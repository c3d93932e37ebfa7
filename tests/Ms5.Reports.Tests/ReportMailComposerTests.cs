using System.Globalization;
using Ms5.Analytics.Reports;
using Ms5.Reports.Delivery;

namespace Ms5.Reports.Tests;

public sealed class ReportMailComposerTests
{
    [Fact]
    public void Subject_LineShiftReport_NamesLineShiftDayAndOee()
    {
        Assert.Equal("MS5 shift report: Stamping (line-1) early 2026-11-17 — OEE 74.8 %", ReportMailComposer.Subject(Some.ShiftFacts()));
    }

    [Fact]
    public void Subject_Revision2_IsMarkedRevised()
    {
        Assert.Equal("[revised r2] MS5 shift report: Stamping (line-1) early 2026-11-17 — OEE 74.8 %", ReportMailComposer.Subject(Some.ShiftFacts() with { Revision = 2 }));
    }

    [Fact]
    public void Subject_PlantDayReport_NamesThePlant()
    {
        var facts = Some.ShiftFacts() with { Kind = ReportKind.Day, LineId = null, LineName = null, ShiftName = null, Oee = 0.71 };

        Assert.Equal("MS5 day report: MS5 Demo Plant (demo) 2026-11-17 — OEE 71.0 %", ReportMailComposer.Subject(facts));
    }

    [Fact]
    public void Subject_WeekReportWithoutPlannedTime_NamesIsoWeekAndNoOee()
    {
        var facts = Some.ShiftFacts() with { Kind = ReportKind.Week, LineId = null, LineName = null, ShiftName = null, Day = new DateOnly(2026, 11, 16), Oee = null };

        Assert.Equal("MS5 week report: MS5 Demo Plant (demo) 2026-W47 — OEE n/a", ReportMailComposer.Subject(facts));
        Assert.Equal("ms5-week-demo-2026-W47", ReportMailComposer.FileStem(facts));
    }

    [Fact]
    public void Subject_WhenLineHasNoNameOfItsOwnOrOneWithALineBreak_StaysOneReadableLine()
    {
        Assert.Equal("MS5 shift report: line-2 early 2026-11-17 — OEE 74.8 %", ReportMailComposer.Subject(Some.ShiftFacts() with { LineId = "line-2", LineName = "line-2" }));
        Assert.Equal("MS5 shift report: Weld ing (line-2) early 2026-11-17 — OEE 74.8 %", ReportMailComposer.Subject(Some.ShiftFacts() with { LineId = "line-2", LineName = "Weld\ning" }));
    }

    [Fact]
    public void TextBody_RevisedShiftReport_UnderGermanCulture_IsInvariant()
    {
        var facts = Some.ShiftFacts() with { Revision = 2, Changes = ["late counts for press-02"], LinkBaseUrl = "https://ms5.plant.example/" };
        var culture = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
        string body;
        try
        {
            body = ReportMailComposer.TextBody(facts, "a.pdf", "a.csv");
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }

        Assert.Equal(
            """
            MS5 shift report: Stamping (line-1) early 2026-11-17

            Plant:        MS5 Demo Plant (demo)
            Line:         Stamping (line-1)
            Shift:        early, 2026-11-17
            Period:       2026-11-17 06:00 – 14:00 Europe/Berlin
            Revision:     2 (replaces the earlier report)
              - late counts for press-02

            OEE:          74.8 %
            Availability: 88.0 %
            Performance:  90.1 %
            Quality:      94.3 %

            Attached: the report (a.pdf) and its data (a.csv).
            MS5: https://ms5.plant.example/

            """.ReplaceLineEndings("\n"),
            body);
    }

    [Fact]
    public void TextBody_PlantNightShiftOverTheDstChange_ShowsBothOffsets()
    {
        var facts = Some.ShiftFacts() with
        {
            LineId = null,
            LineName = null,
            ShiftName = "night",
            Day = new DateOnly(2026, 10, 24),
            From = new DateTimeOffset(2026, 10, 24, 20, 0, 0, TimeSpan.Zero),
            To = new DateTimeOffset(2026, 10, 25, 5, 0, 0, TimeSpan.Zero),
            Performance = null,
        };

        var lines = ReportMailComposer.TextBody(facts, "a.pdf", "a.csv").Split('\n');

        Assert.Equal("MS5 shift report: MS5 Demo Plant (demo) night 2026-10-24", lines[0]);
        Assert.DoesNotContain(lines, l => l.StartsWith("Line:", StringComparison.Ordinal));
        Assert.Contains("Period:       2026-10-24 22:00 (UTC+02:00) – 2026-10-25 06:00 (UTC+01:00) Europe/Berlin", lines);
        Assert.Contains("Performance:  n/a", lines);
        Assert.DoesNotContain(lines, l => l.StartsWith("MS5:", StringComparison.Ordinal));
    }

    [Fact]
    public void Compose_AttachesPdfAndCsvUnderTheReportsName()
    {
        byte[] pdf = [1, 2, 3];
        byte[] csv = [4, 5];

        var mail = ReportMailComposer.Compose(Some.ShiftFacts() with { Revision = 3, ShiftName = "früh / A" }, ["lead@example.com"], pdf, csv);

        Assert.Equal(["lead@example.com"], mail.To);
        Assert.Equal("[revised r3] MS5 shift report: Stamping (line-1) früh / A 2026-11-17 — OEE 74.8 %", mail.Subject);
        Assert.Equal(
            [
                new MailAttachment("ms5-shift-line-1-2026-11-17-fr_h___A-r3.pdf", "application/pdf", pdf),
                new MailAttachment("ms5-shift-line-1-2026-11-17-fr_h___A-r3.csv", "text/csv", csv),
            ],
            mail.Attachments);
        Assert.Contains("Attached: the report (ms5-shift-line-1-2026-11-17-fr_h___A-r3.pdf) and its data (ms5-shift-line-1-2026-11-17-fr_h___A-r3.csv).", mail.TextBody, StringComparison.Ordinal);
    }
}
