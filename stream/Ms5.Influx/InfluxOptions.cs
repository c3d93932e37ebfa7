using Microsoft.Extensions.Configuration;
using Ms5.ServiceDefaults;

namespace Ms5.Influx;

/// <summary>
/// InfluxDB v1 HTTP API location (MS5_INFLUX_URL, MS5_INFLUX_DB; optional MS5_INFLUX_TOKEN for 2.x/3.x, or
/// MS5_INFLUX_TOKEN_FILE: a file holding it, so the token stays out of environment files).
/// </summary>
public sealed class InfluxOptions
{
    public Uri Url { get; set; } = new("http://127.0.0.1:58086");
    public string Database { get; set; } = "ms5";
    public string? Token { get; set; }

    /// <summary>From the MS5_* variables (tools and tests outside a host).</summary>
    public static InfluxOptions FromEnvironment() => FromConfiguration(Ms5Settings.Current());

    /// <summary><c>Ms5:InfluxUrl</c>, <c>Ms5:InfluxDb</c>, <c>Ms5:InfluxToken</c> (MS5_INFLUX_*), else the local stack's.</summary>
    public static InfluxOptions FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var s = configuration.GetSection(Ms5Settings.Section);
        var url = s["InfluxUrl"] is { Length: > 0 } u ? u : "http://127.0.0.1:58086";
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new InvalidOperationException($"Ms5:InfluxUrl (MS5_INFLUX_URL) must be an http(s) URL, got '{url}'");
        }

        return new()
        {
            Url = uri,
            Database = s["InfluxDb"] is { Length: > 0 } d ? d : "ms5",
            Token = s["InfluxToken"] is { Length: > 0 } t ? t : s["InfluxTokenFile"] is { Length: > 0 } f ? ReadToken(f) : null,
        };
    }

    private static string ReadToken(string file) =>
        File.Exists(file)
            ? File.ReadAllText(file).Trim() is { Length: > 0 } token ? token : throw new InvalidOperationException($"Ms5:InfluxTokenFile (MS5_INFLUX_TOKEN_FILE): '{file}' is empty")
            : throw new InvalidOperationException($"Ms5:InfluxTokenFile (MS5_INFLUX_TOKEN_FILE): no file '{file}'");
}
