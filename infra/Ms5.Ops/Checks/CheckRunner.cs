using System.Diagnostics;
using System.Net.Sockets;

namespace Ms5.Ops.Checks;

/// <summary>
/// Runs checks concurrently, each under its own timeout; a check that throws or overruns is a FAIL with the reason,
/// never a crash of the run. Results come back in the order the checks were given.
/// </summary>
internal static class CheckRunner
{
    public static async Task<IReadOnlyList<CheckResult>> RunAsync(IReadOnlyList<Check> checks, TimeSpan timeout, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(checks);
        return await Task.WhenAll(checks.Select(c => RunOneAsync(c, timeout, ct)));
    }

    public static async Task<CheckResult> RunOneAsync(Check check, TimeSpan timeout, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(check);
        var watch = Stopwatch.StartNew();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        CheckOutcome outcome;
        try
        {
            // Task.Run: a check that blocks synchronously (a client library's connect) cannot hold up the others.
            outcome = await Task.Run(() => check.RunAsync(cts.Token), cts.Token).WaitAsync(timeout + TimeSpan.FromSeconds(1), ct);
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException && !ct.IsCancellationRequested)
        {
            outcome = CheckOutcome.Fail($"timed out after {timeout.TotalSeconds:0.#} s");
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            outcome = CheckOutcome.Fail(Describe(ex));
        }

        return new CheckResult(check.Name, outcome.Status, watch.ElapsedMilliseconds, OneLine(outcome.Detail));
    }

    /// <summary>The innermost useful message: "Connection refused (127.0.0.1:1)" rather than a wrapper's text.</summary>
    public static string Describe(Exception ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        var inner = ex;
        while (inner.InnerException is { } next && inner is HttpRequestException or AggregateException)
        {
            inner = next;
        }

        return inner is SocketException s ? $"{s.Message} ({s.SocketErrorCode})" : inner.Message;
    }

    /// <summary>Details are one line: newlines become spaces, long texts are cut with an ellipsis.</summary>
    public static string OneLine(string text, int max = 400)
    {
        ArgumentNullException.ThrowIfNull(text);
        var line = string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return line.Length <= max ? line : line[..(max - 1)] + "…";
    }
}
