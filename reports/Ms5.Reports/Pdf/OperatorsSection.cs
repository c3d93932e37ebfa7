using Ms5.Analytics.Reports;

namespace Ms5.Reports.Pdf;

/// <summary>
/// "Operators" (shift reports): who was assigned to run each machine in the shift (PUT /api/assignments), "no
/// assignment" where nobody was. A plant's long list is set in two blocks side by side.
/// </summary>
internal static class OperatorsSection
{
    public const string Title = "Operators";
    public const string NoAssignment = "no assignment";

    private static readonly TableColumn[] Columns = [new("Machine", 22, Clip: true), new("Line", 12, Clip: true), new("Operator", 20, Clip: true)];

    public static void Draw(PageFlow flow, ReportDocument doc)
    {
        ArgumentNullException.ThrowIfNull(doc);
        if (doc.Operators is not { } operators)
        {
            return;
        }

        var rows = operators.Select(o => new TableRow([o.MachineName, o.LineId, o.UserName ?? NoAssignment])).ToList();
        PdfTable.Draw(flow, Title, Columns, rows, "who was assigned to run each machine in this shift", blocks: 2);
    }
}
