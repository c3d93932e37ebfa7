using Microsoft.Extensions.Configuration;
using Ms5.ServiceDefaults;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ms5.Alertmanager;

/// <summary>One alert in Alertmanager's v2 API shape. Labels identify it; a past <see cref="EndsAt"/> resolves it.</summary>
public sealed record Alert(
    [property: JsonPropertyName("labels")] IReadOnlyDictionary<string, string> Labels,
    [property: JsonPropertyName("annotations")] IReadOnlyDictionary<string, string> Annotations,
    [property: JsonPropertyName("startsAt")] DateTimeOffset StartsAt,
    [property: JsonPropertyName("endsAt")] DateTimeOffset EndsAt,
    [property: JsonPropertyName("generatorURL")] string GeneratorUrl);

/// <summary>An alert as Alertmanager reports it (GET /api/v2/alerts).</summary>
public sealed record AlertState(IReadOnlyDictionary<string, string> Labels, IReadOnlyDictionary<string, string> Annotations, DateTimeOffset StartsAt, DateTimeOffset EndsAt, string State);

/// <summary>Thin client of Alertmanager's v2 API; errors surface as <see cref="HttpRequestException"/>.</summary>
public sealed class AlertmanagerClient(HttpClient http)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>MS5_ALERTMANAGER_URL, else the local stack's Alertmanager.</summary>
    public static Uri UrlFromEnvironment() => UrlFrom(Ms5Settings.Current());

    /// <summary><c>Ms5:AlertmanagerUrl</c> (MS5_ALERTMANAGER_URL), else the local stack's Alertmanager.</summary>
    public static Uri UrlFrom(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return new(configuration[$"{Ms5Settings.Section}:AlertmanagerUrl"] is { Length: > 0 } u ? u.TrimEnd('/') + "/" : "http://127.0.0.1:59093/");
    }

    public async Task PostAsync(IReadOnlyList<Alert> alerts, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        if (alerts.Count == 0)
        {
            return;
        }

        using var response = await http.PostAsJsonAsync(new Uri("api/v2/alerts", UriKind.Relative), alerts, Json, ct);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(ct);
            throw new HttpRequestException($"Alertmanager refused {alerts.Count} alert(s): {(int)response.StatusCode} {body.Trim()}", null, response.StatusCode);
        }
    }

    /// <summary>The alerts Alertmanager holds, optionally filtered by label matchers such as <c>alertname="MS5Andon"</c>.</summary>
    public async Task<List<AlertState>> GetAsync(IEnumerable<string>? filters = null, CancellationToken ct = default)
    {
        var query = string.Join("&", (filters ?? []).Select(f => "filter=" + Uri.EscapeDataString(f)));
        using var doc = JsonDocument.Parse(await http.GetStringAsync(new Uri("api/v2/alerts" + (query.Length > 0 ? "?" + query : ""), UriKind.Relative), ct));
        var list = new List<AlertState>();
        foreach (var a in doc.RootElement.EnumerateArray())
        {
            static Dictionary<string, string> Map(JsonElement e) => e.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "", StringComparer.Ordinal);
            list.Add(new AlertState(Map(a.GetProperty("labels")), Map(a.GetProperty("annotations")), a.GetProperty("startsAt").GetDateTimeOffset(), a.GetProperty("endsAt").GetDateTimeOffset(),
                a.GetProperty("status").GetProperty("state").GetString() ?? ""));
        }

        return list;
    }

    /// <summary>Throws unless Alertmanager answers its readiness endpoint (<c>-/ready</c>).</summary>
    public async Task ReadyAsync(CancellationToken ct = default)
    {
        using var response = await http.GetAsync(new Uri("-/ready", UriKind.Relative), ct);
        response.EnsureSuccessStatusCode();
    }
}
