using System.Text.Json;
using Ms5.Analytics.Plant;
using Npgsql;
using NpgsqlTypes;

namespace Ms5.Postgres;

/// <summary>A machine as the historian and API see it.</summary>
public sealed record MachineInfo(string MachineId, string Name, string LineId, string LineName, string PlantId, double IdealCycleSeconds, string CountMode, bool Active);

/// <summary>Stores the plant configuration and reads machines back.</summary>
public sealed partial class PlantStore(NpgsqlDataSource db)
{
    /// <summary>Upserts the plant in one transaction (source 'file', by <c>migrate</c>); machines no longer in the file are kept but marked inactive.</summary>
    public async Task SaveAsync(PlantConfig plant, string rawJson, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(plant);
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await WriteAsync(conn, tx, plant, rawJson, new PlantChange("file", FileSha256: null, "migrate", "loaded from a plant file"), ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>
    /// Writes a plant's configuration and its derived tables inside the caller's transaction, bumps its version and
    /// appends the version to <c>plant_config_history</c>; returns the new version.
    /// </summary>
    internal static async Task<int> WriteAsync(NpgsqlConnection conn, NpgsqlTransaction tx, PlantConfig plant, string rawJson, PlantChange change, CancellationToken ct)
    {
        // The file may carry comments and trailing commas; jsonb wants plain JSON.
        rawJson = System.Text.Json.Nodes.JsonNode.Parse(rawJson, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true })!.ToJsonString();
        int version;
        await using (var upsert = new NpgsqlCommand("""
            INSERT INTO plants (plant_id, name, time_zone, config, loaded_at, config_source, file_sha256, version) VALUES ($1, $2, $3, $4::jsonb, now(), $5, $6, 1)
            ON CONFLICT (plant_id) DO UPDATE SET name = EXCLUDED.name, time_zone = EXCLUDED.time_zone, config = EXCLUDED.config, loaded_at = now(),
                config_source = EXCLUDED.config_source, file_sha256 = coalesce(EXCLUDED.file_sha256, plants.file_sha256), version = plants.version + 1
            RETURNING version
            """, conn, tx))
        {
            upsert.Parameters.AddWithValue(plant.PlantId);
            upsert.Parameters.AddWithValue(plant.Name);
            upsert.Parameters.AddWithValue(plant.TimeZone.Id);
            upsert.Parameters.AddWithValue(rawJson);
            upsert.Parameters.AddWithValue(change.Source);
            upsert.Parameters.AddWithValue((object?)change.FileSha256 ?? DBNull.Value);
            version = (int)(await upsert.ExecuteScalarAsync(ct))!;
        }

        await Exec(conn, tx, """
            INSERT INTO plant_config_history (plant_id, version, changed_by, source, summary, config) VALUES ($1, $2, $3, $4, $5, $6::jsonb)
            ON CONFLICT (plant_id, version) DO NOTHING
            """, ct, plant.PlantId, version, change.ChangedBy, change.Source, change.Summary, rawJson);
        await Exec(conn, tx, "DELETE FROM reason_codes WHERE plant_id = $1", ct, plant.PlantId);
        await Exec(conn, tx, "DELETE FROM shift_patterns WHERE plant_id = $1", ct, plant.PlantId);
        await Exec(conn, tx, "DELETE FROM holidays WHERE plant_id = $1", ct, plant.PlantId);
        foreach (var r in plant.ReasonCodes)
        {
            await Exec(conn, tx, "INSERT INTO reason_codes VALUES ($1, $2, $3, $4)", ct, plant.PlantId, r.Code, CategoryName(r.Category), r.Description);
        }

        foreach (var s in plant.Calendar.Shifts)
        {
            var breaks = JsonSerializer.Serialize(s.Breaks.Select(b => new { start = b.Start.ToString("HH:mm", null), end = b.End.ToString("HH:mm", null) }));
            await Exec(conn, tx, "INSERT INTO shift_patterns VALUES ($1, $2, $3, $4, $5, $6::jsonb)", ct,
                plant.PlantId, s.Name, s.Days.Order().Select(d => d.ToString()[..3]).ToArray(), s.Start, s.End, breaks);
        }

        foreach (var h in plant.Calendar.Holidays)
        {
            await Exec(conn, tx, "INSERT INTO holidays VALUES ($1, $2)", ct, plant.PlantId, h);
        }

        foreach (var line in plant.Lines)
        {
            await Exec(conn, tx, """
                INSERT INTO lines VALUES ($1, $2, $3)
                ON CONFLICT (line_id) DO UPDATE SET plant_id = EXCLUDED.plant_id, name = EXCLUDED.name
                """, ct, line.Id, plant.PlantId, line.Name);
        }

        await Exec(conn, tx, "UPDATE machines SET active = false WHERE plant_id = $1", ct, plant.PlantId);
        foreach (var m in plant.Machines)
        {
            await Exec(conn, tx, """
                INSERT INTO machines VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                ON CONFLICT (machine_id) DO UPDATE SET line_id = EXCLUDED.line_id, plant_id = EXCLUDED.plant_id, name = EXCLUDED.name,
                    ideal_cycle_seconds = EXCLUDED.ideal_cycle_seconds, count_mode = EXCLUDED.count_mode,
                    reason_codes = EXCLUDED.reason_codes, active = EXCLUDED.active
                """, ct, m.Id, m.LineId, plant.PlantId, m.Name, m.IdealCycleTime.TotalSeconds,
                m.CountMode == CountMode.Cumulative ? "cumulative" : "increment", m.ReasonCodes.ToArray(), m.Active);
        }

        return version;
    }

    /// <summary>Every machine of every plant (inactive ones too: their events are still accepted).</summary>
    public async Task<IReadOnlyList<MachineInfo>> MachinesAsync(CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand("""
            SELECT m.machine_id, m.name, m.line_id, coalesce(l.name, m.line_id), m.plant_id, m.ideal_cycle_seconds, m.count_mode, m.active
            FROM machines m LEFT JOIN lines l ON l.line_id = m.line_id ORDER BY m.line_id, m.machine_id
            """);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<MachineInfo>();
        while (await r.ReadAsync(ct))
        {
            list.Add(new MachineInfo(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetDouble(5), r.GetString(6), r.GetBoolean(7)));
        }

        return list;
    }

    /// <summary>The stored plant file (JSON) of a plant, or null when unknown.</summary>
    public async Task<string?> ConfigAsync(string plantId, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand("SELECT config::text FROM plants WHERE plant_id = $1");
        cmd.Parameters.AddWithValue(plantId);
        return (string?)await cmd.ExecuteScalarAsync(ct);
    }

    public async Task<IReadOnlyList<string>> PlantIdsAsync(CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand("SELECT plant_id FROM plants ORDER BY plant_id");
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var ids = new List<string>();
        while (await r.ReadAsync(ct))
        {
            ids.Add(r.GetString(0));
        }

        return ids;
    }

    internal static string CategoryName(ReasonCategory c) => c switch
    {
        ReasonCategory.MicroStop => "micro_stop",
        _ => c.ToString().ToLowerInvariant(),
    };

    private static async Task Exec(NpgsqlConnection conn, NpgsqlTransaction tx, string sql, CancellationToken ct, params object[] args)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        foreach (var a in args)
        {
            cmd.Parameters.Add(a switch
            {
                string[] arr => new NpgsqlParameter { Value = arr, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                _ => new NpgsqlParameter { Value = a },
            });
        }

        await cmd.ExecuteNonQueryAsync(ct);
    }
}
