using Ms5.Analytics.Events;
using Ms5.Analytics.Oee;
using Npgsql;
using NpgsqlTypes;

namespace Ms5.Postgres;

/// <summary>The OEE engine's tables: its deduplicated event store, minute buckets and progress.</summary>
public static class OeeStore
{
    private const string EventColumns = "machine_id, ts, event_id, type, state, reason, good, reject, good_total, reject_total";

    /// <summary>Stores events not seen before; returns the (machine, ts) of those that were new.</summary>
    public static async Task<List<(string Machine, DateTimeOffset Ts)>> InsertNewAsync(NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyList<MachineEvent> events, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(events);
        await using var cmd = new NpgsqlCommand($"""
            INSERT INTO oee_events ({EventColumns})
            SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[])
            ON CONFLICT DO NOTHING
            RETURNING machine_id, ts
            """, conn, tx);
        cmd.Parameters.AddWithValue(events.Select(e => e.MachineId).ToArray());
        cmd.Parameters.AddWithValue(events.Select(e => e.Ts.UtcDateTime).ToArray());
        cmd.Parameters.AddWithValue(events.Select(e => e.EventId).ToArray());
        cmd.Parameters.AddWithValue(events.Select(e => ContractNames.Of(e.Type)).ToArray());
        cmd.Parameters.Add(TextArray(events.Select(e => e.State is { } s ? ContractNames.Of(s) : null)));
        cmd.Parameters.Add(TextArray(events.Select(e => e.Reason)));
        cmd.Parameters.Add(LongArray(events.Select(e => e.Good)));
        cmd.Parameters.Add(LongArray(events.Select(e => e.Reject)));
        cmd.Parameters.Add(LongArray(events.Select(e => e.GoodTotal)));
        cmd.Parameters.Add(LongArray(events.Select(e => e.RejectTotal)));
        var inserted = new List<(string, DateTimeOffset)>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            inserted.Add((r.GetString(0), new DateTimeOffset(r.GetDateTime(1), TimeSpan.Zero)));
        }

        return inserted;
    }

    /// <summary>A machine's events in [from, to) plus the context before <paramref name="from"/>: last state, last counter, last event.</summary>
    public static async Task<List<MachineEvent>> LoadAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string machine, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"""
            (SELECT {EventColumns} FROM oee_events WHERE machine_id = $1 AND ts >= $2 AND ts < $3)
            UNION ALL (SELECT {EventColumns} FROM oee_events WHERE machine_id = $1 AND ts < $2 AND type = 'state' ORDER BY ts DESC LIMIT 1)
            UNION ALL (SELECT {EventColumns} FROM oee_events WHERE machine_id = $1 AND ts < $2 AND type = 'counter' ORDER BY ts DESC LIMIT 1)
            UNION ALL (SELECT {EventColumns} FROM oee_events WHERE machine_id = $1 AND ts < $2 ORDER BY ts DESC LIMIT 1)
            """, conn, tx);
        cmd.Parameters.AddWithValue(machine);
        cmd.Parameters.AddWithValue(from.UtcDateTime);
        cmd.Parameters.AddWithValue(to.UtcDateTime);
        var events = new List<MachineEvent>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            events.Add(ReadEvent(r));
        }

        return events;
    }

    private static MachineEvent ReadEvent(NpgsqlDataReader r)
    {
        ContractNames.TryParseType(r.GetString(3), out var type);
        MachineState? state = r.IsDBNull(4) ? null : ContractNames.TryParseState(r.GetString(4), out var s) ? s : null;
        return new MachineEvent(r.GetGuid(2), r.GetString(0), new DateTimeOffset(r.GetDateTime(1), TimeSpan.Zero), type, state,
            r.IsDBNull(5) ? null : r.GetString(5),
            r.IsDBNull(6) ? null : r.GetInt64(6), r.IsDBNull(7) ? null : r.GetInt64(7),
            r.IsDBNull(8) ? null : r.GetInt64(8), r.IsDBNull(9) ? null : r.GetInt64(9));
    }

    /// <summary>Replaces the buckets of [from, to) for one machine and advances its progress.</summary>
    public static Task SaveBucketsAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string machine, IReadOnlyDictionary<DateTimeOffset, OeeComponents> buckets, DateTimeOffset computedTo, CancellationToken ct) =>
        SaveManyAsync(conn, tx, [(machine, buckets, computedTo)], ct);

    /// <summary>Where each machine's complete buckets end.</summary>
    public static async Task<Dictionary<string, DateTimeOffset>> ProgressAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT machine_id, computed_to FROM oee_progress", conn, tx);
        var result = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            result[r.GetString(0)] = new DateTimeOffset(r.GetDateTime(1), TimeSpan.Zero);
        }

        return result;
    }

    /// <summary>
    /// Where recomputation must start, per machine, for new events whose earliest ts is given: the start
    /// of the stop they end (its length decides micro-stop or not), else the machine's previous sign of
    /// life (silence), else that ts.
    /// </summary>
    public static async Task<Dictionary<string, DateTimeOffset>> AffectedFromManyAsync(NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyDictionary<string, DateTimeOffset> earliest, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(earliest);
        await using var cmd = new NpgsqlCommand("""
            SELECT a.m, coalesce(
                (SELECT CASE WHEN state IN ('down', 'idle') THEN ts END FROM oee_events
                 WHERE machine_id = a.m AND ts < a.t AND type = 'state' ORDER BY ts DESC LIMIT 1),
                (SELECT ts FROM oee_events WHERE machine_id = a.m AND ts < a.t ORDER BY ts DESC LIMIT 1),
                a.t)
            FROM unnest($1::text[], $2::timestamptz[]) AS a(m, t)
            """, conn, tx);
        cmd.Parameters.AddWithValue(earliest.Keys.ToArray());
        cmd.Parameters.AddWithValue(earliest.Values.Select(v => v.UtcDateTime).ToArray());
        var result = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            result[r.GetString(0)] = new DateTimeOffset(r.GetDateTime(1), TimeSpan.Zero);
        }

        return result;
    }

    /// <summary>Set-based <see cref="LoadAsync"/>: each machine's events in its [from, to) plus the context before it.</summary>
    public static async Task<Dictionary<string, List<MachineEvent>>> LoadManyAsync(NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyDictionary<string, (DateTimeOffset From, DateTimeOffset To)> ranges, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(ranges);
        await using var cmd = new NpgsqlCommand($"""
            SELECT e.* FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[]) AS a(m, f, t)
            CROSS JOIN LATERAL (
                (SELECT {EventColumns} FROM oee_events WHERE machine_id = a.m AND ts >= a.f AND ts < a.t)
                UNION ALL (SELECT {EventColumns} FROM oee_events WHERE machine_id = a.m AND ts < a.f AND type = 'state' ORDER BY ts DESC LIMIT 1)
                UNION ALL (SELECT {EventColumns} FROM oee_events WHERE machine_id = a.m AND ts < a.f AND type = 'counter' ORDER BY ts DESC LIMIT 1)
                UNION ALL (SELECT {EventColumns} FROM oee_events WHERE machine_id = a.m AND ts < a.f ORDER BY ts DESC LIMIT 1)
            ) e
            """, conn, tx);
        cmd.Parameters.AddWithValue(ranges.Keys.ToArray());
        cmd.Parameters.AddWithValue(ranges.Values.Select(v => v.From.UtcDateTime).ToArray());
        cmd.Parameters.AddWithValue(ranges.Values.Select(v => v.To.UtcDateTime).ToArray());
        var result = ranges.Keys.ToDictionary(k => k, _ => new List<MachineEvent>(), StringComparer.Ordinal);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var e = ReadEvent(r);
            result[e.MachineId].Add(e);
        }

        return result;
    }

    /// <summary>Set-based <see cref="SaveBucketsAsync"/> for many machines.</summary>
    public static async Task SaveManyAsync(NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyList<(string Machine, IReadOnlyDictionary<DateTimeOffset, OeeComponents> Buckets, DateTimeOffset ComputedTo)> items, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (items.Count == 0)
        {
            return;
        }

        var rows = items.SelectMany(i => i.Buckets.Select(b => (i.Machine, Minute: b.Key, C: b.Value))).ToList();
        await using var cmd = new NpgsqlCommand(UpsertSql("unnest($1::text[], $2::timestamptz[], $3::float8[], $4::float8[], $5::float8[], $6::float8[], $7::float8[], $8::float8[], $9::float8[], $10::bigint[], $11::bigint[], $12::float8[], $13::bigint[])", "*"), conn, tx);
        cmd.Parameters.AddWithValue(rows.Select(r => r.Machine).ToArray());
        cmd.Parameters.AddWithValue(rows.Select(r => r.Minute.UtcDateTime).ToArray());
        AddComponentArrays(cmd, rows.Select(r => r.C).ToList());
        await cmd.ExecuteNonQueryAsync(ct);

        await using var progress = new NpgsqlCommand("""
            INSERT INTO oee_progress (machine_id, computed_to) SELECT * FROM unnest($1::text[], $2::timestamptz[])
            ON CONFLICT (machine_id) DO UPDATE SET computed_to = GREATEST(oee_progress.computed_to, EXCLUDED.computed_to)
            """, conn, tx);
        progress.Parameters.AddWithValue(items.Select(i => i.Machine).ToArray());
        progress.Parameters.AddWithValue(items.Select(i => i.ComputedTo.UtcDateTime).ToArray());
        await progress.ExecuteNonQueryAsync(ct);
    }

    private static string UpsertSql(string source, string columns) => $"""
        INSERT INTO oee_minute (machine_id, minute, calendar_seconds, planned_seconds, run_seconds, unplanned_stop_seconds, setup_seconds,
                                micro_stop_seconds, planned_stop_seconds, good_count, reject_count, ideal_seconds, failure_count, updated_at)
        SELECT {columns}, now() FROM {source}
        ON CONFLICT (machine_id, minute) DO UPDATE SET
            calendar_seconds = EXCLUDED.calendar_seconds, planned_seconds = EXCLUDED.planned_seconds, run_seconds = EXCLUDED.run_seconds,
            unplanned_stop_seconds = EXCLUDED.unplanned_stop_seconds, setup_seconds = EXCLUDED.setup_seconds,
            micro_stop_seconds = EXCLUDED.micro_stop_seconds, planned_stop_seconds = EXCLUDED.planned_stop_seconds,
            good_count = EXCLUDED.good_count, reject_count = EXCLUDED.reject_count, ideal_seconds = EXCLUDED.ideal_seconds,
            failure_count = EXCLUDED.failure_count, updated_at = now()
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
    }

    /// <summary>Locks many machines in a fixed order (no deadlock between instances).</summary>
    public static async Task LockMachinesAsync(NpgsqlConnection conn, NpgsqlTransaction tx, IEnumerable<string> machines, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext('ms5.oee:' || m)) FROM (SELECT unnest($1::text[]) AS m ORDER BY 1) x", conn, tx);
        cmd.Parameters.AddWithValue(machines.Order(StringComparer.Ordinal).ToArray());
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Serialises work on one machine across engine instances and the ticker (transaction-scoped).</summary>
    public static async Task LockMachineAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string machine, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext('ms5.oee:' || $1))", conn, tx);
        cmd.Parameters.AddWithValue(machine);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static NpgsqlParameter TextArray(IEnumerable<string?> values) =>
        new() { Value = values.Select(v => (object?)v ?? DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };

    private static NpgsqlParameter LongArray(IEnumerable<long?> values) =>
        new() { Value = values.Select(v => v is { } x ? (object)x : DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint };
}
