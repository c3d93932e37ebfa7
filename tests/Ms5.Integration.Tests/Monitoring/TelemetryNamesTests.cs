using System.Text.RegularExpressions;
using Ms5.Integration.Tests.Support;

namespace Ms5.Integration.Tests.Monitoring;

/// <summary>
/// Every <c>ms5_*</c> metric that a Prometheus rule or a Grafana dashboard uses is named in a host's Telemetry class
/// (or the shared metric-name classes they reference) and in docs/metrics.md: a renamed metric fails here, not
/// silently in a dashboard.
/// </summary>
public sealed partial class TelemetryNamesTests
{
    /// <summary>One Telemetry class per host, and the shared name classes they point to.</summary>
    private static readonly string[] TelemetrySources =
    [
        "api/Ms5.Api/Telemetry.cs",
        "stream/Ms5.OeeEngine/Telemetry.cs",
        "stream/Ms5.Historian/Telemetry.cs",
        "reports/Ms5.ReportsHost/Telemetry.cs",
        "stream/Ms5.Kafka/PipelineMetrics.cs",
        "reports/Ms5.Reports/ReportMetrics.cs",
        "reports/Ms5.ReportsHost/Training/TrainingMetrics.cs",
    ];

    [GeneratedRegex(@"""(ms5_[a-z0-9_]+)""")]
    private static partial Regex Literal();

    [GeneratedRegex(@"(?<![A-Za-z0-9_:])(ms5_[a-z0-9_]+)")]
    private static partial Regex Used();

    private static HashSet<string> Declared() =>
        TelemetrySources.SelectMany(f => Literal().Matches(File.ReadAllText(Path.Combine(Repo.Root, f))).Select(m => m.Groups[1].Value)).ToHashSet(StringComparer.Ordinal);

    private static IEnumerable<(string File, string Metric)> UsedIn(string dir, string pattern)
    {
        var root = Path.Combine(Repo.Root, dir);
        if (!Directory.Exists(root))
        {
            yield break;
        }

        foreach (var file in Directory.EnumerateFiles(root, pattern, SearchOption.AllDirectories))
        {
            foreach (Match m in Used().Matches(File.ReadAllText(file)))
            {
                var name = Regex.Replace(m.Groups[1].Value, "_(bucket|sum|count)$", "");
                yield return (Path.GetRelativePath(Repo.Root, file), name);
            }
        }
    }

    public static TheoryData<string> Folders() => new() { "infra/prometheus/rules", "infra/grafana/dashboards" };

    [Theory]
    [MemberData(nameof(Folders))]
    public void EveryMs5MetricUsed_IsDeclaredInATelemetryClass_AndDocumented(string folder)
    {
        var declared = Declared();
        var doc = File.ReadAllText(Path.Combine(Repo.Root, "docs", "metrics.md"));
        var used = UsedIn(folder, folder.Contains("grafana", StringComparison.Ordinal) ? "*.json" : "*.yml").ToList();

        var undeclared = used.Where(u => !declared.Contains(u.Metric) && !declared.Contains(u.Metric + "_total")).Select(u => $"{u.File}: {u.Metric}").Distinct().ToList();
        var undocumented = used.Where(u => !doc.Contains('`' + u.Metric, StringComparison.Ordinal)).Select(u => $"{u.File}: {u.Metric}").Distinct().ToList();

        Assert.True(undeclared.Count == 0, "metrics used but in no Telemetry class:\n" + string.Join('\n', undeclared));
        Assert.True(undocumented.Count == 0, "metrics used but not in docs/metrics.md:\n" + string.Join('\n', undocumented));
    }

    /// <summary>The label names a metric may carry: places and small enums, never ids, users or free text.</summary>
    private static readonly HashSet<string> AllowedLabels = new(StringComparer.Ordinal)
    {
        "plant", "line", "machine", "kind", "category", "kpi", "state", "severity", "level", "outcome", "group", "topic", "partition",
        "reason", "route", "method", "status", "policy", "phase", "transition", "sink", "trigger", "type",
        // The OEE engine's batches by the number of lanes they were written in (1 to Stream:WriteLanes, at most 16).
        "lanes",
        // The deploy proxy: slot is blue or green; release only on ms5_proxy_active_info, one series at a time.
        "slot", "release",
    };

    [GeneratedRegex(@"Metrics\.Create(Counter|Gauge|Histogram|Summary)\((?<args>[^;]*?)\);", RegexOptions.Singleline)]
    private static partial Regex MetricDefinition();

    [GeneratedRegex(@"""([^""\\]*)""")]
    private static partial Regex StringLiteral();

    [Fact]
    public void EveryMetricDefinedInTheCode_HasOnlyPlaceOrSmallEnumLabels()
    {
        var definitions = 0;
        var bad = new List<string>();
        foreach (var dir in new[] { "api", "stream", "reports", "ingest", "infra" })
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(Repo.Root, dir), "*.cs", SearchOption.AllDirectories).Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal)))
            {
                var text = File.ReadAllText(file);
                foreach (Match m in MetricDefinition().Matches(text))
                {
                    definitions++;
                    // Literals after the name and help text are label names (also inside LabelNames = [...] and [.. X, "kind"]).
                    var literals = StringLiteral().Matches(m.Groups["args"].Value).Select(l => l.Groups[1].Value).ToList();
                    var first = m.Groups["args"].Value.TrimStart().StartsWith('"') ? 2 : 1;
                    bad.AddRange(literals.Skip(first).Where(l => !AllowedLabels.Contains(l)).Select(l => $"{Path.GetRelativePath(Repo.Root, file)}: label '{l}'"));
                }

                foreach (Match m in Regex.Matches(text, @"Labels\s*=\s*\[(?<names>[^\]]*)\]"))
                {
                    bad.AddRange(StringLiteral().Matches(m.Groups["names"].Value).Select(l => l.Groups[1].Value).Where(l => !AllowedLabels.Contains(l)).Select(l => $"{Path.GetRelativePath(Repo.Root, file)}: label '{l}'"));
                }
            }
        }

        Assert.True(definitions >= 40, $"only {definitions} metric definitions found: the pattern no longer matches the code");
        Assert.True(bad.Count == 0, "labels outside plant/line/machine and the small enums:\n" + string.Join('\n', bad.Distinct()));
    }

    [Fact]
    public void TheTelemetryClasses_DeclareTheCatalogsCoreMetrics()
    {
        var declared = Declared();

        Assert.Subset(declared, new HashSet<string>(StringComparer.Ordinal)
        {
            "ms5_oee_planned_seconds_total", "ms5_oee_run_seconds_total", "ms5_oee_ideal_seconds_total", "ms5_parts_total", "ms5_stop_seconds_total",
            "ms5_oee_live_15m_ratio", "ms5_oee_line_live_15m_ratio", "ms5_machine_state", "ms5_andon_open", "ms5_consumer_lag_messages",
            "ms5_dlq_messages_total", "ms5_kafka_produce_errors_total", "ms5_http_request_duration_seconds", "ms5_auth_logins_total", "ms5_auth_lockouts_total",
        });
    }
}
