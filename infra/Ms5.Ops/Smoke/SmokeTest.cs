using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Ms5.Analytics.Events;
using Ms5.Ops.Checks;

namespace Ms5.Ops.Smoke;

/// <summary>One leg of the synthetic event's way: how long after ingest it was seen there, or why not.</summary>
internal sealed record SmokeLeg(string Name, CheckStatus Status, long Ms, string Detail);

/// <summary>
/// Check 9 and <c>Ms5.Ops smoke</c>: a temporary plant through POST /api/plants, a state event and a count event
/// through POST /api/ingest/events, then, concurrently, the historian (GET /api/events?machine=), the OEE API
/// (GET /api/oee counts the parts) and the live feed (/ws sends the machine's state) are watched until each shows
/// them; the plant is deleted at the end whatever happened (DELETE /api/plants/{id}).
/// </summary>
internal sealed class SmokeTest(Http http, Uri api)
{
    public const long Good = 5;
    public const long Reject = 1;

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);

    public async Task<IReadOnlyList<SmokeLeg>> RunAsync(TimeSpan timeout, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        var plant = SmokePlant.New();
        var legs = new List<SmokeLeg>();
        var watch = Stopwatch.StartNew();
        // Cleared once the API has answered the POST with anything but 201: then there is nothing to delete.
        var mayExist = true;
        try
        {
            var (status, body) = await SendAsync(HttpMethod.Post, "/api/plants", plant.ToJson(), cts.Token);
            legs.Add(Leg("plant", status == 201, watch, status == 201 ? $"{plant.PlantId} created" : $"POST /api/plants answered {status}: {body}"));
            if (status != 201)
            {
                mayExist = false;
                return legs;
            }

            await using var socket = await LiveSocket.ConnectAsync(api, http.ApiToken, plant.LineId, cts.Token);
            using (await socket.ReceiveAsync(cts.Token))
            {
                // The hello frame: the subscription is in place before the events exist.
            }

            var now = DateTimeOffset.UtcNow;
            var state = MachineEvent.StateChange(Guid.CreateVersion7(), plant.MachineId, now.AddSeconds(-2), MachineState.Running);
            var count = MachineEvent.Counts(Guid.CreateVersion7(), plant.MachineId, now.AddSeconds(-1), Good, Reject);
            watch.Restart();
            (status, body) = await SendAsync(HttpMethod.Post, "/api/ingest/events", $"[{EventJson.ToJson(state)},{EventJson.ToJson(count)}]", cts.Token);
            legs.Add(Leg("ingest", status == 200, watch, status == 200 ? "state + count accepted" : $"POST /api/ingest/events answered {status}: {body}"));
            if (status != 200)
            {
                return legs;
            }

            var sent = watch.Elapsed;
            legs.AddRange(await Task.WhenAll(
                WatchAsync("historian", sent, () => HistorianHasAsync(plant.MachineId, [state.EventId, count.EventId], cts.Token), cts.Token),
                WatchAsync("oee", sent, () => OeeCountsAsync(plant.MachineId, now, cts.Token), cts.Token),
                WatchAsync("board", sent, () => BoardShowsAsync(socket, plant.MachineId, cts.Token), cts.Token)));
            return legs;
        }
        catch (Exception ex) when (ex is HttpRequestException or System.Net.WebSockets.WebSocketException || ex is OperationCanceledException && !ct.IsCancellationRequested)
        {
            legs.Add(new SmokeLeg("smoke", CheckStatus.Fail, watch.ElapsedMilliseconds, ex is OperationCanceledException
                ? $"timed out after {timeout.TotalSeconds:0} s" : CheckRunner.Describe(ex)));
            return legs;
        }
        finally
        {
            if (mayExist)
            {
                legs.Add(await DeleteAsync(plant));
            }
        }
    }

    /// <summary>The run as one check row: PASS when every leg passed; the detail lists each leg's time.</summary>
    public static CheckOutcome Summarize(IReadOnlyList<SmokeLeg> legs)
    {
        ArgumentNullException.ThrowIfNull(legs);
        var failed = legs.Where(l => l.Status != CheckStatus.Pass).ToList();
        return failed.Count == 0
            ? CheckOutcome.Pass(string.Join(", ", legs.Select(l => string.Create(CultureInfo.InvariantCulture, $"{l.Name} {l.Ms} ms"))))
            : CheckOutcome.Fail(string.Join("; ", failed.Select(l => $"{l.Name}: {l.Detail}")));
    }

    private async Task<SmokeLeg> DeleteAsync(SmokePlant plant)
    {
        var watch = Stopwatch.StartNew();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            var (status, body) = await SendAsync(HttpMethod.Delete, $"/api/plants/{Uri.EscapeDataString(plant.PlantId)}", null, cts.Token);
            // 404: the plant was never created (its POST failed): nothing left behind.
            return Leg("cleanup", status is 204 or 200 or 404, watch, status is 204 or 200 ? $"{plant.PlantId} deleted" : status == 404 ? "nothing to delete" : $"DELETE /api/plants/{plant.PlantId} answered {status}: {body}");
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            return Leg("cleanup", false, watch, $"DELETE /api/plants/{plant.PlantId} failed: {CheckRunner.Describe(ex)} (remove it by hand)");
        }
    }

    private static async Task<SmokeLeg> WatchAsync(string name, TimeSpan offset, Func<Task<string?>> seen, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        string? last = null;
        try
        {
            while (true)
            {
                last = await seen();
                if (last is null)
                {
                    return new SmokeLeg(name, CheckStatus.Pass, (long)(offset + watch.Elapsed).TotalMilliseconds, "seen");
                }

                await Task.Delay(Poll, ct);
            }
        }
        catch (OperationCanceledException)
        {
            return new SmokeLeg(name, CheckStatus.Fail, (long)(offset + watch.Elapsed).TotalMilliseconds, $"not seen in time ({last ?? "no answer"})");
        }
        catch (Exception ex) when (ex is HttpRequestException or System.Net.WebSockets.WebSocketException or JsonException)
        {
            return new SmokeLeg(name, CheckStatus.Fail, (long)(offset + watch.Elapsed).TotalMilliseconds, CheckRunner.Describe(ex));
        }
    }

    /// <summary>Null when both events are in the historian, else what is missing.</summary>
    private async Task<string?> HistorianHasAsync(string machine, Guid[] ids, CancellationToken ct)
    {
        var (status, body) = await SendAsync(HttpMethod.Get, $"/api/events?machine={Uri.EscapeDataString(machine)}", null, ct);
        if (status != 200)
        {
            return $"GET /api/events answered {status}: {CheckRunner.OneLine(body, 200)}";
        }

        var missing = ids.Where(id => !body.Contains(id.ToString("D"), StringComparison.OrdinalIgnoreCase)).ToList();
        return missing.Count == 0 ? null : $"{missing.Count} of 2 events not in GET /api/events yet";
    }

    /// <summary>Null when the OEE API counts exactly the parts sent, else what it counts.</summary>
    private async Task<string?> OeeCountsAsync(string machine, DateTimeOffset at, CancellationToken ct)
    {
        var from = new DateTimeOffset(at.Ticks - (at.Ticks % TimeSpan.TicksPerMinute), TimeSpan.Zero).AddMinutes(-1);
        var to = from.AddMinutes(3);
        var (status, body) = await SendAsync(HttpMethod.Get, $"/api/oee?machine={Uri.EscapeDataString(machine)}&from={Timestamps.Format(from)}&to={Timestamps.Format(to)}", null, ct);
        if (status != 200)
        {
            return $"GET /api/oee answered {status}: {CheckRunner.OneLine(body, 200)}";
        }

        using var doc = JsonDocument.Parse(body);
        long good = 0, reject = 0;
        foreach (var g in doc.RootElement.GetProperty("groups").EnumerateArray())
        {
            good += g.GetProperty("goodCount").GetInt64();
            reject += g.GetProperty("rejectCount").GetInt64();
        }

        return good == Good && reject == Reject ? null : $"GET /api/oee counts {good} good, {reject} reject of {Good}, {Reject}";
    }

    /// <summary>Null once the live feed sent a frame about the machine.</summary>
    private static async Task<string?> BoardShowsAsync(LiveSocket socket, string machine, CancellationToken ct)
    {
        while (true)
        {
            using var frame = await socket.ReceiveAsync(ct);
            if (frame is null)
            {
                throw new System.Net.WebSockets.WebSocketException("the live feed closed before the machine's update");
            }

            if (frame.RootElement.GetRawText().Contains($"\"{machine}\"", StringComparison.Ordinal))
            {
                return null;
            }
        }
    }

    private async Task<(int Status, string Body)> SendAsync(HttpMethod method, string path, string? json, CancellationToken ct)
    {
        using var req = new HttpRequestMessage(method, new Uri(api, path));
        if (json is not null)
        {
            req.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        return await http.SendAsync(req, ct);
    }

    private static SmokeLeg Leg(string name, bool ok, Stopwatch watch, string detail) =>
        new(name, ok ? CheckStatus.Pass : CheckStatus.Fail, watch.ElapsedMilliseconds, detail);
}
