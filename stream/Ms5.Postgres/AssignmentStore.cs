using Ms5.Analytics.Assignments;
using Npgsql;
using NpgsqlTypes;

namespace Ms5.Postgres;

/// <summary>
/// Operator assignments (migration 0021): one operator per (day, shift, machine), each change also appended to
/// assignment_history with who was assigned before and after. Andons read the assignment when they are raised
/// (<see cref="AssigneeOf"/>, inside the Andon's own INSERT).
/// </summary>
public static class AssignmentStore
{
    private const string Columns = "day, shift, plant_id, line_id, machine_id, user_name, assigned_at, assigned_by";

    /// <summary>
    /// SQL for the operator assigned for (day, shift, machine) given as three expressions; NULL when there is none
    /// (also when day or shift is NULL: no shift was running). A primary-key lookup inside the statement that raises
    /// the Andon, so raising costs no extra round trip and never sees a stale copy.
    /// </summary>
    internal static string AssigneeOf(string day, string shift, string machine) =>
        $"(SELECT asg.user_name FROM assignments asg WHERE asg.day = {day} AND asg.shift = {shift} AND asg.machine_id = {machine})";

    /// <summary>
    /// Assigns <paramref name="userName"/> (null: removes the assignment) and records the change, under a row lock so
    /// two planners writing the same slot are recorded in order. Nothing is written when nothing changes.
    /// </summary>
    public static async Task<AssignmentChange> SetAsync(
        NpgsqlDataSource db, ShiftSlot slot, string plantId, string lineId, string machineId, string? userName, string actor, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // Serialises writers of one slot even when it has no row yet (FOR UPDATE locks only existing rows).
        await using (var lockSlot = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended($1, 21))", conn, tx))
        {
            lockSlot.Parameters.AddWithValue($"{slot.Day:yyyy-MM-dd}/{slot.Shift}/{machineId}");
            await lockSlot.ExecuteNonQueryAsync(ct);
        }

        string? before;
        await using (var select = new NpgsqlCommand("SELECT user_name FROM assignments WHERE day = $1 AND shift = $2 AND machine_id = $3", conn, tx))
        {
            AddSlot(select, slot, machineId);
            before = await select.ExecuteScalarAsync(ct) as string;
        }

        var change = new AssignmentChange(slot.Day, slot.Shift, machineId, before, userName, now, actor);
        if (!change.Changed)
        {
            return change;
        }

        var sql = userName is null
            ? "DELETE FROM assignments WHERE day = $1 AND shift = $2 AND machine_id = $3"
            : $"""
              INSERT INTO assignments ({Columns}) VALUES ($1, $2, $4, $5, $3, $6, $7, $8)
              ON CONFLICT (day, shift, machine_id) DO UPDATE SET user_name = excluded.user_name, assigned_at = excluded.assigned_at,
                  assigned_by = excluded.assigned_by, plant_id = excluded.plant_id, line_id = excluded.line_id
              """;
        await using (var write = new NpgsqlCommand(sql, conn, tx))
        {
            AddSlot(write, slot, machineId);
            if (userName is not null)
            {
                write.Parameters.AddWithValue(plantId);
                write.Parameters.AddWithValue(lineId);
                write.Parameters.AddWithValue(userName);
                write.Parameters.AddWithValue(now.UtcDateTime);
                write.Parameters.AddWithValue(actor);
            }

            await write.ExecuteNonQueryAsync(ct);
        }

        await using (var history = new NpgsqlCommand("""
            INSERT INTO assignment_history (day, shift, machine_id, plant_id, before_user, after_user, changed_at, changed_by)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            """, conn, tx))
        {
            AddSlot(history, slot, machineId);
            history.Parameters.AddWithValue(plantId);
            history.Parameters.AddWithValue(NpgsqlDbType.Text, (object?)before ?? DBNull.Value);
            history.Parameters.AddWithValue(NpgsqlDbType.Text, (object?)userName ?? DBNull.Value);
            history.Parameters.AddWithValue(now.UtcDateTime);
            history.Parameters.AddWithValue(actor);
            await history.ExecuteNonQueryAsync(ct);
        }

        await tx.CommitAsync(ct);
        return change;
    }

    /// <summary>
    /// Assignments of the given (plant, day) pairs, optionally of one shift and one line, by day, shift, line and machine.
    /// </summary>
    public static async Task<List<Assignment>> ListAsync(
        NpgsqlDataSource db, IReadOnlyCollection<(string PlantId, DateOnly Day)> days, string? shift, string? lineId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(days);
        await using var cmd = db.CreateCommand($"""
            SELECT {Columns} FROM assignments
            WHERE (plant_id, day) IN (SELECT * FROM unnest($1::text[], $2::date[]))
              AND ($3::text IS NULL OR shift = $3) AND ($4::text IS NULL OR line_id = $4)
            ORDER BY day, shift, line_id, machine_id
            """);
        cmd.Parameters.AddWithValue(days.Select(d => d.PlantId).ToArray());
        cmd.Parameters.AddWithValue(days.Select(d => d.Day).ToArray());
        cmd.Parameters.AddWithValue(NpgsqlDbType.Text, (object?)shift ?? DBNull.Value);
        cmd.Parameters.AddWithValue(NpgsqlDbType.Text, (object?)lineId ?? DBNull.Value);
        var list = new List<Assignment>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            list.Add(new Assignment(
                r.GetFieldValue<DateOnly>(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5),
                new DateTimeOffset(DateTime.SpecifyKind(r.GetDateTime(6), DateTimeKind.Utc)), r.GetString(7)));
        }

        return list;
    }

    /// <summary>Who ran which machine in one shift (machine → user name), for reports.</summary>
    public static async Task<Dictionary<string, string>> OperatorsAsync(NpgsqlDataSource db, ShiftSlot slot, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        await using var cmd = db.CreateCommand("SELECT machine_id, user_name FROM assignments WHERE day = $1 AND shift = $2");
        cmd.Parameters.AddWithValue(slot.Day);
        cmd.Parameters.AddWithValue(slot.Shift);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            result[r.GetString(0)] = r.GetString(1);
        }

        return result;
    }

    /// <summary>Every change of one machine's assignment for one shift, oldest first.</summary>
    public static async Task<List<AssignmentChange>> HistoryAsync(NpgsqlDataSource db, ShiftSlot slot, string machineId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        await using var cmd = db.CreateCommand("""
            SELECT before_user, after_user, changed_at, changed_by FROM assignment_history
            WHERE day = $1 AND shift = $2 AND machine_id = $3 ORDER BY id
            """);
        AddSlot(cmd, slot, machineId);
        var list = new List<AssignmentChange>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            list.Add(new AssignmentChange(slot.Day, slot.Shift, machineId, r.IsDBNull(0) ? null : r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1),
                new DateTimeOffset(DateTime.SpecifyKind(r.GetDateTime(2), DateTimeKind.Utc)), r.GetString(3)));
        }

        return list;
    }

    private static void AddSlot(NpgsqlCommand cmd, ShiftSlot slot, string machineId)
    {
        cmd.Parameters.AddWithValue(slot.Day);
        cmd.Parameters.AddWithValue(slot.Shift);
        cmd.Parameters.AddWithValue(machineId);
    }
}
