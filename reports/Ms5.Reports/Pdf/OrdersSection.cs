using Ms5.Analytics.Reports;

namespace Ms5.Reports.Pdf;

/// <summary>
/// "Orders" (shift reports): one row per order that ran during the shift: order id, product, machines, status, target,
/// good and reject during the shift, percent of target overall, OEE of the shift's part of the order, and its finish
/// (actual, or "≈" estimated at the current rate while running) on the plant's clock.
/// </summary>
internal static class OrdersSection
{
    public const string Title = "Orders";

    private static readonly TableColumn[] Columns =
    [
        new("Order", 14, Clip: true), new("Product", 11, Clip: true), new("Machines", 15, Clip: true), new("Status", 10, Clip: true),
        new("Target", 8, Right: true), new("Good", 8, Right: true), new("Reject", 7, Right: true), new("% target", 8, Right: true),
        new("OEE", 7, Right: true), new("Finish", 12, Right: true),
    ];

    public static void Draw(PageFlow flow, ReportDocument doc)
    {
        ArgumentNullException.ThrowIfNull(doc);
        if (doc.Orders is not { } orders)
        {
            return;
        }

        var rows = orders.Select(o => Cells(doc.Header, o)).ToList();
        PdfTable.Draw(flow, Title, Columns, rows, "good, reject and OEE during this shift · % target: the whole order so far · finish: actual, “≈” estimated at the current rate");
    }

    private static TableRow Cells(ReportHeader h, ShiftOrderRow o) => new(
    [
        o.OrderId, o.Product, o.MachineNames, o.Status, ReportFormat.Count(o.TargetQuantity), ReportFormat.Count(o.GoodInShift),
        ReportFormat.Count(o.RejectInShift), ReportFormat.PercentNumber(o.PercentOfTarget), ReportFormat.PercentNumber(o.OeeInShift),
        o.Finish is { } f ? (o.FinishEstimated ? "≈ " : "") + ReportFormat.LocalTime(h, f) : ReportFormat.None,
    ]);
}
