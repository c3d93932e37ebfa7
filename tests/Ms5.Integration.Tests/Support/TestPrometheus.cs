using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Ms5.Integration.Tests.Support;

/// <summary>A scrape target of the test's Prometheus: job, host:port, extra labels (e.g. service=oee).</summary>
internal sealed record ScrapeTarget(string Job, string Address, IReadOnlyDictionary<string, string>? Labels = null);

/// <summary>
/// A real Prometheus (Debian's /usr/bin/prometheus) owned by one test: its own port, generated configuration
/// (1 s scrape and rule evaluation, the repository's rule files) and temporary storage; killed on dispose.
/// </summary>
internal sealed class TestPrometheus : IDisposable
{
    private readonly ChildProcess _process;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    private TestPrometheus(string dir, int port, ChildProcess process, DateTimeOffset started)
    {
        Directory = dir;
        Port = port;
        _process = process;
        Started = started;
    }

    public string Directory { get; }

    public int Port { get; }

    public DateTimeOffset Started { get; }

    public Uri Url => new($"http://127.0.0.1:{Port}/");

    public string Output => _process.Output;

    public const string Binary = "/usr/bin/prometheus";

    /// <summary>The repository's rule files (infra/prometheus/rules/*.yml).</summary>
    public static IReadOnlyList<string> RepositoryRuleFiles =>
        System.IO.Directory.Exists(Path.Combine(Repo.Root, "infra", "prometheus", "rules"))
            ? System.IO.Directory.GetFiles(Path.Combine(Repo.Root, "infra", "prometheus", "rules"), "*.yml").Order(StringComparer.Ordinal).ToList()
            : [];

    /// <summary>
    /// Starts one scraping <paramref name="targets"/> (and itself, job prometheus) every <paramref name="interval"/>
    /// (1 s), evaluating <paramref name="ruleFiles"/> (the repository's) as often: they are copied into its directory
    /// without their groups' own intervals.
    /// </summary>
    public static async Task<TestPrometheus> StartAsync(IEnumerable<ScrapeTarget> targets, IEnumerable<string>? ruleFiles = null, TimeSpan? interval = null)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"ms5-prom-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(Path.Combine(dir, "rules"));
        var rules = (ruleFiles ?? RepositoryRuleFiles).Select((f, i) =>
        {
            var copy = Path.Combine(dir, "rules", $"{i:00}-{Path.GetFileName(f)}");
            File.WriteAllText(copy, System.Text.RegularExpressions.Regex.Replace(File.ReadAllText(f), @"(?m)^\s+interval:\s*\S+\s*$\n?", ""));
            return copy;
        }).ToList();
        var port = TestPorts.Next();
        var every = $"{(int)(interval ?? TimeSpan.FromSeconds(1)).TotalMilliseconds}ms";
        var config = new StringBuilder($"""
            global:
              scrape_interval: {every}
              scrape_timeout: {every}
              evaluation_interval: {every}
            rule_files:

            """);
        foreach (var f in rules)
        {
            config.AppendLine(CultureInfo.InvariantCulture, $"  - \"{f}\"");
        }

        config.AppendLine("scrape_configs:");
        foreach (var job in targets.Append(new ScrapeTarget("prometheus", $"127.0.0.1:{port}")).GroupBy(t => t.Job))
        {
            config.AppendLine(CultureInfo.InvariantCulture, $"  - job_name: {job.Key}");
            config.AppendLine("    static_configs:");
            foreach (var t in job)
            {
                config.AppendLine(CultureInfo.InvariantCulture, $"      - targets: [\"{t.Address}\"]");
                if (t.Labels is { Count: > 0 } labels)
                {
                    config.AppendLine(CultureInfo.InvariantCulture, $"        labels: {{ {string.Join(", ", labels.Select(l => $"{l.Key}: \"{l.Value}\""))} }}");
                }
            }
        }

        await File.WriteAllTextAsync(Path.Combine(dir, "prometheus.yml"), config.ToString());
        var process = ChildProcess.StartProgram(Binary, new Dictionary<string, string>(),
            $"--config.file={dir}/prometheus.yml", $"--storage.tsdb.path={dir}/data", $"--web.listen-address=127.0.0.1:{port}",
            "--storage.tsdb.retention.time=1d", "--log.level=warn");
        var prom = new TestPrometheus(dir, port, process, DateTimeOffset.UtcNow);
        using var http = new HttpClient();
        if (await process.AnswersAsync(http, new Uri(prom.Url, "-/ready")))
        {
            return prom;
        }

        var output = process.Output;
        prom.Dispose();
        throw new InvalidOperationException($"Prometheus did not start:\n{output}\nconfig:\n{config}");
    }

    /// <summary>GET api/v1/...; returns "data" or throws with Prometheus' error.</summary>
    public async Task<JsonElement> ApiAsync(string pathAndQuery)
    {
        var resp = await _http.GetAsync(new Uri(Url, "api/v1/" + pathAndQuery));
        var body = await resp.Content.ReadAsStringAsync();
        JsonElement root;
        try
        {
            root = JsonDocument.Parse(body).RootElement;
        }
        catch (JsonException)
        {
            throw new InvalidOperationException($"Prometheus answered {(int)resp.StatusCode}: {body}");
        }

        if (root.GetProperty("status").GetString() != "success")
        {
            throw new InvalidOperationException($"Prometheus {root.GetProperty("errorType").GetString()}: {root.GetProperty("error").GetString()}");
        }

        return root.GetProperty("data");
    }

    private static string Unix(DateTimeOffset t) => (t.ToUnixTimeMilliseconds() / 1000.0).ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>An instant query at <paramref name="time"/> (now when null): "data" (resultType, result).</summary>
    public Task<JsonElement> QueryAsync(string promql, DateTimeOffset? time = null) =>
        ApiAsync($"query?query={Uri.EscapeDataString(promql)}" + (time is { } t ? "&time=" + Unix(t) : ""));

    public Task<JsonElement> QueryRangeAsync(string promql, DateTimeOffset from, DateTimeOffset to, TimeSpan step) =>
        ApiAsync($"query_range?query={Uri.EscapeDataString(promql)}&start={Unix(from)}&end={Unix(to)}&step={step.TotalSeconds.ToString(CultureInfo.InvariantCulture)}");

    /// <summary>The values of an instant vector query's series, with their labels.</summary>
    public async Task<List<(Dictionary<string, string> Labels, double Value)>> VectorAsync(string promql, DateTimeOffset? time = null)
    {
        var data = await QueryAsync(promql, time);
        return data.GetProperty("result").EnumerateArray().Select(r => (
            r.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!),
            double.Parse(r.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture))).ToList();
    }

    /// <summary>Scrape targets and their health, for diagnostics.</summary>
    public async Task<string> TargetsAsync()
    {
        var data = await ApiAsync("targets");
        return string.Join('\n', data.GetProperty("activeTargets").EnumerateArray().Select(t =>
            $"{t.GetProperty("scrapeUrl").GetString()} {t.GetProperty("health").GetString()} {t.GetProperty("lastError").GetString()}"));
    }

    /// <summary>Rule groups as loaded (names and health), for diagnostics and to check the rule files loaded.</summary>
    public async Task<List<(string Name, string Health, string? Error)>> RulesAsync()
    {
        var data = await ApiAsync("rules");
        return data.GetProperty("groups").EnumerateArray().SelectMany(g => g.GetProperty("rules").EnumerateArray())
            .Select(r => (r.GetProperty("name").GetString()!, r.GetProperty("health").GetString()!, r.TryGetProperty("lastError", out var e) ? e.GetString() : null)).ToList();
    }

    public void Dispose()
    {
        _process.Dispose();
        _http.Dispose();
        for (var attempt = 0; attempt < 5 && System.IO.Directory.Exists(Directory); attempt++)
        {
            try
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
            catch (IOException)
            {
                // A file still being closed by the killed process: again shortly.
                Thread.Sleep(200);
            }
        }
    }
}
