using System.Net;
using System.Text;
using System.Text.Json;
using Ms5.Analytics.Plant;
using Ms5.Integration.Tests.Access;
using Ms5.Integration.Tests.Api;
using Ms5.Integration.Tests.Support;
using Ms5.Postgres;

namespace Ms5.Integration.Tests.Orders;

/// <summary>
/// /api/orders and /api/schedule on the real API and the run's PostgreSQL: create, read, list, change and the lifecycle
/// (with "at" in the past), every validation error naming its field, 404s, the 409s (duplicate id, overlapping plan,
/// a running order on the machine, a transition the status does not allow, two concurrent starts), the history and audit
/// of a target change, who may call, and the schedule against the shift calendar.
/// </summary>
[Collection(StackCollections.Crash)]
public sealed class OrdersApiTests(StackFixture stack)
{
    internal const string PlantJson = """
        { "plantId": "ord-t", "timeZone": "UTC",
          "reasonCodes": [ { "code": "jam", "category": "unplanned" }, { "code": "break", "category": "planned" }, { "code": "no_shift", "category": "planned" } ],
          "shifts": [ { "name": "early", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "06:00", "end": "14:00",
                        "breaks": [ { "start": "09:00", "end": "09:30" }, { "start": "12:00", "end": "12:30" } ] } ],
          "lines": [ { "id": "ord-line", "machines": [ { "id": "ord-m1", "idealCycleSeconds": 1.0 },
                                                     { "id": "ord-m2", "idealCycleSeconds": 2.0, "products": { "bracket-a": 1.5, "bracket-b": 3.0 } } ] },
                     { "id": "ord-line2", "machines": [ { "id": "ord-m3", "idealCycleSeconds": 1.0 }, { "id": "ord-m4", "idealCycleSeconds": 1.0 } ] } ] }
        """;

    private static readonly DateTimeOffset Day = new(2025, 3, 3, 0, 0, 0, TimeSpan.Zero);

    private static Uri U(string s) => new(s, UriKind.Relative);

    private static StringContent Body(string json) => new(json, Encoding.UTF8, "application/json");

    private static string Ts(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private string Id(string s) => $"ord-{s}-{stack.RunId}";

    private static string Create(string id, string machines, DateTimeOffset start, double hours, string product = "bracket-a", long target = 1000, string? extra = null) =>
        $$"""{"orderId": "{{id}}", "product": "{{product}}", "targetQuantity": {{target}}, {{machines}}, "plannedStart": "{{Ts(start)}}", "plannedEnd": "{{Ts(start.AddHours(hours))}}", "note": "n"{{extra}}}""";

    private async Task<(ApiFactory Api, HttpClient Admin)> ApiAsync()
    {
        await new PlantStore(stack.Db).SaveAsync(PlantConfigParser.Parse(PlantJson), PlantJson);
        var api = new ApiFactory(stack);
        return (api, api.CreateClient());
    }

    private static async Task<JsonElement> Ok(HttpResponseMessage r, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == expected, $"{(int)r.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<JsonElement> Problem(HttpResponseMessage r, HttpStatusCode expected)
    {
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == expected, $"expected {(int)expected}, got {(int)r.StatusCode} {text}");
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    [Fact]
    public async Task Create_Get_List_Release_Start_Complete_WithAtInThePast()
    {
        var (api, admin) = await ApiAsync();
        await using var owned = api;
        var id = Id("life");
        var start = Day.AddHours(6);

        var created = await Ok(await admin.PostAsync(U("/api/orders"), Body(Create(id, """ "lineId": "ord-line" """, start, 8))), HttpStatusCode.Created);
        Assert.Equal((id, "ord-t", "bracket-a", 1000L, "ord-line", "planned", 1), (created.GetProperty("orderId").GetString(), created.GetProperty("plantId").GetString(),
            created.GetProperty("product").GetString(), created.GetProperty("targetQuantity").GetInt64(), created.GetProperty("lineId").GetString(),
            created.GetProperty("status").GetString(), created.GetProperty("version").GetInt32()));
        Assert.Equal(["ord-m1", "ord-m2"], created.GetProperty("machineIds").EnumerateArray().Select(e => e.GetString()!));
        Assert.Equal(JsonValueKind.Null, created.GetProperty("actualStart").ValueKind);
        Assert.Equal((0L, 0.0, JsonValueKind.Null), (created.GetProperty("goodCount").GetInt64(), created.GetProperty("percentOfTarget").GetDouble(), created.GetProperty("oee").ValueKind));
        Assert.Equal(3600d / 1.0 + 3600d / 1.5, created.GetProperty("idealRate").GetDouble()); // bracket-a: ord-m1 default 1.0 s, ord-m2 1.5 s

        await Ok(await admin.PostAsync(U($"/api/orders/{id}/release"), Body($$"""{"at": "{{Ts(start.AddHours(-1))}}"}""")));
        var running = await Ok(await admin.PostAsync(U($"/api/orders/{id}/start"), Body($$"""{"at": "{{Ts(start)}}"}""")));
        Assert.Equal(("running", start), (running.GetProperty("status").GetString(), running.GetProperty("actualStart").GetDateTimeOffset()));
        var done = await Ok(await admin.PostAsync(U($"/api/orders/{id}/complete"), Body($$"""{"at": "{{Ts(start.AddHours(8))}}"}""")));
        Assert.Equal(("completed", start.AddHours(8), 4), (done.GetProperty("status").GetString(), done.GetProperty("actualEnd").GetDateTimeOffset(), done.GetProperty("version").GetInt32()));

        var got = await Ok(await admin.GetAsync(U($"/api/orders/{id}")));
        Assert.Equal(("completed", start.AddHours(8)), (got.GetProperty("status").GetString(), got.GetProperty("asOf").GetDateTimeOffset()));
        foreach (var name in new[] { "orderId", "product", "targetQuantity", "lineId", "machineIds", "plannedStart", "plannedEnd", "note", "status", "actualStart", "actualEnd",
            "goodCount", "rejectCount", "totalCount", "percentOfTarget", "availability", "performance", "quality", "oee", "currentRate", "estimatedFinish",
            "estimatedFinishAtIdealRate", "planVariance", "behindPlan" })
        {
            Assert.True(got.TryGetProperty(name, out _), name);
        }

        var list = await Ok(await admin.GetAsync(U($"/api/orders?line=ord-line&status=completed&from={Ts(start)}&to={Ts(start.AddHours(1))}")));
        Assert.Equal(id, Assert.Single(list.GetProperty("items").EnumerateArray()).GetProperty("orderId").GetString());
        Assert.Empty((await Ok(await admin.GetAsync(U($"/api/orders?line=ord-line&status=running&from={Ts(start)}&to={Ts(start.AddHours(1))}")))).GetProperty("items").EnumerateArray());

        // A transition without a body at all means "now".
        var id2 = Id("nobody");
        await Ok(await admin.PostAsync(U("/api/orders"), Body(Create(id2, """ "machineIds": ["ord-m3"] """, Day.AddDays(4000), 1))), HttpStatusCode.Created);
        var cancelled = await Ok(await admin.PostAsync(U($"/api/orders/{id2}/cancel"), null));
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("""{"product": "bracket-a", "targetQuantity": 5, "machineIds": ["ord-m1"], "plannedStart": "2026-09-01T06:00:00Z", "plannedEnd": "2026-09-01T07:00:00Z"}""", "orderId")]
    [InlineData("""{"orderId": "bad id", "product": "bracket-a", "targetQuantity": 5, "machineIds": ["ord-m1"], "plannedStart": "2026-09-01T06:00:00Z", "plannedEnd": "2026-09-01T07:00:00Z"}""", "orderId")]
    [InlineData("""{"orderId": "ord-v1", "product": " ", "targetQuantity": 5, "machineIds": ["ord-m1"], "plannedStart": "2026-09-01T06:00:00Z", "plannedEnd": "2026-09-01T07:00:00Z"}""", "product")]
    [InlineData("""{"orderId": "ord-v1", "product": "bracket-a", "targetQuantity": 0, "machineIds": ["ord-m1"], "plannedStart": "2026-09-01T06:00:00Z", "plannedEnd": "2026-09-01T07:00:00Z"}""", "targetQuantity")]
    [InlineData("""{"orderId": "ord-v1", "product": "bracket-a", "targetQuantity": 2.5, "machineIds": ["ord-m1"], "plannedStart": "2026-09-01T06:00:00Z", "plannedEnd": "2026-09-01T07:00:00Z"}""", "targetQuantity")]
    [InlineData("""{"orderId": "ord-v1", "product": "bracket-a", "targetQuantity": "5", "machineIds": ["ord-m1"], "plannedStart": "2026-09-01T06:00:00Z", "plannedEnd": "2026-09-01T07:00:00Z"}""", "targetQuantity")]
    [InlineData("""{"orderId": "ord-v1", "product": "bracket-a", "targetQuantity": 5, "plannedStart": "2026-09-01T06:00:00Z", "plannedEnd": "2026-09-01T07:00:00Z"}""", "lineId")]
    [InlineData("""{"orderId": "ord-v1", "product": "bracket-a", "targetQuantity": 5, "lineId": "ord-line", "machineIds": ["ord-m1"], "plannedStart": "2026-09-01T06:00:00Z", "plannedEnd": "2026-09-01T07:00:00Z"}""", "machineIds")]
    [InlineData("""{"orderId": "ord-v1", "product": "bracket-a", "targetQuantity": 5, "lineId": "ord-nope", "plannedStart": "2026-09-01T06:00:00Z", "plannedEnd": "2026-09-01T07:00:00Z"}""", "lineId")]
    [InlineData("""{"orderId": "ord-v1", "product": "bracket-a", "targetQuantity": 5, "machineIds": ["ord-m1", "ord-nope"], "plannedStart": "2026-09-01T06:00:00Z", "plannedEnd": "2026-09-01T07:00:00Z"}""", "machineIds")]
    [InlineData("""{"orderId": "ord-v1", "product": "bracket-a", "targetQuantity": 5, "machineIds": ["ord-m1", "press-01"], "plannedStart": "2026-09-01T06:00:00Z", "plannedEnd": "2026-09-01T07:00:00Z"}""", "machineIds")]
    [InlineData("""{"orderId": "ord-v1", "product": "bracket-a", "targetQuantity": 5, "machineIds": [], "plannedStart": "2026-09-01T06:00:00Z", "plannedEnd": "2026-09-01T07:00:00Z"}""", "machineIds")]
    [InlineData("""{"orderId": "ord-v1", "product": "bracket-a", "targetQuantity": 5, "machineIds": ["ord-m1"], "plannedStart": "yesterday", "plannedEnd": "2026-09-01T07:00:00Z"}""", "plannedStart")]
    [InlineData("""{"orderId": "ord-v1", "product": "bracket-a", "targetQuantity": 5, "machineIds": ["ord-m1"], "plannedStart": "2026-09-01T06:00:00Z"}""", "plannedEnd")]
    [InlineData("""{"orderId": "ord-v1", "product": "bracket-a", "targetQuantity": 5, "machineIds": ["ord-m1"], "plannedStart": "2026-09-01T06:00:00Z", "plannedEnd": "2026-09-01T06:00:00Z"}""", "plannedEnd")]
    [InlineData("""{"orderId": "ord-v1", "product": "bracket-a", "targetQuantity": 5, "machineIds": ["ord-m1"], "plannedStart": "2026-09-01T06:00:00Z", "plannedEnd": "2026-09-01T07:00:00Z", "at": "2099-01-01T00:00:00Z"}""", "at")]
    [InlineData("""{"orderId": "ord-v1", "product": "bracket-a", "targetQuantity": 5, "machineIds": ["ord-m1"], "plannedStart": "2026-09-01T06:00:00Z", "plannedEnd": "2026-09-01T07:00:00Z", "status": "running"}""", "status")]
    public async Task Create_WithABadField_Is400NamingIt(string body, string field)
    {
        var (api, admin) = await ApiAsync();
        await using var owned = api;
        var problem = await Problem(await admin.PostAsync(U("/api/orders"), Body(body)), HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        Assert.Null(await stack.ScalarTextAsync("SELECT order_id FROM orders WHERE order_id = 'ord-v1'"));
    }

    /// <summary>A plant file's "products" override the ideal cycle time for the products they name; any other product runs at the machine's default (as in the OEE engine), so an order may name it.</summary>
    [Fact]
    public async Task Create_WithAProductTheMachineHasNoCycleTimeFor_IsAccepted_AtTheDefaultIdealRate()
    {
        var (api, admin) = await ApiAsync();
        await using var _ = api;
        var id = $"ord-np-{stack.RunId}";

        var created = await admin.PostAsync(new Uri("/api/orders", UriKind.Relative),
            new StringContent(Create(id, """ "machineIds": ["ord-m2"] """, new DateTimeOffset(2027, 3, 1, 6, 0, 0, TimeSpan.Zero), 1, product: "bracket-z"), System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(3_600d / 2.0, JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("idealRate").GetDouble());
    }

    /// <summary>Orders recorded after the fact may be entered in any order, each in its own window; an end that would take in a later-started order is a 409 naming it.</summary>
    [Fact]
    public async Task RecordedAfterTheFact_InAnyOrder_AnEndTakingInALaterOrder_Is409()
    {
        var (api, admin) = await ApiAsync();
        await using var _ = api;
        var t = Day.AddDays(200).AddHours(10);
        var later = Id("rl");
        var earlier = Id("re");
        await Ok(await admin.PostAsync(U("/api/orders"), Body(Create(later, """ "machineIds": ["ord-m2"] """, t, 2))), HttpStatusCode.Created);
        await Ok(await admin.PostAsync(U($"/api/orders/{later}/start"), Body($$"""{"at": "{{Ts(t)}}"}""")));
        await Ok(await admin.PostAsync(U($"/api/orders/{later}/complete"), Body($$"""{"at": "{{Ts(t.AddHours(1))}}"}""")));

        await Ok(await admin.PostAsync(U("/api/orders"), Body(Create(earlier, """ "machineIds": ["ord-m2"] """, t.AddHours(-4), 2))), HttpStatusCode.Created);
        await Ok(await admin.PostAsync(U($"/api/orders/{earlier}/start"), Body($$"""{"at": "{{Ts(t.AddHours(-2))}}"}""")));
        var busy = await Problem(await admin.PostAsync(U($"/api/orders/{earlier}/complete"), Body($$"""{"at": "{{Ts(t.AddMinutes(30))}}"}""")), HttpStatusCode.Conflict);
        Assert.Equal(later, busy.GetProperty("conflictingOrderId").GetString());
        var done = await Ok(await admin.PostAsync(U($"/api/orders/{earlier}/complete"), Body($$"""{"at": "{{Ts(t)}}"}""")));
        Assert.Equal(("completed", t), (done.GetProperty("status").GetString(), done.GetProperty("actualEnd").GetDateTimeOffset()));
    }

    [Fact]
    public async Task UnknownOrders_Are404_BadIdsAndBodies400Or415()
    {
        var (api, admin) = await ApiAsync();
        await using var owned = api;
        await Problem(await admin.GetAsync(U("/api/orders/ord-nope")), HttpStatusCode.NotFound);
        await Problem(await admin.GetAsync(U("/api/orders/ord-nope/history")), HttpStatusCode.NotFound);
        await Problem(await admin.PutAsync(U("/api/orders/ord-nope"), Body("""{"targetQuantity": 5}""")), HttpStatusCode.NotFound);
        foreach (var action in new[] { "release", "start", "complete", "cancel" })
        {
            await Problem(await admin.PostAsync(U($"/api/orders/ord-nope/{action}"), Body("{}")), HttpStatusCode.NotFound);
        }

        Assert.True((await Problem(await admin.GetAsync(U("/api/orders/-bad")), HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("id", out _));
        await Problem(await admin.PostAsync(U("/api/orders"), new StringContent("x", Encoding.UTF8, "text/plain")), HttpStatusCode.UnsupportedMediaType);
        await Problem(await admin.PostAsync(U("/api/orders"), Body("[1]")), HttpStatusCode.BadRequest);
        var query = await Problem(await admin.GetAsync(U("/api/orders?status=paused&limit=0&colour=red")), HttpStatusCode.BadRequest);
        Assert.Equal(["colour", "limit", "status"], query.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Conflicts_DuplicateOverlapRunningAndStatus_Are409NamingTheOtherOrderOrTheStatus()
    {
        var (api, admin) = await ApiAsync();
        await using var owned = api;
        var t = Day.AddDays(30).AddHours(6);
        var a = Id("ca");
        var b = Id("cb");
        await Ok(await admin.PostAsync(U("/api/orders"), Body(Create(a, """ "machineIds": ["ord-m3", "ord-m4"] """, t, 4))), HttpStatusCode.Created);
        await Problem(await admin.PostAsync(U("/api/orders"), Body(Create(a, """ "machineIds": ["ord-m3"] """, t.AddDays(1), 1))), HttpStatusCode.Conflict);

        var overlap = await Problem(await admin.PostAsync(U("/api/orders"), Body(Create(b, """ "lineId": "ord-line2" """, t.AddHours(3), 4))), HttpStatusCode.Conflict);
        Assert.Equal(a, overlap.GetProperty("conflictingOrderId").GetString());
        await Ok(await admin.PostAsync(U("/api/orders"), Body(Create(b, """ "machineIds": ["ord-m4"] """, t.AddHours(4), 4))), HttpStatusCode.Created);
        var moved = await Problem(await admin.PutAsync(U($"/api/orders/{b}"), Body($$"""{"plannedStart": "{{Ts(t.AddHours(2))}}"}""")), HttpStatusCode.Conflict);
        Assert.Equal(a, moved.GetProperty("conflictingOrderId").GetString());

        await Ok(await admin.PostAsync(U($"/api/orders/{a}/start"), Body($$"""{"at": "{{Ts(t)}}"}""")));
        var busy = await Problem(await admin.PostAsync(U($"/api/orders/{b}/start"), Body($$"""{"at": "{{Ts(t.AddHours(1))}}"}""")), HttpStatusCode.Conflict);
        Assert.Equal((a, "running"), (busy.GetProperty("conflictingOrderId").GetString(), busy.GetProperty("conflictingStatus").GetString()));
        Assert.Contains(a, busy.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var wrong = await Problem(await admin.PostAsync(U($"/api/orders/{a}/release"), Body("{}")), HttpStatusCode.Conflict);
        Assert.Equal("running", wrong.GetProperty("status").GetString());
        Assert.Equal("running", (await Problem(await admin.PutAsync(U($"/api/orders/{a}"), Body("""{"targetQuantity": 5}""")), HttpStatusCode.Conflict)).GetProperty("status").GetString());
        var early = await Problem(await admin.PostAsync(U($"/api/orders/{a}/complete"), Body($$"""{"at": "{{Ts(t.AddMinutes(-1))}}"}""")), HttpStatusCode.BadRequest);
        Assert.True(early.GetProperty("errors").TryGetProperty("at", out _));
        await Ok(await admin.PostAsync(U($"/api/orders/{a}/complete"), Body($$"""{"at": "{{Ts(t.AddHours(4))}}"}""")));
        Assert.Equal("completed", (await Problem(await admin.PostAsync(U($"/api/orders/{a}/cancel"), Body("{}")), HttpStatusCode.Conflict)).GetProperty("status").GetString());
        await Ok(await admin.PostAsync(U($"/api/orders/{b}/start"), Body($$"""{"at": "{{Ts(t.AddHours(4))}}"}""")));
        await Ok(await admin.PostAsync(U($"/api/orders/{b}/cancel"), Body($$"""{"at": "{{Ts(t.AddHours(5))}}"}""")));
    }

    [Fact]
    public async Task TwoConcurrentStarts_OnOneMachine_OneWins_TheOther409()
    {
        var (api, admin) = await ApiAsync();
        await using var owned = api;
        for (var round = 0; round < 5; round++)
        {
            var t = Day.AddDays(60 + round).AddHours(6);
            var x = Id($"x{round}");
            var y = Id($"y{round}");
            await Ok(await admin.PostAsync(U("/api/orders"), Body(Create(x, """ "machineIds": ["ord-m3"] """, t, 1))), HttpStatusCode.Created);
            await Ok(await admin.PostAsync(U("/api/orders"), Body(Create(y, """ "machineIds": ["ord-m3", "ord-m4"] """, t.AddHours(1), 1))), HttpStatusCode.Created);
            var at = Body($$"""{"at": "{{Ts(t)}}"}""");
            var results = await Task.WhenAll(admin.PostAsync(U($"/api/orders/{x}/start"), Body($$"""{"at": "{{Ts(t)}}"}""")), admin.PostAsync(U($"/api/orders/{y}/start"), at));
            Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Conflict], results.Select(r => r.StatusCode).Order());
            var winner = results[0].StatusCode == HttpStatusCode.OK ? x : y;
            await Ok(await admin.PostAsync(U($"/api/orders/{winner}/complete"), Body($$"""{"at": "{{Ts(t.AddMinutes(30))}}"}""")));
        }
    }

    [Fact]
    public async Task TargetChange_IsInTheHistoryAndTheAuditLog_WithWhoAndWhen()
    {
        var (api, admin) = await ApiAsync();
        await using var owned = api;
        var (user, password) = await TestAccess.CreateUserAsync(admin, "supervisor", "ord-sup");
        var (access, _) = await AccessTestKit.LoginAsync(api.CreateClient(), user, password);
        var supervisor = api.CreateClient(access);
        var id = Id("hist");
        var t = Day.AddDays(90).AddHours(6);
        await Ok(await supervisor.PostAsync(U("/api/orders"), Body(Create(id, """ "machineIds": ["ord-m2"] """, t, 8, product: "bracket-b"))), HttpStatusCode.Created);

        var changed = await Ok(await supervisor.PutAsync(U($"/api/orders/{id}"), Body("""{"targetQuantity": 1500, "note": "rush", "version": 1}""")));
        Assert.Equal((1500L, "rush", 2, user), (changed.GetProperty("targetQuantity").GetInt64(), changed.GetProperty("note").GetString(), changed.GetProperty("version").GetInt32(),
            changed.GetProperty("updatedBy").GetString()));
        await Problem(await supervisor.PutAsync(U($"/api/orders/{id}"), Body("""{"targetQuantity": 1600, "version": 1}""")), HttpStatusCode.Conflict);
        Assert.True((await Problem(await supervisor.PutAsync(U($"/api/orders/{id}"), Body("""{"machineIds": ["ord-m1"]}""")), HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("machineIds", out _));
        Assert.True((await Problem(await supervisor.PutAsync(U($"/api/orders/{id}"), Body("""{"product": " "}""")), HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("product", out _));
        Assert.True((await Problem(await supervisor.PutAsync(U($"/api/orders/{id}"), Body($$"""{"plannedEnd": "{{Ts(t.AddHours(-1))}}"}""")), HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("plannedEnd", out _));

        var history = (await Ok(await admin.GetAsync(U($"/api/orders/{id}/history")))).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["created", "updated"], history.Select(h => h.GetProperty("kind").GetString()!));
        Assert.All(history, h => Assert.Equal(user, h.GetProperty("actor").GetString()));
        Assert.Equal((1000L, 1500L), (history[1].GetProperty("before").GetProperty("targetQuantity").GetInt64(), history[1].GetProperty("after").GetProperty("targetQuantity").GetInt64()));
        Assert.Equal("rush", history[1].GetProperty("after").GetProperty("note").GetString());

        Assert.Equal(1, await stack.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'order.update' AND target = $1 AND actor = $2 AND outcome = 'success' AND detail LIKE '%targetQuantity: 1000 -> 1500%'", id, user));
        Assert.Equal(1, await stack.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'order.update' AND target = $1 AND outcome = 'version_mismatch'", id));
    }

    [Fact]
    public async Task Reading_NeedsRead_Planning_NeedsSupervisorOrAdminKey()
    {
        var (api, admin) = await ApiAsync();
        await using var owned = api;
        var (_, readKey) = await TestAccess.CreateKeyAsync(admin, "ord-read", "read");
        var (operatorName, operatorPassword) = await TestAccess.CreateUserAsync(admin, "operator", "ord-op");
        var (opAccess, _) = await AccessTestKit.LoginAsync(api.CreateClient(), operatorName, operatorPassword);
        var id = Id("who");
        var body = Create(id, """ "machineIds": ["ord-m1"] """, Day.AddDays(120), 1);

        Assert.Equal(HttpStatusCode.Unauthorized, (await api.CreateAnonymousClient().GetAsync(U("/api/orders"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await api.CreateClient(readKey).PostAsync(U("/api/orders"), Body(body))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await api.CreateClient(opAccess).PostAsync(U("/api/orders"), Body(body))).StatusCode);
        await Ok(await admin.PostAsync(U("/api/orders"), Body(body)), HttpStatusCode.Created);
        Assert.Equal(HttpStatusCode.Forbidden, (await api.CreateClient(opAccess).PostAsync(U($"/api/orders/{id}/start"), Body("{}"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await api.CreateClient(readKey).PutAsync(U($"/api/orders/{id}"), Body("""{"note": "x"}"""))).StatusCode);
        await Ok(await api.CreateClient(readKey).GetAsync(U($"/api/orders/{id}")));
        await Ok(await api.CreateClient(opAccess).GetAsync(U($"/api/orders/{id}/history")));
        await Ok(await api.CreateClient(readKey).GetAsync(U($"/api/schedule?line=ord-line&from={Ts(Day)}&to={Ts(Day.AddDays(1))}")));
    }

    [Fact]
    public async Task Schedule_ListsTheLinesOrders_WithThePlannedProductionTimeAndWhetherTheyFit()
    {
        var (api, admin) = await ApiAsync();
        await using var owned = api;
        var day = Day.AddDays(150);
        var fits = Id("s1");
        var tooBig = Id("s2");
        // ord-m1 at 1.0 s: 3,600 parts need 3,600 s; the 06:00–09:00 window holds 3 h of production. 20,000 need 20,000 s > 09:30–14:00's 4 h (12:00–12:30 is a break).
        await Ok(await admin.PostAsync(U("/api/orders"), Body(Create(fits, """ "machineIds": ["ord-m1"] """, day.AddHours(6), 3, target: 3600))), HttpStatusCode.Created);
        await Ok(await admin.PostAsync(U("/api/orders"), Body(Create(tooBig, """ "machineIds": ["ord-m1"] """, day.AddHours(9.5), 4.5, target: 20000))), HttpStatusCode.Created);
        await Ok(await admin.PostAsync(U($"/api/orders/{fits}/start"), Body($$"""{"at": "{{Ts(day.AddHours(6).AddMinutes(5))}}"}""")));

        var s = await Ok(await admin.GetAsync(U($"/api/schedule?line=ord-line&from={Ts(day)}&to={Ts(day.AddDays(1))}")));
        Assert.Equal(("ord-line", "ord-t", 7 * 3600d, 3600d + 20000d, false), (s.GetProperty("lineId").GetString(), s.GetProperty("plantId").GetString(),
            s.GetProperty("plannedProductionSeconds").GetDouble(), s.GetProperty("requiredSeconds").GetDouble(), s.GetProperty("fits").GetBoolean()));
        var items = s.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([fits, tooBig], items.Select(i => i.GetProperty("orderId").GetString()!));
        Assert.Equal(("running", day.AddHours(6).AddMinutes(5), 3 * 3600d, 3600d, true), (items[0].GetProperty("status").GetString(), items[0].GetProperty("actualStart").GetDateTimeOffset(),
            items[0].GetProperty("plannedProductionSeconds").GetDouble(), items[0].GetProperty("requiredSeconds").GetDouble(), items[0].GetProperty("fits").GetBoolean()));
        Assert.Equal((4 * 3600d, 20000d, false, JsonValueKind.Null), (items[1].GetProperty("plannedProductionSeconds").GetDouble(), items[1].GetProperty("requiredSeconds").GetDouble(),
            items[1].GetProperty("fits").GetBoolean(), items[1].GetProperty("actualStart").ValueKind));
        var machines = s.GetProperty("machines").EnumerateArray().Select(m => (m.GetProperty("machineId").GetString(), m.GetProperty("requiredSeconds").GetDouble(), m.GetProperty("fits").GetBoolean())).ToList();
        Assert.Equal([("ord-m1", 23_600d, true), ("ord-m2", 0d, true)], machines); // 23,600 s of 25,200 s; the schedule does not fit because tooBig does not fit its window
        await Ok(await admin.PostAsync(U($"/api/orders/{fits}/cancel"), Body($$"""{"at": "{{Ts(day.AddHours(7))}}"}""")));

        Assert.True((await Problem(await admin.GetAsync(U($"/api/schedule?from={Ts(day)}&to={Ts(day)}")), HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("line", out _));
        Assert.True((await Problem(await admin.GetAsync(U($"/api/schedule?line=ord-line&from={Ts(day)}&to={Ts(day)}")), HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("to", out _));
        Assert.True((await Problem(await admin.GetAsync(U($"/api/schedule?line=ord-line&to={Ts(day)}")), HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("from", out _));
        await Problem(await admin.GetAsync(U($"/api/schedule?line=ord-nope&from={Ts(day)}&to={Ts(day.AddDays(1))}")), HttpStatusCode.NotFound);
    }
}
