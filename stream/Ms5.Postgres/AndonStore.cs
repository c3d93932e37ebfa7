using Ms5.Analytics.Andon;
using Npgsql;

namespace Ms5.Postgres;

/// <summary>An Andon as stored; <see cref="Status"/> is where it is in its lifecycle.</summary>
public sealed record AndonRecord(
    Guid Id, string PlantId, string LineId, string MachineId, string RuleId, string Kind, string Severity, string Summary,
    DateTimeOffset Since, DateTimeOffset RaisedAt, string RaisedBy, int Level,
    DateTimeOffset? AckedAt, string? AckedBy, DateTimeOffset? ResolvedAt, string? ResolvedBy, string? Resolution)
{
    public string Status => ResolvedAt is not null ? "resolved" : AckedAt is not null ? "acknowledged" : Level > 1 ? "escalated" : "raised";
}

/// <summary>One lifecycle step of an Andon, stored once (raised, escalated per level, acknowledged, resolved).</summary>
public sealed record AndonTransition(Guid AndonId, string Transition, int Level, DateTimeOffset At, string Actor, string? Note);

/// <summary>An episode found by the rules, with where it happened and the rule's configuration.</summary>
/// <remarks><see cref="ResolveOnly"/>: the condition ended before its threshold; only an Andon already raised for it (on time, before the ending event arrived) is resolved.</remarks>
public sealed record AndonFinding(AndonEpisode Episode, string PlantId, string LineId, AndonRule Rule, AndonConfig Config, bool ResolveOnly = false);

/// <summary>Why an operator's request on an Andon was refused.</summary>
public enum AndonRefusal
{
    None,
    NotFound,
    AlreadyAcknowledged,
    AlreadyResolved,
}

/// <summary>
/// The Andon lifecycle in PostgreSQL. Every change is a row update plus a transition row keyed by
/// (andon, transition, level): applying the same finding twice, or after a restart, changes nothing.
/// </summary>
public static class AndonStore
{
    private const string Columns = "andon_id, plant_id, line_id, machine_id, rule_id, kind, severity, summary, since, raised_at, raised_by, level, acked_at, acked_by, resolved_at, resolved_by, resolution";

    public static string KindName(AndonKind k) => k switch
    {
        AndonKind.NoCounts => "no_counts",
        AndonKind.LowOee => "low_oee",
        AndonKind.RejectRate => "reject_rate",
        _ => k.ToString().ToLowerInvariant(),
    };

    public static string SeverityName(AndonSeverity s) => s.ToString().ToLowerInvariant();

    /// <summary>
    /// Stores what the rules found, set-based (a replay can find thousands per batch): new Andons are raised,
    /// escalated as far as their timers ran before the condition cleared (or now) and resolved if it did; open
    /// ones whose condition cleared are resolved. Returns the transitions that were new.
    /// </summary>
    public static async Task<List<AndonTransition>> ApplyAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, IReadOnlyList<AndonFinding> findings, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(findings);
        var transitions = new List<AndonTransition>();
        if (findings.Count == 0)
        {
            return transitions;
        }

        var all = findings.DistinctBy(f => f.Episode.Id).ToList();
        var items = all.Where(f => !f.ResolveOnly).ToList();
        var levels = items.Select(f =>
        {
            var until = f.Episode.ClearedAt is { } c && c < now ? c : now;
            return f.Config.EscalationTimes(f.Episode.RaisedAt).Where(x => x.At <= until).ToList();
        }).ToList();
        await using (var insert = new NpgsqlCommand($"""
            INSERT INTO andons ({Columns})
            SELECT id, p, l, m, r, k, s, su, si, ra, 'system', lv, NULL, NULL, NULL, NULL, NULL
            FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::timestamptz[], $10::timestamptz[], $11::int[])
                 AS v(id, p, l, m, r, k, s, su, si, ra, lv)
            ON CONFLICT (andon_id) DO NOTHING
            RETURNING andon_id
            """, conn, tx))
        {
            insert.Parameters.AddWithValue(items.Select(f => f.Episode.Id).ToArray());
            insert.Parameters.AddWithValue(items.Select(f => f.PlantId).ToArray());
            insert.Parameters.AddWithValue(items.Select(f => f.LineId).ToArray());
            insert.Parameters.AddWithValue(items.Select(f => f.Episode.MachineId).ToArray());
            insert.Parameters.AddWithValue(items.Select(f => f.Episode.RuleId).ToArray());
            insert.Parameters.AddWithValue(items.Select(f => KindName(f.Rule.Kind)).ToArray());
            insert.Parameters.AddWithValue(items.Select(f => SeverityName(f.Rule.Severity)).ToArray());
            insert.Parameters.AddWithValue(items.Select(f => f.Episode.Summary).ToArray());
            insert.Parameters.AddWithValue(items.Select(f => f.Episode.Since.UtcDateTime).ToArray());
            insert.Parameters.AddWithValue(items.Select(f => f.Episode.RaisedAt.UtcDateTime).ToArray());
            insert.Parameters.AddWithValue(levels.Select(l => 1 + l.Count).ToArray());
            var index = items.Select((f, i) => (f.Episode.Id, i)).ToDictionary(x => x.Id, x => x.i);
            await using var r = await insert.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                var i = index[r.GetGuid(0)];
                var e = items[i].Episode;
                transitions.Add(new AndonTransition(e.Id, "raised", 1, e.RaisedAt, "system", null));
                transitions.AddRange(levels[i].Select(x => new AndonTransition(e.Id, "escalated", x.Level, x.At, "system", null)));
            }
        }

        var cleared = all.Where(f => f.Episode.ClearedAt is { } c && c <= now).ToList();
        if (cleared.Count > 0)
        {
            await using var resolve = new NpgsqlCommand("""
                UPDATE andons a SET resolved_at = v.c, resolved_by = 'system', resolution = 'cleared', updated_at = now()
                FROM unnest($1::uuid[], $2::timestamptz[]) AS v(id, c)
                WHERE a.andon_id = v.id AND a.resolved_at IS NULL
                RETURNING a.andon_id, a.level, v.c
                """, conn, tx);
            resolve.Parameters.AddWithValue(cleared.Select(f => f.Episode.Id).ToArray());
            resolve.Parameters.AddWithValue(cleared.Select(f => f.Episode.ClearedAt!.Value.UtcDateTime).ToArray());
            await using var r = await resolve.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                transitions.Add(new AndonTransition(r.GetGuid(0), "resolved", r.GetInt32(1), Utc(r.GetDateTime(2)), "system", "condition cleared"));
            }
        }

        await InsertTransitionsAsync(conn, tx, transitions, ct);
        return transitions;
    }

    private static async Task InsertTransitionsAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, List<AndonTransition> transitions, CancellationToken ct)
    {
        if (transitions.Count == 0)
        {
            return;
        }

        await using var cmd = new NpgsqlCommand("""
            INSERT INTO andon_transitions (andon_id, transition, level, at, actor, note)
            SELECT * FROM unnest($1::uuid[], $2::text[], $3::int[], $4::timestamptz[], $5::text[], $6::text[])
            ON CONFLICT DO NOTHING
            """, conn, tx);
        cmd.Parameters.AddWithValue(transitions.Select(t => t.AndonId).ToArray());
        cmd.Parameters.AddWithValue(transitions.Select(t => t.Transition).ToArray());
        cmd.Parameters.AddWithValue(transitions.Select(t => t.Level).ToArray());
        cmd.Parameters.AddWithValue(transitions.Select(t => t.At.UtcDateTime).ToArray());
        cmd.Parameters.AddWithValue(transitions.Select(t => t.Actor).ToArray());
        cmd.Parameters.Add(new NpgsqlParameter { Value = transitions.Select(t => (object?)t.Note ?? DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text });
        await cmd.ExecuteNonQueryAsync(ct);
    }

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

    /// <summary>Escalates unacknowledged open Andons whose timers have run out; returns the new transitions.</summary>
    public static async Task<List<AndonTransition>> EscalateDueAsync(NpgsqlConnection conn, Func<string, AndonConfig?> configOf, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(configOf);
        var due = new List<(Guid Id, int Level, DateTimeOffset At)>();
        await using (var cmd = new NpgsqlCommand("SELECT andon_id, plant_id, raised_at, level FROM andons WHERE resolved_at IS NULL AND acked_at IS NULL AND level < 3", conn))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
            {
                if (configOf(r.GetString(1)) is not { } config)
                {
                    continue;
                }

                var raisedAt = Utc(r.GetDateTime(2));
                var current = r.GetInt32(3);
                due.AddRange(config.EscalationTimes(raisedAt).Where(x => x.Level > current && x.At <= now).Select(x => (r.GetGuid(0), x.Level, x.At)));
            }
        }

        var transitions = new List<AndonTransition>();
        foreach (var (id, level, at) in due)
        {
            transitions.AddRange(await EscalateToAsync(conn, null, id, level, at, ct));
        }

        return transitions;
    }

    private static async Task<List<AndonTransition>> EscalateToAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Guid id, int level, DateTimeOffset at, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            UPDATE andons SET level = $2, updated_at = now() WHERE andon_id = $1 AND level < $2 AND acked_at IS NULL AND (resolved_at IS NULL OR resolved_at > $3)
            """, conn, tx);
        cmd.Parameters.AddWithValue(id);
        cmd.Parameters.AddWithValue(level);
        cmd.Parameters.AddWithValue(at.UtcDateTime);
        return await cmd.ExecuteNonQueryAsync(ct) == 1 ? [await TransitionAsync(conn, tx, id, "escalated", level, at, "system", null, ct)] : [];
    }

    private static async Task<AndonTransition> TransitionAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Guid id, string transition, int level, DateTimeOffset at, string actor, string? note, CancellationToken ct)
    {
        var t = new AndonTransition(id, transition, level, at, actor, note);
        await InsertTransitionsAsync(conn, tx, [t], ct);
        return t;
    }

    /// <summary>An operator pulls the Andon cord on a machine (a manual Andon, raised now).</summary>
    public static async Task<(AndonRecord Andon, AndonTransition Raised)> PullAsync(NpgsqlDataSource db, string plantId, string lineId, string machineId, AndonRule rule, string summary, string actor, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(rule);
        var id = Guid.CreateVersion7(now);
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await using (var cmd = new NpgsqlCommand($"INSERT INTO andons ({Columns}) VALUES ($1, $2, $3, $4, $5, 'manual', $6, $7, $8, $8, $9, 1, NULL, NULL, NULL, NULL, NULL)", conn, tx))
        {
            cmd.Parameters.AddWithValue(id);
            cmd.Parameters.AddWithValue(plantId);
            cmd.Parameters.AddWithValue(lineId);
            cmd.Parameters.AddWithValue(machineId);
            cmd.Parameters.AddWithValue(rule.Id);
            cmd.Parameters.AddWithValue(SeverityName(rule.Severity));
            cmd.Parameters.AddWithValue(summary);
            cmd.Parameters.AddWithValue(now.UtcDateTime);
            cmd.Parameters.AddWithValue(actor);
            await cmd.ExecuteNonQueryAsync(ct);
        }

        var raised = await TransitionAsync(conn, tx, id, "raised", 1, now, actor, summary, ct);
        await tx.CommitAsync(ct);
        return ((await GetAsync(db, id, ct))!, raised);
    }

    /// <summary>Acknowledges an open Andon (stops its escalation).</summary>
    public static Task<(AndonRefusal Refusal, AndonRecord? Andon, AndonTransition? Transition)> AcknowledgeAsync(NpgsqlDataSource db, Guid id, string actor, string? note, DateTimeOffset now, CancellationToken ct) =>
        ChangeAsync(db, id, "acknowledged", actor, note, now, ct);

    /// <summary>Resolves an open Andon by hand.</summary>
    public static Task<(AndonRefusal Refusal, AndonRecord? Andon, AndonTransition? Transition)> ResolveAsync(NpgsqlDataSource db, Guid id, string actor, string? note, DateTimeOffset now, CancellationToken ct) =>
        ChangeAsync(db, id, "resolved", actor, note, now, ct);

    private static async Task<(AndonRefusal, AndonRecord?, AndonTransition?)> ChangeAsync(NpgsqlDataSource db, Guid id, string transition, string actor, string? note, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await using var select = new NpgsqlCommand("SELECT level, acked_at IS NOT NULL, resolved_at IS NOT NULL FROM andons WHERE andon_id = $1 FOR UPDATE", conn, tx);
        select.Parameters.AddWithValue(id);
        int level;
        await using (var r = await select.ExecuteReaderAsync(ct))
        {
            if (!await r.ReadAsync(ct))
            {
                return (AndonRefusal.NotFound, null, null);
            }

            if (r.GetBoolean(2))
            {
                return (AndonRefusal.AlreadyResolved, null, null);
            }

            if (transition == "acknowledged" && r.GetBoolean(1))
            {
                return (AndonRefusal.AlreadyAcknowledged, null, null);
            }

            level = r.GetInt32(0);
        }

        var sql = transition == "acknowledged"
            ? "UPDATE andons SET acked_at = $2, acked_by = $3, updated_at = now() WHERE andon_id = $1"
            : "UPDATE andons SET resolved_at = $2, resolved_by = $3, resolution = 'manual', updated_at = now() WHERE andon_id = $1";
        await using (var update = new NpgsqlCommand(sql, conn, tx))
        {
            update.Parameters.AddWithValue(id);
            update.Parameters.AddWithValue(now.UtcDateTime);
            update.Parameters.AddWithValue(actor);
            await update.ExecuteNonQueryAsync(ct);
        }

        var t = await TransitionAsync(conn, tx, id, transition, level, now, actor, note, ct);
        await tx.CommitAsync(ct);
        return (AndonRefusal.None, await GetAsync(db, id, ct), t);
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
            ORDER BY updated_at LIMIT 500
            """);
        cmd.Parameters.AddWithValue(repostBefore.UtcDateTime);
        var list = new List<(AndonRecord, int?)>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            list.Add((Read(r), r.IsDBNull(17) ? null : r.GetInt32(17)));
        }

        return list;
    }

    /// <summary>Records what Alertmanager now knows of an Andon.</summary>
    public static async Task MarkPostedAsync(NpgsqlDataSource db, Guid id, int? firingLevel, bool resolved, DateTimeOffset at, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        await using var cmd = db.CreateCommand("UPDATE andons SET am_level = $2, am_resolved = $3, am_posted_at = $4 WHERE andon_id = $1");
        cmd.Parameters.AddWithValue(id);
        cmd.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Integer, (object?)firingLevel ?? DBNull.Value);
        cmd.Parameters.AddWithValue(resolved);
        cmd.Parameters.AddWithValue(at.UtcDateTime);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static AndonRecord Read(NpgsqlDataReader r) => new(
        r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6), r.GetString(7),
        Utc(r.GetDateTime(8)), Utc(r.GetDateTime(9)), r.GetString(10), r.GetInt32(11),
        r.IsDBNull(12) ? null : Utc(r.GetDateTime(12)), r.IsDBNull(13) ? null : r.GetString(13),
        r.IsDBNull(14) ? null : Utc(r.GetDateTime(14)), r.IsDBNull(15) ? null : r.GetString(15), r.IsDBNull(16) ? null : r.GetString(16));

    private static DateTimeOffset Utc(DateTime d) => new(DateTime.SpecifyKind(d, DateTimeKind.Utc));
}

/// <summary>What the Andon board shows besides OEE and Andons: each machine's current state.</summary>
public static class BoardQueries
{
    /// <summary>The current state of every machine the historian has seen a state event of: state, reason, since.</summary>
    public static async Task<Dictionary<string, (string State, string? Reason, DateTimeOffset Since)>> CurrentStatesAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        await using var cmd = db.CreateCommand("SELECT DISTINCT ON (machine_id) machine_id, state, reason, start_ts FROM state_intervals ORDER BY machine_id, start_ts DESC");
        var result = new Dictionary<string, (string, string?, DateTimeOffset)>(StringComparer.Ordinal);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            result[r.GetString(0)] = (r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), new DateTimeOffset(DateTime.SpecifyKind(r.GetDateTime(3), DateTimeKind.Utc)));
        }

        return result;
    }
}
