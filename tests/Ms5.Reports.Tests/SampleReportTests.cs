using Ms5.Reports.Pdf;
using Ms5.Reports.Tests.Support;

namespace Ms5.Reports.Tests;

/// <summary>
/// The sample in docs/reports is the standard worked example rendered by this test. To refresh it:
/// <c>MS5_REPORT_SAMPLE_DIR=docs/reports dotnet test tests/Ms5.Reports.Tests --filter SampleReport</c>, then
/// <c>pdftoppm -r 60 -png docs/reports/sample-line-report.pdf docs/reports/sample-line-report</c>.
/// </summary>
public sealed class SampleReportTests
{
    [Fact]
    public void SampleReport_IsTheWorkedExample()
    {
        var pdf = PdfReport.Render(SomeReport.WorkedExample());

        using var text = PdfText.Read(pdf);
        var page1 = text.Lines(1);
        // A = 373/420, P = 19,271/22,380, Q = 18,848/19,271, OEE = A × P × Q.
        Assert.Contains("74.8 % 88.8 % 86.1 % 97.8 % 65.4 %", page1);
        Assert.Contains("18,848 423 19,271 7:00 6:13", page1);
        Assert.Contains("Value-adding: 314.1 of 420.0 planned min (good parts at ideal rate) 8 stops, 52.8 min in all", page1);
        Save(pdf, "sample-line-report.pdf");
        Save(PdfReport.Render(SomeReport.Plant(60, revision: 1)), "sample-plant-report.pdf");
    }

    private static void Save(byte[] pdf, string name)
    {
        if (Environment.GetEnvironmentVariable("MS5_REPORT_SAMPLE_DIR") is { Length: > 0 } dir)
        {
            Directory.CreateDirectory(dir);
            File.WriteAllBytes(Path.Combine(dir, name), pdf);
        }
    }
}
