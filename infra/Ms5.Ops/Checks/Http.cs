using System.Net.Http.Headers;
using System.Text.Json;

namespace Ms5.Ops.Checks;

/// <summary>The HTTP calls the checks make: status and body, the admin key as X-Api-Key where the API needs it.</summary>
internal sealed class Http(HttpClient client, string? apiToken)
{
    public HttpClient Client => client;

    public string? ApiToken => apiToken;

    public async Task<(int Status, string Body)> GetAsync(Uri url, CancellationToken ct, bool withToken = false)
    {
        using var req = new HttpRequestMessage(HttpMethod.Get, url);
        return await SendAsync(req, ct, withToken);
    }

    public async Task<(int Status, string Body)> SendAsync(HttpRequestMessage req, CancellationToken ct, bool withToken = true)
    {
        ArgumentNullException.ThrowIfNull(req);
        if (withToken && apiToken is { } t)
        {
            req.Headers.Add("X-Api-Key", t);
        }

        req.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var resp = await client.SendAsync(req, ct);
        return ((int)resp.StatusCode, await resp.Content.ReadAsStringAsync(ct));
    }

    public async Task<JsonDocument> GetJsonAsync(Uri url, string what, CancellationToken ct, bool withToken = false)
    {
        var (status, body) = await GetAsync(url, ct, withToken);
        if (status != 200)
        {
            throw new InvalidOperationException($"{what}: GET {url.AbsolutePath} answered {status}: {body}");
        }

        return JsonDocument.Parse(body);
    }
}
