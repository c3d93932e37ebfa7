using Npgsql;

namespace Ms5.Postgres.Access;

/// <summary>An API key as stored: never the key itself, only its SHA-256 and its first characters (to recognise it in a list).</summary>
public sealed record ApiKeyRecord(
    Guid Id, string Name, string Prefix, IReadOnlyList<string> Scopes, string CreatedBy, DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt)
{
    public bool IsValidAt(DateTimeOffset now) => RevokedAt is null && (ExpiresAt is null || ExpiresAt > now);
}

/// <summary>Table api_keys (migration 0016).</summary>
public static class ApiKeyStore
{
    private const string Columns = "id, name, prefix, scopes, created_by, created_at, expires_at, revoked_at, last_used_at";

    public static async Task InsertAsync(NpgsqlDataSource db, ApiKeyRecord key, byte[] keyHash, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            INSERT INTO api_keys (id, name, prefix, key_hash, scopes, created_by, created_at, expires_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            """);
        cmd.Parameters.AddWithValue(key.Id);
        cmd.Parameters.AddWithValue(key.Name);
        cmd.Parameters.AddWithValue(key.Prefix);
        cmd.Parameters.AddWithValue(keyHash);
        cmd.Parameters.AddWithValue(key.Scopes.ToArray());
        cmd.Parameters.AddWithValue(key.CreatedBy);
        cmd.Parameters.AddWithValue(key.CreatedAt.UtcDateTime);
        cmd.Parameters.AddWithValue(key.ExpiresAt is { } e ? e.UtcDateTime : DBNull.Value);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The key whose SHA-256 is <paramref name="keyHash"/>, revoked or expired ones included (the caller decides).</summary>
    public static async Task<ApiKeyRecord?> FindByHashAsync(NpgsqlDataSource db, byte[] keyHash, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand($"SELECT {Columns} FROM api_keys WHERE key_hash = $1");
        cmd.Parameters.AddWithValue(keyHash);
        return (await ReadAsync(cmd, ct)).FirstOrDefault();
    }

    public static async Task<ApiKeyRecord?> GetAsync(NpgsqlDataSource db, Guid id, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand($"SELECT {Columns} FROM api_keys WHERE id = $1");
        cmd.Parameters.AddWithValue(id);
        return (await ReadAsync(cmd, ct)).FirstOrDefault();
    }

    public static async Task<IReadOnlyList<ApiKeyRecord>> ListAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand($"SELECT {Columns} FROM api_keys ORDER BY created_at, id");
        return await ReadAsync(cmd, ct);
    }

    /// <summary>
    /// Revokes the key; false when there is no such key or it was revoked already. The board sessions opened with it end
    /// with it (a session of a key is accepted only while its key is valid), and say why.
    /// </summary>
    public static async Task<bool> RevokeAsync(NpgsqlDataSource db, Guid id, DateTimeOffset now, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            WITH k AS (UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING id)
            SELECT count(*) FROM k
            """);
        cmd.Parameters.AddWithValue(id);
        cmd.Parameters.AddWithValue(now.UtcDateTime);
        return await cmd.ExecuteScalarAsync(ct) is long n && n > 0;
    }

    /// <summary>Marks the key used (at most once a minute per key, so a busy gateway does not write a row per request).</summary>
    public static async Task TouchAsync(NpgsqlDataSource db, Guid id, DateTimeOffset now, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("UPDATE api_keys SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2 - interval '1 minute')");
        cmd.Parameters.AddWithValue(id);
        cmd.Parameters.AddWithValue(now.UtcDateTime);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// The bootstrap key from a secrets file (./ms5 up's admin key): inserted under its name when its hash is
    /// not stored yet; an earlier bootstrap key of that name (the file was rotated) is revoked.
    /// </summary>
    public static async Task<bool> EnsureBootstrapAsync(NpgsqlDataSource db, ApiKeyRecord key, byte[] keyHash, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await using (var existing = new NpgsqlCommand("SELECT 1 FROM api_keys WHERE key_hash = $1", conn, tx))
        {
            existing.Parameters.AddWithValue(keyHash);
            if (await existing.ExecuteScalarAsync(ct) is not null)
            {
                return false;
            }
        }

        await using (var revoke = new NpgsqlCommand("UPDATE api_keys SET revoked_at = $2 WHERE name = $1 AND created_by = $3 AND revoked_at IS NULL", conn, tx))
        {
            revoke.Parameters.AddWithValue(key.Name);
            revoke.Parameters.AddWithValue(key.CreatedAt.UtcDateTime);
            revoke.Parameters.AddWithValue(key.CreatedBy);
            await revoke.ExecuteNonQueryAsync(ct);
        }

        await using (var insert = new NpgsqlCommand("""
            INSERT INTO api_keys (id, name, prefix, key_hash, scopes, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
            """, conn, tx))
        {
            insert.Parameters.AddWithValue(key.Id);
            insert.Parameters.AddWithValue(key.Name);
            insert.Parameters.AddWithValue(key.Prefix);
            insert.Parameters.AddWithValue(keyHash);
            insert.Parameters.AddWithValue(key.Scopes.ToArray());
            insert.Parameters.AddWithValue(key.CreatedBy);
            insert.Parameters.AddWithValue(key.CreatedAt.UtcDateTime);
            await insert.ExecuteNonQueryAsync(ct);
        }

        await tx.CommitAsync(ct);
        return true;
    }

    private static async Task<List<ApiKeyRecord>> ReadAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var list = new List<ApiKeyRecord>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            list.Add(new ApiKeyRecord(r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetFieldValue<string[]>(3), r.GetString(4),
                r.GetFieldValue<DateTimeOffset>(5), Opt(r, 6), Opt(r, 7), Opt(r, 8)));
        }

        return list;
    }

    internal static DateTimeOffset? Opt(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetFieldValue<DateTimeOffset>(i);
}
