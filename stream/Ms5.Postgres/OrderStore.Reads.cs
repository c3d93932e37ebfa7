using Ms5.Analytics.Contracts;
using Ms5.Analytics.Oee;
using Ms5.Analytics.Orders;
using Ms5.Analytics.Plant;
using Npgsql;
using NpgsqlTypes;

namespace Ms5.Postgres;

/// <summary>
/// One order_history row: a change of an order (and an outbox entry of ms5.orders.v1 until published). Before/After hold
/// the changed fields only (Before is null for created); SnapshotJson is the whole order after the change.
/// </summary>
public sealed record OrderHistoryEntry(string OrderId, int Seq, string Kind, DateTimeOffset At, DateTimeOffset RecordedAt, string Actor, string? BeforeJson, string AfterJson, string SnapshotJson, bool Published)
{
    /// <summary>The ms5.orders.v1 message of this change (key = <see cref="OrderId"/>).</summary>
    public OrderMessage ToMessage() =>
        OrderMessage.Lifecycle(Kind, At, Actor, System.Text.Json.JsonSerializer.Deserialize(SnapshotJson, ContractJson.Default.OrderSnapshot)!);
}

/// <summary>Filters of <see cref="OrderStore.ListAsync"/>; null: any.</summary>
public sealed record OrderFilter(string? PlantId = null, string? LineId = null, string? MachineId = null, OrderStatus? Status = null, DateTimeOffset? From = null, DateTimeOffset? To = null, int Limit = 1000);

public sealed partial class OrderStore
{
    private const string Columns = "order_id, plant_id, product, target_quantity, line_id, machine_ids, planned_start, planned_end, note, status, "
        + "actual_start, actual_end, last_transition_at, version, created_at, updated_at, created_by, updated_by";

    public async Task<StoredOrder?> GetAsync(string orderId, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await ReadAsync(conn, null, orderId, forUpdate: false, ct);
    }

    /// <summary>
    /// Orders by planned start. <see cref="OrderFilter.LineId"/> matches orders planned for the line and orders on any
    /// of its machines; From/To keep orders whose planned or actual window ([actualStart, actualEnd or ∞)) overlaps [From, To).
    /// </summary>
    public async Task<IReadOnlyList<StoredOrder>> ListAsync(OrderFilter filter, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        await using var cmd = db.CreateCommand($"""
            SELECT {Columns} FROM orders o
            WHERE ($1::text IS NULL OR plant_id = $1)
              AND ($2::text IS NULL OR line_id = $2 OR machine_ids && ARRAY(SELECT machine_id FROM machines WHERE line_id = $2))
              AND ($3::text IS NULL OR $3 = ANY(machine_ids))
              AND ($4::text IS NULL OR status = $4)
              AND ((($6::timestamptz IS NULL OR planned_start < $6) AND ($5::timestamptz IS NULL OR planned_end > $5))
                OR (actual_start IS NOT NULL AND ($6::timestamptz IS NULL OR actual_start < $6)
                    AND ($5::timestamptz IS NULL OR coalesce(actual_end, 'infinity') > $5)))
            ORDER BY planned_start, order_id
            LIMIT $7
            """);
        cmd.Parameters.AddWithValue(NpgsqlDbType.Text, (object?)filter.PlantId ?? DBNull.Value);
        cmd.Parameters.AddWithValue(NpgsqlDbType.Text, (object?)filter.LineId ?? DBNull.Value);
        cmd.Parameters.AddWithValue(NpgsqlDbType.Text, (object?)filter.MachineId ?? DBNull.Value);
        cmd.Parameters.AddWithValue(NpgsqlDbType.Text, filter.Status is { } s ? OrderNames.Of(s) : DBNull.Value);
        cmd.Parameters.AddWithValue(NpgsqlDbType.TimestampTz, (object?)filter.From?.UtcDateTime ?? DBNull.Value);
        cmd.Parameters.AddWithValue(NpgsqlDbType.TimestampTz, (object?)filter.To?.UtcDateTime ?? DBNull.Value);
        cmd.Parameters.AddWithValue(filter.Limit);
        var list = new List<StoredOrder>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            list.Add(ReadStored(r));
        }

        return list;
    }

    /// <summary>The running and released orders on a machine: running first, then released by planned start (the next one to start automatically).</summary>
    public async Task<IReadOnlyList<ProductionOrder>> RunningAndReleasedAsync(string machineId, CancellationToken ct = default) =>
        (await RunningAndReleasedAsync([machineId], ct))[machineId];

    /// <summary>As <see cref="RunningAndReleasedAsync(string, CancellationToken)"/> for several machines in one query (every machine has an entry, maybe empty).</summary>
    public async Task<Dictionary<string, List<ProductionOrder>>> RunningAndReleasedAsync(IReadOnlyCollection<string> machineIds, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(machineIds);
        var result = machineIds.Distinct(StringComparer.Ordinal).ToDictionary(m => m, _ => new List<ProductionOrder>(), StringComparer.Ordinal);
        await using var cmd = db.CreateCommand($"""
            SELECT {Columns}, a.m FROM unnest($1::text[]) AS a(m) JOIN orders ON machine_ids @> ARRAY[a.m]
            WHERE status IN ('running', 'released')
            ORDER BY a.m, status = 'running' DESC, planned_start, order_id
            """);
        cmd.Parameters.AddWithValue(result.Keys.ToArray());
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            result[r.GetString(r.FieldCount - 1)].Add(ReadOrder(r));
        }

        return result;
    }

    /// <summary>Every running order (all plants), e.g. for periodic progress messages.</summary>
    public async Task<IReadOnlyList<ProductionOrder>> RunningAsync(CancellationToken ct = default) =>
        [.. (await ListAsync(new OrderFilter(Status: OrderStatus.Running, Limit: 100_000), ct)).Select(s => s.Order)];

    /// <summary>The order's changes in order (seq 1 is its creation); empty for an unknown order.</summary>
    public async Task<IReadOnlyList<OrderHistoryEntry>> HistoryAsync(string orderId, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand($"SELECT {HistoryColumns} FROM order_history WHERE order_id = $1 ORDER BY seq");
        cmd.Parameters.AddWithValue(orderId);
        return await ReadHistoryAsync(cmd, ct);
    }

    /// <summary>
    /// The outbox: up to <paramref name="limit"/> unpublished history rows in recorded order, locked (FOR UPDATE SKIP LOCKED)
    /// in the caller's transaction so concurrent publishers never take the same row; mark them with <see cref="MarkPublishedAsync"/>
    /// in the same transaction after the broker acknowledged them.
    /// </summary>
    public static async Task<IReadOnlyList<OrderHistoryEntry>> LockUnpublishedAsync(NpgsqlConnection conn, NpgsqlTransaction tx, int limit, CancellationToken ct = default)
    {
        await using var cmd = new NpgsqlCommand($"""
            SELECT {HistoryColumns} FROM order_history WHERE NOT published
            ORDER BY recorded_at, order_id, seq LIMIT $1 FOR UPDATE SKIP LOCKED
            """, conn, tx);
        cmd.Parameters.AddWithValue(limit);
        return await ReadHistoryAsync(cmd, ct);
    }

    public static async Task<int> MarkPublishedAsync(NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyCollection<OrderHistoryEntry> entries, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        await using var cmd = new NpgsqlCommand("""
            UPDATE order_history h SET published = true
            FROM unnest($1::text[], $2::int[]) AS k(o, s) WHERE h.order_id = k.o AND h.seq = k.s
            """, conn, tx);
        cmd.Parameters.AddWithValue(entries.Select(e => e.OrderId).ToArray());
        cmd.Parameters.AddWithValue(entries.Select(e => e.Seq).ToArray());
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Publishes the outbox once: locks up to <paramref name="limit"/> unpublished rows, hands them to
    /// <paramref name="publish"/> (which must return only once the broker acknowledged them; if it throws nothing is marked)
    /// and marks them published. Returns how many were published.
    /// </summary>
    public async Task<int> PublishOutboxAsync(Func<IReadOnlyList<OrderHistoryEntry>, CancellationToken, Task> publish, int limit = 500, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(publish);
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var rows = await LockUnpublishedAsync(conn, tx, limit, ct);
        if (rows.Count == 0)
        {
            return 0;
        }

        await publish(rows, ct);
        await MarkPublishedAsync(conn, tx, [.. rows], ct);
        await tx.CommitAsync(ct);
        return rows.Count;
    }

    /// <summary>The order's progress as of <paramref name="now"/> (see <see cref="OrderProgressCalculator"/>).</summary>
    public async Task<OrderProgress> ProgressAsync(ProductionOrder order, DateTimeOffset now, CancellationToken ct = default) =>
        (await ProgressAsync([order], now, ct))[0];

    /// <summary>Progress of several orders (one plant file parse per plant).</summary>
    public async Task<IReadOnlyList<OrderProgress>> ProgressAsync(IReadOnlyList<ProductionOrder> orders, DateTimeOffset now, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(orders);
        var plants = new Dictionary<string, PlantConfig?>(StringComparer.Ordinal);
        var result = new List<OrderProgress>(orders.Count);
        await using var conn = await db.OpenConnectionAsync(ct);
        foreach (var order in orders)
        {
            if (!plants.TryGetValue(order.PlantId, out var plant))
            {
                plant = plants[order.PlantId] = await PlantAsync(conn, order.PlantId, ct);
            }

            var whole = OrderProgressCalculator.Window(order, now) is { } w ? await SumAsync(conn, order.MachineIds, w.From, w.To, ct) : default;
            var recent = OrderProgressCalculator.RateWindowOf(order, now) is { } rw ? await SumAsync(conn, order.MachineIds, rw.From, rw.To, ct) : default;
            result.Add(OrderProgressCalculator.Compute(order, now, whole, recent, IdealRate(plant, order.MachineIds, order.Product)));
        }

        return result;
    }

    /// <summary>Components summed over the machines' minutes whose start lies in [from, to) (e.g. a shift's part of an order).</summary>
    public async Task<OeeComponents> ComponentsAsync(IReadOnlyList<string> machineIds, DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(machineIds);
        await using var conn = await db.OpenConnectionAsync(ct);
        return await SumAsync(conn, machineIds, from, to, ct);
    }

    /// <summary>Parts per hour the machines make together at their ideal cycle for <paramref name="product"/> (the plant file's per-product cycle, else the machine's default).</summary>
    public static double? IdealRate(PlantConfig? plant, IEnumerable<string> machineIds, string product)
    {
        if (plant is null)
        {
            return null;
        }

        var machines = plant.Machines.ToDictionary(m => m.Id, StringComparer.Ordinal);
        var cycles = machineIds.Select(id => machines.GetValueOrDefault(id)?.IdealCycle.For(product)).ToList();
        return cycles.Any(c => c is null) ? null : OrderProgressCalculator.IdealRate(cycles.Select(c => c!.Value));
    }

    /// <summary>The stored plant file, parsed; null for an unknown plant.</summary>
    public async Task<PlantConfig?> PlantAsync(string plantId, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await PlantAsync(conn, plantId, ct);
    }

    private static async Task<PlantConfig?> PlantAsync(NpgsqlConnection conn, string plantId, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT config::text FROM plants WHERE plant_id = $1", conn);
        cmd.Parameters.AddWithValue(plantId);
        return await cmd.ExecuteScalarAsync(ct) is string json ? PlantConfigParser.Parse(json) : null;
    }

    /// <summary>Components summed over the machines' minutes whose start lies in [from, to).</summary>
    private static async Task<OeeComponents> SumAsync(NpgsqlConnection conn, IReadOnlyList<string> machineIds, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        var sums = string.Join(", ", OeeQueries.ComponentColumns.Split(", ").Select(c => $"coalesce(sum({c}), 0)"));
        await using var cmd = new NpgsqlCommand($"SELECT {sums} FROM oee_minute WHERE machine_id = ANY($1) AND minute >= $2 AND minute < $3", conn);
        cmd.Parameters.AddWithValue(machineIds.ToArray());
        cmd.Parameters.AddWithValue(from.UtcDateTime);
        cmd.Parameters.AddWithValue(to.UtcDateTime);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return OeeQueries.ReadComponents(r, 0);
    }

    private const string HistoryColumns = "order_id, seq, kind, at, recorded_at, actor, before::text, after::text, snapshot::text, published";

    private static async Task<IReadOnlyList<OrderHistoryEntry>> ReadHistoryAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var list = new List<OrderHistoryEntry>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            list.Add(new OrderHistoryEntry(r.GetString(0), r.GetInt32(1), r.GetString(2), Utc(r, 3), Utc(r, 4), r.GetString(5),
                r.IsDBNull(6) ? null : r.GetString(6), r.GetString(7), r.GetString(8), r.GetBoolean(9)));
        }

        return list;
    }

    private static async Task<StoredOrder?> ReadAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, string orderId, bool forUpdate, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"SELECT {Columns} FROM orders WHERE order_id = $1{(forUpdate ? " FOR UPDATE" : "")}", conn, tx);
        cmd.Parameters.AddWithValue(orderId);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? ReadStored(r) : null;
    }

    private static StoredOrder ReadStored(NpgsqlDataReader r) => new(ReadOrder(r), Utc(r, 14), r.GetString(16), Utc(r, 15), r.GetString(17));

    private static ProductionOrder ReadOrder(NpgsqlDataReader r) => new()
    {
        OrderId = r.GetString(0),
        PlantId = r.GetString(1),
        Product = r.GetString(2),
        TargetQuantity = r.GetInt64(3),
        LineId = r.IsDBNull(4) ? null : r.GetString(4),
        MachineIds = r.GetFieldValue<string[]>(5),
        PlannedStart = Utc(r, 6),
        PlannedEnd = Utc(r, 7),
        Note = r.IsDBNull(8) ? null : r.GetString(8),
        Status = OrderNames.ParseStatus(r.GetString(9)) ?? throw new InvalidDataException($"unknown order status {r.GetString(9)}"),
        ActualStart = r.IsDBNull(10) ? null : Utc(r, 10),
        ActualEnd = r.IsDBNull(11) ? null : Utc(r, 11),
        LastTransitionAt = r.IsDBNull(12) ? null : Utc(r, 12),
        Version = r.GetInt32(13),
    };

    private static DateTimeOffset Utc(NpgsqlDataReader r, int i) => new(DateTime.SpecifyKind(r.GetDateTime(i), DateTimeKind.Utc));
}
