using System.Text;
using Ms5.Analytics.Reports;
using Ms5.Reports.Csv;
using Ms5.Reports.Pdf;
using Ms5.Reports.Tests.Support;

namespace Ms5.Reports.Tests;

/// <summary>
/// The shift report's "Operators": each machine with the operator assigned to it for the shift, "no assignment" where
/// nobody was; the machine CSV's last column names the operator; day, week and range reports have neither.
/// Set MS5_REPORT_SAMPLE_DIR to keep the rendered PDF for a look (pdftoppm -png -r 60).
/// </summary>
public sealed class OperatorsPdfTests
{
    /// <summary>The worked example's machine (Filler F-101, line-1) assigned to jane.doe, and a second machine nobody was assigned to.</summary>
    private static ReportDocument WithOperators(out IReadOnlyList<OperatorRow> rows)
    {
        var doc = SomeReport.WorkedExample();
        var machines = doc.Machines.Select(m => new ReportMachine(m.MachineId, m.MachineName, m.LineId)).Append(new ReportMachine("zz-idle", "Idle press", "line-2")).ToList();
        rows = ShiftOperators.Rows(machines, new Dictionary<string, string> { [machines[0].MachineId] = "jane.doe", ["not-in-report"] = "joe" });
        return doc with { Operators = rows };
    }

    [Fact]
    public void Rows_EveryMachineByLine_WithItsOperatorOrNone()
    {
        WithOperators(out var rows);

        Assert.Equal([("Filler F-101", "jane.doe"), ("Idle press", null)], rows.Select(r => (r.MachineName, r.UserName)));
    }

    [Fact]
    public void Operators_ListEveryMachineWithItsOperator_OrNoAssignment()
    {
        var doc = WithOperators(out var rows);
        var pdf = PdfReport.Render(doc);
        if (Environment.GetEnvironmentVariable("MS5_REPORT_SAMPLE_DIR") is { Length: > 0 } dir)
        {
            Directory.CreateDirectory(dir);
            File.WriteAllBytes(Path.Combine(dir, "operators.pdf"), pdf);
        }

        using var text = PdfText.Read(pdf);
        var lines = text.PageNumbers.SelectMany(text.Lines).ToList();
        var at = lines.FindIndex(l => l.StartsWith("Operators", StringComparison.Ordinal));
        Assert.True(at >= 0, string.Join('\n', lines));
        Assert.Equal("Machine Line Operator", lines[at + 1]);
        Assert.Equal(["Filler F-101 line-1 jane.doe", "Idle press line-2 no assignment"], lines.Skip(at + 2).Take(2));
    }

    [Fact]
    public void Operators_AreLeftOutOfReportsWithoutTheSection()
    {
        using var text = PdfText.Read(PdfReport.Render(SomeReport.WorkedExample()));

        Assert.DoesNotContain(text.PageNumbers.SelectMany(text.Lines), l => l.StartsWith("Operators", StringComparison.Ordinal));
    }

    [Fact]
    public void MachinesCsv_LastColumnIsTheOperator_EmptyWhereNone()
    {
        var doc = WithOperators(out var rows);

        var csv = Encoding.UTF8.GetString(ReportCsv.Machines(doc)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);

        Assert.EndsWith(",operator", csv[0], StringComparison.Ordinal);
        var byMachine = csv.Skip(1).ToDictionary(l => l.Split(',')[0], l => l.Split(',')[^1]);
        Assert.Equal(new Dictionary<string, string> { [rows[0].MachineId] = "jane.doe" }, byMachine);
    }
}
