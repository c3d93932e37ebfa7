using Npgsql;
using NpgsqlTypes;

namespace Ms5.Integration.Tests.Support;

/// <summary>A state interval to write straight into <c>state_intervals</c> (no engine): End null while it holds.</summary>
internal sealed record SeedInterval(string Machine, string State, string? Reason, DateTimeOffset Start, DateTimeOffset? End);

/// <summary>Writes historian state intervals directly, for tests that need a history but not the pipeline.</summary>
internal static class StateSeed
{
    /// <summary>
    /// Each machine's stops (down with a reason) and the running intervals between them from <paramref name="from"/>;
    /// the last stop is followed by running that still holds.
    /// </summary>
    public static async Task StopsAsync(NpgsqlDataSource db, IEnumerable<(string Machine, DateTimeOffset Start, double Seconds, string Reason)> stops, DateTimeOffset from)
    {
        var intervals = new List<SeedInterval>();
        foreach (var m in stops.GroupBy(s => s.Machine))
        {
            var at = from;
            foreach (var s in m.OrderBy(s => s.Start))
            {
                if (s.Start > at)
                {
                    intervals.Add(new SeedInterval(m.Key, "running", null, at, s.Start));
                }

                intervals.Add(new SeedInterval(m.Key, "down", s.Reason, s.Start, s.Start.AddSeconds(s.Seconds)));
                at = s.Start.AddSeconds(s.Seconds);
            }

            intervals.Add(new SeedInterval(m.Key, "running", null, at, null));
        }

        await IntervalsAsync(db, intervals);
    }

    public static async Task IntervalsAsync(NpgsqlDataSource db, IReadOnlyList<SeedInterval> intervals)
    {
        await using var cmd = db.CreateCommand("""
            INSERT INTO state_intervals (machine_id, start_ts, end_ts, state, reason, event_id)
            SELECT m, s, e, st, r, gen_random_uuid() FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[], $4::text[], $5::text[]) AS u(m, s, e, st, r)
            """);
        cmd.Parameters.AddWithValue(intervals.Select(i => i.Machine).ToArray());
        cmd.Parameters.AddWithValue(intervals.Select(i => i.Start.UtcDateTime).ToArray());
        cmd.Parameters.Add(new NpgsqlParameter { Value = intervals.Select(i => i.End is { } e ? (object)e.UtcDateTime : DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        cmd.Parameters.AddWithValue(intervals.Select(i => i.State).ToArray());
        cmd.Parameters.Add(new NpgsqlParameter { Value = intervals.Select(i => (object?)i.Reason ?? DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        await cmd.ExecuteNonQueryAsync();
    }
}
