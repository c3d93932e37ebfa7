using Ms5.Analytics.Oee;
using Npgsql;

namespace Ms5.Postgres;

/// <summary>
/// The OEE engine's tables besides its event store (<see cref="OeeEventStore"/>): event versions, minute buckets and progress.
/// Longer than our ~300-line habit: each table's format (columns, locks) is defined once, here, for the engine and the ticker.
/// </summary>
public static class OeeStore
{
    /// <summary>Bumps the event versions of the given machines (see migration 0011) and returns the new ones. Call under the machines' locks.</summary>
    public static async Task<Dictionary<string, long>> BumpEventVersionsAsync(NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyCollection<string> machines, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(machines);
        await using var cmd = new NpgsqlCommand("""
            INSERT INTO oee_event_versions AS v (machine_id, version) SELECT m, 1 FROM unnest($1::text[]) AS a(m) ORDER BY m
            ON CONFLICT (machine_id) DO UPDATE SET version = v.version + 1
            RETURNING machine_id, version
            """, conn, tx);
        cmd.Parameters.AddWithValue(machines.ToArray());
        return await ReadVersionsAsync(cmd, ct);
    }

    /// <summary>The machines' event versions (those never written have none).</summary>
    public static async Task<Dictionary<string, long>> EventVersionsAsync(NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyCollection<string> machines, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(machines);
        await using var cmd = new NpgsqlCommand("SELECT machine_id, version FROM oee_event_versions WHERE machine_id = ANY($1)", conn, tx);
        cmd.Parameters.AddWithValue(machines.ToArray());
        return await ReadVersionsAsync(cmd, ct);
    }

    private static async Task<Dictionary<string, long>> ReadVersionsAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            result[r.GetString(0)] = r.GetInt64(1);
        }

        return result;
    }

    /// <summary>Where each of the machines' complete buckets end, and when the engine last reset that (never computed: absent).</summary>
    public static async Task<Dictionary<string, (DateTimeOffset ComputedTo, DateTimeOffset? TouchedAt)>> ProgressManyAsync(NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyCollection<string> machines, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(machines);
        await using var cmd = new NpgsqlCommand("SELECT machine_id, computed_to, touched_at FROM oee_progress WHERE machine_id = ANY($1)", conn, tx);
        cmd.Parameters.AddWithValue(machines.ToArray());
        var result = new Dictionary<string, (DateTimeOffset, DateTimeOffset?)>(StringComparer.Ordinal);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            result[r.GetString(0)] = (Utc(r.GetDateTime(1)), r.IsDBNull(2) ? null : Utc(r.GetDateTime(2)));
        }

        return result;
    }

    private static DateTimeOffset Utc(DateTime d) => new(DateTime.SpecifyKind(d, DateTimeKind.Utc));

    /// <summary>Replaces the buckets of each machine over the computed minutes and records its progress.</summary>
    /// <remarks>
    /// ComputedTo is where the saved buckets stop being complete. With <c>Reset</c> it replaces the machine's progress,
    /// also backwards (new events changed its current state, so buckets after ComputedTo are stale until the
    /// ticker recomputes them); otherwise progress only moves forward.
    /// </remarks>
    public static async Task SaveManyAsync(NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyList<(string Machine, IReadOnlyDictionary<DateTimeOffset, OeeComponents> Buckets, DateTimeOffset ComputedTo, bool Reset)> items, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (items.Count == 0)
        {
            return;
        }

        var rows = items.SelectMany(i => i.Buckets.Select(b => (i.Machine, Minute: b.Key, C: b.Value))).ToList();
        await using var cmd = new NpgsqlCommand(UpsertSql("unnest($1::text[], $2::timestamptz[], $3::float8[], $4::float8[], $5::float8[], $6::float8[], $7::float8[], $8::float8[], $9::float8[], $10::bigint[], $11::bigint[], $12::float8[], $13::bigint[], $14::bigint[])", "*"), conn, tx);
        cmd.Parameters.AddWithValue(rows.Select(r => r.Machine).ToArray());
        cmd.Parameters.AddWithValue(rows.Select(r => r.Minute.UtcDateTime).ToArray());
        AddComponentArrays(cmd, rows.Select(r => r.C).ToList());
        await cmd.ExecuteNonQueryAsync(ct);

        // Minutes recomputed behind the machine's progress (late data, a stop that ended): logged for the reports
        // host, which revises the reports that cover them when their figures changed. Read before progress moves.
        var spans = items.Where(i => i.Buckets.Count > 0).ToList();
        await using var changes = new NpgsqlCommand("""
            INSERT INTO oee_bucket_changes (machine_id, first_minute, last_minute)
            SELECT a.m, a.f, a.l FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[]) AS a(m, f, l)
            JOIN oee_progress p ON p.machine_id = a.m WHERE a.f < p.computed_to
            """, conn, tx);
        changes.Parameters.AddWithValue(spans.Select(i => i.Machine).ToArray());
        changes.Parameters.AddWithValue(spans.Select(i => i.Buckets.Keys.Min().UtcDateTime).ToArray());
        changes.Parameters.AddWithValue(spans.Select(i => i.Buckets.Keys.Max().UtcDateTime).ToArray());
        await changes.ExecuteNonQueryAsync(ct);

        await using var progress = new NpgsqlCommand("""
            INSERT INTO oee_progress AS p (machine_id, computed_to, touched_at)
            SELECT m, t, CASE WHEN r THEN now() END FROM unnest($1::text[], $2::timestamptz[], $3::bool[]) AS a(m, t, r)
            ON CONFLICT (machine_id) DO UPDATE SET
                computed_to = CASE WHEN EXCLUDED.touched_at IS NOT NULL THEN EXCLUDED.computed_to ELSE GREATEST(p.computed_to, EXCLUDED.computed_to) END,
                touched_at = coalesce(EXCLUDED.touched_at, p.touched_at)
            """, conn, tx);
        progress.Parameters.AddWithValue(items.Select(i => i.Machine).ToArray());
        progress.Parameters.AddWithValue(items.Select(i => i.ComputedTo.UtcDateTime).ToArray());
        progress.Parameters.AddWithValue(items.Select(i => i.Reset).ToArray());
        await progress.ExecuteNonQueryAsync(ct);
    }

    private static string UpsertSql(string source, string columns) => $"""
        INSERT INTO oee_minute (machine_id, minute, calendar_seconds, planned_seconds, run_seconds, unplanned_stop_seconds, setup_seconds,
                                micro_stop_seconds, planned_stop_seconds, good_count, reject_count, ideal_seconds, failure_count, startup_reject_count, updated_at)
        SELECT {columns}, now() FROM {source}
        ON CONFLICT (machine_id, minute) DO UPDATE SET
            calendar_seconds = EXCLUDED.calendar_seconds, planned_seconds = EXCLUDED.planned_seconds, run_seconds = EXCLUDED.run_seconds,
            unplanned_stop_seconds = EXCLUDED.unplanned_stop_seconds, setup_seconds = EXCLUDED.setup_seconds,
            micro_stop_seconds = EXCLUDED.micro_stop_seconds, planned_stop_seconds = EXCLUDED.planned_stop_seconds,
            good_count = EXCLUDED.good_count, reject_count = EXCLUDED.reject_count, ideal_seconds = EXCLUDED.ideal_seconds,
            failure_count = EXCLUDED.failure_count, startup_reject_count = EXCLUDED.startup_reject_count, updated_at = now()
        -- A minute recomputed to the same figures (one before the new events, say) is left as it is: no new row version.
        WHERE (oee_minute.calendar_seconds, oee_minute.planned_seconds, oee_minute.run_seconds, oee_minute.unplanned_stop_seconds, oee_minute.setup_seconds, oee_minute.micro_stop_seconds, oee_minute.planned_stop_seconds, oee_minute.good_count, oee_minute.reject_count, oee_minute.ideal_seconds, oee_minute.failure_count, oee_minute.startup_reject_count) IS DISTINCT FROM (EXCLUDED.calendar_seconds, EXCLUDED.planned_seconds, EXCLUDED.run_seconds, EXCLUDED.unplanned_stop_seconds, EXCLUDED.setup_seconds, EXCLUDED.micro_stop_seconds, EXCLUDED.planned_stop_seconds, EXCLUDED.good_count, EXCLUDED.reject_count, EXCLUDED.ideal_seconds, EXCLUDED.failure_count, EXCLUDED.startup_reject_count)
        """;

    private static void AddComponentArrays(NpgsqlCommand cmd, List<OeeComponents> c)
    {
        cmd.Parameters.AddWithValue(c.Select(x => x.CalendarSeconds).ToArray());
        cmd.Parameters.AddWithValue(c.Select(x => x.PlannedSeconds).ToArray());
        cmd.Parameters.AddWithValue(c.Select(x => x.RunSeconds).ToArray());
        cmd.Parameters.AddWithValue(c.Select(x => x.UnplannedStopSeconds).ToArray());
        cmd.Parameters.AddWithValue(c.Select(x => x.SetupSeconds).ToArray());
        cmd.Parameters.AddWithValue(c.Select(x => x.MicroStopSeconds).ToArray());
        cmd.Parameters.AddWithValue(c.Select(x => x.PlannedStopSeconds).ToArray());
        cmd.Parameters.AddWithValue(c.Select(x => x.GoodCount).ToArray());
        cmd.Parameters.AddWithValue(c.Select(x => x.RejectCount).ToArray());
        cmd.Parameters.AddWithValue(c.Select(x => x.IdealSeconds).ToArray());
        cmd.Parameters.AddWithValue(c.Select(x => x.FailureCount).ToArray());
        cmd.Parameters.AddWithValue(c.Select(x => x.StartupRejectCount).ToArray());
    }

    /// <summary>The stored buckets of the given machines from <paramref name="since"/> on.</summary>
    public static async Task<Dictionary<string, List<KeyValuePair<DateTimeOffset, OeeComponents>>>> LoadBucketsAsync(NpgsqlConnection conn, IReadOnlyCollection<string> machines, DateTimeOffset since, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(machines);
        await using var cmd = new NpgsqlCommand($"""
            SELECT machine_id, minute, {OeeQueries.ComponentColumns}
            FROM oee_minute WHERE machine_id = ANY($1) AND minute >= $2
            """, conn);
        cmd.Parameters.AddWithValue(machines.ToArray());
        cmd.Parameters.AddWithValue(since.UtcDateTime);
        var result = machines.ToDictionary(m => m, _ => new List<KeyValuePair<DateTimeOffset, OeeComponents>>(), StringComparer.Ordinal);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            result[r.GetString(0)].Add(new(Utc(r.GetDateTime(1)), OeeQueries.ReadComponents(r, 2)));
        }

        return result;
    }

    /// <summary>Asks the engine to recompute a plant's buckets from <paramref name="from"/> (its calendar changed).</summary>
    public static async Task RequestRecomputeAsync(NpgsqlDataSource db, string plantId, DateTimeOffset from, CancellationToken ct, string? machineId = null)
    {
        ArgumentNullException.ThrowIfNull(db);
        await using var cmd = db.CreateCommand("INSERT INTO oee_recompute (plant_id, from_ts, machine_id) VALUES ($1, $2, $3)");
        cmd.Parameters.AddWithValue(plantId);
        cmd.Parameters.AddWithValue(from.UtcDateTime);
        cmd.Parameters.AddWithValue((object?)machineId ?? DBNull.Value);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Pending recompute requests (id, plant, from, and the one machine it is limited to, else null: the whole plant).</summary>
    public static async Task<List<(long Id, string PlantId, DateTimeOffset From, string? MachineId)>> PendingRecomputesAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT id, plant_id, from_ts, machine_id FROM oee_recompute ORDER BY id", conn);
        var result = new List<(long, string, DateTimeOffset, string?)>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            result.Add((r.GetInt64(0), r.GetString(1), Utc(r.GetDateTime(2)), r.IsDBNull(3) ? null : r.GetString(3)));
        }

        return result;
    }

    /// <summary>Recompute requests taking effect: each given machine's progress moves back to its request's time (the caller holds their locks).</summary>
    public static async Task MoveProgressBackAsync(NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyList<(IReadOnlyList<string> Machines, DateTimeOffset From)> requests, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(requests);
        foreach (var (machines, from) in requests.Where(r => r.Machines.Count > 0))
        {
            await using var update = new NpgsqlCommand("UPDATE oee_progress SET computed_to = LEAST(computed_to, $2), touched_at = NULL WHERE machine_id = ANY($1)", conn, tx);
            update.Parameters.AddWithValue(machines.ToArray());
            update.Parameters.AddWithValue(from.UtcDateTime);
            await update.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>Removes recompute requests once every machine they name has had its progress moved back.</summary>
    public static async Task RemoveRecomputesAsync(NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyList<long> ids, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(ids);
        await using var delete = new NpgsqlCommand("DELETE FROM oee_recompute WHERE id = ANY($1)", conn, tx);
        delete.Parameters.AddWithValue(ids.ToArray());
        await delete.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Locks many machines in a fixed order (no deadlock between instances).</summary>
    public static async Task LockMachinesAsync(NpgsqlConnection conn, NpgsqlTransaction tx, IEnumerable<string> machines, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext('ms5.oee:' || m)) FROM (SELECT unnest($1::text[]) AS m ORDER BY 1) x", conn, tx);
        cmd.Parameters.AddWithValue(machines.Order(StringComparer.Ordinal).ToArray());
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
