using System.Diagnostics;
using System.Net;
using System.Text.Json;
using static Ms5.Uat.UatContext;

namespace Ms5.Uat;

/// <summary>Runs setup (the temporary plant and the scenario), the selected areas, and cleanup (always), timing each case.</summary>
internal static class UatRunner
{
    public static async Task<UatReport> RunAsync(Uri baseUrl, string token, Uri? alertmanager, IReadOnlyCollection<string> selected, Performance performance)
    {
        using var c = new UatContext(baseUrl, token, alertmanager);
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var results = new List<CaseResult>();
        Console.WriteLine($"MS5 UAT against {baseUrl} — run {c.RunId}, plant {c.PlantId}");
        try
        {
            await RunAreaAsync(results, "setup",
            [
                new("create the temporary plant (2 lines × 2 machines) with POST /api/plants", async () =>
                {
                    var created = await SendAsync(c.Admin, HttpMethod.Post, "/api/plants", c.PlantFile().ToJsonString(), HttpStatusCode.Created);
                    c.PlantCreated = true;
                    Equal((c.PlantId, true), (created.GetProperty("plantId").GetString(), created.GetProperty("temporary").GetBoolean()), "POST /api/plants answer");
                }),
                new("send the OEE scenario of machine m1 (11 events, 30 minutes ago)", async () =>
                {
                    await c.IngestAsync(Areas.Scenario(c));
                    c.ScenarioSent = true;
                }),
            ]);
            foreach (var area in Areas.All.Where(a => selected.Count == 0 || selected.Contains(a.Name)))
            {
                await RunAreaAsync(results, area.Name, area.Cases(c, performance));
            }
        }
        finally
        {
            await RunAreaAsync(results, "cleanup",
            [
                new("delete the plant with all its data, the users and the API keys", async () =>
                {
                    var problems = await c.CleanUpAsync();
                    Check(problems.Count == 0, string.Join("\n", problems));
                }),
                new("nothing left behind: no plant, machine, user or valid key of this run", async () =>
                {
                    await SendAsync(c.Admin, HttpMethod.Get, $"/api/plant?plant={c.PlantId}", null, HttpStatusCode.NotFound);
                    var machines = Items(await c.GetAsync("/api/machines")).EnumerateArray().Where(m => m.GetProperty("plantId").GetString() == c.PlantId).ToList();
                    Check(machines.Count == 0, $"machines left: {machines.Count}");
                    var users = Items(await c.GetAsync("/api/users")).EnumerateArray().Where(u => u.GetProperty("userName").GetString()!.StartsWith(c.PlantId, StringComparison.Ordinal)).ToList();
                    Check(users.Count == 0, $"users left: {string.Join(", ", users.Select(u => u.GetProperty("userName").GetString()))}");
                    var keys = Items(await c.GetAsync("/api/apikeys")).EnumerateArray()
                        .Where(k => k.GetProperty("name").GetString()!.StartsWith(c.PlantId, StringComparison.Ordinal) && k.GetProperty("active").GetBoolean()).ToList();
                    Check(keys.Count == 0, $"valid API keys left: {string.Join(", ", keys.Select(k => k.GetProperty("name").GetString()))}");
                }),
            ]);
        }

        return new UatReport(baseUrl.ToString(), c.RunId, started, clock.Elapsed, results, performance.Figures);
    }

    /// <summary>Null when the deployment answers and the token is an admin's; else what is wrong (a revoked key, a wrong URL).</summary>
    public static async Task<string?> PreflightAsync(Uri baseUrl, string token)
    {
        using var client = NewClient(baseUrl, token);
        try
        {
            using var resp = await client.GetAsync(new Uri("/api/auth/me", UriKind.Relative));
            var text = await resp.Content.ReadAsStringAsync();
            if (resp.StatusCode != HttpStatusCode.OK)
            {
                return $"the admin token is not accepted by {baseUrl}: GET /api/auth/me answered {(int)resp.StatusCode} {Short(text)}";
            }

            var me = JsonDocument.Parse(text).RootElement;
            var admin = me.GetProperty("roles").EnumerateArray().Concat(me.GetProperty("scopes").EnumerateArray()).Any(r => r.GetString() == "admin");
            return admin ? null : $"the token is {me.GetProperty("name").GetString()}'s, without role or scope admin: the UAT needs an admin API key";
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException)
        {
            return $"{baseUrl} does not answer as the MS5 API: {ex.Message}";
        }
    }

    private static async Task RunAreaAsync(List<CaseResult> results, string area, IReadOnlyList<UatCase> cases)
    {
        Console.WriteLine($"\n{area}");
        foreach (var uc in cases)
        {
            var sw = Stopwatch.StartNew();
            string? failure = null;
            try
            {
                await uc.Run();
            }
            catch (UatFailure ex)
            {
                failure = ex.Message;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or InvalidOperationException or KeyNotFoundException
                or System.Net.WebSockets.WebSocketException or FormatException or IndexOutOfRangeException or ArgumentException)
            {
                failure = $"{ex.GetType().Name}: {ex.Message}\n{ex.StackTrace}";
            }

            sw.Stop();
            results.Add(new CaseResult(area, uc.Name, failure is null, sw.Elapsed, failure));
            Console.WriteLine(FormattableString.Invariant($"  {(failure is null ? "PASS" : "FAIL")}  {uc.Name} ({sw.Elapsed.TotalSeconds:0.00} s){(failure is null ? "" : "\n        " + failure.Split('\n')[0])}"));
        }
    }
}
