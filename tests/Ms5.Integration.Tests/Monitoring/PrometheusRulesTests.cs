using System.Text.RegularExpressions;
using Ms5.Integration.Tests.Support;

namespace Ms5.Integration.Tests.Monitoring;

/// <summary>
/// The Prometheus rules of infra/prometheus/rules: promtool accepts them and the configuration, their unit tests
/// (infra/prometheus/tests) pass, every alert carries what the receivers and on-call need, and every metric they use
/// is in the catalog (docs/metrics.md). No running stack needed.
/// </summary>
public sealed partial class PrometheusRulesTests
{
    [Fact]
    public async Task Promtool_AcceptsTheRules()
    {
        var (exit, output) = await MonitoringFiles.RunAsync(MonitoringFiles.Promtool, ["check", "rules", .. MonitoringFiles.RuleFiles]);
        Assert.True(exit == 0, "promtool check rules failed:\n" + output);
    }

    [Fact]
    public async Task Promtool_RuleUnitTestsPass()
    {
        var tests = Directory.GetFiles(MonitoringFiles.RuleTestsDir, "*.yml").Order(StringComparer.Ordinal).ToArray();
        Assert.NotEmpty(tests);
        var (exit, output) = await MonitoringFiles.RunAsync(MonitoringFiles.Promtool, ["test", "rules", .. tests]);
        Assert.True(exit == 0, "promtool test rules failed:\n" + output);
    }

    [Fact]
    public async Task Promtool_AcceptsThePrometheusConfig_WithItsRuleFiles()
    {
        var (exit, output) = await MonitoringFiles.RunAsync(MonitoringFiles.Promtool, "check", "config", Path.Combine(MonitoringFiles.PrometheusDir, "prometheus.yml"));
        Assert.True(exit == 0, "promtool check config failed:\n" + output);
        foreach (var file in MonitoringFiles.RuleFiles)
        {
            Assert.Contains(Path.GetFileName(file), output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void EveryAlert_HasSeverityTeamSummaryDescriptionAndRunbook()
    {
        var alerts = MonitoringFiles.AlertRules();
        Assert.NotEmpty(alerts);
        var runbooks = File.ReadAllText(Path.Combine(Repo.Root, "docs", "runbooks.md"));
        var anchors = Heading().Matches(runbooks).Select(m => Anchor(m.Groups[1].Value)).ToHashSet(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var a in alerts)
        {
            void Problem(string what) => problems.Add($"{a.File} {a.Name}: {what}");
            if (!AlertName().IsMatch(a.Name))
            {
                Problem("name is not CamelCase with prefix Ms5");
            }

            if (!a.Labels.TryGetValue("severity", out var severity) || severity is not ("critical" or "warning" or "info"))
            {
                Problem($"severity '{severity}' is not critical|warning|info");
            }

            if (!a.Labels.TryGetValue("team", out var team) || team is not ("ops" or "floor"))
            {
                Problem($"team '{team}' is not ops|floor");
            }

            foreach (var key in new[] { "summary", "description", "runbook_url" })
            {
                if (string.IsNullOrWhiteSpace(a.Annotations.GetValueOrDefault(key)))
                {
                    Problem($"annotation {key} missing");
                }
            }

            var runbook = a.Annotations.GetValueOrDefault("runbook_url") ?? "";
            if (runbook != $"docs/runbooks.md#{a.Name.ToLowerInvariant()}")
            {
                Problem($"runbook_url '{runbook}' is not docs/runbooks.md#{a.Name.ToLowerInvariant()}");
            }
            else if (!anchors.Contains(a.Name.ToLowerInvariant()))
            {
                Problem($"docs/runbooks.md has no section '{a.Name}'");
            }

            if (team == "floor" && !new[] { "plant", "line" }.All(l => a.Expr.Contains(l, StringComparison.Ordinal)))
            {
                Problem("a floor alert must keep the plant and line labels");
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
        // Rules that share a name (Ms5ProcessDown for the simulator at severity info) are variants of one alert: they
        // must not select the same series, which the promtool cases check; here they must at least share the team.
        Assert.All(alerts.GroupBy(a => a.Name), g => Assert.Single(g.Select(a => a.Labels.GetValueOrDefault("team")).Distinct()));
    }

    [Fact]
    public void EveryMs5MetricInTheRules_IsInTheCatalog()
    {
        var catalog = MonitoringFiles.CatalogNames();
        Assert.Contains("ms5_oee_planned_seconds_total", catalog);
        var missing = new List<string>();
        foreach (var file in MonitoringFiles.RuleFiles)
        {
            var text = File.ReadAllText(file);
            foreach (var name in MonitoringFiles.Ms5MetricsIn(string.Join("\n", text.Split('\n').Where(l => !l.TrimStart().StartsWith('#')))))
            {
                if (!catalog.Contains(name))
                {
                    missing.Add($"{Path.GetFileName(file)}: {name}");
                }
            }
        }

        Assert.True(missing.Count == 0, "ms5_* metrics used by the rules but not in docs/metrics.md:\n" + string.Join("\n", missing.Distinct(StringComparer.Ordinal)));
    }

    /// <summary>Every alert has a promtool case where it fires and one where it stays silent.</summary>
    [Fact]
    public void EveryAlert_HasAFiringAndASilentUnitTest()
    {
        var firing = new HashSet<string>(StringComparer.Ordinal);
        var silent = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.GetFiles(MonitoringFiles.RuleTestsDir, "*.yml"))
        {
            string? current = null;
            foreach (var line in File.ReadAllLines(file))
            {
                var name = TestAlertName().Match(line);
                if (name.Success)
                {
                    current = name.Groups[1].Value;
                }
                else if (current is not null && line.Contains("exp_alerts: []", StringComparison.Ordinal))
                {
                    silent.Add(current);
                }
                else if (current is not null && line.Contains("exp_labels:", StringComparison.Ordinal))
                {
                    firing.Add(current);
                }
            }
        }

        var names = MonitoringFiles.AlertRules().Select(a => a.Name).ToList();
        Assert.Empty(names.Where(n => !firing.Contains(n)).Select(n => n + ": no firing case"));
        Assert.Empty(names.Where(n => !silent.Contains(n)).Select(n => n + ": no silent case"));
    }

    /// <summary>GitHub's anchor of a heading: lower case, punctuation dropped, spaces as dashes.</summary>
    private static string Anchor(string heading) =>
        new string(heading.Trim().ToLowerInvariant().Where(c => char.IsLetterOrDigit(c) || c is ' ' or '-' or '_').ToArray()).Replace(' ', '-');

    [GeneratedRegex(@"^#{1,6}\s+(.+)$", RegexOptions.Multiline)]
    private static partial Regex Heading();

    [GeneratedRegex("^Ms5[A-Z][A-Za-z0-9]*$")]
    private static partial Regex AlertName();

    [GeneratedRegex(@"^\s*-\s*alertname:\s*(\S+)\s*$")]
    private static partial Regex TestAlertName();
}
