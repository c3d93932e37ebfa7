using System.Globalization;
using System.Net;
using Ms5.Integration.Tests.Api;
using Ms5.Integration.Tests.Support;
using Npgsql;
using static Ms5.Integration.Tests.Access.AccessTestKit;

namespace Ms5.Integration.Tests.Access;

/// <summary>
/// The audit trail: each audited action leaves a row (actor, role, action, target, outcome, client address) that GET
/// /api/audit finds by user, action and time; only administrators read it; and the database refuses to change it,
/// even through the API's own connection.
/// </summary>
[Collection("stack")]
public sealed class AuditTests(StackFixture stack)
{
    private const string Address = "192.0.2.44";

    private sealed record Row(string Actor, string Role, string Action, string Target, string Outcome, string? ClientAddress);

    private static async Task<List<Row>> AuditAsync(HttpClient admin, string query)
    {
        var resp = await admin.GetAsync(U("/api/audit?" + query));
        Assert.True(resp.StatusCode == HttpStatusCode.OK, await Describe(resp));
        var body = await JsonOf(resp);
        var entries = body.GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal(entries.Count, body.GetProperty("count").GetInt32());
        return entries.Select(e => new Row(e.GetProperty("actor").GetString()!, e.GetProperty("role").GetString()!, e.GetProperty("action").GetString()!,
            e.GetProperty("target").GetString()!, e.GetProperty("outcome").GetString()!, e.GetProperty("clientAddress").GetString())).ToList();
    }

    private static string Q(string s) => Uri.EscapeDataString(s);

    private static string At(DateTimeOffset t) => Q(t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));

    private static void AssertHas(List<Row> rows, Row expected) =>
        Assert.True(rows.Contains(expected), $"no audit row {expected}; rows:\n{string.Join("\n", rows)}");

    [Fact]
    public async Task EveryAuditedAction_LeavesARow_ThatTheAuditApiFinds()
    {
        await EnsurePlantAsync(stack);
        await using var root = new ApiFactory(stack);
        await using var api = root.WithClientAddresses();
        var admin = api.CreateClient();
        admin.DefaultRequestHeaders.Add(ClientAddressHeader, Address);
        var anon = api.Anonymous();
        anon.DefaultRequestHeaders.Add(ClientAddressHeader, Address);
        var start = DateTimeOffset.UtcNow.AddSeconds(-2);

        // Accounts: an engineer who acts on the plant, and one who gets locked out, changed and deleted.
        var engineer = Unique("acc-aud-eng");
        var enginePw = StrongPassword();
        await CreateUserAsync(admin, engineer, enginePw, "engineer");
        Assert.Equal(HttpStatusCode.Unauthorized, (await LoginRawAsync(anon, engineer, "not-the-password")).StatusCode);
        var (token, _) = await LoginAsync(anon, engineer, enginePw);

        var other = Unique("acc-aud-oth");
        var otherPw = StrongPassword();
        await CreateUserAsync(admin, other, otherPw, "viewer");
        for (var i = 0; i < 5; i++)
        {
            await LoginRawAsync(anon, other, "not-the-password");
        }

        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync(U($"/api/users/{other}/unlock"), null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync(U($"/api/users/{other}/roles"), Body("""{"roles": ["operator"]}"""))).StatusCode);
        var (_, refresh) = await LoginAsync(anon, other, otherPw);
        Assert.Equal(HttpStatusCode.OK, (await RefreshAsync(anon, refresh)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(anon, refresh)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync(U($"/api/users/{other}"))).StatusCode);

        // A key made and revoked.
        var keyName = Unique("acc-aud-key");
        var (_, keyId) = await CreateKeyAsync(admin, keyName, "board");
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync(U($"/api/apikeys/{keyId}"))).StatusCode);

        // The engineer on the access tests' plant: an Andon pulled, acknowledged, resolved; the calendar; a report.
        var eng = api.Client(token);
        eng.DefaultRequestHeaders.Add(ClientAddressHeader, Address);
        var pull = await eng.PostAsync(U("/api/andon"), Body(new { machineId = MachineId, summary = "audit test", by = "somebody-else" }));
        Assert.True(pull.StatusCode == HttpStatusCode.Created, await Describe(pull));
        var andon = await JsonOf(pull);
        var andonId = andon.GetProperty("id").GetGuid();
        Assert.Equal(engineer, andon.GetProperty("raisedBy").GetString());
        Assert.Equal(HttpStatusCode.OK, (await eng.PostAsync(U($"/api/andon/{andonId}/ack"), Body("{}"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await eng.PostAsync(U($"/api/andon/{andonId}/resolve"), Body("""{"note": "fixed"}"""))).StatusCode);
        var calendar = await eng.PutAsync(U($"/api/plant/calendar?plant={PlantId}"), Body("""{"holidays": ["2026-12-25"]}"""));
        Assert.True(calendar.StatusCode == HttpStatusCode.OK, await Describe(calendar));
        var report = await eng.PostAsync(U("/api/reports"), Body($$"""{"kind": "shift", "lineId": "{{LineId}}", "day": "2026-01-05", "shift": "early"}"""));
        Assert.True(report.StatusCode is HttpStatusCode.Created or HttpStatusCode.Accepted, await Describe(report));
        var reportId = (await JsonOf(report)).GetProperty("id").GetString()!;
        var end = DateTimeOffset.UtcNow.AddSeconds(2);

        var window = $"from={At(start)}&to={At(end)}";
        var mine = await AuditAsync(admin, $"user={Q(engineer)}&{window}");
        AssertHas(mine, new(engineer, "none", "auth.login", engineer, "invalid", Address));
        AssertHas(mine, new(engineer, "engineer", "auth.login", engineer, "success", Address));
        AssertHas(mine, new(engineer, "engineer", "andon.pull", $"{andonId} ({MachineId})", "success", Address));
        AssertHas(mine, new(engineer, "engineer", "andon.ack", andonId.ToString(), "success", Address));
        AssertHas(mine, new(engineer, "engineer", "andon.resolve", andonId.ToString(), "success", Address));
        AssertHas(mine, new(engineer, "engineer", "calendar.update", PlantId, "success", Address));
        Assert.Contains(mine, r => r with { Outcome = "" } == new Row(engineer, "engineer", "report.request", reportId, "", Address) && r.Outcome is "created" or "queued");

        var theirs = await AuditAsync(admin, $"user={Q(other)}&{window}");
        AssertHas(theirs, new(other, "none", "auth.lockout", other, "locked", Address));
        AssertHas(theirs, new(other, "none", "auth.login", other, "locked_out", Address));
        AssertHas(theirs, new(other, "operator", "auth.login", other, "success", Address));
        AssertHas(theirs, new(other, "none", "auth.refresh.reuse", other, "family_revoked", Address));

        const string Bootstrap = "key:bootstrap-admin";
        var changes = await AuditAsync(admin, $"user={Q(Bootstrap)}&action=user.&{window}");
        Assert.All(changes, r => Assert.StartsWith("user.", r.Action, StringComparison.Ordinal));
        AssertHas(changes, new(Bootstrap, "key:admin", "user.create", engineer, "success", Address));
        AssertHas(changes, new(Bootstrap, "key:admin", "user.create", other, "success", Address));
        AssertHas(changes, new(Bootstrap, "key:admin", "user.unlock", other, "success", Address));
        AssertHas(changes, new(Bootstrap, "key:admin", "user.roles", other, "success", Address));
        AssertHas(changes, new(Bootstrap, "key:admin", "user.delete", other, "success", Address));

        var keys = await AuditAsync(admin, $"action=apikey.&{window}");
        AssertHas(keys, new(Bootstrap, "key:admin", "apikey.create", $"{keyId} ({keyName})", "success", Address));
        AssertHas(keys, new(Bootstrap, "key:admin", "apikey.revoke", $"{keyId} ({keyName})", "success", Address));

        // Exact action, and the time window: nothing of this before it started.
        Assert.All(await AuditAsync(admin, $"user={Q(engineer)}&action=andon.ack&{window}"), r => Assert.Equal("andon.ack", r.Action));
        Assert.Single(await AuditAsync(admin, $"user={Q(engineer)}&action=andon.ack&{window}"));
        Assert.Empty(await AuditAsync(admin, $"user={Q(engineer)}&to={At(start)}"));
        Assert.Empty(await AuditAsync(admin, $"user={Q(engineer)}&from={At(end)}"));
        Assert.Equal(2, (await AuditAsync(admin, $"user={Q(engineer)}&{window}&limit=2")).Count);
    }

    [Fact]
    public async Task OnlyAdministratorsReadTheAuditTrail_AndBadQueriesAre400()
    {
        await using var api = new ApiFactory(stack);
        var admin = api.CreateClient();
        var anon = api.Anonymous();
        var viewer = Unique("acc-aud-view");
        var password = StrongPassword();
        await CreateUserAsync(admin, viewer, password, "viewer");
        var (token, _) = await LoginAsync(anon, viewer, password);
        var (readKey, _) = await CreateKeyAsync(admin, Unique("acc-aud-read"), "read");

        Assert.Equal(HttpStatusCode.Forbidden, (await anon.GetAs("/api/audit", token)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await anon.GetAs("/api/audit", readKey)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anon.GetAsync(U("/api/audit"))).StatusCode);

        foreach (var query in new[] { "from=yesterday", "to=2026-01-01T00:00:00Z&from=2026-02-01T00:00:00Z", "limit=0", "limit=abc", "bogus=1", "user=" + new string('x', 300) })
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await admin.GetAsync(U("/api/audit?" + query))).StatusCode);
        }
    }

    [Theory]
    [InlineData("UPDATE audit_log SET outcome = 'tampered'")]
    [InlineData("DELETE FROM audit_log")]
    [InlineData("TRUNCATE audit_log")]
    [InlineData("UPDATE audit_log SET actor = 'nobody' WHERE id = (SELECT max(id) FROM audit_log)")]
    public async Task TheDatabase_RefusesToChangeTheAuditTrail_ThroughTheApisConnection(string sql)
    {
        // Make sure there is at least one row.
        await using (var api = new ApiFactory(stack))
        {
            await LoginRawAsync(api.Anonymous(), Unique("acc-aud-db"), "whatever-password");
        }

        var before = await stack.ScalarAsync("SELECT count(*) FROM audit_log");
        Assert.True(before > 0);
        await using var connection = new NpgsqlConnection(stack.Pg);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        var refused = await Assert.ThrowsAsync<PostgresException>(() => cmd.ExecuteNonQueryAsync());
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);

        Assert.Equal(before, await stack.ScalarAsync("SELECT count(*) FROM audit_log"));
        Assert.Equal(0, await stack.ScalarAsync("SELECT count(*) FROM audit_log WHERE outcome = 'tampered' OR actor = 'nobody'"));

        // Appending stays possible (the API must write it).
        await using var insert = new NpgsqlCommand("INSERT INTO audit_log (actor, role, action, target, outcome) VALUES ('test', 'none', 'test.append', 'audit_log', 'success')", connection);
        Assert.Equal(1, await insert.ExecuteNonQueryAsync());
    }
}
