using System.Net;
using System.Text;
using System.Text.Json;
using Ms5.Analytics.Plant;
using Ms5.Integration.Tests.Api;
using Ms5.Integration.Tests.Support;

namespace Ms5.Integration.Tests.Plant;

/// <summary>Whole plants through the API: POST /api/plants (temporary or not) and DELETE /api/plants/{id} with all the plant's data.</summary>
[Collection("stack-oee")]
public sealed class PlantsApiTests(StackFixture stack)
{
    private static string PlantFile(string plantId, string prefix, string extra = "") => $$"""
        { "plantId": "{{plantId}}", "name": "Temp {{plantId}}", "timeZone": "UTC",
          "reasonCodes": [ { "code": "jam", "category": "unplanned" } ],
          "shifts": [ { "name": "all", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "00:00", "end": "12:00" },
                      { "name": "rest", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "12:00", "end": "00:00" } ],
          "lines": [ { "id": "{{prefix}}-l1", "machines": [ { "id": "{{prefix}}-m1", "idealCycleSeconds": 1.0 }, { "id": "{{prefix}}-m2", "idealCycleSeconds": 2.0 } ] } ]{{extra}} }
        """;

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static Uri U(string path) => new(path, UriKind.Relative);

    private static async Task<JsonElement> BodyAsync(HttpResponseMessage resp) => JsonDocument.Parse(await resp.Content.ReadAsStringAsync()).RootElement;

    private async Task<long> InfluxPointsAsync(string machine)
    {
        using var doc = JsonDocument.Parse(await stack.Influx.QueryAsync($"SELECT count(good) FROM machine_count WHERE machine = '{machine}'"));
        var result = doc.RootElement.GetProperty("results")[0];
        return result.TryGetProperty("series", out var series) ? series[0].GetProperty("values")[0][1].GetInt64() : 0;
    }

    [Fact]
    public async Task TemporaryPlant_Created_TakesEvents_ThenDeleted_WithAllItsDataInPostgresAndInflux_AuditKept()
    {
        await using var api = new ApiFactory(stack);
        var client = api.CreateClient();
        var created = await client.PostAsync(U("/api/plants"), Json(PlantFile("tp-a", "tpa", ", \"temporary\": true")));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("/api/plant?plant=tp-a", created.Headers.Location?.ToString());
        var body = await BodyAsync(created);
        Assert.Equal(("tp-a", 1, true), (body.GetProperty("plantId").GetString(), body.GetProperty("version").GetInt32(), body.GetProperty("temporary").GetBoolean()));
        var stored = PlantConfigParser.Parse(await client.GetStringAsync(U("/api/plant?plant=tp-a")));
        Assert.Equal(["tpa-m1", "tpa-m2"], stored.Machines.Select(m => m.Id).ToArray());
        Assert.Equal(1, await stack.ScalarAsync("SELECT count(*) FROM plants WHERE plant_id = 'tp-a' AND temporary AND config_source = 'api' AND NOT config ? 'temporary'"));

        // Its machines take events at once: through the API, Kafka and the historian into PostgreSQL and InfluxDB.
        var t = Some.Now.AddMinutes(-2);
        var ids = Enumerable.Range(0, 6).Select(_ => Guid.CreateVersion7()).ToArray();
        var events = "[" + string.Join(',', ids.Select((id, i) => Some.Count(id, i % 2 == 0 ? "tpa-m1" : "tpa-m2", t.AddSeconds(i), 3, 1))) + "]";
        var ingest = await client.PostAsync(U("/api/ingest/events"), Json(events));
        Assert.Equal(HttpStatusCode.OK, ingest.StatusCode);
        await stack.WaitUntilAsync(() => stack.ScalarAsync("SELECT count(*) FROM raw_events WHERE event_id = ANY($1)", ids), 6, "the temporary plant's events");
        var page = await BodyAsync(await client.GetAsync(U("/api/events?machine=tpa-m1")));
        Assert.Equal(3, page.GetProperty("count").GetInt32());
        await stack.WaitUntilAsync(async () => await InfluxPointsAsync("tpa-m1") + await InfluxPointsAsync("tpa-m2"), 6, "the temporary plant's points");
        var edit = await client.PutAsync(U("/api/machines/tpa-m2"), Json("""{ "name": "Renamed" }"""));
        Assert.Equal(HttpStatusCode.OK, edit.StatusCode);

        var deleted = await client.DeleteAsync(U("/api/plants/tp-a"));
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        var removed = await BodyAsync(deleted);
        Assert.Equal(["tpa-m1", "tpa-m2"], removed.GetProperty("machines").EnumerateArray().Select(m => m.GetString()!).ToArray());
        var counts = removed.GetProperty("removed");
        Assert.Equal(6, counts.GetProperty("raw_events").GetInt64());
        Assert.Equal(2, counts.GetProperty("machines").GetInt64());
        Assert.Equal(1, counts.GetProperty("lines").GetInt64());
        Assert.Equal(2, counts.GetProperty("plant_config_history").GetInt64());
        Assert.Equal(1, counts.GetProperty("plants").GetInt64());
        Assert.Equal(1, counts.GetProperty("reason_codes").GetInt64());
        Assert.Equal(2, removed.GetProperty("influx").GetProperty("seriesDropped").GetInt32());
        Assert.Equal(JsonValueKind.Null, removed.GetProperty("influx").GetProperty("error").ValueKind);

        Assert.Equal(0, await stack.ScalarAsync("SELECT count(*) FROM raw_events WHERE event_id = ANY($1)", ids));
        Assert.Equal(0, await stack.ScalarAsync("SELECT (SELECT count(*) FROM plants WHERE plant_id = 'tp-a') + (SELECT count(*) FROM machines WHERE plant_id = 'tp-a') + (SELECT count(*) FROM lines WHERE plant_id = 'tp-a') + (SELECT count(*) FROM plant_config_history WHERE plant_id = 'tp-a')"));
        Assert.Equal(0, await InfluxPointsAsync("tpa-m1") + await InfluxPointsAsync("tpa-m2"));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(U("/api/events?machine=tpa-m1"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(U("/api/plant?plant=tp-a"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync(U("/api/plants/tp-a"))).StatusCode);

        // The audit log is append-only: the edit's entry stays, the creation and the deletion are added.
        Assert.Equal(1, await stack.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'plant.machine.update' AND target = 'tpa-m2'"));
        Assert.Equal(1, await stack.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'plant.create' AND target = 'tp-a' AND outcome = 'success'"));
        var detail = JsonDocument.Parse((await stack.ScalarTextAsync("SELECT detail FROM audit_log WHERE action = 'plant.delete' AND target = 'tp-a' AND outcome = 'success'"))!).RootElement;
        Assert.Equal(6, detail.GetProperty("removed").GetProperty("raw_events").GetInt64());
    }

    [Fact]
    public async Task PlantNotTemporary_IsKept_409_AndUnknownIs404()
    {
        await using var api = new ApiFactory(stack);
        var client = api.CreateClient();
        var created = await client.PostAsync(U("/api/plants"), Json(PlantFile("tp-k", "tpk")));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.False((await BodyAsync(created)).GetProperty("temporary").GetBoolean());

        var refused = await client.DeleteAsync(U("/api/plants/tp-k"));
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal("plant tp-k is not temporary: plants with production history are kept", (await BodyAsync(refused)).GetProperty("detail").GetString());
        Assert.Equal(2, await stack.ScalarAsync("SELECT count(*) FROM machines WHERE plant_id = 'tp-k'"));

        var unknown = await client.DeleteAsync(U("/api/plants/tp-no-such"));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("plant 'tp-no-such' does not exist", (await BodyAsync(unknown)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Create_TakenIds_Are409NamingThem()
    {
        await using var api = new ApiFactory(stack);
        var client = api.CreateClient();
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync(U("/api/plants"), Json(PlantFile("tp-c", "tpc", ", \"temporary\": true")))).StatusCode);

        var samePlant = await client.PostAsync(U("/api/plants"), Json(PlantFile("tp-c", "tpc2")));
        Assert.Equal(HttpStatusCode.Conflict, samePlant.StatusCode);
        Assert.Equal("plant 'tp-c' exists", (await BodyAsync(samePlant)).GetProperty("detail").GetString());

        // Lines and machines of another plant (the demo plant's line-1 and press-01 too).
        var taken = PlantFile("tp-c2", "tpc").Replace("\"tpc-m2\"", "\"press-01\"", StringComparison.Ordinal);
        var clash = await client.PostAsync(U("/api/plants"), Json(taken));
        Assert.Equal(HttpStatusCode.Conflict, clash.StatusCode);
        Assert.Equal("line 'tpc-l1' is used by plant 'tp-c'; machine 'press-01' is used by plant 'demo'; machine 'tpc-m1' is used by plant 'tp-c'",
            (await BodyAsync(clash)).GetProperty("detail").GetString());
        Assert.Equal(0, await stack.ScalarAsync("SELECT count(*) FROM plants WHERE plant_id = 'tp-c2'"));
    }

    [Theory]
    [InlineData("""{ "plantId": "tp-b", "timeZone": "Mars/Olympus", "lines": [] }""", "timeZone")]
    [InlineData("""{ "plantId": "tp-b", "timeZone": "UTC", "lines": [ { "id": "tpb-l1", "machines": [ { "id": "tpb-m1", "idealCycleSeconds": -1 } ] } ] }""", "$.lines[0].machines[0].idealCycleSeconds")]
    [InlineData("""{ "plantId": "tp-b", "timeZone": "UTC", "lines": [], "temporary": "yes" }""", "temporary")]
    public async Task Create_InvalidPlantFile_Is400NamingTheField(string body, string field)
    {
        await using var api = new ApiFactory(stack);
        var resp = await api.CreateClient().PostAsync(U("/api/plants"), Json(body));
        Assert.Equal(HttpStatusCode.BadRequest, resp.StatusCode);
        Assert.Equal("application/problem+json", resp.Content.Headers.ContentType?.MediaType);
        var errors = (await BodyAsync(resp)).GetProperty("errors");
        Assert.Contains(errors.EnumerateObject(), p => p.Name.EndsWith(field, StringComparison.Ordinal));
        Assert.Equal(0, await stack.ScalarAsync("SELECT count(*) FROM plants WHERE plant_id = 'tp-b'"));
    }

    [Fact]
    public async Task Viewer_Is403_Anonymous_Is401()
    {
        await using var api = new ApiFactory(stack);
        var (viewer, password) = await TestAccess.CreateUserAsync(api.CreateClient(), "viewer", "tp-viewer");
        var login = await api.CreateAnonymousClient().PostAsync(U("/api/auth/login"), Json(JsonSerializer.Serialize(new { userName = viewer, password })));
        var token = (await BodyAsync(login)).GetProperty("accessToken").GetString()!;
        var asViewer = api.CreateClient(token);
        Assert.Equal(HttpStatusCode.Forbidden, (await asViewer.PostAsync(U("/api/plants"), Json(PlantFile("tp-v", "tpv", ", \"temporary\": true")))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await asViewer.DeleteAsync(U("/api/plants/demo"))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.CreateAnonymousClient().PostAsync(U("/api/plants"), Json(PlantFile("tp-v", "tpv")))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.CreateAnonymousClient().DeleteAsync(U("/api/plants/demo"))).StatusCode);
        Assert.Equal(0, await stack.ScalarAsync("SELECT count(*) FROM plants WHERE plant_id = 'tp-v'"));
        Assert.Equal(1, await stack.ScalarAsync("SELECT count(*) FROM plants WHERE plant_id = 'demo'"));
    }
}
