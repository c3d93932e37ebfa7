using System.Net;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Ms5.Analytics.Orders;
using Ms5.Analytics.Plant;
using Ms5.Analytics.Reports;
using Ms5.Integration.Tests.Support;
using Ms5.Postgres;
using Ms5.Reports;
using Ms5.Reports.Csv;
using UglyToad.PdfPig;

namespace Ms5.Integration.Tests.Reports;

/// <summary>
/// The shift report's "Orders" section against the run's PostgreSQL: the orders whose actual window overlaps the shift
/// (not a released one, not one on another line, not one finished before the shift), with their good, reject and OEE during
/// the shift's part of them from the same minute buckets as GET /api/oee, percent of target overall and finish; stored with
/// the report and downloaded as orders.csv from a real API process (404 for an unknown report). Minute buckets are written
/// straight into oee_minute: on rod-m1 10 good and 1 reject a minute from 05:00 to 13:00 UTC (ideal cycle 2 s).
/// </summary>
[Collection("stack-api")]
public sealed class ShiftReportOrdersTests(StackFixture stack)
{
    private static readonly DateOnly Day = new(2026, 11, 17);
    private static readonly DateTimeOffset ShiftStart = new(2026, 11, 17, 5, 0, 0, TimeSpan.Zero);

    private const string PlantJson = """
        { "plantId": "rod-p", "name": "Orders report plant", "timeZone": "Europe/Berlin",
          "reasonCodes": [ { "code": "jam", "category": "unplanned" } ],
          "shifts": [ { "name": "early", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "06:00", "end": "14:00" } ],
          "lines": [ { "id": "rod-line", "name": "Press line", "machines": [ { "id": "rod-m1", "name": "Press P1", "idealCycleSeconds": 2.0 } ] },
                     { "id": "rod-line2", "name": "Weld line", "machines": [ { "id": "rod-m2", "name": "Welder W2", "idealCycleSeconds": 2.0 } ] } ] }
        """;

    private static ProductionOrder Order(string id, string machine, string product, long target, DateTimeOffset plannedStart, double hours) => new()
    {
        OrderId = id, PlantId = "rod-p", Product = product, TargetQuantity = target, MachineIds = [machine],
        PlannedStart = plannedStart, PlannedEnd = plannedStart.AddHours(hours),
    };

    private static async Task TransitionAsync(OrderStore store, string id, OrderAction action, DateTimeOffset at) =>
        Assert.True((await store.TransitionAsync(id, action, at, "planner")).Ok, $"{action} {id}");

    [Fact]
    public async Task ShiftReport_ListsTheOrdersThatRan_WithShiftFigures_StoredAsOrdersCsv()
    {
        var plant = PlantConfigParser.Parse(PlantJson);
        await new PlantStore(stack.Db).SaveAsync(plant, PlantJson);
        await using (var cmd = stack.Db.CreateCommand("""
            INSERT INTO oee_minute (machine_id, minute, calendar_seconds, planned_seconds, run_seconds, unplanned_stop_seconds, setup_seconds,
                                    micro_stop_seconds, planned_stop_seconds, good_count, reject_count, ideal_seconds)
            SELECT 'rod-m1', t, 60, 60, 60, 0, 0, 0, 0, 10, 1, 22
            FROM generate_series($1::timestamptz, $1::timestamptz + interval '479 minutes', interval '1 minute') t
            """))
        {
            cmd.Parameters.AddWithValue(ShiftStart.UtcDateTime);
            Assert.Equal(480, await cmd.ExecuteNonQueryAsync());
        }

        var store = new OrderStore(stack.Db);
        // Before: 03:00–07:00 UTC, completed (its shift part: 05:00–07:00). Running: from 07:00 UTC on. Earlier: 01:00–03:00 UTC, before the shift.
        var created = ShiftStart.AddDays(-1);
        foreach (var o in new[]
        {
            Order("ROD-1", "rod-m1", "Bracket", 2000, ShiftStart.AddHours(-2), 4), Order("ROD-2", "rod-m1", "Hinge", 5000, ShiftStart.AddHours(2), 8),
            Order("ROD-0", "rod-m1", "Bracket", 100, ShiftStart.AddHours(-4), 2), Order("ROD-3", "rod-m1", "Hinge", 100, ShiftStart.AddHours(10), 1),
            Order("ROD-W", "rod-m2", "Frame", 100, ShiftStart, 8),
        })
        {
            Assert.True((await store.CreateAsync(o, "planner", created)).Ok, o.OrderId);
        }

        await TransitionAsync(store, "ROD-0", OrderAction.Start, ShiftStart.AddHours(-4));
        await TransitionAsync(store, "ROD-0", OrderAction.Complete, ShiftStart.AddHours(-2));
        await TransitionAsync(store, "ROD-1", OrderAction.Start, ShiftStart.AddHours(-2));
        await TransitionAsync(store, "ROD-1", OrderAction.Complete, ShiftStart.AddHours(2));
        await TransitionAsync(store, "ROD-2", OrderAction.Start, ShiftStart.AddHours(2));
        await TransitionAsync(store, "ROD-3", OrderAction.Release, created);
        await TransitionAsync(store, "ROD-W", OrderAction.Start, ShiftStart);

        var generator = new ReportGenerator(new ReportQueries(stack.Db), new ReportStore(stack.Db), new PlantStore(stack.Db), new AnomalyStore(stack.Db),
            TimeProvider.System, NullLogger<ReportGenerator>.Instance, store);
        var span = ReportPeriods.Shift(plant.Calendar, Day, "early").Span!;
        var target = new ReportTarget(plant, plant.Lines.Single(l => l.Id == "rod-line"), span);
        var (doc, _) = await generator.BuildAsync(target, 1, null);

        var rows = doc.Orders!;
        Assert.Equal(["ROD-1", "ROD-2"], rows.Select(r => r.OrderId));
        // ROD-1: 120 minutes in the shift (and no data before it): 1,200 good, 120 reject, 60 % of 2,000; finished 08:00 Berlin.
        Assert.Equal(("Bracket", "Press P1", "completed", 2000L, 1200L, 120L, 0.6, (DateTimeOffset?)ShiftStart.AddHours(2), false),
            (rows[0].Product, rows[0].MachineNames, rows[0].Status, rows[0].TargetQuantity, rows[0].GoodInShift, rows[0].RejectInShift, rows[0].PercentOfTarget, rows[0].Finish, rows[0].FinishEstimated));
        // ROD-2: the shift's last 360 minutes: 3,600 good, 360 reject, 72 % of 5,000; no parts in its last 15 minutes (now): no estimate.
        Assert.Equal(("Hinge", "running", 3600L, 360L, 0.72, (DateTimeOffset?)null),
            (rows[1].Product, rows[1].Status, rows[1].GoodInShift, rows[1].RejectInShift, rows[1].PercentOfTarget, rows[1].Finish));
        // OEE = availability 1 × performance 22/60 × quality 10/11 = 1/3.
        Assert.All(rows, r => Assert.Equal(1.0 / 3, r.OeeInShift!.Value, 12));

        var (day, _) = await generator.BuildAsync(new ReportTarget(plant, null, ReportPeriods.Day(plant.TimeZone, Day)), 1, null);
        Assert.Null(day.Orders);

        // Stored with the report, and downloaded from the API.
        var stored = (await generator.GenerateAsync(target, "request", waitForLock: true))!;
        var pdf = (await new ReportStore(stack.Db).ContentAsync(stored.Id, ReportFile.Pdf))!;
        using (var read = PdfDocument.Open(pdf))
        {
            var words = string.Join(" ", read.GetPages().SelectMany(p => p.GetWords()).Select(w => w.Text));
            Assert.Contains("ROD-1 Bracket Press P1 completed 2,000 1,200 120 60.0 33.3 08:00", words, StringComparison.Ordinal);
            Assert.Contains("ROD-2 Hinge Press P1 running 5,000 3,600 360 72.0 33.3 —", words, StringComparison.Ordinal);
        }

        using var api = await ApiProcess.StartAsync(stack, "report-orders");
        using var client = api.Client();
        var response = await client.GetAsync(new Uri($"/api/reports/{stored.Id}/orders.csv", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var lines = Encoding.UTF8.GetString(await response.Content.ReadAsByteArrayAsync()).Split("\r\n");
        Assert.Equal(string.Join(',', ReportCsv.OrderColumns), lines[0]);
        Assert.StartsWith("ROD-1,rod-p,Bracket,rod-m1,Press P1,completed,2000,1200,120,0.6,", lines[1], StringComparison.Ordinal);
        Assert.EndsWith(",2026-11-17T07:00:00Z,2026-11-17T08:00:00+01:00,false,early,2026-11-17T05:00:00Z,1", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("ROD-2,rod-p,Hinge,rod-m1,Press P1,running,5000,3600,360,0.72,", lines[2], StringComparison.Ordinal);
        Assert.EndsWith(",,,,early,2026-11-17T05:00:00Z,1", lines[2], StringComparison.Ordinal);
        Assert.Equal(4, lines.Length);
        Assert.Contains($"/api/reports/{stored.Id}/orders.csv", await client.GetStringAsync(new Uri($"/api/reports/{stored.Id}", UriKind.Relative)), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(new Uri($"/api/reports/{Guid.NewGuid()}/orders.csv", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(new Uri("/api/reports/not-an-id/orders.csv", UriKind.Relative))).StatusCode);
    }
}
