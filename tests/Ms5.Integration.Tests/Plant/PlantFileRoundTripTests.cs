using System.Net;
using System.Text;
using System.Text.Json;
using Ms5.Analytics.Plant;
using Ms5.Integration.Tests.Api;
using Ms5.Integration.Tests.Support;

namespace Ms5.Integration.Tests.Plant;

/// <summary>
/// GET /api/plant returns a plant file that <c>migrate --plant FILE</c> (what <c>./ms5 up --plant FILE</c> runs) takes back
/// as the same plant; and loading a plant file again never silently throws away edits made through the API.
/// </summary>
[Collection("stack-oee")]
public sealed class PlantFileRoundTripTests(StackFixture stack) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ms5-plantcfg-").FullName;

    private const string OtherPlant = """
        // A plant with what the demo lacks: several time-zone shifts, reports, products, an inactive machine, an ideal cycle history.
        { "plantId": "pc-rt", "name": "Round trip", "timeZone": "America/Chicago",
          "oee": { "microStopSeconds": 60, "target": 0.7 },
          "reasonCodes": [ { "code": "jam", "category": "unplanned", "description": "Jam" }, { "code": "warm", "category": "startup" } ],
          "shifts": [ { "name": "day", "days": ["Mon","Tue","Wed","Thu","Fri"], "start": "07:00", "end": "19:00", "breaks": [ { "start": "12:00", "end": "12:30" } ] } ],
          "holidays": ["2026-12-24"],
          "extraWorkingDays": [ { "date": "2026-12-19", "shifts": ["day"] } ],
          "plannedMaintenance": [ { "start": "2026-12-01T08:00:00Z", "end": "2026-12-01T09:00:00Z", "note": "filters" } ],
          "reports": { "email": true, "recipients": ["plant@example.com"] },
          "lines": [ { "id": "pcrt-l1", "name": "Cutting", "oeeTarget": 0.65, "reportRecipients": ["cut@example.com"], "machines": [
              { "id": "pcrt-m1", "idealCycleSeconds": 1.5, "products": { "A": 1.2 }, "countMode": "cumulative", "reasonCodes": ["jam"],
                "idealCycleHistory": [ { "until": "2026-11-01T00:00:00Z", "idealCycleSeconds": 2.0, "products": { "A": 1.6 } } ] },
              { "id": "pcrt-m2", "name": "Old saw", "idealCycleSeconds": 4, "active": false } ] } ],
          "andon": { "escalationMinutes": [3, 6], "rules": [ { "id": "down", "kind": "stop", "states": ["down"], "seconds": 60 } ] } }
        """;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Task<(int ExitCode, string Output)> MigrateAsync(string file, bool replace = false) =>
        ChildProcess.RunAsync(Repo.HistorianDll, new Dictionary<string, string> { ["MS5_PG"] = stack.Pg }, TimeSpan.FromMinutes(2),
            replace ? ["migrate", "--plant", file, "--replace"] : ["migrate", "--plant", file]);

    private async Task<string> WriteAsync(string name, string content)
    {
        var path = Path.Combine(_dir, name);
        await File.WriteAllTextAsync(path, content);
        return path;
    }

    private static Uri U(string path) => new(path, UriKind.Relative);

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    [Fact]
    public async Task DemoPlant_FromTheApi_LoadsBackAsTheSamePlant()
    {
        await using var api = new ApiFactory(stack);
        var client = api.CreateClient();
        var original = PlantConfigParser.Parse(await File.ReadAllTextAsync(Repo.DemoPlant));

        var exported = await client.GetStringAsync(U("/api/plant?plant=demo"));
        Assert.Equal(PlantFingerprint.Of(original), PlantFingerprint.Of(PlantConfigParser.Parse(exported)));
        Assert.StartsWith("{\n  \"plantId\": \"demo\",\n  \"name\": \"MS5 Demo Plant\",\n  \"timeZone\"", exported.ReplaceLineEndings("\n"), StringComparison.Ordinal);

        var (exit, output) = await MigrateAsync(await WriteAsync("demo-export.json", exported), replace: true);
        Assert.True(exit == 0, output);
        Assert.Equal(PlantFingerprint.Of(original), PlantFingerprint.Of(PlantConfigParser.Parse(await client.GetStringAsync(U("/api/plant?plant=demo")))));
    }

    [Fact]
    public async Task AnotherPlant_EditedThroughTheApi_RoundTrips_AndARestartKeepsTheEdits_UntilTheFileChanges()
    {
        var file = await WriteAsync("pc-rt.json", OtherPlant);
        var (exit, output) = await MigrateAsync(file);
        Assert.True(exit == 0, output);
        Assert.Contains("plant 'pc-rt' loaded", output, StringComparison.Ordinal);
        Assert.Contains("is up to date", (await MigrateAsync(file)).Output, StringComparison.Ordinal);

        await using var api = new ApiFactory(stack);
        var client = api.CreateClient();
        Assert.Equal(PlantFingerprint.Of(PlantConfigParser.Parse(OtherPlant)), PlantFingerprint.Of(PlantConfigParser.Parse(await client.GetStringAsync(U("/api/plant?plant=pc-rt")))));

        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync(U("/api/machines"), Json("""{ "id": "pcrt-m3", "lineId": "pcrt-l1", "idealCycleSeconds": 3 }"""))).StatusCode);
        var put = await client.PutAsync(U("/api/machines/pcrt-m1"), Json("""{ "idealCycleSeconds": 1.25, "products": { "A": 1.0 }, "effectiveFrom": "2026-11-29T06:00:00Z" }"""));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var edited = await client.GetStringAsync(U("/api/plant?plant=pc-rt"));
        var m1 = PlantConfigParser.Parse(edited).Machines.Single(m => m.Id == "pcrt-m1");
        Assert.Equal([("2026-11-01T00:00:00.0000000+00:00", 2.0, 1.6), ("2026-11-29T06:00:00.0000000+00:00", 1.5, 1.2)],
            m1.IdealCycleHistory.Select(h => (h.Until.ToString("O"), h.Default.TotalSeconds, h.ByProduct["A"].TotalSeconds)).ToArray());
        Assert.Equal((1.25, 1.0), (m1.IdealCycleTime.TotalSeconds, m1.ProductCycleTimes["A"].TotalSeconds));

        // ./ms5 up with the same (default) file: the edits stay, and it says so.
        (exit, output) = await MigrateAsync(file);
        Assert.True(exit == 0, output);
        Assert.Contains("was edited through the API since pc-rt.json was loaded: kept the edits", output, StringComparison.Ordinal);
        Assert.Equal(edited, await client.GetStringAsync(U("/api/plant?plant=pc-rt")));

        // The exported file loads back as the same plant (history, inactive machine and all).
        (exit, output) = await MigrateAsync(await WriteAsync("pc-rt-export.json", edited), replace: true);
        Assert.True(exit == 0, output);
        Assert.Equal(PlantFingerprint.Of(PlantConfigParser.Parse(edited)), PlantFingerprint.Of(PlantConfigParser.Parse(await client.GetStringAsync(U("/api/plant?plant=pc-rt")))));

        // Edited again, then the original file changes: the file wins and says so; the API's machine keeps its row (inactive).
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync(U("/api/lines/pcrt-l1"), Json("""{ "name": "Cutting 2" }"""))).StatusCode);
        await File.WriteAllTextAsync(file, OtherPlant.Replace("\"Round trip\"", "\"Round trip v2\"", StringComparison.Ordinal));
        (exit, output) = await MigrateAsync(file);
        Assert.True(exit == 0, output);
        Assert.Contains("REPLACING edits made through the API", output, StringComparison.Ordinal);
        var replaced = PlantConfigParser.Parse(await client.GetStringAsync(U("/api/plant?plant=pc-rt")));
        Assert.Equal("Round trip v2", replaced.Name);
        Assert.DoesNotContain(replaced.Machines, m => m.Id == "pcrt-m3");
        Assert.Equal(1, await stack.ScalarAsync("SELECT count(*) FROM machines WHERE machine_id = 'pcrt-m3' AND NOT active"));

        var history = JsonDocument.Parse(await client.GetStringAsync(U("/api/plant/history?plant=pc-rt"))).RootElement.GetProperty("versions");
        Assert.Equal("loaded from a plant file, replacing edits made through the API", history[0].GetProperty("summary").GetString());
    }
}
