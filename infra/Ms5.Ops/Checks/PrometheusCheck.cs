using System.Text.Json;
using YamlDotNet.RepresentationModel;

namespace Ms5.Ops.Checks;

/// <summary>
/// Check 7: every active Prometheus target is up (the down ones named with their lastError) and answers a scrape now
/// (a service stopped since Prometheus last scraped it), and every rule group of infra/prometheus/rules/*.yml is
/// loaded (GET /api/v1/rules). A target down only because its last scrape timed out passes when it answers the check's
/// own scrape (named in the result): one slow answer of a busy host is not an outage.
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
        var probed = prometheus.IsLoopback ? await ProbeAsync(targets.RootElement, http, ct) : new Dictionary<string, string?>();
        var unreachable = probed.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value!, StringComparer.Ordinal);
        var answering = probed.Where(p => p.Value is null).Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
        return Judge(targets.RootElement, rules.RootElement, expected, unreachable, answering);
    });

    /// <summary>How long a target's /metrics may take when probed directly.</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Every target Prometheus last saw up, scraped now by this check: a service stopped since the last scrape (up to a
    /// scrape interval ago) is still "up" in Prometheus. And every target whose last scrape timed out: one slow answer of
    /// a busy host marks it down until the next scrape. Answers scrapeUrl → why it failed (null: it answered).
    /// </summary>
    private static async Task<IReadOnlyDictionary<string, string?>> ProbeAsync(JsonElement targets, Http http, CancellationToken ct)
    {
        // A target whose scrape timed out must answer within its own scrape timeout: a service always slower than that
        // has no metrics in Prometheus and stays a failure.
        var urls = targets.GetProperty("data").GetProperty("activeTargets").EnumerateArray()
            .Where(t => t.GetProperty("health").GetString() == "up" || TimedOut(t))
            .Select(t => (Url: t.GetProperty("scrapeUrl").GetString()!, Timeout: TimedOut(t) ? ScrapeTimeout(t) : ProbeTimeout))
            .DistinctBy(t => t.Url).ToList();
        var results = await Task.WhenAll(urls.Select(async target =>
        {
            var (url, limit) = target;
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
            {
                return (url, (string?)"not an absolute URL");
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(limit);
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
                return (url, (string?)$"no answer in {limit.TotalSeconds:0.#} s");
            }
        }));
        return results.ToDictionary(r => r.url, r => r.Item2, StringComparer.Ordinal);
    }

    /// <summary>The target's scrapeTimeout ("10s", "500ms", "1m"), at most <see cref="ProbeTimeout"/>.</summary>
    private static TimeSpan ScrapeTimeout(JsonElement target)
    {
        var text = target.TryGetProperty("scrapeTimeout", out var v) ? v.GetString() ?? "" : "";
        var m = System.Text.RegularExpressions.Regex.Match(text, @"^(\d+)(ms|s|m)$");
        if (!m.Success)
        {
            return ProbeTimeout;
        }

        var n = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var span = m.Groups[2].Value switch { "ms" => TimeSpan.FromMilliseconds(n), "s" => TimeSpan.FromSeconds(n), _ => TimeSpan.FromMinutes(n) };
        return span < ProbeTimeout ? span : ProbeTimeout;
    }

    /// <summary>A target down because its last scrape took longer than the scrape timeout (Prometheus' own words).</summary>
    private static bool TimedOut(JsonElement target) =>
        target.GetProperty("health").GetString() != "up"
        && target.GetProperty("lastError").GetString() is { } error
        && (error.Contains("context deadline exceeded", StringComparison.Ordinal) || error.Contains("Timeout exceeded", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// The verdict: targets down (except those whose last scrape timed out and that answered the check's own scrape,
    /// <paramref name="answeringNow"/>: named, not failed), targets up in Prometheus but unreachable now, rule groups missing.
    /// </summary>
    public static CheckOutcome Judge(JsonElement targets, JsonElement rules, IReadOnlyList<string> expectedGroups, IReadOnlyDictionary<string, string>? unreachableNow = null, IReadOnlySet<string>? answeringNow = null)
    {
        var active = targets.GetProperty("data").GetProperty("activeTargets").EnumerateArray().ToList();
        bool Recovered(JsonElement t) => TimedOut(t) && answeringNow?.Contains(t.GetProperty("scrapeUrl").GetString()!) == true;
        var slow = active.Where(Recovered).Select(t => $"{t.GetProperty("labels").GetProperty("job").GetString()} {t.GetProperty("scrapeUrl").GetString()}").ToList();
        var down = active.Where(t => t.GetProperty("health").GetString() != "up" && !Recovered(t))
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

        var note = slow.Count == 0 ? "" : $" (last scrape timed out, answers now: {string.Join("; ", slow)})";
        return problems.Count == 0
            ? CheckOutcome.Pass($"{active.Count} targets up, {expectedGroups.Count} MS5 rule groups loaded{note}")
            : CheckOutcome.Fail(string.Join("; ", problems) + note);
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
