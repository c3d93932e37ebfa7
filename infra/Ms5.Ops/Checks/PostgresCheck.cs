using Ms5.Postgres;
using Npgsql;

namespace Ms5.Ops.Checks;

/// <summary>
/// Check 3: PostgreSQL answers and its schema is at head: schema_migrations holds exactly the migrations embedded
/// in Ms5.Postgres (<see cref="Migrator.EmbeddedVersions"/>); missing ones (not applied) and unknown ones (applied by
/// a newer release than this tool) are named.
/// </summary>
internal static class PostgresCheck
{
    public static Check Create(string? pg) => new("postgres", async ct =>
    {
        if (pg is null)
        {
            return CheckOutcome.Skip("MS5_PG is not set");
        }

        // 15 s: this check is about the schema, not latency; with 5 s a busy server (a fresh clone's CI, every core busy, a
        // first connection's SCRAM and start-up) failed it once while PostgreSQL was fine.
        var cs = new NpgsqlConnectionStringBuilder(PgConnectionString.Convert(pg)) { Timeout = 15, CommandTimeout = 15 };
        await using var conn = new NpgsqlConnection(cs.ConnectionString);
        await conn.OpenAsync(ct);
        var applied = new List<string>();
        await using (var cmd = new NpgsqlCommand("SELECT version FROM schema_migrations ORDER BY version", conn))
        {
            try
            {
                await using var r = await cmd.ExecuteReaderAsync(ct);
                while (await r.ReadAsync(ct))
                {
                    applied.Add(r.GetString(0));
                }
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
            {
                return CheckOutcome.Fail($"{cs.Host}:{cs.Port}/{cs.Database}: no schema_migrations table (database never migrated)");
            }
        }

        return Compare(Migrator.EmbeddedVersions(), applied, $"{cs.Host}:{cs.Port}/{cs.Database}");
    });

    public static CheckOutcome Compare(IReadOnlyList<string> embedded, IReadOnlyList<string> applied, string where)
    {
        var missing = embedded.Except(applied, StringComparer.Ordinal).ToList();
        var unknown = applied.Except(embedded, StringComparer.Ordinal).ToList();
        if (missing.Count == 0 && unknown.Count == 0)
        {
            return CheckOutcome.Pass($"{where}: {applied.Count} migrations, at head {embedded[^1]}");
        }

        var parts = new List<string>();
        if (missing.Count > 0)
        {
            parts.Add($"missing {string.Join(", ", missing)}");
        }

        if (unknown.Count > 0)
        {
            parts.Add($"unknown to this release {string.Join(", ", unknown)}");
        }

        return CheckOutcome.Fail($"{where}: not at head: {string.Join("; ", parts)}");
    }
}
