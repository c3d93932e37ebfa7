using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Ms5.Analytics.Assignments;
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
/// The shift report lists who ran what: the operator assignments of exactly its shift (day and name) for its machines,
/// "no assignment" where none, read from the run's PostgreSQL; day reports have no such section.
/// </summary>
[Collection("stack-api")]
public sealed class ShiftReportOperatorsTests(StackFixture stack)
{
    private static readonly DateOnly Day = new(2026, 11, 17);

    private const string PlantJson = """
        { "plantId": "rop-p", "name": "Operators plant", "timeZone": "Europe/Berlin",
          "reasonCodes": [ { "code": "jam", "category": "unplanned" } ],
          "shifts": [ { "name": "early", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "06:00", "end": "14:00" },
                      { "name": "late", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "14:00", "end": "22:00" } ],
          "lines": [ { "id": "rop-line", "name": "Press line", "machines": [ { "id": "rop-m1", "name": "Press R1", "idealCycleSeconds": 2.0 },
                                                                         { "id": "rop-m2", "name": "Press R2", "idealCycleSeconds": 2.0 } ] },
                     { "id": "rop-line2", "name": "Weld line", "machines": [ { "id": "rop-m3", "name": "Welder R3", "idealCycleSeconds": 2.0 } ] } ] }
        """;

    private static string PdfText(byte[] pdf)
    {
        using var doc = PdfDocument.Open(pdf);
        return string.Join(" ", doc.GetPages().SelectMany(p => p.GetWords()).Select(w => w.Text));
    }

    [Fact]
    public async Task ShiftReport_ListsTheShiftsOperators_NoAssignmentWhereNone_DayReportHasNoSection()
    {
        var plant = PlantConfigParser.Parse(PlantJson);
        await new PlantStore(stack.Db).SaveAsync(plant, PlantJson);
        var now = DateTimeOffset.UtcNow;
        await AssignmentStore.SetAsync(stack.Db, new ShiftSlot(Day, "early"), "rop-p", "rop-line", "rop-m1", "jane.rop", "test", now, CancellationToken.None);
        await AssignmentStore.SetAsync(stack.Db, new ShiftSlot(Day, "late"), "rop-p", "rop-line", "rop-m2", "joe.late", "test", now, CancellationToken.None);
        await AssignmentStore.SetAsync(stack.Db, new ShiftSlot(Day.AddDays(1), "early"), "rop-p", "rop-line", "rop-m2", "joe.tomorrow", "test", now, CancellationToken.None);
        await AssignmentStore.SetAsync(stack.Db, new ShiftSlot(Day, "early"), "rop-p", "rop-line2", "rop-m3", "ann.weld", "test", now, CancellationToken.None);
        var generator = new ReportGenerator(new ReportQueries(stack.Db), new ReportStore(stack.Db), new PlantStore(stack.Db), new AnomalyStore(stack.Db), TimeProvider.System,
            NullLogger<ReportGenerator>.Instance);
        var span = ReportPeriods.Shift(plant.Calendar, Day, "early").Span!;

        var (line, _) = await generator.BuildAsync(new ReportTarget(plant, plant.Lines.Single(l => l.Id == "rop-line"), span), 1, null);
        var (whole, _) = await generator.BuildAsync(new ReportTarget(plant, null, span), 1, null);

        Assert.Equal([new OperatorRow("rop-m1", "Press R1", "rop-line", "jane.rop"), new OperatorRow("rop-m2", "Press R2", "rop-line", null)], line.Operators);
        Assert.Equal(["jane.rop", null, "ann.weld"], whole.Operators!.Select(o => o.UserName));
        var text = PdfText(PdfReport.Render(line));
        Assert.Contains("Operators", text, StringComparison.Ordinal);
        Assert.Contains("Press R1 rop-line jane.rop", text, StringComparison.Ordinal);
        Assert.Contains("Press R2 rop-line no assignment", text, StringComparison.Ordinal);
        var csv = Encoding.UTF8.GetString(ReportCsv.Machines(line)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal([",jane.rop", ","], csv.Skip(1).Select(r => r[r.LastIndexOf(',')..]));

        var daySpan = ReportPeriods.Day(plant.TimeZone, Day);
        var (day, _) = await generator.BuildAsync(new ReportTarget(plant, null, daySpan), 1, null);
        Assert.Null(day.Operators);
        Assert.DoesNotContain("no assignment", PdfText(PdfReport.Render(day)), StringComparison.Ordinal);
    }
}
