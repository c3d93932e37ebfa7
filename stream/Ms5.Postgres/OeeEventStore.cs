using Ms5.Analytics.Events;
using Ms5.Analytics.Oee;
using Npgsql;
using NpgsqlTypes;

namespace Ms5.Postgres;

/// <summary>
/// The OEE engine's deduplicated event store (migration 0024, docs/engine-compact-store.md): state events and any
/// event naming a reason or product are rows of <c>oee_event_rows</c>; count and counter events are appended in
/// chunks, one row of <c>oee_count_chunks</c> per machine, event-time minute and engine batch, their fields as
/// arrays. The view <c>oee_events</c> shows both in the old table's shape.
/// </summary>
/// <remarks>
/// Proof obligations (each shortcut's invariant):
/// <list type="bullet">
/// <item>Nothing stored twice: an event's key is (machine, ts to the microsecond, event id) (<see cref="Key"/>). Chunks have no unique index, so
/// <see cref="Write"/> must only get events the caller knows are new, under the machine's lock: either its
/// trusted in-memory tail holds every event of the machine from a point before them (the tail's version equals the
/// machine's event version, which every writer bumps under the same lock), or <see cref="StoredAsync"/> matched every
/// event against the rows by key and the count and counter events against the chunks of their (machine, minute) — an
/// event's minute is a function of its ts, so a duplicate always meets its first copy there. Rows keep their primary key as a second guard: a violation fails
/// the batch, which is retried with every tail dropped (so through <see cref="StoredAsync"/>).</item>
/// <item>Nothing lost, kill -9 safe: chunks, rows and the consumer offsets commit in one transaction.</item>
/// <item>Same events as the old table: every event is either a row or a chunk element with all its fields
/// (<see cref="IsChunked"/> sends to chunks only events whose other fields are null), so
/// <see cref="LoadManyAsync"/> returns what the old query over one table returned.</item>
/// </list>
/// </remarks>
public static class OeeEventStore
{
    private const string EventColumns = "machine_id, ts, event_id, type, state, reason, good, reject, good_total, reject_total, product";

    private const string ChunkColumns = """
        c.machine_id, u.ts, u.id AS event_id, CASE WHEN u.k THEN 'counter' ELSE 'count' END AS type, NULL::text AS state, NULL::text AS reason,
        CASE WHEN u.k THEN NULL ELSE u.a END AS good, CASE WHEN u.k THEN NULL ELSE u.b END AS reject,
        CASE WHEN u.k THEN u.a END AS good_total, CASE WHEN u.k THEN u.b END AS reject_total, NULL::text AS product
        """;

    private const string Unnest = "CROSS JOIN LATERAL unnest(c.event_ids, c.ts, c.counter, c.a, c.b) AS u(id, ts, k, a, b)";

    /// <summary>Whether an event is stored in a chunk: a count or counter reading with only its own numbers (anything else is a row).</summary>
    public static bool IsChunked(MachineEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e.State is not null || e.Reason is not null || e.Product is not null)
        {
            return false;
        }

        return e.Type switch
        {
            EventType.Count => e.Good is not null && e.Reject is not null && e.GoodTotal is null && e.RejectTotal is null,
            EventType.Counter => e.GoodTotal is not null && e.RejectTotal is not null && e.Good is null && e.Reject is null,
            _ => false,
        };
    }

    /// <summary>An event's key as PostgreSQL keeps it: timestamps to the microsecond (an event may carry 100 ns).</summary>
    public static (string Machine, DateTimeOffset Ts, Guid Id) Key(MachineEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return (e.MachineId, EventTail.ToMicroseconds(e.Ts), e.EventId);
    }

    /// <summary>
    /// SQL for the ts of the newest event stored for the machine named by <paramref name="machine"/> (an SQL expression),
    /// NULL when there is none: the newest row, or the newest <c>last_ts</c> among the chunks of the machine's newest chunk
    /// minute (a chunk holds events of its minute only).
    /// </summary>
    public static string NewestStoredSql(string machine) => $"""
        GREATEST(
            (SELECT o.ts FROM oee_event_rows o WHERE o.machine_id = {machine} ORDER BY o.ts DESC LIMIT 1),
            (SELECT max(c.last_ts) FROM oee_count_chunks c WHERE c.machine_id = {machine}
             AND c.minute = (SELECT max(x.minute) FROM oee_count_chunks x WHERE x.machine_id = {machine})))
        """;

    /// <summary>
    /// Each machine's newest stored event ts (<see cref="NewestStoredSql"/>; machines without events are missing). An event
    /// after it (to the microsecond) cannot be stored yet: a copy has the same ts. Under the machines' locks this spares
    /// the lookup of a backlog's events on an engine's first batch (<see cref="StoredAsync"/> for tens of thousands).
    /// </summary>
    public static async Task<Dictionary<string, DateTimeOffset>> NewestStoredAsync(NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyCollection<string> machines, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(machines);
        await using var cmd = new NpgsqlCommand($"SELECT a.m, {NewestStoredSql("a.m")} FROM unnest($1::text[]) AS a(m)", conn, tx);
        cmd.Parameters.AddWithValue(machines.ToArray());
        var result = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            if (!r.IsDBNull(1))
            {
                result[r.GetString(0)] = Utc(r.GetDateTime(1));
            }
        }

        return result;
    }

    /// <summary>
    /// The keys (<see cref="Key"/>) of those <paramref name="candidates"/> already stored: as rows (every candidate: events
    /// stored before migration 0024, or by an older release through the view, are rows whatever their kind) or, for
    /// the count and counter events, in the chunks of their minute. Matched in PostgreSQL: one indexed read per key, and
    /// each (machine, minute)'s chunks read once and hash-joined with the candidates.
    /// </summary>
    public static async Task<HashSet<(string Machine, DateTimeOffset Ts, Guid Id)>> StoredAsync(NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyCollection<MachineEvent> candidates, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        var stored = new HashSet<(string, DateTimeOffset, Guid)>();
        if (candidates.Count == 0)
        {
            return stored;
        }

        var chunked = candidates.Where(IsChunked).ToList();
        await using var cmd = new NpgsqlCommand("""
            SELECT r.machine_id, r.ts, r.event_id FROM unnest($1::text[], $2::timestamptz[], $3::uuid[]) AS a(m, t, i)
            JOIN oee_event_rows r ON r.machine_id = a.m AND r.ts = a.t AND r.event_id = a.i
            UNION
            SELECT e.m, e.ts, e.id FROM (
                -- Each (machine, minute) read once, its chunks' elements hash-joined with the candidates.
                SELECT c.machine_id AS m, u.ts, u.id
                FROM (SELECT DISTINCT p.m, p.n FROM unnest($4::text[], $7::timestamptz[]) AS p(m, n)) p
                JOIN oee_count_chunks c ON c.machine_id = p.m AND c.minute = p.n
                CROSS JOIN LATERAL unnest(c.event_ids, c.ts) AS u(id, ts)) e
            JOIN unnest($4::text[], $5::timestamptz[], $6::uuid[]) AS a(m, t, i) ON a.m = e.m AND a.i = e.id AND a.t = e.ts
            """, conn, tx);
        cmd.Parameters.AddWithValue(candidates.Select(e => e.MachineId).ToArray());
        cmd.Parameters.AddWithValue(candidates.Select(e => EventTail.ToMicroseconds(e.Ts).UtcDateTime).ToArray());
        cmd.Parameters.AddWithValue(candidates.Select(e => e.EventId).ToArray());
        cmd.Parameters.AddWithValue(chunked.Select(e => e.MachineId).ToArray());
        cmd.Parameters.AddWithValue(chunked.Select(e => EventTail.ToMicroseconds(e.Ts).UtcDateTime).ToArray());
        cmd.Parameters.AddWithValue(chunked.Select(e => e.EventId).ToArray());
        cmd.Parameters.AddWithValue(chunked.Select(e => BucketCalculator.Floor(e.Ts).UtcDateTime).ToArray());
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            stored.Add((r.GetString(0), Utc(r.GetDateTime(1)), r.GetGuid(2)));
        }

        return stored;
    }

    /// <summary>
    /// Stores events known to be new (see the remarks: the caller holds the machines' locks and has checked them
    /// against a trusted tail or <see cref="StoredAsync"/>): rows by binary COPY, count and counter events as one
    /// chunk per machine and minute, tagged with the machine's event version of this batch.
    /// </summary>
    public static void Write(NpgsqlConnection conn, IReadOnlyList<MachineEvent> fresh, IReadOnlyDictionary<string, long> versions, CancellationToken ct, Action<string>? mark = null)
    {
        ArgumentNullException.ThrowIfNull(conn);
        ArgumentNullException.ThrowIfNull(fresh);
        ArgumentNullException.ThrowIfNull(versions);
        ct.ThrowIfCancellationRequested();
        var rows = new List<MachineEvent>();
        var byMachine = new Dictionary<string, List<MachineEvent>>(StringComparer.Ordinal);
        foreach (var e in fresh)
        {
            if (!IsChunked(e))
            {
                rows.Add(e);
                continue;
            }

            if (!byMachine.TryGetValue(e.MachineId, out var list))
            {
                byMachine[e.MachineId] = list = [];
            }

            list.Add(e);
        }

        // The chunk rows are encoded per machine on every core (a backlog's batch holds ~100k events), then sent in order.
        var machines = byMachine.ToArray();
        var encoded = new Encoded[machines.Length];
        try
        {
            Parallel.For(0, machines.Length, new ParallelOptions { CancellationToken = ct }, i =>
                encoded[i] = ChunkCopy.Encode(machines[i].Key, machines[i].Value, versions[machines[i].Key]));
            mark?.Invoke("insert_build");
            WriteRows(conn, rows);
            mark?.Invoke("insert_rows");
            if (machines.Length > 0)
            {
                using var copy = conn.BeginRawBinaryCopy(ChunkCopy.Command);
                try
                {
                    copy.Write(ChunkCopy.Header);
                    foreach (var e in encoded)
                    {
                        copy.Write(e.Buffer, 0, e.Length);
                    }

                    copy.Write(ChunkCopy.Trailer);
                }
                catch
                {
                    // Whole rows sent before a failure would otherwise be stored when the stream closes (the batch's
                    // transaction rolls back anyway); the server is told the COPY failed. A broken connection cannot be
                    // told, and its own error is the one to report.
                    try
                    {
                        copy.Cancel();
                    }
                    catch (Exception ex) when (ex is ObjectDisposedException or NpgsqlException or IOException or InvalidOperationException)
                    {
                    }

                    throw;
                }
            }
        }
        finally
        {
            foreach (var e in encoded)
            {
                if (e.Buffer is not null)
                {
                    ChunkCopy.Return(e);
                }
            }
        }
    }

    /// <summary>Events stored one per row (state events, events naming a reason or product) by binary COPY.</summary>
    private static void WriteRows(NpgsqlConnection conn, List<MachineEvent> rows)
    {
        // Synchronous on purpose: per-row async writes cost more than the COPY itself (callers run off the consumer thread).
        if (rows.Count > 0)
        {
            using var w = conn.BeginBinaryImport($"COPY oee_event_rows ({EventColumns}) FROM STDIN (FORMAT BINARY)");
            foreach (var e in rows)
            {
                w.StartRow();
                w.Write(e.MachineId, NpgsqlDbType.Text);
                w.Write(e.Ts.UtcDateTime, NpgsqlDbType.TimestampTz);
                w.Write(e.EventId, NpgsqlDbType.Uuid);
                w.Write(ContractNames.Of(e.Type), NpgsqlDbType.Text);
                HistorianWriter.WriteNullable(w, e.State is { } st ? ContractNames.Of(st) : null);
                HistorianWriter.WriteNullable(w, e.Reason);
                HistorianWriter.WriteNullable(w, e.Good);
                HistorianWriter.WriteNullable(w, e.Reject);
                HistorianWriter.WriteNullable(w, e.GoodTotal);
                HistorianWriter.WriteNullable(w, e.RejectTotal);
                HistorianWriter.WriteNullable(w, e.Product);
            }

            w.Complete();
        }
    }

    /// <summary>
    /// The newest chunk event before a.f that matches <paramref name="element"/>, among chunks flagged by <paramref name="flag"/>:
    /// those of f's own minute, and those of the newest earlier minute with such a chunk (found through the flag's partial index).
    /// </summary>
    private static string NewestChunkEvent(string flag, string element) => $"""
        (SELECT {ChunkColumns} FROM oee_count_chunks c {Unnest}
         WHERE c.machine_id = a.m AND {flag}
           AND c.minute IN (a.fm, (SELECT max(x.minute) FROM oee_count_chunks x WHERE x.machine_id = a.m AND {flag.Replace("c.", "x.", StringComparison.Ordinal)} AND x.minute < a.fm))
           AND u.ts < a.f AND {element}
         ORDER BY u.ts DESC, u.id DESC LIMIT 1)
        """;

    /// <summary>The newest of the newest row and the newest chunk event before a.f matching the conditions.</summary>
    private static string Newest(string rowWhere, string flag, string element) => $"""
        (SELECT * FROM (
            (SELECT {EventColumns} FROM oee_event_rows WHERE machine_id = a.m AND ts < a.f {rowWhere} ORDER BY ts DESC, event_id DESC LIMIT 1)
            UNION ALL {NewestChunkEvent(flag, element)}) n
         ORDER BY ts DESC, event_id DESC LIMIT 1)
        """;

    /// <summary>
    /// Each machine's events in its [from, to) plus the context before it: the state, counter reading and
    /// sign of life before <c>from</c>, the state event that set the product in force, and the first state
    /// event at or after <c>to</c> (it ends a stop still open at <c>to</c>: its length decides micro-stop or not);
    /// for Andon rules also the state events back to the last change between running and not running, and the
    /// last event that showed parts (as <see cref="EventTail"/> keeps them). State and product events are rows;
    /// count and counter events come from the rows and the chunks.
    /// </summary>
    public static async Task<Dictionary<string, List<MachineEvent>>> LoadManyAsync(NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyDictionary<string, (DateTimeOffset From, DateTimeOffset To)> ranges, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(ranges);
        await using var cmd = new NpgsqlCommand($"""
            SELECT e.* FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[], $4::timestamptz[]) AS a(m, f, t, fm)
            CROSS JOIN LATERAL (
                (SELECT {EventColumns} FROM oee_event_rows WHERE machine_id = a.m AND ts >= a.f AND ts < a.t)
                UNION ALL (SELECT {ChunkColumns} FROM oee_count_chunks c {Unnest}
                           WHERE c.machine_id = a.m AND c.minute >= a.fm AND c.minute < a.t AND u.ts >= a.f AND u.ts < a.t)
                UNION ALL (SELECT {EventColumns} FROM oee_event_rows WHERE machine_id = a.m AND ts < a.f AND type = 'state' ORDER BY ts DESC, event_id DESC LIMIT 1)
                UNION ALL {Newest("AND type = 'counter'", "c.counters > 0", "u.k")}
                UNION ALL {Newest("", "true", "true")}
                UNION ALL (SELECT {EventColumns} FROM oee_event_rows WHERE machine_id = a.m AND ts < a.f AND product IS NOT NULL ORDER BY ts DESC, event_id DESC LIMIT 1)
                UNION ALL (SELECT {EventColumns} FROM oee_event_rows WHERE machine_id = a.m AND ts >= a.t AND type = 'state' ORDER BY ts, event_id LIMIT 1)
                -- For Andon rules: the state events back to the last change between running and not running ...
                UNION ALL (SELECT {EventColumns} FROM oee_event_rows s WHERE s.machine_id = a.m AND s.type = 'state' AND s.ts < a.f
                    AND s.ts >= coalesce((SELECT b.ts FROM oee_event_rows b WHERE b.machine_id = a.m AND b.type = 'state' AND b.ts < a.f
                        AND (b.state = 'running') <> (SELECT l.state = 'running' FROM oee_event_rows l WHERE l.machine_id = a.m AND l.type = 'state' AND l.ts < a.f ORDER BY l.ts DESC, l.event_id DESC LIMIT 1)
                        ORDER BY b.ts DESC, b.event_id DESC LIMIT 1), '-infinity')
                    ORDER BY s.ts DESC, s.event_id DESC LIMIT 1000)
                -- ... and the last event that showed parts (a count with parts, a counter reading that moved) among the
                -- newest 2,000 counter readings.
                UNION ALL {Newest("AND type = 'count' AND good + reject > 0", "c.parts > 0", "NOT u.k AND u.a + u.b > 0")}
                UNION ALL (SELECT {EventColumns} FROM (
                    SELECT *, lag(good_total) OVER (ORDER BY ts, event_id) AS pg, lag(reject_total) OVER (ORDER BY ts, event_id) AS pr FROM (
                        SELECT * FROM (
                            (SELECT {EventColumns} FROM oee_event_rows WHERE machine_id = a.m AND type = 'counter' AND ts < a.f ORDER BY ts DESC, event_id DESC LIMIT 2000)
                            UNION ALL
                            (SELECT {ChunkColumns} FROM (
                                -- Whole minutes (a minute's chunks are not in ts order), newest first, while fewer than
                                -- 2,000 readings lie in the newer ones; back to the minute of the 2,000th newest chunk with
                                -- readings (each holds one at least).
                                SELECT w.* FROM (
                                    SELECT y.*, sum(y.counters) OVER (ORDER BY y.minute DESC RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
                                              - sum(y.counters) OVER (PARTITION BY y.minute) AS newer
                                    FROM oee_count_chunks y
                                    WHERE y.machine_id = a.m AND y.counters > 0 AND y.minute < a.f AND y.first_ts < a.f
                                      AND y.minute >= (SELECT min(d.minute) FROM (SELECT x.minute FROM oee_count_chunks x
                                          WHERE x.machine_id = a.m AND x.counters > 0 AND x.minute < a.f ORDER BY x.minute DESC LIMIT 2000) d)) w
                                WHERE w.newer < 2000) c {Unnest}
                             WHERE u.k AND u.ts < a.f)) v
                        ORDER BY ts DESC, event_id DESC LIMIT 2000) z) q
                    WHERE pg IS DISTINCT FROM good_total OR pr IS DISTINCT FROM reject_total ORDER BY ts DESC, event_id DESC LIMIT 1)
            ) e
            """, conn, tx);
        cmd.Parameters.AddWithValue(ranges.Keys.ToArray());
        cmd.Parameters.AddWithValue(ranges.Values.Select(v => v.From.UtcDateTime).ToArray());
        cmd.Parameters.AddWithValue(ranges.Values.Select(v => v.To.UtcDateTime).ToArray());
        cmd.Parameters.AddWithValue(ranges.Values.Select(v => BucketCalculator.Floor(v.From).UtcDateTime).ToArray());
        var result = ranges.Keys.ToDictionary(k => k, _ => new List<MachineEvent>(), StringComparer.Ordinal);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var e = ReadEvent(r);
            result[e.MachineId].Add(e);
        }

        return result;
    }

    private static MachineEvent ReadEvent(NpgsqlDataReader r)
    {
        ContractNames.TryParseType(r.GetString(3), out var type);
        MachineState? state = r.IsDBNull(4) ? null : ContractNames.TryParseState(r.GetString(4), out var s) ? s : null;
        return new MachineEvent(r.GetGuid(2), r.GetString(0), Utc(r.GetDateTime(1)), type, state,
            r.IsDBNull(5) ? null : r.GetString(5),
            r.IsDBNull(6) ? null : r.GetInt64(6), r.IsDBNull(7) ? null : r.GetInt64(7),
            r.IsDBNull(8) ? null : r.GetInt64(8), r.IsDBNull(9) ? null : r.GetInt64(9),
            r.IsDBNull(10) ? null : r.GetString(10));
    }

    private static DateTimeOffset Utc(DateTime d) => new(DateTime.SpecifyKind(d, DateTimeKind.Utc));
}
