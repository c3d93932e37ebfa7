using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Ms5.Analytics.Assignments;
using Ms5.Analytics.Plant;
using Ms5.Integration.Tests.Support;
using Ms5.Postgres;

namespace Ms5.Integration.Tests.Api;

/// <summary>PUT and GET /api/assignments against the real API, database and accounts: changes, history, audit, validation.</summary>
[Collection("stack-api")]
public sealed class AssignmentsApiTests(StackFixture stack)
{
    // Three shifts cover every hour of every day (UTC), so "the shift running now" always exists; Christmas is a holiday.
    private const string PlantJson = """
        { "plantId": "asg-t", "timeZone": "UTC",
          "reasonCodes": [ { "code": "jam", "category": "unplanned" } ],
          "shifts": [
            { "name": "a", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "00:00", "end": "08:00" },
            { "name": "b", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "08:00", "end": "16:00" },
            { "name": "c", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "16:00", "end": "00:00" } ],
          "holidays": ["2026-12-25"],
          "lines": [
            { "id": "asg-line", "machines": [ { "id": "asg-1", "idealCycleSeconds": 1.0 }, { "id": "asg-2", "idealCycleSeconds": 1.0 } ] },
            { "id": "asg-line2", "machines": [ { "id": "asg-3", "idealCycleSeconds": 1.0 } ] } ] }
        """;

    private static readonly Uri Assignments = new("/api/assignments", UriKind.Relative);

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private async Task<ApiFactory> StartAsync()
    {
        await new PlantStore(stack.Db).SaveAsync(PlantConfigParser.Parse(PlantJson), PlantJson);
        return new ApiFactory(stack);
    }

    private static async Task<(HttpClient Client, string Name)> SignInAsync(ApiFactory api, HttpClient admin, string role)
    {
        var (user, password) = await TestAccess.CreateUserAsync(admin, role, "asg-" + role);
        var login = await admin.PostAsJsonAsync(new Uri("/api/auth/login", UriKind.Relative), new { userName = user, password });
        var client = api.CreateClient((await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!);
        var name = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/auth/me", UriKind.Relative))).RootElement.GetProperty("name").GetString()!;
        return (client, name);
    }

    private static async Task<List<JsonElement>> ListAsync(HttpClient client, string query)
    {
        var resp = await client.GetAsync(new Uri("/api/assignments" + query, UriKind.Relative));
        Assert.True(resp.StatusCode == HttpStatusCode.OK, $"GET /api/assignments{query}: {(int)resp.StatusCode} {await resp.Content.ReadAsStringAsync()}");
        return JsonDocument.Parse(await resp.Content.ReadAsStringAsync()).RootElement.GetProperty("items").EnumerateArray().ToList();
    }

    [Fact]
    public async Task Put_AssignsChangesAndClears_GetLists_EachChangeInHistoryAndAudit_OnlySupervisorsMayWrite()
    {
        await using var api = await StartAsync();
        var admin = api.CreateClient();
        var (supervisor, supervisorName) = await SignInAsync(api, admin, "supervisor");
        var (op, _) = await SignInAsync(api, admin, "operator");
        var (jane, _) = await TestAccess.CreateUserAsync(admin, "operator", "asg-jane");
        var (joe, _) = await TestAccess.CreateUserAsync(admin, "viewer", "asg-joe");

        // An operator may read but not plan.
        var refused = await op.PutAsync(Assignments, Json($$"""{"day":"2026-11-26","shift":"a","machineId":"asg-1","userName":"{{jane}}"}"""));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Empty(await ListAsync(op, "?day=2026-11-26"));

        // Assign (the user name as the account spells it, whatever the case sent).
        var put = await supervisor.PutAsync(Assignments, Json($$"""{"day":"2026-11-26","shift":"a","machineId":"asg-1","userName":"{{jane.ToUpperInvariant()}}"}"""));
        var body = await put.Content.ReadAsStringAsync();
        Assert.True(put.StatusCode == HttpStatusCode.OK, body);
        var set = JsonDocument.Parse(body).RootElement;
        var a = set.GetProperty("assignment");
        Assert.Equal(("2026-11-26", "a", "asg-1", "asg-line", jane, supervisorName),
            (a.GetProperty("day").GetString(), a.GetProperty("shift").GetString(), a.GetProperty("machineId").GetString(), a.GetProperty("lineId").GetString(),
             a.GetProperty("userName").GetString(), a.GetProperty("assignedBy").GetString()));
        Assert.Equal((JsonValueKind.Null, true), (set.GetProperty("previousUserName").ValueKind, set.GetProperty("changed").GetBoolean()));
        await supervisor.PutAsync(Assignments, Json($$"""{"day":"2026-11-26","shift":"b","machineId":"asg-3","userName":"{{joe}}"}"""));

        // The same again changes nothing: no history, no audit.
        var again = JsonDocument.Parse(await (await supervisor.PutAsync(Assignments, Json($$"""{"day":"2026-11-26","shift":"a","machineId":"asg-1","userName":"{{jane}}"}"""))).Content.ReadAsStringAsync()).RootElement;
        Assert.Equal((false, jane), (again.GetProperty("changed").GetBoolean(), again.GetProperty("previousUserName").GetString()));
        Assert.Equal(a.GetProperty("assignedAt").GetDateTimeOffset(), again.GetProperty("assignment").GetProperty("assignedAt").GetDateTimeOffset());

        // Filters: day, shift, line.
        var all = await ListAsync(op, "?day=2026-11-26");
        Assert.Equal([("asg-1", "a", jane), ("asg-3", "b", joe)], all.Select(i => (i.GetProperty("machineId").GetString(), i.GetProperty("shift").GetString(), i.GetProperty("userName").GetString())));
        Assert.Equal(["asg-3"], (await ListAsync(op, "?day=2026-11-26&line=asg-line2")).Select(i => i.GetProperty("machineId").GetString()));
        Assert.Equal(["asg-1"], (await ListAsync(op, "?day=2026-11-26&shift=a&line=asg-line")).Select(i => i.GetProperty("machineId").GetString()));
        Assert.Empty(await ListAsync(op, "?day=2026-11-27"));

        // Reassign, then clear with userName null.
        var changed = JsonDocument.Parse(await (await supervisor.PutAsync(Assignments, Json($$"""{"day":"2026-11-26","shift":"a","machineId":"asg-1","userName":"{{joe}}"}"""))).Content.ReadAsStringAsync()).RootElement;
        Assert.Equal((jane, joe), (changed.GetProperty("previousUserName").GetString(), changed.GetProperty("assignment").GetProperty("userName").GetString()));
        var cleared = await supervisor.PutAsync(Assignments, Json("""{"day":"2026-11-26","shift":"a","machineId":"asg-1","userName":null}"""));
        Assert.Equal(HttpStatusCode.OK, cleared.StatusCode);
        var clearedBody = JsonDocument.Parse(await cleared.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal((joe, JsonValueKind.Null, true), (clearedBody.GetProperty("previousUserName").GetString(), clearedBody.GetProperty("assignment").GetProperty("userName").ValueKind, clearedBody.GetProperty("changed").GetBoolean()));
        Assert.Equal(["asg-3"], (await ListAsync(op, "?day=2026-11-26")).Select(i => i.GetProperty("machineId").GetString()));

        // History keeps every change of the slot, in order, with who made it.
        var history = await AssignmentStore.HistoryAsync(stack.Db, new ShiftSlot(new DateOnly(2026, 11, 26), "a"), "asg-1", CancellationToken.None);
        Assert.Equal([(null, jane, supervisorName), (jane, joe, supervisorName), (joe, null, supervisorName)], history.Select(h => (h.Before, h.After, h.ChangedBy)));
        await Assert.ThrowsAnyAsync<Npgsql.PostgresException>(() => stack.ScalarAsync("DELETE FROM assignment_history WHERE machine_id = 'asg-1'"));

        // Audit: set, set (the change), clear — the unchanged PUT and the refused one left nothing.
        var audit = JsonDocument.Parse(await admin.GetStringAsync(new Uri($"/api/audit?action=assignment.&user={Uri.EscapeDataString(supervisorName)}&limit=50", UriKind.Relative))).RootElement;
        var entries = audit.GetProperty("entries").EnumerateArray()
            .Where(e => e.GetProperty("target").GetString()!.StartsWith("asg-1 ", StringComparison.Ordinal))
            .Select(e => (e.GetProperty("action").GetString(), e.GetProperty("target").GetString(), e.GetProperty("detail").GetString())).Reverse().ToList();
        Assert.Equal([
            ("assignment.set", "asg-1 2026-11-26 a", $"(nobody) -> {jane}"),
            ("assignment.set", "asg-1 2026-11-26 a", $"{jane} -> {joe}"),
            ("assignment.clear", "asg-1 2026-11-26 a", $"{joe} -> (nobody)")], entries);
    }

    [Fact]
    public async Task Get_WithoutDay_ListsTheCurrentProductionDay()
    {
        await using var api = await StartAsync();
        var admin = api.CreateClient();
        var (jane, _) = await TestAccess.CreateUserAsync(admin, "operator", "asg-jane");
        var slot = ShiftSlot.At(PlantConfigParser.Parse(PlantJson).Calendar, DateTimeOffset.UtcNow)!.Value;
        var day = slot.Day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync(Assignments, Json($$"""{"day":"{{day}}","shift":"{{slot.Shift}}","machineId":"asg-2","userName":"{{jane}}"}"""))).StatusCode);

        var items = await ListAsync(admin, "?line=asg-line");

        var item = Assert.Single(items, i => i.GetProperty("machineId").GetString() == "asg-2");
        Assert.Equal((day, slot.Shift, jane), (item.GetProperty("day").GetString(), item.GetProperty("shift").GetString(), item.GetProperty("userName").GetString()));
    }

    [Theory]
    [InlineData("""{"shift":"a","machineId":"asg-1","userName":"x"}""", "day")]
    [InlineData("""{"day":"2026-13-01","shift":"a","machineId":"asg-1","userName":"x"}""", "day")]
    [InlineData("""{"day":"26.11.2026","shift":"a","machineId":"asg-1","userName":"x"}""", "day")]
    [InlineData("""{"day":"2026-11-26","machineId":"asg-1","userName":"x"}""", "shift")]
    [InlineData("""{"day":"2026-11-26","shift":"lunch","machineId":"asg-1","userName":"x"}""", "shift")]
    [InlineData("""{"day":"2026-12-25","shift":"a","machineId":"asg-1","userName":"x"}""", "shift")]
    [InlineData("""{"day":"2026-11-26","shift":"a","userName":"x"}""", "machineId")]
    [InlineData("""{"day":"2026-11-26","shift":"a","machineId":"asg-1"}""", "userName")]
    [InlineData("""{"day":"2026-11-26","shift":"a","machineId":"asg-1","userName":5}""", "userName")]
    [InlineData("""{"day":"2026-11-26","shift":"a","machineId":"asg-1","userName":"  "}""", "userName")]
    [InlineData("""{"day":"2026-11-26","shift":"a","machineId":"asg-1","userName":null,"by":"mallory"}""", "$")]
    public async Task Put_WithABadField_Is400NamingIt(string body, string field)
    {
        await using var api = await StartAsync();
        var resp = await api.CreateClient().PutAsync(Assignments, Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, resp.StatusCode);
        var errors = JsonDocument.Parse(await resp.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out _), errors.ToString());
    }

    [Fact]
    public async Task Put_UnknownMachineOrUser_Is404_NotJson_Is415_NotAnObject_Is400()
    {
        await using var api = await StartAsync();
        var admin = api.CreateClient();
        var (jane, _) = await TestAccess.CreateUserAsync(admin, "operator", "asg-jane");

        var machine = await admin.PutAsync(Assignments, Json($$"""{"day":"2026-11-26","shift":"a","machineId":"asg-nope","userName":"{{jane}}"}"""));
        var user = await admin.PutAsync(Assignments, Json("""{"day":"2026-11-26","shift":"a","machineId":"asg-1","userName":"asg-nobody-at-all"}"""));
        var text = await admin.PutAsync(Assignments, new StringContent("day=2026-11-26", Encoding.UTF8, "text/plain"));
        var array = await admin.PutAsync(Assignments, Json("[1, 2]"));

        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound, HttpStatusCode.UnsupportedMediaType, HttpStatusCode.BadRequest),
            (machine.StatusCode, user.StatusCode, text.StatusCode, array.StatusCode));
        Assert.Contains("asg-nope", await machine.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("asg-nobody-at-all", await user.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await stack.ScalarAsync("SELECT count(*) FROM assignments WHERE user_name = 'asg-nobody-at-all' OR machine_id = 'asg-nope'"));
    }

    [Theory]
    [InlineData("?day=2026-11-31", "day")]
    [InlineData("?day=today", "day")]
    [InlineData("?shift=lunch", "shift")]
    [InlineData("?machine=asg-1", "query")]
    public async Task Get_WithABadParameter_Is400NamingIt(string query, string field)
    {
        await using var api = await StartAsync();
        var resp = await api.CreateClient().GetAsync(new Uri("/api/assignments" + query, UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, resp.StatusCode);
        var errors = JsonDocument.Parse(await resp.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out _), errors.ToString());
    }

    [Fact]
    public async Task Get_UnknownLine_Is404()
    {
        await using var api = await StartAsync();
        var resp = await api.CreateClient().GetAsync(new Uri("/api/assignments?line=asg-no-line", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, resp.StatusCode);
        Assert.Contains("asg-no-line", await resp.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
