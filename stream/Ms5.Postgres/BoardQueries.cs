using Ms5.Analytics.Orders;
using Npgsql;

namespace Ms5.Postgres;

/// <summary>What the Andon board shows besides OEE and Andons: each machine's current state and running order.</summary>
public static class BoardQueries
{
    /// <summary>The current state of every machine the historian has seen a state event of: state, reason, since.</summary>
    public static async Task<Dictionary<string, (string State, string? Reason, DateTimeOffset Since)>> CurrentStatesAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        await using var cmd = db.CreateCommand("SELECT DISTINCT ON (machine_id) machine_id, state, reason, start_ts FROM state_intervals ORDER BY machine_id, start_ts DESC");
        var result = new Dictionary<string, (string, string?, DateTimeOffset)>(StringComparer.Ordinal);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            result[r.GetString(0)] = (r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), new DateTimeOffset(DateTime.SpecifyKind(r.GetDateTime(3), DateTimeKind.Utc)));
        }

        return result;
    }

    /// <summary>
    /// The running order of every machine that has one, with its progress as of <paramref name="now"/> (from the OEE minute
    /// buckets, as GET /api/orders/{id} gives it) and the plant's time zone (the board shows the ETA on the plant's clock).
    /// </summary>
    public static async Task<Dictionary<string, (ProductionOrder Order, OrderProgress Progress, TimeZoneInfo? TimeZone)>> RunningOrdersAsync(OrderStore orders, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(orders);
        var running = await orders.RunningAsync(ct);
        var progress = await orders.ProgressAsync(running, now, ct);
        var zones = new Dictionary<string, TimeZoneInfo?>(StringComparer.Ordinal);
        var result = new Dictionary<string, (ProductionOrder, OrderProgress, TimeZoneInfo?)>(StringComparer.Ordinal);
        for (var i = 0; i < running.Count; i++)
        {
            var o = running[i];
            if (!zones.TryGetValue(o.PlantId, out var zone))
            {
                zone = zones[o.PlantId] = (await orders.PlantAsync(o.PlantId, ct))?.TimeZone;
            }

            foreach (var m in o.MachineIds)
            {
                result[m] = (o, progress[i], zone);
            }
        }

        return result;
    }
}
