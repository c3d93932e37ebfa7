using Ms5.Analytics.Events;
using Npgsql;
using NpgsqlTypes;

namespace Ms5.Postgres;

/// <summary>
/// Writes one batch in one transaction: raw events by binary COPY, derived state intervals, dead
/// letters, and the consumer's Kafka offsets. A crash before COMMIT stores nothing and the offsets
/// are not advanced; after COMMIT everything is. Replays are harmless: (event_id, ts) is unique.
/// </summary>
public sealed class HistorianWriter(NpgsqlDataSource db, string consumerGroup, string clusterKey, TimeProvider time)
{
    private const string Columns = "event_id, machine_id, ts, type, state, reason, good, reject, good_total, reject_total, kafka_partition, kafka_offset, received_at, product";
    private readonly PartitionManager _partitions = new(db);

    public string ConsumerGroup => consumerGroup;

    /// <summary>Stored offsets per partition for this group and topic; empty when none or when they belong to another Kafka cluster.</summary>
    public Task<IReadOnlyDictionary<int, long>> LoadOffsetsAsync(string topic, CancellationToken ct = default) =>
        OffsetStore.LoadAsync(db, consumerGroup, topic, clusterKey, ct);

    public async Task<HistorianWriteResult> WriteAsync(EventBatch batch, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.NextOffsets.Count == 0)
        {
            return default;
        }

        await _partitions.EnsureAsync(batch.Events.Select(e => e.Event.Ts), ct);
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var receivedAt = time.GetUtcNow();

        var inserted = batch.Events.Count == 0 ? 0 : await InsertEventsAsync(conn, tx, batch.Events, receivedAt, ct);
        await UpdateStateIntervalsAsync(conn, tx, batch.Events, ct);
        // Dead letters are published to the DLQ topic from here afterwards (an outbox): an unwritable DLQ never holds back valid events.
        await DeadLetterStore.InsertAsync(conn, tx, batch.DeadLetters, publishedAt: null, ct);
        await SaveOffsetsAsync(conn, tx, batch, ct);
        await tx.CommitAsync(ct);
        return new HistorianWriteResult(inserted, batch.Events.Count - inserted, batch.DeadLetters.Count);
    }

    /// <summary>
    /// Optimistic path: COPY straight into raw_events. Only when that hits a duplicate (a replayed file)
    /// does it fall back to COPY into a staging table and INSERT .. ON CONFLICT DO NOTHING.
    /// </summary>
    private static async Task<int> InsertEventsAsync(NpgsqlConnection conn, NpgsqlTransaction tx, List<SourcedEvent> events, DateTimeOffset receivedAt, CancellationToken ct)
    {
        await Exec(conn, tx, "SAVEPOINT copy_direct", ct);
        try
        {
            CopyRaw(conn, events, receivedAt);
            await Exec(conn, tx, "RELEASE SAVEPOINT copy_direct", ct);
            return events.Count;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            await Exec(conn, tx, "ROLLBACK TO SAVEPOINT copy_direct", ct);
        }

        await Exec(conn, tx, "CREATE TEMP TABLE IF NOT EXISTS raw_events_stage (LIKE raw_events INCLUDING DEFAULTS) ON COMMIT DELETE ROWS", ct);
        Copy(conn, $"COPY raw_events_stage ({Columns}) FROM STDIN (FORMAT BINARY)", events, receivedAt);
        await using var cmd = new NpgsqlCommand($"""
            INSERT INTO raw_events ({Columns})
            SELECT DISTINCT ON (event_id, ts) {Columns} FROM raw_events_stage ORDER BY event_id, ts, kafka_partition, kafka_offset
            ON CONFLICT (event_id, ts) DO NOTHING
            """, conn, tx);
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Plain binary COPY of events into raw_events: the historian's fast path, and the benchmark's baseline.</summary>
    public static void CopyRaw(NpgsqlConnection conn, IReadOnlyList<SourcedEvent> events, DateTimeOffset receivedAt) =>
        Copy(conn, $"COPY raw_events ({Columns}) FROM STDIN (FORMAT BINARY)", events, receivedAt);

    private static void Copy(NpgsqlConnection conn, string copySql, IReadOnlyList<SourcedEvent> events, DateTimeOffset receivedAt)
    {
        ArgumentNullException.ThrowIfNull(conn);
        ArgumentNullException.ThrowIfNull(events);
        using var w = conn.BeginBinaryImport(copySql);
        foreach (var s in events)
        {
            var e = s.Event;
            w.StartRow();
            w.Write(e.EventId, NpgsqlDbType.Uuid);
            w.Write(e.MachineId, NpgsqlDbType.Text);
            w.Write(e.Ts.UtcDateTime, NpgsqlDbType.TimestampTz);
            w.Write(ContractNames.Of(e.Type), NpgsqlDbType.Text);
            WriteNullable(w, e.State is { } st ? ContractNames.Of(st) : null);
            WriteNullable(w, e.Reason);
            WriteNullable(w, e.Good);
            WriteNullable(w, e.Reject);
            WriteNullable(w, e.GoodTotal);
            WriteNullable(w, e.RejectTotal);
            w.Write(s.Partition, NpgsqlDbType.Integer);
            w.Write(s.Offset, NpgsqlDbType.Bigint);
            w.Write(receivedAt.UtcDateTime, NpgsqlDbType.TimestampTz);
            WriteNullable(w, e.Product);
        }

        w.Complete();
    }

    internal static void WriteNullable(NpgsqlBinaryImporter w, string? value)
    {
        if (value is null)
        {
            w.WriteNull();
        }
        else
        {
            w.Write(value, NpgsqlDbType.Text);
        }
    }

    internal static void WriteNullable(NpgsqlBinaryImporter w, long? value)
    {
        if (value is { } v)
        {
            w.Write(v, NpgsqlDbType.Bigint);
        }
        else
        {
            w.WriteNull();
        }
    }

    /// <summary>
    /// Adds the batch's state events as intervals and recomputes end times for the affected machines
    /// from the interval before the batch's earliest state event: correct for late and out-of-order events too.
    /// </summary>
    private static async Task UpdateStateIntervalsAsync(NpgsqlConnection conn, NpgsqlTransaction tx, List<SourcedEvent> events, CancellationToken ct)
    {
        var states = events.Where(e => e.Event.Type == EventType.State).Select(e => e.Event).ToList();
        if (states.Count == 0)
        {
            return;
        }

        await using var insert = new NpgsqlCommand("""
            INSERT INTO state_intervals (machine_id, start_ts, state, reason, event_id)
            SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::uuid[])
            ON CONFLICT DO NOTHING
            """, conn, tx);
        insert.Parameters.AddWithValue(states.Select(s => s.MachineId).ToArray());
        insert.Parameters.AddWithValue(states.Select(s => s.Ts.UtcDateTime).ToArray());
        insert.Parameters.AddWithValue(states.Select(s => ContractNames.Of(s.State!.Value)).ToArray());
        insert.Parameters.Add(new NpgsqlParameter { Value = states.Select(s => (object?)s.Reason ?? DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        insert.Parameters.AddWithValue(states.Select(s => s.EventId).ToArray());
        await insert.ExecuteNonQueryAsync(ct);

        var earliest = states.GroupBy(s => s.MachineId).Select(g => (Machine: g.Key, From: g.Min(s => s.Ts).UtcDateTime)).ToList();
        await using var update = new NpgsqlCommand("""
            WITH affected AS (
                SELECT a.machine_id,
                       coalesce((SELECT max(si.start_ts) FROM state_intervals si WHERE si.machine_id = a.machine_id AND si.start_ts < a.min_ts), a.min_ts) AS from_ts
                FROM unnest($1::text[], $2::timestamptz[]) AS a(machine_id, min_ts)),
            recomputed AS (
                SELECT si.machine_id, si.start_ts, si.event_id,
                       lead(si.start_ts) OVER (PARTITION BY si.machine_id ORDER BY si.start_ts, si.event_id) AS next_start
                FROM state_intervals si JOIN affected a ON si.machine_id = a.machine_id AND si.start_ts >= a.from_ts)
            UPDATE state_intervals t SET end_ts = r.next_start
            FROM recomputed r
            WHERE t.machine_id = r.machine_id AND t.start_ts = r.start_ts AND t.event_id = r.event_id
              AND t.end_ts IS DISTINCT FROM r.next_start
            """, conn, tx);
        update.Parameters.AddWithValue(earliest.Select(e => e.Machine).ToArray());
        update.Parameters.AddWithValue(earliest.Select(e => e.From).ToArray());
        await update.ExecuteNonQueryAsync(ct);
    }

    private Task SaveOffsetsAsync(NpgsqlConnection conn, NpgsqlTransaction tx, EventBatch batch, CancellationToken ct) =>
        OffsetStore.SaveAsync(conn, tx, consumerGroup, batch.Topic, batch.NextOffsets, clusterKey, ct);

    private static async Task Exec(NpgsqlConnection conn, NpgsqlTransaction tx, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
