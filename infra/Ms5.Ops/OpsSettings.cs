using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Ms5.ServiceDefaults;

namespace Ms5.Ops;

/// <summary>An MS5 process and its /healthz address (its /readyz is next to it).</summary>
internal sealed record ProcessHealth(string Name, Uri Health)
{
    public Uri Ready => new(Health, Health.AbsolutePath.EndsWith("/healthz", StringComparison.Ordinal) ? "readyz" : "/readyz");
}

/// <summary>
/// Where the deployment's parts are: the MS5_* variables (through <see cref="Ms5Settings"/>) plus the two that only the
/// tools read, MS5_LOG_DIR and MS5_PROCESS_HEALTH (<c>name=healthURL;name=healthURL</c>). Unset means "not part of
/// this deployment as seen from here": the checks that need it are skipped.
/// </summary>
internal sealed partial record OpsSettings(
    Uri? ApiUrl,
    string? ApiToken,
    string? Pg,
    string? KafkaBootstrap,
    Uri? InfluxUrl,
    Uri? PrometheusUrl,
    Uri? AlertmanagerUrl,
    string? Home,
    string? LogDir,
    IReadOnlyList<ProcessHealth>? Processes)
{
    public IConfiguration Configuration { get; init; } = new ConfigurationBuilder().Build();

    public static OpsSettings FromEnvironment()
    {
        var c = Ms5Settings.Current();
        string? Get(string key) => c[$"{Ms5Settings.Section}:{key}"] is { Length: > 0 } v ? v : null;
        return new OpsSettings(
            Url(Get("ApiUrl"), "MS5_API_URL"),
            Environment.GetEnvironmentVariable("MS5_API_TOKEN") is { Length: > 0 } t ? t : null,
            Get("Pg"),
            Get("KafkaBootstrap"),
            Url(Get("InfluxUrl"), "MS5_INFLUX_URL"),
            Url(Get("PrometheusUrl"), "MS5_PROMETHEUS_URL"),
            Url(Get("AlertmanagerUrl"), "MS5_ALERTMANAGER_URL"),
            Get("Home"),
            Environment.GetEnvironmentVariable("MS5_LOG_DIR") is { Length: > 0 } l ? l : null,
            Environment.GetEnvironmentVariable("MS5_PROCESS_HEALTH") is { Length: > 0 } p ? ParseProcesses(p) : null)
        {
            Configuration = c,
        };
    }

    /// <summary>True when the API at <see cref="ApiUrl"/> is on this machine (its logs, disks and local services are ours to check).</summary>
    public bool ApiIsLocal => ApiUrl is null || ApiUrl.IsLoopback;

    /// <summary>"stream=http://127.0.0.1:59464/healthz;api=http://127.0.0.1:8080/healthz" (blank entries ignored).</summary>
    public static IReadOnlyList<ProcessHealth> ParseProcesses(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var list = new List<ProcessHealth>();
        foreach (var entry in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var kv = entry.Split('=', 2);
            if (kv.Length != 2 || !ProcessName().IsMatch(kv[0]) || !Uri.TryCreate(kv[1], UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                throw new ArgumentException($"MS5_PROCESS_HEALTH: '{entry}' is not name=http(s)://host:port/healthz");
            }

            list.Add(new ProcessHealth(kv[0], uri));
        }

        return list;
    }

    private static Uri? Url(string? value, string variable) =>
        value is null ? null
        : Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri
        : throw new ArgumentException($"{variable}: '{value}' is not an http(s) URL");

    [GeneratedRegex("^[A-Za-z0-9._-]+$")]
    private static partial Regex ProcessName();
}
