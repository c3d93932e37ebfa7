using Ms5.Analytics.Reports;

namespace Ms5.Reports.Pdf;

/// <summary>Placeholder until the PDF renderer lands (replaced by the real one).</summary>
internal static class PdfReport
{
    public static byte[] Render(ReportDocument doc) => "%PDF-1.4\n%placeholder\n"u8.ToArray();
}
