using System.Text.RegularExpressions;
using Ms5.Integration.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace Ms5.Integration.Tests.Monitoring;

/// <summary>The shipped Prometheus and Alertmanager files and the tools that check them (Debian's promtool and amtool).</summary>
internal static partial class MonitoringFiles
{
    public const string Promtool = "/usr/bin/promtool";
    public const string Amtool = "/usr/bin/amtool";

    public static string PrometheusDir => Path.Combine(Repo.Root, "infra", "prometheus");

    public static string RulesDir => Path.Combine(PrometheusDir, "rules");

    public static string RuleTestsDir => Path.Combine(PrometheusDir, "tests");

    public static string AlertmanagerConfig => Path.Combine(Repo.Root, "infra", "alertmanager", "alertmanager.yml");

    public static string RouteCases => Path.Combine(Repo.Root, "infra", "alertmanager", "tests", "routes.txt");

    public static string[] RuleFiles => Directory.GetFiles(RulesDir, "*.yml").Order(StringComparer.Ordinal).ToArray();

    public static Task<(int ExitCode, string Output)> RunAsync(string tool, params string[] args) =>
        ChildProcess.RunProgramAsync(tool, new Dictionary<string, string>(), TimeSpan.FromMinutes(2), args);

    /// <summary>One alert rule as written in a rule file.</summary>
    public sealed record AlertRule(string File, string Name, string Expr, IReadOnlyDictionary<string, string> Labels, IReadOnlyDictionary<string, string> Annotations);

    /// <summary>Every alerting rule of infra/prometheus/rules (recording rules are left out).</summary>
    public static List<AlertRule> AlertRules()
    {
        var rules = new List<AlertRule>();
        foreach (var file in RuleFiles)
        {
            var yaml = new YamlStream();
            using (var reader = new StreamReader(file))
            {
                yaml.Load(reader);
            }

            var groups = (YamlSequenceNode)((YamlMappingNode)yaml.Documents[0].RootNode)["groups"];
            foreach (var group in groups.Cast<YamlMappingNode>())
            {
                foreach (var rule in ((YamlSequenceNode)group["rules"]).Cast<YamlMappingNode>())
                {
                    if (!rule.Children.TryGetValue("alert", out var name))
                    {
                        continue;
                    }

                    rules.Add(new AlertRule(Path.GetFileName(file), ((YamlScalarNode)name).Value!, ((YamlScalarNode)rule["expr"]).Value!, Map(rule, "labels"), Map(rule, "annotations")));
                }
            }
        }

        return rules;
    }

    /// <summary>The metric names between backticks in docs/metrics.md (`a`, `b` and `a_{x,y}` style lists are split).</summary>
    public static HashSet<string> CatalogNames()
    {
        var text = File.ReadAllText(Path.Combine(Repo.Root, "docs", "metrics.md"));
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match m in Backticked().Matches(text))
        {
            var name = MetricName().Match(m.Groups[1].Value);
            if (name.Success)
            {
                names.Add(name.Value);
            }
        }

        return names;
    }

    /// <summary>The ms5_* metric names a PromQL expression uses (recording-rule names have colons and do not match).</summary>
    public static IEnumerable<string> Ms5MetricsIn(string expr) =>
        MetricName().Matches(expr).Select(m => m.Value).Select(StripHistogramSuffix).Distinct(StringComparer.Ordinal);

    private static string StripHistogramSuffix(string name)
    {
        foreach (var suffix in new[] { "_bucket", "_count", "_sum" })
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal) && !name.EndsWith("_total" + suffix, StringComparison.Ordinal))
            {
                return name[..^suffix.Length];
            }
        }

        return name;
    }

    private static Dictionary<string, string> Map(YamlMappingNode rule, string key) =>
        rule.Children.TryGetValue(key, out var node)
            ? ((YamlMappingNode)node).Children.ToDictionary(kv => ((YamlScalarNode)kv.Key).Value!, kv => ((YamlScalarNode)kv.Value).Value ?? "", StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex Backticked();

    [GeneratedRegex(@"(?<![A-Za-z0-9_:])ms5_[a-z0-9_]+(?![A-Za-z0-9_:])")]
    private static partial Regex MetricName();
}
