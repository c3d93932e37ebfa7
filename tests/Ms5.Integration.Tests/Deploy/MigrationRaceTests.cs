using Ms5.Integration.Tests.Support;
using Ms5.Postgres;
using Npgsql;

namespace Ms5.Integration.Tests.Deploy;

/// <summary>
/// Two MS5 databases on one fresh PostgreSQL server (a plant's staging and production, or two test stacks) migrated at
/// the same moment. The analysts' role ms5_reader belongs to the whole server: both migrations see it missing and create
/// it, and the second waits on the first's new row, then finds it taken. Made certain here: the first database's
/// migration 0007 holds its transaction open until the second's is seen waiting. Both succeed, the role exists once and
/// reads plant data (never keys) in both. A private server, so the role really is missing at the start.
/// </summary>
public sealed class MigrationRaceTests
{
    [Fact]
    public async Task TwoDatabasesCreatingTheReaderRoleAtOnce_BothMigrate_AndTheRoleReadsEach()
    {
        await using var pg = await TestPostgres.CreateAsync();
        string Cs(string db) => new NpgsqlConnectionStringBuilder(pg.ConnectionString) { Database = db }.ConnectionString;
        var scripts = Migrator.Scripts().ToList();
        var reader = scripts.Single(s => s.Version.StartsWith("0007_", StringComparison.Ordinal));
        var before = scripts.TakeWhile(s => s != reader).ToList();
        string[] names = ["ms5_race_a", "ms5_race_b"];
        await using (var admin = new NpgsqlConnection(pg.ConnectionString))
        {
            await admin.OpenAsync();
            await Exec(admin, "SELECT count(*) FROM pg_roles WHERE rolname = 'ms5_reader'", 0L);
            foreach (var name in names)
            {
                await Exec(admin, $"CREATE DATABASE {name}");
            }
        }

        var conns = new List<NpgsqlConnection>();
        try
        {
            foreach (var name in names)
            {
                var conn = new NpgsqlConnection(Cs(name));
                conns.Add(conn);
                await conn.OpenAsync();
                await Exec(conn, "CREATE TABLE schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())");
                foreach (var (version, sql) in before.Append(reader))
                {
                    await Exec(conn, $"INSERT INTO schema_migrations (version) VALUES ('{version}')");
                    if (version != reader.Version)
                    {
                        await Exec(conn, sql);
                    }
                }
            }

            var (a, b) = (conns[0], conns[1]);
            await using var txA = await a.BeginTransactionAsync();
            await using (var first = new NpgsqlCommand(reader.Sql, a, txA))
            {
                await first.ExecuteNonQueryAsync();
            }

            var bPid = b.ProcessID;
            await using var txB = await b.BeginTransactionAsync();
            await using var second = new NpgsqlCommand(reader.Sql, b, txB);
            var secondRun = second.ExecuteNonQueryAsync();
            await using (var watch = new NpgsqlConnection(pg.ConnectionString))
            {
                await watch.OpenAsync();
                await Eventually.TrueAsync(async () =>
                {
                    await using var waiting = new NpgsqlCommand("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $1", watch);
                    waiting.Parameters.AddWithValue(bPid);
                    return await waiting.ExecuteScalarAsync() is true;
                }, TimeSpan.FromSeconds(20), () => "the second migration waiting on the first's role");
            }

            await txA.CommitAsync();
            await secondRun;
            await txB.CommitAsync();
        }
        finally
        {
            foreach (var conn in conns)
            {
                await conn.DisposeAsync();
            }
        }

        foreach (var name in names)
        {
            Assert.DoesNotContain(await Migrator.MigrateAsync(Cs(name)), v => v == reader.Version);
            Assert.Empty(await Migrator.PendingAsync(Cs(name)));
            await using var analyst = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(Cs(name)) { Username = "ms5_reader" }.ConnectionString);
            await analyst.OpenAsync();
            await Exec(analyst, "SELECT count(*) FROM machines", 0L);
            var denied = await Assert.ThrowsAsync<PostgresException>(() => Exec(analyst, "SELECT count(*) FROM api_keys"));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, denied.SqlState);
        }

        await using var check = new NpgsqlConnection(pg.ConnectionString);
        await check.OpenAsync();
        await Exec(check, "SELECT count(*) FROM pg_roles WHERE rolname = 'ms5_reader'", 1L);
    }

    private static async Task Exec(NpgsqlConnection conn, string sql, long? expected = null)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        var result = await cmd.ExecuteScalarAsync();
        if (expected is { } e)
        {
            Assert.Equal(e, Assert.IsType<long>(result));
        }
    }
}
