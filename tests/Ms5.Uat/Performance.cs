using System.Diagnostics;
using System.Net;
using static Ms5.Uat.UatContext;

namespace Ms5.Uat;

/// <summary>
/// Concurrent load on the main read endpoints: <see cref="Workers"/> workers for <see cref="Duration"/> per endpoint,
/// each with an API key of its own (scope read): the API limits requests per identity (50/s sustained, bursts of 200
/// by default), so each worker paces itself under that and the figures measure the API, not the limiter. Passes
/// when p95 &lt; 250 ms, more than 100 requests/s and no request failed.
/// </summary>
internal sealed class Performance(TimeSpan duration, int workers)
{
    public const double MaxP95Ms = 250, MinRequestsPerSecond = 100;
    private const double PerKeyPerSecond = 45;

    public TimeSpan Duration { get; } = duration;
    public int Workers { get; } = workers;
    public List<PerfFigure> Figures { get; } = [];
    private List<HttpClient>? _clients;

    public IReadOnlyList<UatCase> Cases(UatContext c)
    {
        var endpoints = new[]
        {
            "/api/oee/live", "/api/machines", "/api/andon?active=true",
            $"/api/oee?line={c.Line1}&from={Ts(c.T0)}&to={Ts(c.T0.AddMinutes(10))}",
        };
        return endpoints.Select(e => new UatCase($"GET {e.Split('?')[0]}{(e.Contains('?', StringComparison.Ordinal) ? "?" + e.Split('?')[1].Split('&')[0].Split('=')[0] + "=…" : "")}: p95 < 250 ms, > 100 requests/s", () => RunAsync(c, e))).ToList();
    }

    private async Task RunAsync(UatContext c, string path)
    {
        if (_clients is null)
        {
            var clients = new List<HttpClient>();
            for (var i = 0; i < Workers; i++)
            {
                clients.Add(c.Client(await c.CreateKeyAsync($"load-{i}", "read")));
            }

            _clients = clients;
        }

        var latencies = new List<double>[Workers];
        var errors = new int[Workers];
        var firstError = new string?[Workers];
        var uri = new Uri(path, UriKind.Relative);
        var total = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Workers).Select(w => Task.Run(async () =>
        {
            var mine = latencies[w] = [];
            var client = _clients[w];
            var started = Stopwatch.StartNew();
            while (started.Elapsed < Duration)
            {
                // Stay under the per-key rate: request n may start at n / PerKeyPerSecond seconds.
                var due = TimeSpan.FromSeconds(mine.Count / PerKeyPerSecond);
                if (due > started.Elapsed)
                {
                    await Task.Delay(due - started.Elapsed);
                }

                var sw = Stopwatch.StartNew();
                try
                {
                    using var resp = await client.GetAsync(uri, HttpCompletionOption.ResponseContentRead);
                    sw.Stop();
                    if (resp.StatusCode != HttpStatusCode.OK)
                    {
                        errors[w]++;
                        firstError[w] ??= $"{(int)resp.StatusCode} {Short(await resp.Content.ReadAsStringAsync())}";
                    }
                }
                catch (HttpRequestException ex)
                {
                    sw.Stop();
                    errors[w]++;
                    firstError[w] ??= ex.Message;
                }

                mine.Add(sw.Elapsed.TotalMilliseconds);
            }
        })));
        total.Stop();
        var all = latencies.SelectMany(l => l).Order().ToArray();
        var figure = new PerfFigure(path, Workers, all.Length, errors.Sum(), Percentile(all, 50), Percentile(all, 95), Percentile(all, 99), all.Length / total.Elapsed.TotalSeconds);
        Figures.Add(figure);
        Console.WriteLine(FormattableString.Invariant($"      {path}: {figure.Requests} requests, {figure.Errors} errors, p50 {figure.P50Ms:0.0} ms, p95 {figure.P95Ms:0.0} ms, p99 {figure.P99Ms:0.0} ms, {figure.RequestsPerSecond:0.0} requests/s"));
        Check(figure.Errors == 0, $"{figure.Errors} of {figure.Requests} requests failed, first: {firstError.FirstOrDefault(e => e is not null)}");
        Check(figure.P95Ms < MaxP95Ms, FormattableString.Invariant($"p95 {figure.P95Ms:0.0} ms ≥ {MaxP95Ms} ms"));
        Check(figure.RequestsPerSecond > MinRequestsPerSecond, FormattableString.Invariant($"{figure.RequestsPerSecond:0.0} requests/s ≤ {MinRequestsPerSecond}"));
    }

    /// <summary>Nearest-rank percentile of sorted values (0 when none).</summary>
    internal static double Percentile(double[] sorted, double p)
    {
        if (sorted.Length == 0)
        {
            return 0;
        }

        var rank = (int)Math.Ceiling(p / 100 * sorted.Length);
        return sorted[Math.Clamp(rank, 1, sorted.Length) - 1];
    }
}
