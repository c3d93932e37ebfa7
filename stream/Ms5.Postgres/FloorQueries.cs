using Npgsql;

namespace Ms5.Postgres;

/// <summary>A machine as the floor sees it now: its latest reported state, its newest event and whether an open Andon on it is acknowledged.</summary>
public sealed record MachineFloorStatus(string PlantId, string LineId, string MachineId, string? State, DateTimeOffset? LastEventAt, bool Acknowledged);

/// <summary>Open Andons of a line by severity and escalation level.</summary>
public sealed record OpenAndons(string PlantId, string LineId, string Severity, int Level, long Count);

/// <summary>
/// The floor's current status for monitoring gauges: the latest state interval (one index probe per machine, however
/// many count events followed it), the engine's newest event, the Andon table.
/// </summary>
public static class FloorQueries
{
    public static async Task<List<MachineFloorStatus>> MachinesAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var sql = $$"""
            SELECT m.plant_id, m.line_id, m.machine_id, s.state, e.ts,
                   EXISTS (SELECT 1 FROM andons a WHERE a.machine_id = m.machine_id AND a.resolved_at IS NULL AND a.acked_at IS NOT NULL)
            FROM machines m
            LEFT JOIN LATERAL (SELECT state FROM state_intervals si WHERE si.machine_id = m.machine_id ORDER BY si.start_ts DESC LIMIT 1) s ON true
            LEFT JOIN LATERAL (SELECT {{OeeEventStore.NewestStoredSql("m.machine_id")}} AS ts) e ON true
            WHERE m.active
            ORDER BY m.machine_id
            """;
        await using var cmd = db.CreateCommand(sql);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<MachineFloorStatus>();
        while (await r.ReadAsync(ct))
        {
            list.Add(new MachineFloorStatus(r.GetString(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3),
                r.IsDBNull(4) ? null : r.GetFieldValue<DateTimeOffset>(4), r.GetBoolean(5)));
        }

        return list;
    }

    public static async Task<List<OpenAndons>> OpenAndonsAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        await using var cmd = db.CreateCommand("SELECT plant_id, line_id, severity, level, count(*) FROM andons WHERE resolved_at IS NULL GROUP BY 1, 2, 3, 4");
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<OpenAndons>();
        while (await r.ReadAsync(ct))
        {
            list.Add(new OpenAndons(r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt32(3), r.GetInt64(4)));
        }

        return list;
    }
}
