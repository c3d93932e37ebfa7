using System.Text.Json;
using YamlDotNet.RepresentationModel;

namespace Ms5.Ops.Checks;

/// <summary>
/// Check 7: every active Prometheus target is up (the down ones named with their lastError) and every rule group of
/// infra/prometheus/rules/*.yml is loaded (GET /api/v1/rules).
/// </summary>
internal static class PrometheusCheck
{
    public static Check Create(Uri? prometheus, RepoFiles repo, Http http) => new("prometheus", async ct =>
    {
        if (prometheus is null)
        {
            return CheckOutcome.Skip("MS5_PROMETHEUS_URL is not set");
        }

        if (repo.PrometheusRulesDir is not { } rulesDir || !Directory.Exists(rulesDir))
        {
            return CheckOutcome.Fail($"the shipped rules (infra/prometheus/rules) are not found: pass --repo DIR");
        }

        using var targets = await http.GetJsonAsync(new Uri(prometheus, "/api/v1/targets?state=active"), "prometheus", ct);
        using var rules = await http.GetJsonAsync(new Uri(prometheus, "/api/v1/rules"), "prometheus", ct);
        var expected = Directory.GetFiles(rulesDir, "*.yml").Order(StringComparer.Ordinal).SelectMany(GroupNames).ToList();
        return Judge(targets.RootElement, rules.RootElement, expected);
    });

    public static CheckOutcome Judge(JsonElement targets, JsonElement rules, IReadOnlyList<string> expectedGroups)
    {
        var active = targets.GetProperty("data").GetProperty("activeTargets").EnumerateArray().ToList();
        var down = active.Where(t => t.GetProperty("health").GetString() != "up")
            .Select(t => $"{t.GetProperty("labels").GetProperty("job").GetString()} {t.GetProperty("scrapeUrl").GetString()} {t.GetProperty("health").GetString()}: {t.GetProperty("lastError").GetString()}")
            .ToList();
        var loaded = rules.GetProperty("data").GetProperty("groups").EnumerateArray().Select(g => g.GetProperty("name").GetString()).ToHashSet(StringComparer.Ordinal);
        var missing = expectedGroups.Where(g => !loaded.Contains(g)).ToList();
        var problems = new List<string>();
        if (active.Count == 0)
        {
            problems.Add("no active targets");
        }

        if (down.Count > 0)
        {
            problems.Add($"{down.Count} of {active.Count} targets not up: {string.Join("; ", down)}");
        }

        if (missing.Count > 0)
        {
            problems.Add($"rule groups not loaded: {string.Join(", ", missing)}");
        }

        return problems.Count == 0
            ? CheckOutcome.Pass($"{active.Count} targets up, {expectedGroups.Count} MS5 rule groups loaded")
            : CheckOutcome.Fail(string.Join("; ", problems));
    }

    /// <summary>The groups[].name of a Prometheus rules file.</summary>
    public static IEnumerable<string> GroupNames(string file)
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(file))
        {
            yaml.Load(reader);
        }

        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        foreach (var g in ((YamlSequenceNode)root["groups"]).Children.OfType<YamlMappingNode>())
        {
            yield return ((YamlScalarNode)g["name"]).Value!;
        }
    }
}
