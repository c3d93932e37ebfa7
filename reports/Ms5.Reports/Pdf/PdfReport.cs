using Ms5.Analytics.Reports;
using PdfSharp.Pdf;

namespace Ms5.Reports.Pdf;

/// <summary>
/// Renders a <see cref="ReportDocument"/> as an A4 portrait PDF: header and page numbers on every page, KPI tiles,
/// hourly OEE, six big losses, downtime Pareto, the per-machine table, state timelines, the stop tables, the unusual
/// stops and orders (shift reports), products and Andons. Safe to call from many threads at once: every render has its own document, fonts and charts, and
/// the process-wide font registration happens once.
/// </summary>
internal static class PdfReport
{
    public static byte[] Render(ReportDocument doc)
    {
        ArgumentNullException.ThrowIfNull(doc);
        ReportFonts.EnsureRegistered();
        var images = ChartSections.Render(doc);

        using var document = new PdfDocument();
        var h = doc.Header;
        document.Info.Title = $"{h.LineName ?? h.PlantName} · {ReportFormat.KindTitle(h)} · {ReportFormat.LocalBounds(h)}";
        document.Info.Subject = $"OEE report, revision {h.Revision}";
        document.Info.Author = "MS5";
        document.Info.Creator = "MS5 reports";
        document.Info.CreationDate = h.GeneratedAt.UtcDateTime;

        using var flow = new PageFlow(document, new PageFrame(h), new ReportStyle());
        SummarySection.Draw(flow, doc);
        ChartSections.Hourly(flow, doc, images);
        ChartSections.Losses(flow, doc, images);
        ReportTables.Machines(flow, doc);
        OperatorsSection.Draw(flow, doc);
        ChartSections.Timelines(flow, doc, images);
        ReportTables.LongestStops(flow, doc);
        UnusualStopsSection.Draw(flow, doc);
        OrdersSection.Draw(flow, doc);
        ReportTables.MicroStops(flow, doc);
        ReportTables.Changeovers(flow, doc);
        ReportTables.Products(flow, doc);
        ReportTables.Andons(flow, doc);
        flow.Finish();

        using var output = new MemoryStream();
        document.Save(output, closeStream: false);
        return output.ToArray();
    }
}
