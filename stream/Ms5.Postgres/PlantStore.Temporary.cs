using System.Globalization;
using Ms5.Analytics.Plant;
using Npgsql;

namespace Ms5.Postgres;

/// <summary>What <see cref="PlantStore.CreateAsync"/> did: the new version, or the ids already taken by other plants.</summary>
public sealed record PlantCreateResult(int Version, IReadOnlyList<string> Conflicts)
{
    public bool Created => Conflicts.Count == 0;
}

/// <summary>What <see cref="PlantStore.DeleteTemporaryAsync"/> did.</summary>
public enum PlantDeleteOutcome
{
    Deleted,
    Unknown,
    NotTemporary,
}

/// <summary>A deletion's outcome, the rows removed per table (in deletion order) and the plant's machines (for InfluxDB).</summary>
public sealed record PlantDeleteResult(PlantDeleteOutcome Outcome, IReadOnlyList<KeyValuePair<string, long>> Removed, IReadOnlyList<string> MachineIds);

/// <summary>Whole plants created and deleted through the API (POST/DELETE /api/plants).</summary>
public sealed partial class PlantStore
{
    // Everything a plant owns, children before parents. Keyed by its machines ($2), its lines ($3) or the plant ($1);
    // kafka_offsets (per partition, not per plant) and audit_log (append-only) are never touched.
    private static readonly (string Table, string Where)[] PlantData =
    [
        ("raw_events", "machine_id = ANY($2)"),
        ("dead_letters", "machine_id = ANY($2)"),
        ("state_intervals", "machine_id = ANY($2)"),
        ("oee_events", "machine_id = ANY($2)"),
        ("oee_event_versions", "machine_id = ANY($2)"),
        ("oee_minute", "machine_id = ANY($2)"),
        ("oee_bucket_changes", "machine_id = ANY($2)"),
        ("oee_progress", "machine_id = ANY($2)"),
        ("oee_recompute", "machine_id = ANY($2) OR plant_id = $1"),
        ("andon_transitions", "andon_id IN (SELECT andon_id FROM andons WHERE plant_id = $1 OR machine_id = ANY($2))"),
        ("andons", "plant_id = $1 OR machine_id = ANY($2)"),
        ("order_history", "order_id IN (SELECT order_id FROM orders WHERE plant_id = $1)"),
        ("orders", "plant_id = $1"),
        ("assignment_history", "plant_id = $1 OR machine_id = ANY($2)"),
        ("assignments", "plant_id = $1 OR machine_id = ANY($2)"),
        ("reports", "plant_id = $1 OR line_id = ANY($3)"),
        ("downtime_anomaly_feedback", "anomaly_id IN (SELECT anomaly_id FROM downtime_anomalies WHERE plant_id = $1 OR machine_id = ANY($2))"),
        ("downtime_anomalies", "plant_id = $1 OR machine_id = ANY($2)"),
        ("downtime_models", "plant_id = $1"),
        ("machines", "plant_id = $1 OR machine_id = ANY($2)"),
        ("reason_codes", "plant_id = $1"),
        ("shift_patterns", "plant_id = $1"),
        ("holidays", "plant_id = $1"),
        ("lines", "plant_id = $1 OR line_id = ANY($3)"),
        ("plant_config_history", "plant_id = $1"),
        ("plants", "plant_id = $1"),
    ];

    /// <summary>
    /// Stores a new plant (version 1, source 'api'), marked temporary or not, in one transaction; refused (nothing
    /// stored) when its id, or one of its line or machine ids, is already used — the conflicts name them.
    /// </summary>
    public async Task<PlantCreateResult> CreateAsync(PlantConfig plant, string rawJson, bool temporary, string changedBy, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(plant);
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // Creations are serialized, so two of them never both pass the checks below.
        await using (var lockCmd = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext('ms5.plants.create'))", conn, tx))
        {
            await lockCmd.ExecuteNonQueryAsync(ct);
        }

        var conflicts = new List<string>();
        await using (var cmd = new NpgsqlCommand("""
            SELECT message FROM (
                SELECT 1 AS kind, plant_id AS id, 'plant ''' || plant_id || ''' exists' AS message FROM plants WHERE plant_id = $1
                UNION ALL SELECT 2, line_id, 'line ''' || line_id || ''' is used by plant ''' || plant_id || '''' FROM lines WHERE line_id = ANY($2)
                UNION ALL SELECT 3, machine_id, 'machine ''' || machine_id || ''' is used by plant ''' || plant_id || '''' FROM machines WHERE machine_id = ANY($3)
            ) taken ORDER BY kind, id COLLATE "C"
            """, conn, tx))
        {
            cmd.Parameters.AddWithValue(plant.PlantId);
            cmd.Parameters.AddWithValue(plant.Lines.Select(l => l.Id).ToArray());
            cmd.Parameters.AddWithValue(plant.Machines.Select(m => m.Id).ToArray());
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                conflicts.Add(r.GetString(0));
            }
        }

        if (conflicts.Count > 0)
        {
            return new PlantCreateResult(0, conflicts);
        }

        var kind = temporary ? "temporary plant" : "plant";
        var version = await WriteAsync(conn, tx, plant, rawJson, new PlantChange("api", FileSha256: null, changedBy, $"{kind} {plant.PlantId} created"), ct);
        await Exec(conn, tx, "UPDATE plants SET temporary = $2 WHERE plant_id = $1", ct, plant.PlantId, temporary);
        await tx.CommitAsync(ct);
        return new PlantCreateResult(version, []);
    }

    /// <summary>
    /// Deletes a temporary plant and everything it owns in one transaction (the plant row locked first, so edits wait);
    /// a plant not created temporary is refused, nothing is deleted.
    /// </summary>
    public async Task<PlantDeleteResult> DeleteTemporaryAsync(string plantId, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        bool temporary;
        await using (var cmd = new NpgsqlCommand("SELECT temporary FROM plants WHERE plant_id = $1 FOR UPDATE", conn, tx))
        {
            cmd.Parameters.AddWithValue(plantId);
            if (await cmd.ExecuteScalarAsync(ct) is not bool t)
            {
                return new PlantDeleteResult(PlantDeleteOutcome.Unknown, [], []);
            }

            temporary = t;
        }

        if (!temporary)
        {
            return new PlantDeleteResult(PlantDeleteOutcome.NotTemporary, [], []);
        }

        var machineIds = await ListAsync(conn, tx, "SELECT machine_id FROM machines WHERE plant_id = $1 ORDER BY machine_id", plantId, ct);
        var lineIds = await ListAsync(conn, tx, "SELECT line_id FROM lines WHERE plant_id = $1 ORDER BY line_id", plantId, ct);
        var removed = new List<KeyValuePair<string, long>>();
        foreach (var (table, where) in PlantData)
        {
            // oee_events is a view over the engine's rows and chunks (migration 0024): its events are counted, as before.
            await using var cmd = new NpgsqlCommand(table == "oee_events"
                ? $"""
                  WITH r AS (DELETE FROM oee_event_rows WHERE {where} RETURNING 1),
                       c AS (DELETE FROM oee_count_chunks WHERE {where} RETURNING cardinality(event_ids) AS n)
                  SELECT (SELECT count(*) FROM r) + coalesce((SELECT sum(n) FROM c), 0)::bigint
                  """
                : $"DELETE FROM {table} WHERE {where}", conn, tx);
            cmd.Parameters.AddWithValue(plantId);
            cmd.Parameters.AddWithValue(machineIds.ToArray());
            cmd.Parameters.AddWithValue(lineIds.ToArray());
            removed.Add(new(table, table == "oee_events" ? Convert.ToInt64(await cmd.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture) : await cmd.ExecuteNonQueryAsync(ct)));
        }

        await tx.CommitAsync(ct);
        return new PlantDeleteResult(PlantDeleteOutcome.Deleted, removed, machineIds);
    }

    private static async Task<List<string>> ListAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string sql, string arg, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        cmd.Parameters.AddWithValue(arg);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<string>();
        while (await r.ReadAsync(ct))
        {
            list.Add(r.GetString(0));
        }

        return list;
    }
}
