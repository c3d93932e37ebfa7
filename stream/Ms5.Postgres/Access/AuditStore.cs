using Npgsql;

namespace Ms5.Postgres.Access;

/// <summary>One line of the audit trail.</summary>
public sealed record AuditEntry(
    long Id, DateTimeOffset At, string Actor, string Role, string Action, string Target, string Outcome, string? ClientAddress, string? Detail);

/// <summary>Table audit_log (migration 0016): append-only, so there is only append and read.</summary>
public static class AuditStore
{
    public static async Task AppendAsync(NpgsqlDataSource db, string actor, string role, string action, string target, string outcome, string? clientAddress, string? detail, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("INSERT INTO audit_log (actor, role, action, target, outcome, client_address, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)");
        cmd.Parameters.AddWithValue(actor);
        cmd.Parameters.AddWithValue(role);
        cmd.Parameters.AddWithValue(action);
        cmd.Parameters.AddWithValue(target);
        cmd.Parameters.AddWithValue(outcome);
        cmd.Parameters.AddWithValue(clientAddress is null ? DBNull.Value : clientAddress);
        cmd.Parameters.AddWithValue(detail is null ? DBNull.Value : detail);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Entries in [from, to), newest first; <paramref name="action"/> matches exactly or as a prefix ending in '.' (e.g. "andon." or "auth.login").</summary>
    public static async Task<IReadOnlyList<AuditEntry>> QueryAsync(NpgsqlDataSource db, DateTimeOffset? from, DateTimeOffset? to, string? actor, string? action, int limit, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            SELECT id, at, actor, role, action, target, outcome, client_address, detail FROM audit_log
            WHERE ($1::timestamptz IS NULL OR at >= $1) AND ($2::timestamptz IS NULL OR at < $2)
              AND ($3::text IS NULL OR actor = $3)
              AND ($4::text IS NULL OR action = $4 OR (right($4, 1) = '.' AND starts_with(action, $4)))
            ORDER BY id DESC LIMIT $5
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = from is { } f ? f.UtcDateTime : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        cmd.Parameters.Add(new NpgsqlParameter { Value = to is { } t ? t.UtcDateTime : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)actor ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)action ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        cmd.Parameters.AddWithValue(limit);
        var list = new List<AuditEntry>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            list.Add(new AuditEntry(r.GetInt64(0), r.GetFieldValue<DateTimeOffset>(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6),
                r.IsDBNull(7) ? null : r.GetString(7), r.IsDBNull(8) ? null : r.GetString(8)));
        }

        return list;
    }
}
