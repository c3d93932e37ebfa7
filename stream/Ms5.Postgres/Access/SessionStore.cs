using Npgsql;

namespace Ms5.Postgres.Access;

/// <summary>What a browser session cookie stands for: a person (user id) or a TV opened with a board key (key id).</summary>
public sealed record WebSession(string? UserId, Guid? ApiKeyId, DateTimeOffset ExpiresAt);

/// <summary>A refresh token's family and owner as looked up when it is presented.</summary>
public sealed record RefreshTokenRecord(Guid FamilyId, string UserId, DateTimeOffset ExpiresAt, DateTimeOffset? SpentAt, DateTimeOffset? RevokedAt);

/// <summary>Tables web_sessions and refresh_tokens (migration 0016): only SHA-256 hashes of the secrets are stored.</summary>
public static class SessionStore
{
    public static async Task CreateWebSessionAsync(NpgsqlDataSource db, byte[] tokenHash, string? userId, Guid? apiKeyId, DateTimeOffset now, DateTimeOffset expiresAt, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("INSERT INTO web_sessions (token_hash, user_id, api_key_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)");
        cmd.Parameters.AddWithValue(tokenHash);
        cmd.Parameters.AddWithValue(userId is null ? DBNull.Value : userId);
        cmd.Parameters.AddWithValue(apiKeyId is { } k ? k : DBNull.Value);
        cmd.Parameters.AddWithValue(now.UtcDateTime);
        cmd.Parameters.AddWithValue(expiresAt.UtcDateTime);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The live session with this hash (not revoked, not expired at <paramref name="now"/>), or null.</summary>
    public static async Task<WebSession?> FindWebSessionAsync(NpgsqlDataSource db, byte[] tokenHash, DateTimeOffset now, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("SELECT user_id, api_key_id, expires_at FROM web_sessions WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2");
        cmd.Parameters.AddWithValue(tokenHash);
        cmd.Parameters.AddWithValue(now.UtcDateTime);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct)
            ? new WebSession(r.IsDBNull(0) ? null : r.GetString(0), r.IsDBNull(1) ? null : r.GetGuid(1), r.GetFieldValue<DateTimeOffset>(2))
            : null;
    }

    public static async Task RevokeWebSessionAsync(NpgsqlDataSource db, byte[] tokenHash, DateTimeOffset now, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("UPDATE web_sessions SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL");
        cmd.Parameters.AddWithValue(tokenHash);
        cmd.Parameters.AddWithValue(now.UtcDateTime);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Ends every session and refresh family of a user (password reset, lockout by an admin, role change, deletion).</summary>
    public static async Task RevokeUserAsync(NpgsqlDataSource db, string userId, DateTimeOffset now, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            WITH s AS (UPDATE web_sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL)
            UPDATE refresh_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL
            """);
        cmd.Parameters.AddWithValue(userId);
        cmd.Parameters.AddWithValue(now.UtcDateTime);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public static async Task InsertRefreshTokenAsync(NpgsqlDataSource db, byte[] tokenHash, Guid familyId, string userId, DateTimeOffset now, DateTimeOffset expiresAt, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("INSERT INTO refresh_tokens (token_hash, family_id, user_id, issued_at, expires_at) VALUES ($1, $2, $3, $4, $5)");
        cmd.Parameters.AddWithValue(tokenHash);
        cmd.Parameters.AddWithValue(familyId);
        cmd.Parameters.AddWithValue(userId);
        cmd.Parameters.AddWithValue(now.UtcDateTime);
        cmd.Parameters.AddWithValue(expiresAt.UtcDateTime);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>What spending a refresh token found.</summary>
    public enum SpendOutcome
    {
        /// <summary>It was live: it is spent now and <c>next</c> was added to its family.</summary>
        Rotated,
        Unknown,
        Expired,
        /// <summary>It was spent or revoked before: the whole family is revoked now (a stolen token was replayed).</summary>
        Reused,
    }

    /// <summary>
    /// Spends the refresh token <paramref name="tokenHash"/> and adds <paramref name="nextHash"/> to its family, in one
    /// transaction with the row locked (two concurrent refreshes with the same token: one rotates, the other is a reuse).
    /// </summary>
    public static async Task<(SpendOutcome Outcome, RefreshTokenRecord? Token)> RotateRefreshTokenAsync(
        NpgsqlDataSource db, byte[] tokenHash, byte[] nextHash, DateTimeOffset now, DateTimeOffset nextExpiresAt, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        RefreshTokenRecord? token = null;
        await using (var find = new NpgsqlCommand("SELECT family_id, user_id, expires_at, spent_at, revoked_at FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE", conn, tx))
        {
            find.Parameters.AddWithValue(tokenHash);
            await using var r = await find.ExecuteReaderAsync(ct);
            if (await r.ReadAsync(ct))
            {
                token = new RefreshTokenRecord(r.GetGuid(0), r.GetString(1), r.GetFieldValue<DateTimeOffset>(2), ApiKeyStore.Opt(r, 3), ApiKeyStore.Opt(r, 4));
            }
        }

        if (token is null)
        {
            return (SpendOutcome.Unknown, null);
        }

        if (token.SpentAt is not null || token.RevokedAt is not null)
        {
            await using var revoke = new NpgsqlCommand("UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL", conn, tx);
            revoke.Parameters.AddWithValue(token.FamilyId);
            revoke.Parameters.AddWithValue(now.UtcDateTime);
            await revoke.ExecuteNonQueryAsync(ct);
            await tx.CommitAsync(ct);
            return (SpendOutcome.Reused, token);
        }

        if (token.ExpiresAt <= now)
        {
            return (SpendOutcome.Expired, token);
        }

        await using (var spend = new NpgsqlCommand("UPDATE refresh_tokens SET spent_at = $2 WHERE token_hash = $1", conn, tx))
        {
            spend.Parameters.AddWithValue(tokenHash);
            spend.Parameters.AddWithValue(now.UtcDateTime);
            await spend.ExecuteNonQueryAsync(ct);
        }

        await using (var insert = new NpgsqlCommand("INSERT INTO refresh_tokens (token_hash, family_id, user_id, issued_at, expires_at) VALUES ($1, $2, $3, $4, $5)", conn, tx))
        {
            insert.Parameters.AddWithValue(nextHash);
            insert.Parameters.AddWithValue(token.FamilyId);
            insert.Parameters.AddWithValue(token.UserId);
            insert.Parameters.AddWithValue(now.UtcDateTime);
            insert.Parameters.AddWithValue(nextExpiresAt.UtcDateTime);
            await insert.ExecuteNonQueryAsync(ct);
        }

        await tx.CommitAsync(ct);
        return (SpendOutcome.Rotated, token);
    }

    /// <summary>Revokes the family a refresh token belongs to (logout); returns its user, or null for an unknown token.</summary>
    public static async Task<string?> RevokeFamilyOfAsync(NpgsqlDataSource db, byte[] tokenHash, DateTimeOffset now, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            UPDATE refresh_tokens t SET revoked_at = $2 FROM (SELECT family_id, user_id FROM refresh_tokens WHERE token_hash = $1) f
            WHERE t.family_id = f.family_id AND t.revoked_at IS NULL RETURNING f.user_id
            """);
        cmd.Parameters.AddWithValue(tokenHash);
        cmd.Parameters.AddWithValue(now.UtcDateTime);
        return await cmd.ExecuteScalarAsync(ct) as string;
    }

    public static async Task RevokeFamilyAsync(NpgsqlDataSource db, Guid familyId, DateTimeOffset now, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL");
        cmd.Parameters.AddWithValue(familyId);
        cmd.Parameters.AddWithValue(now.UtcDateTime);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Whether the family has been revoked (logout, reuse) or is gone (its user was deleted): its access tokens stop
    /// working before they expire. Every family has a row from the login that started it.
    /// </summary>
    public static async Task<bool> IsFamilyRevokedAsync(NpgsqlDataSource db, Guid familyId, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("SELECT coalesce(bool_and(revoked_at IS NOT NULL), true) FROM refresh_tokens WHERE family_id = $1");
        cmd.Parameters.AddWithValue(familyId);
        return await cmd.ExecuteScalarAsync(ct) is true;
    }
}
