using Ms5.Analytics.Andon;
using Ms5.Analytics.Assignments;
using Npgsql;

namespace Ms5.Postgres;

/// <summary>
/// Andons in PostgreSQL; what changes when is decided by <see cref="AndonLifecycle"/>. Every change is a row update
/// plus a transition row keyed by (andon, transition, level): applying the same finding twice, or after a restart,
/// changes nothing.
/// </summary>
public static partial class AndonStore
{
    private const string Columns = "andon_id, plant_id, line_id, machine_id, rule_id, kind, severity, summary, since, raised_at, raised_by, level, acked_at, acked_by, resolved_at, resolved_by, resolution, assignee";

    /// <summary>
    /// Stores what the rules found, set-based (a replay can find thousands per batch): new Andons are raised,
    /// escalated as far as their timers ran before the condition cleared (or now) and resolved if it did; open
    /// ones whose condition cleared are resolved. Returns the transitions that were new.
    /// </summary>
    public static async Task<List<AndonTransition>> ApplyAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, IReadOnlyList<AndonFinding> findings, DateTimeOffset now, CancellationToken ct, Action<string>? mark = null)
    {
        ArgumentNullException.ThrowIfNull(findings);
        var transitions = new List<AndonTransition>();
        if (findings.Count == 0)
        {
            return transitions;
        }

        var all = findings.DistinctBy(f => f.Episode.Id).ToList();
        var items = all.Where(f => !f.ResolveOnly).ToList();
        var levels = items.Select(f => AndonLifecycle.EscalationsOnRaise(f.Config, f.Episode, now)).ToList();
        await using (var insert = new NpgsqlCommand($"""
            INSERT INTO andons ({Columns})
            SELECT id, p, l, m, r, k, s, su, si, ra, '{AndonLifecycle.SystemActor}', lv, NULL, NULL, NULL, NULL, NULL, {AssignmentStore.AssigneeOf("v.d", "v.sh", "v.m")}
            FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::timestamptz[], $10::timestamptz[], $11::int[], $12::date[], $13::text[])
                 AS v(id, p, l, m, r, k, s, su, si, ra, lv, d, sh)
            ON CONFLICT (andon_id) DO NOTHING
            RETURNING andon_id
            """, conn, tx))
        {
            insert.Parameters.AddWithValue(items.Select(f => f.Episode.Id).ToArray());
            insert.Parameters.AddWithValue(items.Select(f => f.PlantId).ToArray());
            insert.Parameters.AddWithValue(items.Select(f => f.LineId).ToArray());
            insert.Parameters.AddWithValue(items.Select(f => f.Episode.MachineId).ToArray());
            insert.Parameters.AddWithValue(items.Select(f => f.Episode.RuleId).ToArray());
            insert.Parameters.AddWithValue(items.Select(f => AndonNames.Of(f.Rule.Kind)).ToArray());
            insert.Parameters.AddWithValue(items.Select(f => AndonNames.Of(f.Rule.Severity)).ToArray());
            insert.Parameters.AddWithValue(items.Select(f => f.Episode.Summary).ToArray());
            insert.Parameters.AddWithValue(items.Select(f => f.Episode.Since.UtcDateTime).ToArray());
            insert.Parameters.AddWithValue(items.Select(f => f.Episode.RaisedAt.UtcDateTime).ToArray());
            insert.Parameters.AddWithValue(levels.Select(l => 1 + l.Count).ToArray());
            var slots = items.Select(SlotOf).ToList();
            insert.Parameters.Add(new NpgsqlParameter { Value = slots.Select(x => x is { } sl ? (object)sl.Day : DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Date });
            insert.Parameters.Add(new NpgsqlParameter { Value = slots.Select(x => x is { } sl ? (object)sl.Shift : DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text });
            var index = items.Select((f, i) => (f.Episode.Id, i)).ToDictionary(x => x.Id, x => x.i);
            mark?.Invoke("andons_prepare");
            await using var r = await insert.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                var i = index[r.GetGuid(0)];
                var e = items[i].Episode;
                transitions.Add(AndonLifecycle.RaisedByRule(e));
                transitions.AddRange(levels[i].Select(x => AndonLifecycle.Escalation(e.Id, x.Level, x.At)));
            }
        }

        mark?.Invoke("andons_insert");
        var cleared = all.Where(f => AndonLifecycle.IsCleared(f.Episode, now)).ToList();
        if (cleared.Count > 0)
        {
            await using var resolve = new NpgsqlCommand($"""
                UPDATE andons a SET resolved_at = v.c, resolved_by = '{AndonLifecycle.SystemActor}', resolution = '{AndonLifecycle.ClearedResolution}', updated_at = now()
                FROM unnest($1::uuid[], $2::timestamptz[]) AS v(id, c)
                WHERE a.andon_id = v.id AND a.resolved_at IS NULL
                RETURNING a.andon_id, a.level, v.c
                """, conn, tx);
            resolve.Parameters.AddWithValue(cleared.Select(f => f.Episode.Id).ToArray());
            resolve.Parameters.AddWithValue(cleared.Select(f => f.Episode.ClearedAt!.Value.UtcDateTime).ToArray());
            await using var r = await resolve.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                transitions.Add(AndonLifecycle.Cleared(r.GetGuid(0), r.GetInt32(1), Utc(r.GetDateTime(2))));
            }
        }

        mark?.Invoke("andons_resolve");
        await InsertTransitionsAsync(conn, tx, transitions, ct);
        return transitions;
    }

    /// <summary>The shift in force when a machine's Andon is raised, whose assigned operator it carries; none for a line-level Andon.</summary>
    private static ShiftSlot? SlotOf(AndonFinding f) =>
        f.Episode.MachineId.Length > 0 && f.Calendar is { } calendar ? ShiftSlot.At(calendar, f.Episode.RaisedAt) : null;

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

                due.AddRange(AndonLifecycle.EscalationsDue(config, Utc(r.GetDateTime(2)), r.GetInt32(3), now).Select(x => (r.GetGuid(0), x.Level, x.At)));
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
        // The lifecycle's rule (only an unacknowledged Andon open at that moment escalates, never downwards),
        // restated in the UPDATE so an acknowledgement or resolution committed since the read wins.
        await using var cmd = new NpgsqlCommand("""
            UPDATE andons SET level = $2, updated_at = now() WHERE andon_id = $1 AND level < $2 AND acked_at IS NULL AND (resolved_at IS NULL OR resolved_at > $3)
            """, conn, tx);
        cmd.Parameters.AddWithValue(id);
        cmd.Parameters.AddWithValue(level);
        cmd.Parameters.AddWithValue(at.UtcDateTime);
        return await cmd.ExecuteNonQueryAsync(ct) == 1 ? [await InsertAsync(conn, tx, AndonLifecycle.Escalation(id, level, at), ct)] : [];
    }

    private static async Task<AndonTransition> InsertAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, AndonTransition t, CancellationToken ct)
    {
        await InsertTransitionsAsync(conn, tx, [t], ct);
        return t;
    }

    /// <summary>An operator pulls the Andon cord on a machine (a manual Andon, raised now).</summary>
    /// <remarks><paramref name="slot"/>: the shift running now (null: none, or a line-level Andon), whose assigned operator the Andon carries.</remarks>
    public static async Task<(AndonRecord Andon, AndonTransition Raised)> PullAsync(
        NpgsqlDataSource db, string plantId, string lineId, string machineId, AndonRule rule, string summary, string actor, DateTimeOffset now, ShiftSlot? slot, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(rule);
        var id = Guid.CreateVersion7(now);
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await using (var cmd = new NpgsqlCommand($"INSERT INTO andons ({Columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, 1, NULL, NULL, NULL, NULL, NULL, {AssignmentStore.AssigneeOf("$11", "$12", "$4")})", conn, tx))
        {
            cmd.Parameters.AddWithValue(id);
            cmd.Parameters.AddWithValue(plantId);
            cmd.Parameters.AddWithValue(lineId);
            cmd.Parameters.AddWithValue(machineId);
            cmd.Parameters.AddWithValue(rule.Id);
            cmd.Parameters.AddWithValue(AndonNames.Of(rule.Kind));
            cmd.Parameters.AddWithValue(AndonNames.Of(rule.Severity));
            cmd.Parameters.AddWithValue(summary);
            cmd.Parameters.AddWithValue(now.UtcDateTime);
            cmd.Parameters.AddWithValue(actor);
            cmd.Parameters.Add(new NpgsqlParameter { Value = slot is { } d ? d.Day : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Date });
            cmd.Parameters.Add(new NpgsqlParameter { Value = slot is { } sh ? sh.Shift : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            await cmd.ExecuteNonQueryAsync(ct);
        }

        var raised = await InsertAsync(conn, tx, AndonLifecycle.Pulled(id, now, actor, summary), ct);
        await tx.CommitAsync(ct);
        return ((await GetAsync(db, id, ct))!, raised);
    }

    /// <summary>An operator's <paramref name="action"/>, if the lifecycle allows it on the Andon as it is (read under a row lock).</summary>
    public static async Task<(AndonRefusal Refusal, AndonRecord? Andon, AndonTransition? Transition)> ChangeAsync(NpgsqlDataSource db, Guid id, AndonAction action, string actor, string? note, DateTimeOffset now, CancellationToken ct)
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

            if (AndonLifecycle.Check(action, acknowledged: r.GetBoolean(1), resolved: r.GetBoolean(2)) is not AndonRefusal.None and var refusal)
            {
                return (refusal, null, null);
            }

            level = r.GetInt32(0);
        }

        var sql = action == AndonAction.Acknowledge
            ? "UPDATE andons SET acked_at = $2, acked_by = $3, updated_at = now() WHERE andon_id = $1"
            : "UPDATE andons SET resolved_at = $2, resolved_by = $3, resolution = $4, updated_at = now() WHERE andon_id = $1";
        await using (var update = new NpgsqlCommand(sql, conn, tx))
        {
            update.Parameters.AddWithValue(id);
            update.Parameters.AddWithValue(now.UtcDateTime);
            update.Parameters.AddWithValue(actor);
            if (action == AndonAction.Resolve)
            {
                update.Parameters.AddWithValue(AndonLifecycle.ManualResolution);
            }

            await update.ExecuteNonQueryAsync(ct);
        }

        var t = await InsertAsync(conn, tx, AndonLifecycle.ByOperator(action, id, level, now, actor, note), ct);
        await tx.CommitAsync(ct);
        return (AndonRefusal.None, await GetAsync(db, id, ct), t);
    }
}
