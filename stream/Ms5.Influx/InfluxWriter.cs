using System.Net.Http.Headers;
using System.Text;

namespace Ms5.Influx;

/// <summary>POSTs line-protocol batches to /write and reads back with /query (InfluxQL).</summary>
public sealed class InfluxWriter(HttpClient http, InfluxOptions options)
{
    public InfluxOptions Options => options;

    /// <summary>Writes one batch; throws <see cref="InfluxWriteException"/> with the server's reason on failure.</summary>
    public async Task WriteAsync(string lines, CancellationToken ct = default)
    {
        using var req = new HttpRequestMessage(HttpMethod.Post, new Uri(options.Url, $"/write?db={Uri.EscapeDataString(options.Database)}&precision=ns"))
        {
            Content = new StringContent(lines, Encoding.UTF8, "text/plain"),
        };
        Authorize(req);
        using var resp = await http.SendAsync(req, ct);
        if (!resp.IsSuccessStatusCode)
        {
            var body = await resp.Content.ReadAsStringAsync(ct);
            throw new InfluxWriteException((int)resp.StatusCode, body);
        }
    }

    public async Task<string> QueryAsync(string influxQl, CancellationToken ct = default)
    {
        using var req = new HttpRequestMessage(HttpMethod.Post, new Uri(options.Url, "/query"))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["db"] = options.Database, ["q"] = influxQl }),
        };
        Authorize(req);
        using var resp = await http.SendAsync(req, ct);
        var body = await resp.Content.ReadAsStringAsync(ct);
        if (!resp.IsSuccessStatusCode)
        {
            throw new InfluxWriteException((int)resp.StatusCode, body);
        }

        return body;
    }

    public async Task<bool> PingAsync(CancellationToken ct = default)
    {
        try
        {
            using var resp = await http.GetAsync(new Uri(options.Url, "/ping"), ct);
            return resp.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private void Authorize(HttpRequestMessage req)
    {
        if (options.Token is { } t)
        {
            req.Headers.Authorization = new AuthenticationHeaderValue("Token", t);
        }
    }
}

public sealed class InfluxWriteException(int status, string body) : Exception($"InfluxDB answered {status}: {body.Trim()}")
{
    public int Status { get; } = status;

    /// <summary>4xx other than 429 means the data itself was refused; retrying the same bytes will not help.</summary>
    public bool IsPermanent => Status is >= 400 and < 500 and not 429 and not 408;
}
