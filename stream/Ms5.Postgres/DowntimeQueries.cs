using Ms5.Analytics.Events;
using Npgsql;

namespace Ms5.Postgres;

/// <summary>A stop interval from the historian: a machine not running, [Start, End); End null while it lasts.</summary>
public sealed record StopInterval(string MachineId, MachineState State, string? Reason, DateTimeOffset Start, DateTimeOffset? End);

/// <summary>Stops of a machine or line overlapping a range, from state_intervals.</summary>
public sealed class DowntimeQueries(NpgsqlDataSource db)
{
    public async Task<IReadOnlyList<StopInterval>> StopsAsync(OeeScope scope, string id, DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default)
    {
        var filter = OeeQueries.ScopeFilter(scope);
        await using var cmd = db.CreateCommand($"""
            SELECT si.machine_id, si.state, si.reason, si.start_ts, si.end_ts
            FROM state_intervals si JOIN machines m ON m.machine_id = si.machine_id
            WHERE {filter} AND si.start_ts < $3 AND coalesce(si.end_ts, 'infinity') > $2
              AND si.state IN ('down', 'idle', 'offline', 'setup')
            ORDER BY si.start_ts, si.machine_id
            """);
        cmd.Parameters.AddWithValue(id);
        cmd.Parameters.AddWithValue(from.UtcDateTime);
        cmd.Parameters.AddWithValue(to.UtcDateTime);
        var stops = new List<StopInterval>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            ContractNames.TryParseState(r.GetString(1), out var state);
            stops.Add(new StopInterval(r.GetString(0), state, r.IsDBNull(2) ? null : r.GetString(2),
                new DateTimeOffset(r.GetDateTime(3), TimeSpan.Zero), r.IsDBNull(4) ? null : new DateTimeOffset(r.GetDateTime(4), TimeSpan.Zero)));
        }

        return stops;
    }
}
