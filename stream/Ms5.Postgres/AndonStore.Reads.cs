using Ms5.Analytics.Andon;
using Npgsql;

namespace Ms5.Postgres;

// Reading stored Andons: by id, lists, transitions, and what Alertmanager has not been told yet.
public static partial class AndonStore
{
    /// <summary>The stored Andons with these ids.</summary>
    public static async Task<Dictionary<Guid, AndonRecord>> GetManyAsync(NpgsqlDataSource db, IReadOnlyCollection<Guid> ids, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(ids);
        await using var cmd = db.CreateCommand($"SELECT {Columns} FROM andons WHERE andon_id = ANY($1)");
        cmd.Parameters.AddWithValue(ids.ToArray());
        var result = new Dictionary<Guid, AndonRecord>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var a = Read(r);
            result[a.Id] = a;
        }

        return result;
    }

    public static async Task<AndonRecord?> GetAsync(NpgsqlDataSource db, Guid id, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        await using var cmd = db.CreateCommand($"SELECT {Columns} FROM andons WHERE andon_id = $1");
        cmd.Parameters.AddWithValue(id);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? Read(r) : null;
    }

    /// <summary>Andons, newest first: only open ones when <paramref name="active"/>, else those raised in [from, to).</summary>
    public static async Task<List<AndonRecord>> ListAsync(NpgsqlDataSource db, bool active, string? line, string? machine, DateTimeOffset? from, DateTimeOffset? to, int limit, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        await using var cmd = db.CreateCommand($"""
            SELECT {Columns} FROM andons
            WHERE ($1 = false OR resolved_at IS NULL) AND ($2::text IS NULL OR line_id = $2) AND ($3::text IS NULL OR machine_id = $3)
              AND ($4::timestamptz IS NULL OR raised_at >= $4) AND ($5::timestamptz IS NULL OR raised_at < $5)
            ORDER BY raised_at DESC, andon_id LIMIT $6
            """);
        cmd.Parameters.AddWithValue(active);
        cmd.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Text, (object?)line ?? DBNull.Value);
        cmd.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Text, (object?)machine ?? DBNull.Value);
        cmd.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.TimestampTz, from is { } f ? f.UtcDateTime : DBNull.Value);
        cmd.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.TimestampTz, to is { } t ? t.UtcDateTime : DBNull.Value);
        cmd.Parameters.AddWithValue(limit);
        var list = new List<AndonRecord>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            list.Add(Read(r));
        }

        return list;
    }

    public static async Task<List<AndonTransition>> TransitionsAsync(NpgsqlDataSource db, Guid id, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        await using var cmd = db.CreateCommand("SELECT andon_id, transition, level, at, actor, note FROM andon_transitions WHERE andon_id = $1 ORDER BY at, recorded_at, level");
        cmd.Parameters.AddWithValue(id);
        var list = new List<AndonTransition>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            list.Add(new AndonTransition(r.GetGuid(0), r.GetString(1), r.GetInt32(2), Utc(r.GetDateTime(3)), r.GetString(4), r.IsDBNull(5) ? null : r.GetString(5)));
        }

        return list;
    }

    /// <summary>
    /// Andons whose Alertmanager state is behind: never posted, level or resolution changed, or firing and
    /// last posted before <paramref name="repostBefore"/> (alerts expire unless re-posted).
    /// </summary>
    public static async Task<List<(AndonRecord Andon, int? PostedLevel)>> UnsyncedAsync(NpgsqlDataSource db, DateTimeOffset repostBefore, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        await using var cmd = db.CreateCommand($"""
            SELECT {Columns}, am_level FROM andons
            WHERE NOT am_resolved AND (
                (resolved_at IS NULL AND (am_level IS DISTINCT FROM level OR am_posted_at IS NULL OR am_posted_at < $1))
                OR resolved_at IS NOT NULL)
            ORDER BY updated_at LIMIT {UnsyncedLimit}
            """);
        cmd.Parameters.AddWithValue(repostBefore.UtcDateTime);
        var list = new List<(AndonRecord, int?)>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            list.Add((Read(r), r.IsDBNull(18) ? null : r.GetInt32(18)));
        }

        return list;
    }

    /// <summary>The most Andons <see cref="UnsyncedAsync"/> returns at once.</summary>
    public const int UnsyncedLimit = 500;

    /// <summary>Records what Alertmanager now knows of these Andons (each: its firing level, or null; whether it is resolved there).</summary>
    public static async Task MarkPostedAsync(NpgsqlDataSource db, IReadOnlyList<(Guid Id, int? FiringLevel, bool Resolved)> posted, DateTimeOffset at, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(posted);
        if (posted.Count == 0)
        {
            return;
        }

        await using var cmd = db.CreateCommand("""
            UPDATE andons a SET am_level = p.level, am_resolved = p.resolved, am_posted_at = $4
            FROM unnest($1::uuid[], $2::int[], $3::bool[]) AS p(id, level, resolved) WHERE a.andon_id = p.id
            """);
        cmd.Parameters.AddWithValue(posted.Select(p => p.Id).ToArray());
        cmd.Parameters.AddWithValue(posted.Select(p => p.FiringLevel).ToArray());
        cmd.Parameters.AddWithValue(posted.Select(p => p.Resolved).ToArray());
        cmd.Parameters.AddWithValue(at.UtcDateTime);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static AndonRecord Read(NpgsqlDataReader r) => new(
        r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6), r.GetString(7),
        Utc(r.GetDateTime(8)), Utc(r.GetDateTime(9)), r.GetString(10), r.GetInt32(11),
        r.IsDBNull(12) ? null : Utc(r.GetDateTime(12)), r.IsDBNull(13) ? null : r.GetString(13),
        r.IsDBNull(14) ? null : Utc(r.GetDateTime(14)), r.IsDBNull(15) ? null : r.GetString(15), r.IsDBNull(16) ? null : r.GetString(16))
    {
        Assignee = r.IsDBNull(17) ? null : r.GetString(17),
    };

    private static DateTimeOffset Utc(DateTime d) => new(DateTime.SpecifyKind(d, DateTimeKind.Utc));
}
