using System.Net;
using System.Text;
using System.Text.Json;
using Ms5.Analytics.Plant;
using Ms5.Integration.Tests.Api;
using Ms5.Integration.Tests.Support;
using Ms5.Postgres;

namespace Ms5.Integration.Tests.Plant;

/// <summary>Plant configuration through the API: lines, machines and reason codes created and changed, checked as a plant file, versioned and audited.</summary>
[Collection("stack-oee")]
public sealed class PlantConfigApiTests(StackFixture stack)
{
    private static string PlantJson(string plantId, string prefix) => $$"""
        { "plantId": "{{plantId}}", "timeZone": "Europe/Berlin",
          "reasonCodes": [ { "code": "jam", "category": "unplanned" } ],
          "shifts": [ { "name": "all", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "00:00", "end": "12:00" },
                      { "name": "rest", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "12:00", "end": "00:00" } ],
          "lines": [ { "id": "{{prefix}}-l1", "machines": [ { "id": "{{prefix}}-m1", "idealCycleSeconds": 1.0 } ] } ] }
        """;

    private async Task<string> LoadAsync(string plantId, string prefix)
    {
        var json = PlantJson(plantId, prefix);
        await new PlantStore(stack.Db).SaveAsync(PlantConfigParser.Parse(json), json);
        return json;
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static Uri U(string path) => new(path, UriKind.Relative);

    private static async Task<JsonElement> BodyAsync(HttpResponseMessage resp) => JsonDocument.Parse(await resp.Content.ReadAsStringAsync()).RootElement;

    [Fact]
    public async Task LinesMachinesAndReasonCodes_CreatedAndChanged_AreInThePlantFile_VersionedAndAudited()
    {
        await LoadAsync("pc-a", "pca");
        await using var api = new ApiFactory(stack);
        var client = api.CreateClient();

        var line = await client.PostAsync(U("/api/lines"), Json("""{ "plantId": "pc-a", "id": "pca-l2", "name": "Packing", "oeeTarget": 0.7 }"""));
        Assert.Equal(HttpStatusCode.Created, line.StatusCode);
        Assert.Equal("pc-a", (await BodyAsync(line)).GetProperty("plantId").GetString());
        var reason = await client.PostAsync(U("/api/reason-codes"), Json("""{ "plantId": "pc-a", "code": "starved", "category": "idle", "description": "No material" }"""));
        Assert.Equal(HttpStatusCode.Created, reason.StatusCode);
        var machine = await client.PostAsync(U("/api/machines"), Json("""{ "id": "pca-m2", "lineId": "pca-l2", "name": "Packer", "idealCycleSeconds": 2.5, "products": { "BOX-S": 2.0 }, "reasonCodes": ["starved"] }"""));
        Assert.Equal(HttpStatusCode.Created, machine.StatusCode);
        Assert.Equal("pca-l2", (await BodyAsync(machine)).GetProperty("lineId").GetString());
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync(U("/api/lines/pca-l2"), Json("""{ "name": "Packing line", "oeeTarget": null }"""))).StatusCode);
        var put = await client.PutAsync(U("/api/machines/pca-m2"), Json("""{ "countMode": "cumulative", "active": false }"""));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(6, (await BodyAsync(put)).GetProperty("version").GetInt32());

        // The stored plant file says it all, and the derived tables follow.
        var plant = PlantConfigParser.Parse(await client.GetStringAsync(U("/api/plant?plant=pc-a")));
        var packing = Assert.Single(plant.Lines, l => l.Id == "pca-l2");
        Assert.Equal("Packing line", packing.Name);
        Assert.Null(packing.OeeTarget);
        var packer = Assert.Single(packing.Machines);
        Assert.Equal(("Packer", 2.5, CountMode.Cumulative, false), (packer.Name, packer.IdealCycleTime.TotalSeconds, packer.CountMode, packer.Active));
        Assert.Equal(2.0, packer.ProductCycleTimes["BOX-S"].TotalSeconds);
        Assert.Equal(["starved"], packer.ReasonCodes);
        Assert.Equal(ReasonCategory.Idle, plant.FindReason("starved")!.Category);
        Assert.Equal(0, await stack.ScalarAsync("SELECT count(*) FROM machines WHERE machine_id = 'pca-m2' AND active"));
        Assert.Equal(1, await stack.ScalarAsync("SELECT count(*) FROM machines WHERE machine_id = 'pca-m2' AND line_id = 'pca-l2' AND count_mode = 'cumulative'"));
        Assert.Equal(1, await stack.ScalarAsync("SELECT count(*) FROM reason_codes WHERE plant_id = 'pc-a' AND code = 'starved' AND category = 'idle'"));
        Assert.Equal("api", await stack.ScalarTextAsync("SELECT config_source FROM plants WHERE plant_id = 'pc-a'"));

        // Who changed what, when: the history of versions and the audit trail.
        var history = await BodyAsync(await client.GetAsync(U("/api/plant/history?plant=pc-a")));
        var versions = history.GetProperty("versions").EnumerateArray().ToList();
        Assert.Equal([6, 5, 4, 3, 2, 1], versions.Select(v => v.GetProperty("version").GetInt32()).ToArray());
        Assert.Equal(["api", "api", "api", "api", "api", "file"], versions.Select(v => v.GetProperty("source").GetString()!).ToArray());
        Assert.Equal("machine pca-m2: countMode (none) → \"cumulative\", active (none) → false", versions[0].GetProperty("summary").GetString());
        Assert.NotEqual("anonymous", versions[0].GetProperty("changedBy").GetString());
        Assert.Equal(6, await stack.ScalarAsync("SELECT count(*) FROM plant_config_history WHERE plant_id = 'pc-a'"));
        var first = PlantConfigParser.Parse(await client.GetStringAsync(U("/api/plant?plant=pc-a&version=1")));
        Assert.DoesNotContain(first.Lines, l => l.Id == "pca-l2");

        Assert.Equal(1, await stack.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'plant.line.create' AND target = 'pca-l2' AND outcome = 'success'"));
        Assert.Equal(1, await stack.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'plant.line.update' AND target = 'pca-l2'"));
        Assert.Equal(1, await stack.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'plant.reason.create' AND target = 'pc-a/starved'"));
        Assert.Equal(1, await stack.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'plant.machine.create' AND target = 'pca-m2'"));
        var detail = JsonDocument.Parse((await stack.ScalarTextAsync("SELECT detail FROM audit_log WHERE action = 'plant.machine.update' AND target = 'pca-m2'"))!).RootElement;
        Assert.Equal(JsonValueKind.Null, detail.GetProperty("before").GetProperty("active").ValueKind);
        Assert.False(detail.GetProperty("after").GetProperty("active").GetBoolean());
        Assert.Equal("cumulative", detail.GetProperty("after").GetProperty("countMode").GetString());
    }

    [Fact]
    public async Task IdealCycleTime_EffectiveFromKeepsEarlierValues_RecomputeFromRewritesThem_AndAsksTheEngineToRecompute()
    {
        await LoadAsync("pc-h", "pch");
        await using var api = new ApiFactory(stack);
        var client = api.CreateClient();
        var hourAgo = Ms5.Analytics.Oee.BucketCalculator.Floor(Some.Now).AddHours(-1);

        var first = await client.PutAsync(U("/api/machines/pch-m1"), Json($$"""{ "idealCycleSeconds": 2, "effectiveFrom": "{{Some.Ts(hourAgo)}}" }"""));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var earlier = await client.PutAsync(U("/api/machines/pch-m1"), Json($$"""{ "idealCycleSeconds": 3, "effectiveFrom": "{{Some.Ts(hourAgo.AddMinutes(-30))}}" }"""));
        Assert.Equal(HttpStatusCode.BadRequest, earlier.StatusCode);
        Assert.StartsWith("must be later than the last change of the ideal cycle time", (await BodyAsync(earlier)).GetProperty("errors").GetProperty("effectiveFrom")[0].GetString(), StringComparison.Ordinal);
        var m1 = PlantConfigParser.Parse(await client.GetStringAsync(U("/api/plant?plant=pc-h"))).Machines.Single();
        Assert.Equal([(hourAgo, 1.0)], m1.IdealCycleHistory.Select(h => (h.Until, h.Default.TotalSeconds)).ToArray());
        Assert.Equal(2.0, m1.IdealCycleTime.TotalSeconds);

        // From 90 minutes ago: the 2.0 s of the last hour is gone; 1.0 s held until then.
        var rewrite = await client.PutAsync(U("/api/machines/pch-m1"), Json($$"""{ "idealCycleSeconds": 3, "recomputeFrom": "{{Some.Ts(hourAgo.AddMinutes(-30))}}" }"""));
        Assert.Equal(HttpStatusCode.OK, rewrite.StatusCode);
        Assert.Equal(hourAgo.AddMinutes(-30), (await BodyAsync(rewrite)).GetProperty("recomputeFrom").GetDateTimeOffset());
        m1 = PlantConfigParser.Parse(await client.GetStringAsync(U("/api/plant?plant=pc-h"))).Machines.Single();
        Assert.Equal([(hourAgo.AddMinutes(-30), 1.0)], m1.IdealCycleHistory.Select(h => (h.Until, h.Default.TotalSeconds)).ToArray());
        Assert.Equal(3.0, m1.IdealCycleTime.TotalSeconds);
        Assert.Equal(1, await stack.ScalarAsync("SELECT count(*) FROM oee_recompute WHERE plant_id = 'pc-h' AND machine_id = 'pch-m1' AND from_ts = $1", hourAgo.AddMinutes(-30).UtcDateTime));

        // Only the name: no history entry, no recompute.
        var rename = await client.PutAsync(U("/api/machines/pch-m1"), Json("""{ "name": "Renamed", "idealCycleSeconds": 3 }"""));
        Assert.Equal(HttpStatusCode.OK, rename.StatusCode);
        Assert.False((await BodyAsync(rename)).TryGetProperty("recomputeFrom", out _));
        Assert.Single(PlantConfigParser.Parse(await client.GetStringAsync(U("/api/plant?plant=pc-h"))).Machines.Single().IdealCycleHistory);
    }

    /// <summary>Each mistake gets the plant file's own message for the same mistake, under the request's field name.</summary>
    [Theory]
    [InlineData("machine", """ "idealCycleSeconds": 0 """, "idealCycleSeconds")]
    [InlineData("machine", """ "idealCycleSeconds": 1, "countMode": "sometimes" """, "countMode")]
    [InlineData("machine", """ "idealCycleSeconds": 1, "reasonCodes": ["nope"] """, "reasonCodes[0]")]
    [InlineData("machine", """ "idealCycleSeconds": 1, "products": { "P-1": -1 } """, "products.P-1")]
    [InlineData("machine", """ "idealCycleSeconds": 1, "active": "no" """, "active")]
    [InlineData("machine", """ "name": "no cycle" """, "idealCycleSeconds")]
    [InlineData("line", """ "oeeTarget": 2 """, "oeeTarget")]
    [InlineData("line", """ "reportRecipients": ["not an address"] """, "reportRecipients[0]")]
    [InlineData("reason", """ "category": "sometimes" """, "category")]
    public async Task Create_WithAMistake_Is400NamingTheField_WithThePlantFilesMessage(string kind, string fields, string field)
    {
        var json = await LoadAsync("pc-v", "pcv");
        await using var api = new ApiFactory(stack);
        var (route, body, inFile) = kind switch
        {
            "machine" => ("/api/machines", $$"""{ "id": "pcv-new", "lineId": "pcv-l1", {{fields}} }""",
                json.Replace("""{ "id": "pcv-m1", "idealCycleSeconds": 1.0 }""", $$"""{ "id": "pcv-m1", {{fields}} }""", StringComparison.Ordinal)),
            "line" => ("/api/lines", $$"""{ "plantId": "pc-v", "id": "pcv-new", {{fields}} }""",
                json.Replace("""{ "id": "pcv-l1", """, $$"""{ "id": "pcv-l1", {{fields}}, """, StringComparison.Ordinal)),
            _ => ("/api/reason-codes", $$"""{ "plantId": "pc-v", "code": "new", {{fields}} }""",
                json.Replace("""{ "code": "jam", "category": "unplanned" }""", $$"""{ "code": "jam", {{fields}} }""", StringComparison.Ordinal)),
        };

        var resp = await api.CreateClient().PostAsync(U(route), Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, resp.StatusCode);
        var errors = (await BodyAsync(resp)).GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out var messages), errors.ToString());
        var fileProblems = new List<string>();
        PlantConfigParser.TryParse(inFile, fileProblems);
        var fileProblem = Assert.Single(fileProblems, p => p.Contains($".{field.Split('[')[0]}", StringComparison.Ordinal));
        Assert.Equal(fileProblem[(fileProblem.IndexOf(": ", StringComparison.Ordinal) + 2)..], messages[0].GetString());
        Assert.Equal(0, await stack.ScalarAsync("SELECT count(*) FROM plant_config_history WHERE plant_id = 'pc-v' AND source = 'api'"));
    }

    [Theory]
    [InlineData("POST", "/api/machines", """{ "id": "pcw-m9", "idealCycleSeconds": 1 }""", "lineId")]
    [InlineData("POST", "/api/machines", """{ "id": "pcw-m9", "lineId": "pcw-l1", "idealCycleSeconds": 1, "speed": 3 }""", "speed")]
    [InlineData("POST", "/api/lines", """{ "id": "pcw-l9" }""", "plantId")]
    [InlineData("POST", "/api/lines", """{ "plantId": "pc-w", "id": "bad id" }""", "id")]
    [InlineData("PUT", "/api/machines/pcw-m1", """{ "idealCycleSeconds": 2, "effectiveFrom": "soon" }""", "effectiveFrom")]
    [InlineData("PUT", "/api/machines/pcw-m1", """{ "idealCycleSeconds": 2, "effectiveFrom": "2026-11-30T10:00:00Z", "recomputeFrom": "2026-11-30T10:00:00Z" }""", "recomputeFrom")]
    [InlineData("PUT", "/api/machines/pcw-m1", """{ "idealCycleSeconds": 2, "recomputeFrom": "2099-01-01T00:00:00Z" }""", "recomputeFrom")]
    [InlineData("PUT", "/api/machines/pcw-m1", """{ "name": "x", "effectiveFrom": "2026-11-30T10:00:00Z" }""", "effectiveFrom")]
    [InlineData("PUT", "/api/machines/pcw-m1", """{ "lineId": "pcw-l1" }""", "lineId")]
    [InlineData("PUT", "/api/lines/pcw-l1", """{ "id": "other" }""", "id")]
    public async Task BadRequest_Is400NamingTheField(string method, string route, string body, string field)
    {
        await LoadAsync("pc-w", "pcw");
        await using var api = new ApiFactory(stack);
        var resp = await api.CreateClient().SendAsync(new HttpRequestMessage(new HttpMethod(method), U(route)) { Content = Json(body) });

        Assert.Equal(HttpStatusCode.BadRequest, resp.StatusCode);
        var errors = (await BodyAsync(resp)).GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out _), errors.ToString());
    }

    [Fact]
    public async Task UnknownThings_Are404_ExistingIds_Are409_AndNothingChanges()
    {
        await LoadAsync("pc-x", "pcx");
        await LoadAsync("pc-y", "pcy");
        await using var api = new ApiFactory(stack);
        var client = api.CreateClient();

        Assert.Equal(HttpStatusCode.NotFound, (await client.PutAsync(U("/api/machines/pcx-nope"), Json("""{ "name": "x" }"""))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PutAsync(U("/api/lines/pcx-nope"), Json("""{ "name": "x" }"""))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync(U("/api/machines"), Json("""{ "id": "pcx-m9", "lineId": "pcx-nope", "idealCycleSeconds": 1 }"""))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync(U("/api/lines"), Json("""{ "plantId": "pc-nope", "id": "pcx-l9" }"""))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync(U("/api/reason-codes"), Json("""{ "plantId": "pc-nope", "code": "c", "category": "idle" }"""))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(U("/api/plant?plant=pc-nope"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(U("/api/plant/history?plant=pc-nope"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(U("/api/plant?plant=pc-x&version=99"))).StatusCode);

        // Several plants are loaded: which one must be said.
        var which = await client.GetAsync(U("/api/plant"));
        Assert.Equal(HttpStatusCode.BadRequest, which.StatusCode);
        Assert.True((await BodyAsync(which)).GetProperty("errors").TryGetProperty("plant", out _));

        // Ids that exist: in the same plant, or (machine and line ids are unique across plants) in another.
        var sameMachine = await client.PostAsync(U("/api/machines"), Json("""{ "id": "pcx-m1", "lineId": "pcx-l1", "idealCycleSeconds": 1 }"""));
        Assert.Equal(HttpStatusCode.Conflict, sameMachine.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await client.PostAsync(U("/api/machines"), Json("""{ "id": "pcy-m1", "lineId": "pcx-l1", "idealCycleSeconds": 1 }"""))).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await client.PostAsync(U("/api/lines"), Json("""{ "plantId": "pc-x", "id": "pcy-l1" }"""))).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await client.PostAsync(U("/api/reason-codes"), Json("""{ "plantId": "pc-x", "code": "jam", "category": "idle" }"""))).StatusCode);
        Assert.Contains("pcx-m1", (await BodyAsync(sameMachine)).GetProperty("detail").GetString(), StringComparison.Ordinal);

        Assert.Equal(0, await stack.ScalarAsync("SELECT count(*) FROM plant_config_history WHERE plant_id IN ('pc-x', 'pc-y') AND source = 'api'"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await client.PostAsync(U("/api/lines"), new StringContent("{}", Encoding.UTF8, "text/plain"))).StatusCode);
    }
}
