using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace Ms5.Uat;

/// <summary>One case's outcome: its area (a JUnit test suite), name, pass or fail, time taken and why it failed.</summary>
internal sealed record CaseResult(string Area, string Name, bool Passed, TimeSpan Duration, string? Failure);

/// <summary>Load figures of one endpoint: requests, failures (non-2xx or errors), latency percentiles (ms) and requests per second.</summary>
internal sealed record PerfFigure(string Endpoint, int Workers, int Requests, int Errors, double P50Ms, double P95Ms, double P99Ms, double RequestsPerSecond);

/// <summary>A whole run: where it ran, when, its cases and load figures.</summary>
internal sealed record UatReport(string Target, string RunId, DateTimeOffset Started, TimeSpan Duration, IReadOnlyList<CaseResult> Cases, IReadOnlyList<PerfFigure> Performance)
{
    public bool Passed => Cases.Count > 0 && Cases.All(c => c.Passed);

    /// <summary>Areas in the order they ran.</summary>
    public IEnumerable<IGrouping<string, CaseResult>> Areas => Cases.GroupBy(c => c.Area);
}

/// <summary>The run as JUnit XML (uat-results.xml: one testsuite per area) and as Markdown (uat-summary.md).</summary>
internal static class ResultWriters
{
    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture);

    private static string N(double v, string format = "0.0") => v.ToString(format, CultureInfo.InvariantCulture);

    public static string JUnit(UatReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var root = new XElement("testsuites",
            new XAttribute("name", "MS5 UAT"),
            new XAttribute("tests", report.Cases.Count),
            new XAttribute("failures", report.Cases.Count(c => !c.Passed)),
            new XAttribute("time", Seconds(report.Duration)),
            report.Areas.Select(area => new XElement("testsuite",
                new XAttribute("name", area.Key),
                new XAttribute("tests", area.Count()),
                new XAttribute("failures", area.Count(c => !c.Passed)),
                new XAttribute("errors", 0),
                new XAttribute("time", Seconds(TimeSpan.FromTicks(area.Sum(c => c.Duration.Ticks)))),
                new XAttribute("timestamp", report.Started.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture)),
                area.Select(c => new XElement("testcase",
                    new XAttribute("classname", $"uat.{c.Area}"),
                    new XAttribute("name", c.Name),
                    new XAttribute("time", Seconds(c.Duration)),
                    c.Passed ? null : new XElement("failure", new XAttribute("message", FirstLine(c.Failure)), c.Failure ?? ""))))));
        var settings = new XmlWriterSettings { Indent = true, IndentChars = "  ", Encoding = new UTF8Encoding(false), NewLineChars = "\n" };
        using var ms = new MemoryStream();
        using (var w = XmlWriter.Create(ms, settings))
        {
            new XDocument(new XDeclaration("1.0", "utf-8", null), root).Save(w);
        }

        return Encoding.UTF8.GetString(ms.ToArray()) + "\n";
    }

    public static string Markdown(UatReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var sb = new StringBuilder();
        var failed = report.Cases.Count(c => !c.Passed);
        sb.Append("# MS5 UAT — ").Append(report.Passed ? "PASSED" : "FAILED").Append('\n').Append('\n');
        sb.Append("- Target: ").Append(report.Target).Append('\n');
        sb.Append("- Run: ").Append(report.RunId).Append(", started ").Append(report.Started.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture))
          .Append(", took ").Append(N(report.Duration.TotalSeconds)).Append(" s").Append('\n');
        sb.Append("- Cases: ").Append(report.Cases.Count - failed).Append(" passed, ").Append(failed).Append(" failed").Append('\n').Append('\n');
        sb.Append("| Area | Passed | Failed | Time (s) |\n|---|---:|---:|---:|\n");
        foreach (var area in report.Areas)
        {
            sb.Append("| ").Append(area.Key).Append(" | ").Append(area.Count(c => c.Passed)).Append(" | ").Append(area.Count(c => !c.Passed)).Append(" | ")
              .Append(N(area.Sum(c => c.Duration.TotalSeconds), "0.00")).Append(" |\n");
        }

        if (report.Performance.Count > 0)
        {
            sb.Append("\n## Performance\n\n| Endpoint | Workers | Requests | Errors | p50 (ms) | p95 (ms) | p99 (ms) | Requests/s |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
            foreach (var p in report.Performance)
            {
                sb.Append("| `").Append(p.Endpoint).Append("` | ").Append(p.Workers).Append(" | ").Append(p.Requests).Append(" | ").Append(p.Errors).Append(" | ")
                  .Append(N(p.P50Ms)).Append(" | ").Append(N(p.P95Ms)).Append(" | ").Append(N(p.P99Ms)).Append(" | ").Append(N(p.RequestsPerSecond)).Append(" |\n");
            }
        }

        foreach (var area in report.Areas)
        {
            sb.Append("\n## ").Append(area.Key).Append("\n\n");
            foreach (var c in area)
            {
                sb.Append("- ").Append(c.Passed ? "✅" : "❌").Append(' ').Append(c.Name).Append(" (").Append(N(c.Duration.TotalSeconds, "0.00")).Append(" s)");
                if (!c.Passed)
                {
                    sb.Append(": ").Append(FirstLine(c.Failure).Replace("|", "\\|", StringComparison.Ordinal));
                }

                sb.Append('\n');
            }
        }

        return sb.ToString();
    }

    private static string FirstLine(string? text) => text is null ? "" : text.Split('\n', 2)[0].TrimEnd('\r');
}
