using System.Net;
using System.Text.RegularExpressions;
using Ms5.ServiceDefaults;

namespace Ms5.Proxy;

/// <summary>
/// Configuration section <c>Proxy</c> (<c>Proxy__X</c> or <c>--Proxy:X=</c>). Defaults: the public URL is MS5_API_URL
/// (Ms5:ApiUrl) else http://127.0.0.1:8080; the admin URL http://127.0.0.1:59468 (loopback only); the state file
/// $MS5_HOME/run/proxy.json; the admin token file $MS5_HOME/secrets/proxy-admin.token. Upstream, Slot and Release
/// give the first active upstream when there is no state file yet.
/// </summary>
internal sealed partial class ProxyOptions
{
    public const string Section = "Proxy";
    public const string DefaultPublicUrl = "http://127.0.0.1:8080";
    public const string DefaultAdminUrl = "http://127.0.0.1:59468";

    public string? PublicUrl { get; set; }

    public string AdminUrl { get; set; } = DefaultAdminUrl;

    public string? StateFile { get; set; }

    public string? AdminTokenFile { get; set; }

    public string? Upstream { get; set; }

    public string? Slot { get; set; }

    public string? Release { get; set; }

    /// <summary>How long a forwarded request or WebSocket may go without any data either way (the board's socket is pinged every 20 s).</summary>
    public TimeSpan ActivityTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a switch waits for the target's GET /readyz.</summary>
    public TimeSpan ReadyTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>On SIGTERM: how long requests in flight may take to finish before their connections are closed.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public Uri PublicUri => new(PublicUrl!);

    public Uri AdminUri => new(AdminUrl);

    /// <summary>Binds section Proxy, fills the defaults from section Ms5 and returns the problems, each naming its setting.</summary>
    public static (ProxyOptions Options, IReadOnlyList<string> Problems) Load(IConfiguration configuration)
    {
        ProxyOptions o;
        try
        {
            o = configuration.GetSection(Section).Get<ProxyOptions>() ?? new ProxyOptions();
        }
        catch (InvalidOperationException ex)
        {
            // The binder's message names the setting ("Failed to convert configuration value at 'Proxy:ReadyTimeout' ...").
            return (new ProxyOptions(), [ex.Message]);
        }

        var ms5 = configuration.GetSection(Ms5Settings.Section);
        o.PublicUrl = NonEmpty(o.PublicUrl) ?? NonEmpty(ms5["ApiUrl"]) ?? DefaultPublicUrl;
        var home = NonEmpty(ms5["Home"]);
        o.StateFile = NonEmpty(o.StateFile) ?? (home is null ? null : Path.Combine(home, "run", "proxy.json"));
        o.AdminTokenFile = NonEmpty(o.AdminTokenFile) ?? (home is null ? null : Path.Combine(home, "secrets", "proxy-admin.token"));
        var tls = NonEmpty(ms5["TlsCertFile"]) is not null && NonEmpty(ms5["TlsKeyFile"]) is not null;
        return (o, o.Validate(tls).ToList());
    }

    private IEnumerable<string> Validate(bool tls)
    {
        var publicProblem = ListenerProblem(PublicUrl!);
        if (publicProblem is not null)
        {
            yield return $"{Section}:PublicUrl (default MS5_API_URL): {publicProblem}, got '{PublicUrl}'";
        }
        else if (PublicUri.Scheme == Uri.UriSchemeHttps && !tls)
        {
            yield return $"{Section}:PublicUrl: '{PublicUrl}' is https, which needs MS5_TLS_CERT_FILE and MS5_TLS_KEY_FILE (PEM)";
        }

        if (ListenerProblem(AdminUrl) is { } adminProblem)
        {
            yield return $"{Section}:AdminUrl: {adminProblem}, got '{AdminUrl}'";
        }
        else if (AdminUri.Scheme != Uri.UriSchemeHttp || !IsLoopback(AdminUri))
        {
            yield return $"{Section}:AdminUrl must be http:// on a loopback address (127.0.0.1, [::1] or localhost): the switch must not be reachable from the network, got '{AdminUrl}'";
        }
        else if (publicProblem is null && AdminUri.Port == PublicUri.Port)
        {
            yield return $"{Section}:AdminUrl: port {AdminUri.Port} is the public port ({Section}:PublicUrl)";
        }

        if (StateFile is null)
        {
            yield return $"{Section}:StateFile: not set, and MS5_HOME (Ms5:Home) is not set to default it to $MS5_HOME/run/proxy.json";
        }

        if (AdminTokenFile is null)
        {
            yield return $"{Section}:AdminTokenFile: not set, and MS5_HOME (Ms5:Home) is not set to default it to $MS5_HOME/secrets/proxy-admin.token";
        }

        if (NonEmpty(Upstream) is { } upstream)
        {
            if (UpstreamUrlProblem(upstream) is { } p)
            {
                yield return $"{Section}:Upstream: {p}, got '{upstream}'";
            }

            if (SlotProblem(Slot) is { } s)
            {
                yield return $"{Section}:Slot: {s}";
            }

            if (ReleaseProblem(Release) is { } r)
            {
                yield return $"{Section}:Release: {r}";
            }
        }
        else if (NonEmpty(Slot) is not null || NonEmpty(Release) is not null)
        {
            yield return $"{Section}:Upstream: required when {Section}:Slot or {Section}:Release is given";
        }

        foreach (var (name, value) in new[] { ("ActivityTimeout", ActivityTimeout), ("ReadyTimeout", ReadyTimeout), ("ShutdownTimeout", ShutdownTimeout) })
        {
            if (value <= TimeSpan.Zero)
            {
                yield return $"{Section}:{name} must be a positive time span (e.g. 00:00:30), got '{value}'";
            }
        }
    }

    /// <summary>Why <paramref name="url"/> cannot be an upstream (absolute http/https, no query or fragment), or null.</summary>
    public static string? UpstreamUrlProblem(string? url) =>
        !Uri.TryCreate(url, UriKind.Absolute, out var u) || (u.Scheme != Uri.UriSchemeHttp && u.Scheme != Uri.UriSchemeHttps)
            ? "must be an absolute http:// or https:// URL"
            : u.Query.Length > 0 || u.Fragment.Length > 0 || u.UserInfo.Length > 0 ? "must have no query, fragment or user info" : null;

    /// <summary>The form every upstream URL is compared and stored in: scheme://host:port[/path], no trailing slash.</summary>
    public static string NormalizeUpstream(string url) => new Uri(url, UriKind.Absolute).GetLeftPart(UriPartial.Path).TrimEnd('/');

    public static string? SlotProblem(string? slot) =>
        slot is null || !SlotPattern().IsMatch(slot) ? $"must be 1 to 32 characters of a-z, 0-9 and '-' (e.g. blue, green), got '{slot}'" : null;

    public static string? ReleaseProblem(string? release) =>
        release is { Length: > 200 } || release?.Any(char.IsControl) == true ? "must be at most 200 characters without control characters" : null;

    private static string? ListenerProblem(string url) =>
        !Uri.TryCreate(url, UriKind.Absolute, out var u) || (u.Scheme != Uri.UriSchemeHttp && u.Scheme != Uri.UriSchemeHttps)
            ? "must be an absolute http:// or https:// URL"
            : u.IsDefaultPort && !url.Contains($":{u.Port}", StringComparison.Ordinal) ? "must name its port (e.g. http://127.0.0.1:8080)"
            : u.AbsolutePath != "/" || u.Query.Length > 0 ? "must have no path or query" : null;

    private static bool IsLoopback(Uri u) =>
        string.Equals(u.Host, "localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(u.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    private static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    [GeneratedRegex("^[a-z0-9-]{1,32}$")]
    private static partial Regex SlotPattern();
}
