using System.Text;
using Ms5.Analytics.Oee;
using Ms5.Analytics.Orders;
using Ms5.Analytics.Reports;
using Ms5.Reports.Csv;
using Ms5.Reports.Pdf;
using Ms5.Reports.Tests.Support;

namespace Ms5.Reports.Tests;

/// <summary>
/// The shift report's "Orders" section: which orders ran during the shift (their actual window overlaps it), their good,
/// reject and OEE during the shift's part, percent of target overall and finish (actual, or estimated at the current
/// rate while running), drawn as a PDF table and written as orders.csv.
/// The worked example's shift is 2026-11-17 05:00–13:00 UTC (06:00–14:00 in Berlin).
/// </summary>
public sealed class OrdersSectionTests
{
    private static readonly DateTimeOffset From = SomeReport.From;
    private static readonly DateTimeOffset To = SomeReport.To;
    private static readonly DateTimeOffset Now = To.AddMinutes(30);

    private static ProductionOrder Order(string id, OrderStatus status, DateTimeOffset? start, DateTimeOffset? end) => new()
    {
        OrderId = id, PlantId = "plant-1", Product = "Cola 0.5 l", TargetQuantity = 10_000, MachineIds = ["filler-101"],
        PlannedStart = From, PlannedEnd = To, Status = status, ActualStart = start, ActualEnd = end,
    };

    /// <summary>Running since 06:00 UTC: 4,200 good so far, 250 in its last 15 minutes (1,000 an hour).</summary>
    private static ShiftOrderRow RunningRow()
    {
        var order = Order("ORD-1001", OrderStatus.Running, From.AddHours(1), null);
        var progress = OrderProgressCalculator.Compute(order, Now, new OeeComponents { GoodCount = 4200 }, new OeeComponents { GoodCount = 250 }, null);
        var inShift = new OeeComponents { PlannedSeconds = 4000, RunSeconds = 3000, IdealSeconds = 1500, GoodCount = 1800, RejectCount = 200 };
        return ShiftOrders.Row(order, "Filler F-101", inShift, progress);
    }

    private static ShiftOrderRow CompletedRow()
    {
        var order = Order("ORD-0999", OrderStatus.Completed, From.AddHours(-2), From.AddMinutes(45));
        var progress = OrderProgressCalculator.Compute(order, Now, new OeeComponents { GoodCount = 10_250 }, default, null);
        return ShiftOrders.Row(order, "Filler F-101", new OeeComponents { GoodCount = 2000, RejectCount = 12 }, progress);
    }

    [Fact]
    public void Overlap_IsTheShiftsPartOfTheActualWindow_OrNullWhenTheOrderDidNotRunThen()
    {
        Assert.Equal((From.AddHours(1), To), ShiftOrders.Overlap(Order("a", OrderStatus.Running, From.AddHours(1), null), From, To, Now));
        Assert.Equal((From, From.AddMinutes(45)), ShiftOrders.Overlap(Order("b", OrderStatus.Completed, From.AddHours(-2), From.AddMinutes(45)), From, To, Now));
        Assert.Equal((From.AddHours(2), From.AddHours(3)), ShiftOrders.Overlap(Order("c", OrderStatus.Running, From.AddHours(2), null), From, To, From.AddHours(3)));
        Assert.Null(ShiftOrders.Overlap(Order("d", OrderStatus.Completed, From.AddHours(-2), From), From, To, Now));
        Assert.Null(ShiftOrders.Overlap(Order("e", OrderStatus.Running, To, null), From, To, Now));
        Assert.Null(ShiftOrders.Overlap(Order("f", OrderStatus.Released, null, null), From, To, Now));
    }

    [Fact]
    public void Row_TakesShiftFiguresFromTheShiftPart_PercentAndEstimatedFinishFromTheWholeOrder()
    {
        var row = RunningRow();
        Assert.Equal(("ORD-1001", "Cola 0.5 l", "running", 10_000L, 1800L, 200L, 0.42), (row.OrderId, row.Product, row.Status, row.TargetQuantity, row.GoodInShift, row.RejectInShift, row.PercentOfTarget));
        Assert.Equal(0.3375, row.OeeInShift!.Value, 12);
        // 5,800 left at 1,000 an hour from 13:30 UTC.
        Assert.Equal((Now.AddMinutes(348), true), (row.Finish!.Value, row.FinishEstimated));

        var done = CompletedRow();
        Assert.Equal(("completed", 1.025, (DateTimeOffset?)From.AddMinutes(45), false, (double?)null), (done.Status, done.PercentOfTarget, done.Finish, done.FinishEstimated, done.OeeInShift));
    }

    [Fact]
    public void Pdf_ShiftReport_ListsEachOrderWithItsShiftFigures()
    {
        var pdf = PdfReport.Render(SomeReport.WorkedExample() with { Orders = [CompletedRow(), RunningRow()] });
        if (Environment.GetEnvironmentVariable("MS5_REPORT_SAMPLE_DIR") is { Length: > 0 } dir)
        {
            Directory.CreateDirectory(dir);
            File.WriteAllBytes(Path.Combine(dir, "orders.pdf"), pdf);
        }

        using var text = PdfText.Read(pdf);
        var lines = text.PageNumbers.SelectMany(text.Lines).ToList();
        var at = lines.FindIndex(l => l.StartsWith("Orders", StringComparison.Ordinal));
        Assert.True(at >= 0, string.Join('\n', lines));
        Assert.Equal("Order Product Machines Status Target Good Reject % target OEE Finish", lines[at + 1]);
        Assert.Equal("ORD-0999 Cola 0.5 l Filler F-101 completed 10,000 2,000 12 102.5 — 06:45", lines[at + 2]);
        Assert.Equal("ORD-1001 Cola 0.5 l Filler F-101 running 10,000 1,800 200 42.0 33.8 ≈ 20:18", lines[at + 3]);
    }

    [Fact]
    public void Pdf_WithoutOrdersSection_DrawsNone_AndAnEmptyShiftSaysNone()
    {
        using var day = PdfText.Read(PdfReport.Render(SomeReport.WorkedExample()));
        Assert.DoesNotContain(day.PageNumbers.SelectMany(day.Lines), l => l.StartsWith("Orders", StringComparison.Ordinal));

        using var empty = PdfText.Read(PdfReport.Render(SomeReport.WorkedExample() with { Orders = [] }));
        var lines = empty.PageNumbers.SelectMany(empty.Lines).ToList();
        var at = lines.FindIndex(l => l.StartsWith("Orders", StringComparison.Ordinal));
        Assert.True(at >= 0, string.Join('\n', lines));
        Assert.Equal("none", lines[at + 1]);
    }

    [Fact]
    public void OrdersCsv_OneRowPerOrder_ExactFigures()
    {
        var doc = SomeReport.WorkedExample() with { Orders = [CompletedRow(), RunningRow()] };
        var lines = Encoding.UTF8.GetString(ReportCsv.Orders(doc)).Split("\r\n");
        Assert.Equal(string.Join(',', ReportCsv.OrderColumns), lines[0]);
        var (plant, shift, rev) = (doc.Header.PlantId, doc.Header.ShiftName, doc.Header.Revision);
        Assert.Equal($"ORD-0999,{plant},Cola 0.5 l,filler-101,Filler F-101,completed,10000,2000,12,1.025,,2026-11-17T05:45:00Z,2026-11-17T06:45:00+01:00,false,{shift},2026-11-17T05:00:00Z,{rev}", lines[1]);
        Assert.Equal($"ORD-1001,{plant},Cola 0.5 l,filler-101,Filler F-101,running,10000,1800,200,0.42,{RunningRow().OeeInShift!.Value.ToString("R", System.Globalization.CultureInfo.InvariantCulture)},2026-11-17T19:18:00Z,2026-11-17T20:18:00+01:00,true,{shift},2026-11-17T05:00:00Z,{rev}", lines[2]);
        Assert.Equal(4, lines.Length);
        Assert.Equal("", lines[3]);
    }
}
