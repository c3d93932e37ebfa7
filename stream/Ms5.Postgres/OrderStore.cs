using System.Text.Json.Nodes;
using Ms5.Analytics.Orders;
using Npgsql;
using NpgsqlTypes;

namespace Ms5.Postgres;

/// <summary>An order as stored, with who created and last changed it.</summary>
public sealed record StoredOrder(ProductionOrder Order, DateTimeOffset CreatedAt, string CreatedBy, DateTimeOffset UpdatedAt, string UpdatedBy);

/// <summary>What a write did: <see cref="Order"/> is the order after it (or the one it concerned); <see cref="Conflict"/> the order in the way.</summary>
public sealed record OrderWrite(OrderWriteOutcome Outcome, StoredOrder? Order = null, ProductionOrder? Conflict = null)
{
    public bool Ok => Outcome == OrderWriteOutcome.Done;
}

public enum OrderWriteOutcome
{
    Done,
    NotFound,

    /// <summary>Create: the order id exists.</summary>
    Duplicate,

    /// <summary>Create or edit: an open order on a common machine has an overlapping plan (<see cref="OrderWrite.Conflict"/>).</summary>
    PlanOverlap,

    /// <summary>Start: another order on a common machine runs (or ran at <c>at</c>) (<see cref="OrderWrite.Conflict"/>).</summary>
    RunningConflict,

    /// <summary>Transition or edit not allowed from the order's status (<see cref="OrderWrite.Order"/> has it).</summary>
    NotFromStatus,

    /// <summary>Complete or cancel: <c>at</c> precedes the order's actual start (<see cref="OrderWrite.Order"/> has it).</summary>
    BeforePreviousTransition,

    /// <summary>Complete or cancel a running order: another order on a common machine started between its start and <c>at</c> (<see cref="OrderWrite.Conflict"/>).</summary>
    EndConflict,

    /// <summary>Edit: the caller's expected version is not the stored one.</summary>
    VersionMismatch,

    /// <summary>Edit: the planned end would not lie after the planned start (<see cref="OrderWrite.Order"/> has the stored plan).</summary>
    PlanInverted,
}

/// <summary>The fields an edit changes (null: unchanged). Allowed while planned or released.</summary>
public sealed record OrderEdit(string? Product = null, long? TargetQuantity = null, DateTimeOffset? PlannedStart = null, DateTimeOffset? PlannedEnd = null, string? Note = null);

/// <summary>
/// Production orders in PostgreSQL. Every change updates the row and appends an <c>order_history</c> row (the audit
/// history and the outbox of ms5.orders.v1) in one transaction. Conflicts between orders sharing a machine are decided by
/// <see cref="OrderConflicts"/> while the writer holds a transaction-scoped advisory lock per machine (taken in machine
/// order after the order's own row lock), so two concurrent starts or creations on a machine are serialized and only
/// one can win.
/// </summary>
public sealed partial class OrderStore(NpgsqlDataSource db)
{
    /// <summary>Stores a new order (status planned) with a "created" history row at <paramref name="at"/>.</summary>
    public async Task<OrderWrite> CreateAsync(ProductionOrder order, string actor, DateTimeOffset at, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(order);
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await LockMachinesAsync(conn, tx, order.MachineIds, ct);
        if (await ReadAsync(conn, tx, order.OrderId, forUpdate: false, ct) is { } existing)
        {
            return new OrderWrite(OrderWriteOutcome.Duplicate, existing);
        }

        if (OrderConflicts.OverlappingPlan(order, await SharingAsync(conn, tx, order, null, ct)) is { } overlap)
        {
            return new OrderWrite(OrderWriteOutcome.PlanOverlap, null, overlap);
        }

        order = order with { Status = OrderStatus.Planned, ActualStart = null, ActualEnd = null, LastTransitionAt = null, Version = 1 };
        await using (var cmd = new NpgsqlCommand($"""
            INSERT INTO orders ({Columns})
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, NULL, NULL, 1, now(), now(), $11, $11)
            ON CONFLICT (order_id) DO NOTHING
            """, conn, tx))
        {
            cmd.Parameters.AddWithValue(order.OrderId);
            cmd.Parameters.AddWithValue(order.PlantId);
            cmd.Parameters.AddWithValue(order.Product);
            cmd.Parameters.AddWithValue(order.TargetQuantity);
            cmd.Parameters.AddWithValue(NpgsqlDbType.Text, (object?)order.LineId ?? DBNull.Value);
            cmd.Parameters.AddWithValue(order.MachineIds.ToArray());
            cmd.Parameters.AddWithValue(order.PlannedStart.UtcDateTime);
            cmd.Parameters.AddWithValue(order.PlannedEnd.UtcDateTime);
            cmd.Parameters.AddWithValue(NpgsqlDbType.Text, (object?)order.Note ?? DBNull.Value);
            cmd.Parameters.AddWithValue(OrderNames.Of(OrderStatus.Planned));
            cmd.Parameters.AddWithValue(actor);
            if (await cmd.ExecuteNonQueryAsync(ct) == 0)
            {
                // The same id created at once on other machines (their locks are not ours): the first one won.
                await tx.RollbackAsync(ct);
                return new OrderWrite(OrderWriteOutcome.Duplicate, await GetAsync(order.OrderId, ct));
            }
        }

        await AppendHistoryAsync(conn, tx, order, OrderNames.Created, at, actor, null, OrderJson.Snapshot(order), ct);
        var stored = (await ReadAsync(conn, tx, order.OrderId, forUpdate: false, ct))!;
        await tx.CommitAsync(ct);
        return new OrderWrite(OrderWriteOutcome.Done, stored);
    }

    /// <summary>
    /// Releases, starts, completes or cancels an order at <paramref name="at"/> (business time) by <paramref name="actor"/>
    /// (a user, or e.g. "auto:press-01" for the engine's automatic start). Starting is refused while another order on a
    /// common machine runs, or when <paramref name="at"/> lies inside a finished order's actual window on one; ending a running
    /// order is refused when <paramref name="at"/> would take in an order started on a common machine after it.
    /// </summary>
    public async Task<OrderWrite> TransitionAsync(string orderId, OrderAction action, DateTimeOffset at, string actor, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        if (await ReadAsync(conn, tx, orderId, forUpdate: true, ct) is not { } stored)
        {
            return new OrderWrite(OrderWriteOutcome.NotFound);
        }

        var order = stored.Order;
        switch (OrderLifecycle.Check(order, action, at))
        {
            case OrderRefusal.NotFromStatus:
                return new OrderWrite(OrderWriteOutcome.NotFromStatus, stored);
            case OrderRefusal.BeforePreviousTransition:
                return new OrderWrite(OrderWriteOutcome.BeforePreviousTransition, stored);
        }

        if (action == OrderAction.Start)
        {
            await LockMachinesAsync(conn, tx, order.MachineIds, ct);
            if (OrderConflicts.RunningConflict(order, at, await SharingAsync(conn, tx, order, at, ct)) is { } running)
            {
                return new OrderWrite(OrderWriteOutcome.RunningConflict, stored, running);
            }
        }
        else if (order.Status == OrderStatus.Running && action is OrderAction.Complete or OrderAction.Cancel)
        {
            await LockMachinesAsync(conn, tx, order.MachineIds, ct);
            if (OrderConflicts.EndConflict(order, at, await StartedWithinAsync(conn, tx, order, at, ct)) is { } later)
            {
                return new OrderWrite(OrderWriteOutcome.EndConflict, stored, later);
            }
        }

        var after = OrderLifecycle.Apply(order, action, at);
        await using (var cmd = new NpgsqlCommand("""
            UPDATE orders SET status = $2, actual_start = $3, actual_end = $4, last_transition_at = $5, version = $6, updated_at = now(), updated_by = $7
            WHERE order_id = $1
            """, conn, tx))
        {
            cmd.Parameters.AddWithValue(orderId);
            cmd.Parameters.AddWithValue(OrderNames.Of(after.Status));
            cmd.Parameters.AddWithValue(NpgsqlDbType.TimestampTz, (object?)after.ActualStart?.UtcDateTime ?? DBNull.Value);
            cmd.Parameters.AddWithValue(NpgsqlDbType.TimestampTz, (object?)after.ActualEnd?.UtcDateTime ?? DBNull.Value);
            cmd.Parameters.AddWithValue(at.UtcDateTime);
            cmd.Parameters.AddWithValue(after.Version);
            cmd.Parameters.AddWithValue(actor);
            await cmd.ExecuteNonQueryAsync(ct);
        }

        var (before, changed) = OrderJson.Diff(order, after);
        await AppendHistoryAsync(conn, tx, after, OrderNames.HistoryKind(action), at, actor, before, changed, ct);
        var result = (await ReadAsync(conn, tx, orderId, forUpdate: false, ct))!;
        await tx.CommitAsync(ct);
        return new OrderWrite(OrderWriteOutcome.Done, result);
    }

    /// <summary>
    /// Changes target, plan, note or product of a planned or released order (an "updated" history row holding the old
    /// and new values: who changed the target, when). <paramref name="expectedVersion"/>, when given, must be the stored version.
    /// </summary>
    public async Task<OrderWrite> UpdateAsync(string orderId, OrderEdit edit, string actor, DateTimeOffset at, int? expectedVersion = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(edit);
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        if (await ReadAsync(conn, tx, orderId, forUpdate: true, ct) is not { } stored)
        {
            return new OrderWrite(OrderWriteOutcome.NotFound);
        }

        var order = stored.Order;
        if (expectedVersion is { } v && v != order.Version)
        {
            return new OrderWrite(OrderWriteOutcome.VersionMismatch, stored);
        }

        if (!OrderLifecycle.CanEdit(order.Status))
        {
            return new OrderWrite(OrderWriteOutcome.NotFromStatus, stored);
        }

        var after = order with
        {
            Product = edit.Product ?? order.Product,
            TargetQuantity = edit.TargetQuantity ?? order.TargetQuantity,
            PlannedStart = edit.PlannedStart ?? order.PlannedStart,
            PlannedEnd = edit.PlannedEnd ?? order.PlannedEnd,
            Note = edit.Note ?? order.Note,
        };
        var (before, changed) = OrderJson.Diff(order, after);
        if (changed.Count == 0)
        {
            return new OrderWrite(OrderWriteOutcome.Done, stored);
        }

        after = after with { Version = order.Version + 1 };
        if (after.PlannedEnd <= after.PlannedStart)
        {
            // Checked by the caller against the order it read; a concurrent edit of the other end can still cross them.
            return new OrderWrite(OrderWriteOutcome.PlanInverted, stored);
        }

        if (after.PlannedStart != order.PlannedStart || after.PlannedEnd != order.PlannedEnd)
        {
            await LockMachinesAsync(conn, tx, order.MachineIds, ct);
            if (OrderConflicts.OverlappingPlan(after, await SharingAsync(conn, tx, after, null, ct)) is { } overlap)
            {
                return new OrderWrite(OrderWriteOutcome.PlanOverlap, stored, overlap);
            }
        }

        await using (var cmd = new NpgsqlCommand("""
            UPDATE orders SET product = $2, target_quantity = $3, planned_start = $4, planned_end = $5, note = $6, version = $7, updated_at = now(), updated_by = $8
            WHERE order_id = $1
            """, conn, tx))
        {
            cmd.Parameters.AddWithValue(orderId);
            cmd.Parameters.AddWithValue(after.Product);
            cmd.Parameters.AddWithValue(after.TargetQuantity);
            cmd.Parameters.AddWithValue(after.PlannedStart.UtcDateTime);
            cmd.Parameters.AddWithValue(after.PlannedEnd.UtcDateTime);
            cmd.Parameters.AddWithValue(NpgsqlDbType.Text, (object?)after.Note ?? DBNull.Value);
            cmd.Parameters.AddWithValue(after.Version);
            cmd.Parameters.AddWithValue(actor);
            await cmd.ExecuteNonQueryAsync(ct);
        }

        await AppendHistoryAsync(conn, tx, after, OrderNames.Updated, at, actor, before, changed, ct);
        var result = (await ReadAsync(conn, tx, orderId, forUpdate: false, ct))!;
        await tx.CommitAsync(ct);
        return new OrderWrite(OrderWriteOutcome.Done, result);
    }

    /// <summary>Transaction-scoped advisory locks, one per machine, in machine order (so lockers never deadlock each other).</summary>
    private static async Task LockMachinesAsync(NpgsqlConnection conn, NpgsqlTransaction tx, IEnumerable<string> machineIds, CancellationToken ct)
    {
        foreach (var m in machineIds.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            await using var cmd = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended('ms5.orders.machine/' || $1, 0))", conn, tx);
            cmd.Parameters.AddWithValue(m);
            await cmd.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>Other orders on a common machine that can conflict: open ones, and finished ones whose actual window holds <paramref name="at"/>.</summary>
    private static async Task<List<ProductionOrder>> SharingAsync(NpgsqlConnection conn, NpgsqlTransaction tx, ProductionOrder order, DateTimeOffset? at, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"""
            SELECT {Columns} FROM orders
            WHERE machine_ids && $1 AND order_id <> $2
              AND (status IN ('planned', 'released', 'running') OR (actual_start <= $3 AND actual_end > $3))
            """, conn, tx);
        cmd.Parameters.AddWithValue(order.MachineIds.ToArray());
        cmd.Parameters.AddWithValue(order.OrderId);
        cmd.Parameters.AddWithValue(NpgsqlDbType.TimestampTz, (object?)at?.UtcDateTime ?? DBNull.Value);
        var list = new List<ProductionOrder>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            list.Add(ReadOrder(r));
        }

        return list;
    }

    /// <summary>Other orders on a common machine that started in [<paramref name="order"/>'s actual start, <paramref name="end"/>).</summary>
    private static async Task<List<ProductionOrder>> StartedWithinAsync(NpgsqlConnection conn, NpgsqlTransaction tx, ProductionOrder order, DateTimeOffset end, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"""
            SELECT {Columns} FROM orders
            WHERE machine_ids && $1 AND order_id <> $2 AND actual_start >= $3 AND actual_start < $4
            """, conn, tx);
        cmd.Parameters.AddWithValue(order.MachineIds.ToArray());
        cmd.Parameters.AddWithValue(order.OrderId);
        cmd.Parameters.AddWithValue(NpgsqlDbType.TimestampTz, order.ActualStart!.Value.UtcDateTime);
        cmd.Parameters.AddWithValue(NpgsqlDbType.TimestampTz, end.UtcDateTime);
        var list = new List<ProductionOrder>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            list.Add(ReadOrder(r));
        }

        return list;
    }

    private static async Task AppendHistoryAsync(NpgsqlConnection conn, NpgsqlTransaction tx, ProductionOrder order, string kind, DateTimeOffset at, string actor, JsonObject? before, JsonObject after, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            INSERT INTO order_history (order_id, seq, kind, at, actor, before, after, snapshot)
            VALUES ($1, (SELECT coalesce(max(seq), 0) + 1 FROM order_history WHERE order_id = $1), $2, $3, $4, $5::jsonb, $6::jsonb, $7::jsonb)
            """, conn, tx);
        cmd.Parameters.AddWithValue(order.OrderId);
        cmd.Parameters.AddWithValue(kind);
        cmd.Parameters.AddWithValue(at.UtcDateTime);
        cmd.Parameters.AddWithValue(actor);
        cmd.Parameters.AddWithValue(NpgsqlDbType.Text, (object?)before?.ToJsonString() ?? DBNull.Value);
        cmd.Parameters.AddWithValue(after.ToJsonString());
        cmd.Parameters.AddWithValue(OrderJson.Snapshot(order).ToJsonString());
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
