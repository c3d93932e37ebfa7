using Npgsql;

namespace Ms5.Postgres;

/// <summary>What the Andon board shows besides OEE and Andons: each machine's current state.</summary>
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
}
