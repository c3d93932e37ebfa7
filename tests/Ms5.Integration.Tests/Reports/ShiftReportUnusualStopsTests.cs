using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Ms5.Analytics.Anomalies;
using Ms5.Analytics.Plant;
using Ms5.Analytics.Reports;
using Ms5.Integration.Tests.Support;
using Ms5.Postgres;
using Ms5.Reports;
using Ms5.Reports.Csv;
using Ms5.Reports.Pdf;
using UglyToad.PdfPig;

namespace Ms5.Integration.Tests.Reports;

/// <summary>
/// The shift report's "Unusual stops" against the run's PostgreSQL: before the plant has a ready anomaly model the
/// section says so; with one, a line's shift report lists exactly the flagged anomalies of its machines whose stop
/// overlaps the shift (not unflagged scores, not other lines, not other shifts), with machine, kind, reason, start on
/// the plant's clock, minutes, score and explanation, in the PDF and in stops.csv; the plant report lists every line's;
/// a day report has no such section. History and flags are written straight into the tables (no engine, no training).
/// </summary>
[Collection("stack-api")]
public sealed class ShiftReportUnusualStopsTests(StackFixture stack)
{
    private const string Plant = "rua-p";
    private static readonly DateOnly Day = new(2026, 11, 17);

    // Early shift 06:00–14:00 in Berlin (CET): 05:00–13:00 UTC.
    private static readonly DateTimeOffset ShiftStart = new(2026, 11, 17, 5, 0, 0, TimeSpan.Zero);

    private const string PlantJson = """
        { "plantId": "rua-p", "name": "Unusual stops plant", "timeZone": "Europe/Berlin",
          "reasonCodes": [ { "code": "jam", "category": "unplanned" }, { "code": "electrical", "category": "unplanned" } ],
          "shifts": [ { "name": "early", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "06:00", "end": "14:00" } ],
          "lines": [ { "id": "rua-line", "name": "Press line", "machines": [ { "id": "rua-m1", "name": "Press P1", "idealCycleSeconds": 2.0 },
                                                                         { "id": "rua-m2", "name": "Press P2", "idealCycleSeconds": 2.0 } ] },
                     { "id": "rua-line2", "name": "Weld line", "machines": [ { "id": "rua-m3", "name": "Welder W3", "idealCycleSeconds": 2.0 } ] } ] }
        """;

    private const string LongText = "jam on rua-m1 lasted 41 min; normally 2–6 min (95 % of 312 jams in 28 days)";
    private const string UnseenText = "electrical on rua-m2: never seen on this machine in 28 days";
    private const string WeldText = "jam on rua-m3 lasted 50 min; normally 1–4 min (95 % of 200 jams in 28 days)";

    private static AnomalyScore Flag(AnomalyKind kind, string machine, string line, string reason, DateTimeOffset start, double seconds, double score, bool flagged, string text) =>
        new(AnomalyId.For(Plant, machine, start, kind), kind, machine, line, reason, start, start.AddSeconds(seconds), seconds, seconds, 600, score, flagged, text);

    private ReportGenerator Generator() =>
        new(new ReportQueries(stack.Db), new ReportStore(stack.Db), new PlantStore(stack.Db), new AnomalyStore(stack.Db), TimeProvider.System, NullLogger<ReportGenerator>.Instance);

    private static string PdfText(byte[] pdf)
    {
        using var doc = PdfDocument.Open(pdf);
        return string.Join(" ", doc.GetPages().SelectMany(p => p.GetWords()).Select(w => w.Text));
    }

    [Fact]
    public async Task ShiftReport_ListsTheShiftsFlags_OrSaysNoModelIsTrained_InPdfAndCsv()
    {
        var plant = PlantConfigParser.Parse(PlantJson);
        await new PlantStore(stack.Db).SaveAsync(plant, PlantJson);
        await StateSeed.StopsAsync(stack.Db,
        [
            ("rua-m1", ShiftStart.AddMinutes(70), 41 * 60, "jam"),        // 07:10 local
            ("rua-m1", ShiftStart.AddMinutes(510), 30 * 60, "jam"),       // 13:30 UTC: after the shift
            ("rua-m2", ShiftStart.AddMinutes(180), 180, "electrical"),    // 09:00 local
            ("rua-m2", ShiftStart.AddMinutes(300), 600, "jam"),           // 11:00 local
            ("rua-m3", ShiftStart.AddMinutes(120), 50 * 60, "jam"),       // other line
        ], ShiftStart.AddHours(-1));
        var span = ReportPeriods.Shift(plant.Calendar, Day, "early").Span!;
        var line = new ReportTarget(plant, plant.Lines.Single(l => l.Id == "rua-line"), span);
        var generator = Generator();

        // No model yet: one line saying so, in place of the list.
        var (noModel, _) = await generator.BuildAsync(line, 1, null);
        Assert.NotNull(noModel.UnusualStops);
        Assert.False(noModel.UnusualStops.ModelTrained);
        Assert.Empty(noModel.UnusualStops.Rows);
        var noModelText = PdfText(PdfReport.Render(noModel));
        Assert.Contains("Unusual stops", noModelText, StringComparison.Ordinal);
        Assert.Contains("no anomaly model is trained for plant rua-p yet", noModelText, StringComparison.Ordinal);

        var anomalies = new AnomalyStore(stack.Db);
        var version = await anomalies.SaveModelAsync(new DowntimeModelRow(Plant, 0, DateTimeOffset.UtcNow, ShiftStart.AddDays(-28), ShiftStart,
            DowntimeModelStatus.Ready, "test", "[]", "{}", "{}", "{}"));
        var wasFlagged = Flag(AnomalyKind.LongStop, "rua-m2", "rua-line", "jam", ShiftStart.AddMinutes(300), 600, 0.6, true, "jam on rua-m2 lasted 10 min");
        await anomalies.UpsertAsync(Plant, version,
        [
            Flag(AnomalyKind.LongStop, "rua-m1", "rua-line", "jam", ShiftStart.AddMinutes(70), 41 * 60, 0.82, true, LongText),
            Flag(AnomalyKind.LongStop, "rua-m1", "rua-line", "jam", ShiftStart.AddMinutes(510), 30 * 60, 0.9, true, "after the shift"),
            Flag(AnomalyKind.UnseenReason, "rua-m2", "rua-line", "electrical", ShiftStart.AddMinutes(180), 180, 0.7, true, UnseenText),
            wasFlagged,
            Flag(AnomalyKind.LongStop, "rua-m3", "rua-line2", "jam", ShiftStart.AddMinutes(120), 50 * 60, 0.75, true, WeldText),
        ]);
        // A newer judgement of rua-m2's jam: no longer flagged (score 0.55 stays above the query's minimum).
        await anomalies.UpsertAsync(Plant, version, [wasFlagged with { Score = 0.55, Flagged = false, Explanation = "within its normal range" }]);

        var (doc, _) = await generator.BuildAsync(line, 1, null);
        var unusual = doc.UnusualStops;
        Assert.NotNull(unusual);
        Assert.True(unusual.ModelTrained);
        Assert.Equal(
        [
            new UnusualStopRow("rua-m1", "Press P1", "long_stop", "jam", ShiftStart.AddMinutes(70), ShiftStart.AddMinutes(111), 2460, 0.82, LongText),
            new UnusualStopRow("rua-m2", "Press P2", "unseen_reason", "electrical", ShiftStart.AddMinutes(180), ShiftStart.AddMinutes(183), 180, 0.7, UnseenText),
        ], unusual.Rows);

        var text = PdfText(PdfReport.Render(doc));
        Assert.Contains("Press P1 long stop jam 07:10 41.0 0.82", text, StringComparison.Ordinal);
        Assert.Contains("Press P2 unusual reason electrical 09:00 3.0 0.70", text, StringComparison.Ordinal);
        Assert.Contains("never seen on this machine in 28 days", text, StringComparison.Ordinal);
        Assert.Contains("normally 2–6 min (95 % of 312 jams in 28 days)", text, StringComparison.Ordinal);
        Assert.DoesNotContain("within its normal range", text, StringComparison.Ordinal);
        Assert.DoesNotContain("after the shift", text, StringComparison.Ordinal);

        var csv = Encoding.UTF8.GetString(ReportCsv.Stops(doc)).Split("\r\n");
        Assert.EndsWith(",machineName,anomalyKind,anomalyScore,anomalyExplanation", csv[0], StringComparison.Ordinal);
        Assert.Contains(csv, r => r.StartsWith("rua-m1,rua-line,rua-p,jam,unplanned,down,2026-11-17T06:10:00Z,2026-11-17T06:51:00Z,", StringComparison.Ordinal)
            && r.EndsWith(",Press P1,long_stop,0.82," + LongText, StringComparison.Ordinal));
        Assert.Contains(csv, r => r.StartsWith("rua-m2,rua-line,rua-p,electrical,", StringComparison.Ordinal) && r.EndsWith(",Press P2,unseen_reason,0.7," + UnseenText, StringComparison.Ordinal));
        Assert.Contains(csv, r => r.StartsWith("rua-m2,rua-line,rua-p,jam,", StringComparison.Ordinal) && r.EndsWith(",Press P2,,,", StringComparison.Ordinal));

        // The plant's shift report lists both lines' flags; a day report has no such section.
        var (plantDoc, _) = await generator.BuildAsync(new ReportTarget(plant, null, span), 1, null);
        Assert.Equal(["rua-m1", "rua-m3", "rua-m2"], plantDoc.UnusualStops!.Rows.Select(r => r.MachineId));
        Assert.Contains(WeldText[..30], PdfText(PdfReport.Render(plantDoc)), StringComparison.Ordinal);
        var (dayDoc, _) = await generator.BuildAsync(new ReportTarget(plant, null, ReportPeriods.Day(plant.TimeZone, Day)), 1, null);
        Assert.Null(dayDoc.UnusualStops);
    }
}
