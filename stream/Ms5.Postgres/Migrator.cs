using Npgsql;

namespace Ms5.Postgres;

/// <summary>
/// Applies the embedded Migrations/NNNN_name.sql scripts in order, each once, each in its own
/// transaction, under an advisory lock so that processes starting together do not race.
/// </summary>
public static class Migrator
{
    private const long LockKey = 0x4D53_3500_0001; // C# literal, sent as a decimal parameter

    public static async Task<IReadOnlyList<string>> MigrateAsync(string connectionString, CancellationToken ct = default)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync(ct);
        await Exec(conn, $"SELECT pg_advisory_lock({LockKey})", ct);
        try
        {
            await Exec(conn, "CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())", ct);
            var applied = new HashSet<string>(StringComparer.Ordinal);
            await using (var cmd = new NpgsqlCommand("SELECT version FROM schema_migrations", conn))
            await using (var r = await cmd.ExecuteReaderAsync(ct))
            {
                while (await r.ReadAsync(ct))
                {
                    applied.Add(r.GetString(0));
                }
            }

            var done = new List<string>();
            foreach (var (version, sql) in Scripts())
            {
                if (applied.Contains(version))
                {
                    continue;
                }

                await using var tx = await conn.BeginTransactionAsync(ct);
                await using (var cmd = new NpgsqlCommand(sql, conn, tx))
                {
                    await cmd.ExecuteNonQueryAsync(ct);
                }

                await using (var cmd = new NpgsqlCommand("INSERT INTO schema_migrations (version) VALUES ($1)", conn, tx))
                {
                    cmd.Parameters.AddWithValue(version);
                    await cmd.ExecuteNonQueryAsync(ct);
                }

                await tx.CommitAsync(ct);
                done.Add(version);
            }

            return done;
        }
        finally
        {
            await Exec(conn, $"SELECT pg_advisory_unlock({LockKey})", CancellationToken.None);
        }
    }

    /// <summary>The versions embedded in this build, in the order they apply (what `validate` expects in schema_migrations).</summary>
    public static IReadOnlyList<string> EmbeddedVersions() => Scripts().Select(s => s.Version).ToList();

    /// <summary>The shipped migrations not yet applied to the database (without applying anything).</summary>
    public static async Task<IReadOnlyList<(string Version, string Sql)>> PendingAsync(string connectionString, CancellationToken ct = default)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync(ct);
        var applied = new HashSet<string>(StringComparer.Ordinal);
        await using (var cmd = new NpgsqlCommand("SELECT version FROM schema_migrations WHERE to_regclass('schema_migrations') IS NOT NULL", conn))
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
                // A new database: everything is pending.
            }
        }

        return Scripts().Where(s => !applied.Contains(s.Version)).ToList();
    }

    internal static IEnumerable<(string Version, string Sql)> Scripts()
    {
        var asm = typeof(Migrator).Assembly;
        foreach (var name in asm.GetManifestResourceNames().Where(n => n.EndsWith(".sql", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var stream = asm.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            var file = name[(name.IndexOf(".Migrations.", StringComparison.Ordinal) + ".Migrations.".Length)..];
            yield return (Path.GetFileNameWithoutExtension(file), reader.ReadToEnd());
        }
    }

    private static async Task Exec(NpgsqlConnection conn, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
