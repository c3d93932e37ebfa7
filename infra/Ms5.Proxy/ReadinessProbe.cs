using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Ms5.Proxy;

/// <summary>GET {url}/readyz before a switch: only an upstream answering 200 within Proxy:ReadyTimeout is switched to.</summary>
internal sealed class ReadinessProbe(ProxyOptions options)
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, ConnectTimeout = options.ReadyTimeout })
    {
        Timeout = options.ReadyTimeout,
    };

    /// <summary>Null when ready; else what it answered or why it did not.</summary>
    public async Task<string?> ProblemAsync(string url, string path, CancellationToken ct)
    {
        var target = $"{url}/{path}";
        try
        {
            using var response = await _http.GetAsync(new Uri(target), HttpCompletionOption.ResponseHeadersRead, ct);
            return response.StatusCode == System.Net.HttpStatusCode.OK ? null : $"GET {target} answered {(int)response.StatusCode} {response.ReasonPhrase}";
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return $"GET {target} did not answer within {options.ReadyTimeout.TotalSeconds:0.#} s";
        }
        catch (HttpRequestException ex)
        {
            return $"GET {target} failed: {ex.Message}";
        }
    }
}

/// <summary>The proxy's own /readyz: ready while the active upstream answers /healthz (the API's /readyz reports its own dependencies).</summary>
internal sealed class UpstreamHealthCheck(Switchboard switchboard, ReadinessProbe probe) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (switchboard.State.Active is not { } active)
        {
            return HealthCheckResult.Unhealthy("no active upstream");
        }

        return await probe.ProblemAsync(active.Url, "healthz", cancellationToken) is { } problem
            ? HealthCheckResult.Unhealthy($"{active.Slot}: {problem}")
            : HealthCheckResult.Healthy();
    }
}
