using CsvHelper;
using Ms5.Analytics.Reports;

namespace Ms5.Reports.Csv;

internal static partial class ReportCsv
{
    /// <summary>The orders file's columns (shift reports: one row per order that ran during the shift; machines joined with ";").</summary>
    public static readonly string[] OrderColumns =
    [
        "orderId", "plantId", "product", "machineIds", "machineNames", "status", "targetQuantity", "goodInShift", "rejectInShift",
        "percentOfTarget", "oeeInShift", "finishUtc", "finishLocal", "finishEstimated", "shift", "shiftStartUtc", "revision",
    ];

    /// <summary>The shift's orders (only the header for a report without an orders section).</summary>
    public static byte[] Orders(ReportDocument doc)
    {
        ArgumentNullException.ThrowIfNull(doc);
        var h = doc.Header;
        using var stream = new MemoryStream();
        using (var csv = CsvWriter.Create(stream, Options, leaveOpen: true))
        {
            csv.WriteHeader(OrderColumns);
            foreach (var o in doc.Orders ?? [])
            {
                csv.WriteField(o.OrderId);
                csv.WriteField(h.PlantId);
                csv.WriteField(o.Product);
                csv.WriteField(string.Join(';', o.MachineIds));
                csv.WriteField(o.MachineNames);
                csv.WriteField(o.Status);
                csv.WriteField(o.TargetQuantity, "");
                csv.WriteField(o.GoodInShift, "");
                csv.WriteField(o.RejectInShift, "");
                Number(csv, o.PercentOfTarget);
                Number(csv, o.OeeInShift);
                csv.WriteField(o.Finish is { } f ? Utc(f) : "");
                csv.WriteField(o.Finish is { } f2 ? Local(h, f2) : "");
                csv.WriteField(o.Finish is null ? "" : o.FinishEstimated ? "true" : "false");
                csv.WriteField(h.ShiftName ?? "");
                csv.WriteField(Utc(h.From));
                csv.WriteField(h.Revision, "");
                csv.EndRecord();
            }
        }

        return stream.ToArray();
    }
}
