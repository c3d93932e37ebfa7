using System.Text.Json;
using YamlDotNet.RepresentationModel;

namespace Ms5.Ops.Checks;

/// <summary>
/// Check 7: every active Prometheus target is up (the down ones named with their lastError) and answers a scrape now
/// (a service stopped since Prometheus last scraped it), and every rule group of infra/prometheus/rules/*.yml is
/// loaded (GET /api/v1/rules).
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
        // Target addresses are as Prometheus sees them: probed only when it runs on this host.
        var unreachable = prometheus.IsLoopback ? await ProbeAsync(targets.RootElement, http, ct) : new Dictionary<string, string>();
        return Judge(targets.RootElement, rules.RootElement, expected, unreachable);
    });

    /// <summary>How long a target's /metrics may take when probed directly.</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Every target Prometheus last saw up, scraped now by this check: a service stopped since the last scrape (up to a
    /// scrape interval ago) is still "up" in Prometheus. Answers scrapeUrl → why it failed, for those that did.
    /// </summary>
    private static async Task<IReadOnlyDictionary<string, string>> ProbeAsync(JsonElement targets, Http http, CancellationToken ct)
    {
        var urls = targets.GetProperty("data").GetProperty("activeTargets").EnumerateArray()
            .Where(t => t.GetProperty("health").GetString() == "up").Select(t => t.GetProperty("scrapeUrl").GetString()!).Distinct().ToList();
        var results = await Task.WhenAll(urls.Select(async url =>
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
            {
                return (url, (string?)null);
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(ProbeTimeout);
            try
            {
                // Any answer (also 401/403 of a protected /metrics) shows the service runs; Prometheus judges the rest.
                _ = await http.GetAsync(uri, timeout.Token);
                return (url, (string?)null);
            }
            catch (HttpRequestException ex)
            {
                return (url, (string?)CheckRunner.Describe(ex));
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return (url, (string?)$"no answer in {ProbeTimeout.TotalSeconds:0} s");
            }
        }));
        return results.Where(r => r.Item2 is not null).ToDictionary(r => r.url, r => r.Item2!, StringComparer.Ordinal);
    }

    public static CheckOutcome Judge(JsonElement targets, JsonElement rules, IReadOnlyList<string> expectedGroups, IReadOnlyDictionary<string, string>? unreachableNow = null)
    {
        var active = targets.GetProperty("data").GetProperty("activeTargets").EnumerateArray().ToList();
        var down = active.Where(t => t.GetProperty("health").GetString() != "up")
            .Select(t => $"{t.GetProperty("labels").GetProperty("job").GetString()} {t.GetProperty("scrapeUrl").GetString()} {t.GetProperty("health").GetString()}: {t.GetProperty("lastError").GetString()}")
            .Concat(active.Where(t => t.GetProperty("health").GetString() == "up" && unreachableNow?.ContainsKey(t.GetProperty("scrapeUrl").GetString()!) == true)
                .Select(t => $"{t.GetProperty("labels").GetProperty("job").GetString()} {t.GetProperty("scrapeUrl").GetString()} unreachable now: {unreachableNow![t.GetProperty("scrapeUrl").GetString()!]} (Prometheus last saw it up)"))
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
