using Microsoft.Extensions.Time.Testing;
using Ms5.Analytics.Plant;
using Ms5.Integration.Tests.Support;
using Ms5.Postgres;

namespace Ms5.Integration.Tests.Plant;

/// <summary>
/// The plant cache every host validates machine ids with: a machine stored just after the cache was loaded (added through
/// the API while events for it are on their way) is known at once, inside the reload rate limit; a truly unknown id
/// stays unknown without a reload; a caller that waited for a reload whose snapshot missed a machine stored meanwhile
/// still finds it.
/// </summary>
[Collection("stack-oee")]
public sealed class PlantDirectoryTests(StackFixture stack)
{
    private static string Plant(params string[] machines) => $$"""
        { "plantId": "pdir-p", "timeZone": "UTC",
          "reasonCodes": [ { "code": "jam", "category": "unplanned" } ],
          "shifts": [ { "name": "day", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "06:00", "end": "14:00" } ],
          "lines": [ { "id": "pdir-l1", "machines": [ {{string.Join(", ", machines.Select(m => $$"""{ "id": "{{m}}", "idealCycleSeconds": 1.0 }"""))}} ] } ] }
        """;

    [Fact]
    public async Task MachineStoredRightAfterALoad_IsKnownAtOnce_AnUnknownIdStaysUnknown()
    {
        var store = new PlantStore(stack.Db);
        await store.SaveAsync(PlantConfigParser.Parse(Plant("pdir-m1")), Plant("pdir-m1"));
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var directory = new PlantDirectory(stack.Db, clock);
        await directory.EnsureLoadedAsync(["pdir-m1"], CancellationToken.None);
        Assert.True(directory.IsKnown("pdir-m1"));

        // Added 100 ms after the load: the rate limit (2 s) has not passed, yet the machine is known and has its context.
        await store.SaveAsync(PlantConfigParser.Parse(Plant("pdir-m1", "pdir-m2")), Plant("pdir-m1", "pdir-m2"));
        clock.Advance(TimeSpan.FromMilliseconds(100));
        Assert.False(directory.IsKnown("pdir-m2"));
        await directory.EnsureLoadedAsync(["pdir-m1", "pdir-m2"], CancellationToken.None);
        Assert.True(directory.IsKnown("pdir-m2"));
        Assert.Equal("pdir-l1", directory.LineOf("pdir-m2"));

        await store.SaveAsync(PlantConfigParser.Parse(Plant("pdir-m1", "pdir-m2", "pdir-m3")), Plant("pdir-m1", "pdir-m2", "pdir-m3"));
        clock.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal("pdir-m3", (await directory.FindAsync("pdir-m3", CancellationToken.None))?.MachineId);

        // Never stored: one lookup says so, no reload; still unknown.
        await directory.EnsureLoadedAsync(["pdir-nope"], CancellationToken.None);
        Assert.False(directory.IsKnown("pdir-nope"));
        Assert.Null(await directory.FindAsync("pdir-nope", CancellationToken.None));
    }

    [Fact]
    public async Task AReloadOverlappingAPlantWrite_SeesAllOfItOrNone_SoTheNewMachineIsFoundWithItsContext()
    {
        string Json(params string[] machines) => Plant(machines).Replace("pdir-", "prace-", StringComparison.Ordinal);
        await new PlantStore(stack.Db).SaveAsync(PlantConfigParser.Parse(Json("pdir-m1")), Json("pdir-m1"));
        // Its own application name: the fixture's historian may be reloading its cache (the same query) at the same time.
        await using var own = Npgsql.NpgsqlDataSource.Create(new Npgsql.NpgsqlConnectionStringBuilder(stack.Pg) { ApplicationName = "pdir-race" }.ConnectionString);
        var directory = new PlantDirectory(own, TimeProvider.System);

        // The writer holds the machines table: the reload reads the plant files, then waits for the machine rows; the
        // writer adds prace-m2 (plant file and row, in one transaction, as the API does) and commits.
        await using var conn = await stack.Db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await using (var hold = new Npgsql.NpgsqlCommand("LOCK TABLE machines IN ACCESS EXCLUSIVE MODE", conn, tx))
        {
            await hold.ExecuteNonQueryAsync();
        }

        var reload = directory.ReloadAsync(CancellationToken.None);
        await Eventually.TrueAsync(
            async () => await stack.ScalarAsync(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'pdir-race' AND wait_event_type = 'Lock' AND query LIKE 'SELECT machine_id, line_id FROM machines%'") == 1,
            TimeSpan.FromSeconds(20), () => "the reload waiting for the machine rows");
        var added = Json("pdir-m1", "pdir-m2");
        await PlantStore.WriteAsync(conn, tx, PlantConfigParser.Parse(added), added, new PlantChange("api", null, "test", "machine prace-m2 added"), CancellationToken.None);
        await tx.CommitAsync();
        await reload;

        // Known means it has its OEE context (both from before the write here); the engine's lookup then finds it.
        Assert.Equal(directory.IsKnown("prace-m2"), directory.All.Any(c => c.MachineId == "prace-m2"));
        Assert.Equal("prace-m2", (await directory.FindAsync("prace-m2", CancellationToken.None))?.MachineId);
        Assert.Equal("prace-l1", directory.LineOf("prace-m2"));
    }

    [Fact]
    public async Task ACallerWaitingForAReloadWhoseSnapshotMissesTheNewMachine_StillFindsIt()
    {
        string Json(params string[] machines) => Plant(machines).Replace("pdir-", "pwait-", StringComparison.Ordinal);
        await new PlantStore(stack.Db).SaveAsync(PlantConfigParser.Parse(Json("pdir-m1")), Json("pdir-m1"));
        await using var own = Npgsql.NpgsqlDataSource.Create(new Npgsql.NpgsqlConnectionStringBuilder(stack.Pg) { ApplicationName = "pdir-wait" }.ConnectionString);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var directory = new PlantDirectory(own, clock);
        await directory.EnsureLoadedAsync(["pwait-m1"], CancellationToken.None);
        clock.Advance(PlantDirectory.MinReloadInterval);

        // Reload B (another caller's, e.g. the early validation of the next chunk) reads the plant files, then waits for
        // the machine rows, which a plant write holds.
        await using var conn = await stack.Db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await using (var hold = new Npgsql.NpgsqlCommand("LOCK TABLE machines IN ACCESS EXCLUSIVE MODE", conn, tx))
        {
            await hold.ExecuteNonQueryAsync();
        }

        var reloadB = directory.RefreshAsync(PlantDirectory.MinReloadInterval, CancellationToken.None);
        await Eventually.TrueAsync(
            async () => await stack.ScalarAsync(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'pdir-wait' AND wait_event_type = 'Lock' AND query LIKE 'SELECT machine_id, line_id FROM machines%'") == 1,
            TimeSpan.FromSeconds(20), () => "reload B waiting for the machine rows");

        // Caller A asks for pwait-m2: the cache is older than the rate limit, so A waits for a reload, and B is the one
        // running. Then pwait-m2 is stored (plant file and row, as the API does) and B ends with its snapshot from before.
        var callerA = directory.EnsureLoadedAsync(["pwait-m2"], CancellationToken.None);
        Assert.False(callerA.IsCompleted);
        var added = Json("pdir-m1", "pdir-m2");
        await PlantStore.WriteAsync(conn, tx, PlantConfigParser.Parse(added), added, new PlantChange("api", null, "test", "machine pwait-m2 added"), CancellationToken.None);
        await tx.CommitAsync();
        await reloadB;
        await callerA;

        // A answered after pwait-m2 was stored: it is known, with its line and its OEE context (not dead-lettered as unknown).
        Assert.True(directory.IsKnown("pwait-m2"));
        Assert.Equal("pwait-l1", directory.LineOf("pwait-m2"));
        Assert.Contains(directory.All, c => c.MachineId == "pwait-m2");
    }

    [Fact]
    public async Task MachineDeletedElsewhere_IsForgotten_OnceTheCacheIsOlderThanMaxAge()
    {
        var json = Plant("pdir-m1").Replace("pdir-", "pdel-", StringComparison.Ordinal);
        var store = new PlantStore(stack.Db);
        await store.SaveAsync(PlantConfigParser.Parse(json), json);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var directory = new PlantDirectory(stack.Db, clock);
        await directory.EnsureLoadedAsync(["pdel-m1"], CancellationToken.None);
        Assert.True(directory.IsKnown("pdel-m1"));

        // Another process deletes the plant: a known id asks for nothing until the cache is MaxAge old.
        await stack.ScalarAsync("DELETE FROM machines WHERE plant_id = 'pdel-p'");
        await stack.ScalarAsync("DELETE FROM plants WHERE plant_id = 'pdel-p'");
        clock.Advance(PlantDirectory.MaxAge - TimeSpan.FromSeconds(1));
        await directory.EnsureLoadedAsync(["pdel-m1"], CancellationToken.None);
        Assert.True(directory.IsKnown("pdel-m1"));
        clock.Advance(TimeSpan.FromSeconds(1));
        await directory.EnsureLoadedAsync(["pdel-m1"], CancellationToken.None);
        Assert.False(directory.IsKnown("pdel-m1"));
        Assert.Null(await directory.FindAsync("pdel-m1", CancellationToken.None));
    }
}
