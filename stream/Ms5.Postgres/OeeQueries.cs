using Ms5.Analytics.Oee;
using Npgsql;

namespace Ms5.Postgres;

/// <summary>Which machines an OEE query covers.</summary>
public enum OeeScope
{
    Machine,
    Line,
    Plant,
}

/// <summary>How an OEE range is grouped: one total, UTC hours, or days of the plant's time zone.</summary>
public enum OeeGrouping
{
    None,
    Hour,
    Day,
}

/// <summary>One group's summed components and the time bounds it covers.</summary>
public sealed record OeeGroup(DateTimeOffset Start, DateTimeOffset End, OeeComponents Components, int Minutes);

/// <summary>Sums of minute buckets: OEE for any range and grouping is a ratio of these sums.</summary>
public sealed class OeeQueries(NpgsqlDataSource db)
{
    /// <summary>SQL condition on <c>machines m</c> selecting a scope's machines; the id is parameter $1.</summary>
    internal static string ScopeFilter(OeeScope scope) => scope switch
    {
        OeeScope.Machine => "m.machine_id = $1",
        OeeScope.Line => "m.line_id = $1",
        _ => "m.plant_id = $1",
    };

    /// <summary>The plant's time zone for the scope, or null when the scope id is unknown.</summary>
    public async Task<string?> TimeZoneAsync(OeeScope scope, string id, CancellationToken ct = default)
    {
        var sql = scope switch
        {
            OeeScope.Machine => "SELECT p.time_zone FROM machines m JOIN plants p ON p.plant_id = m.plant_id WHERE m.machine_id = $1",
            OeeScope.Line => "SELECT p.time_zone FROM lines l JOIN plants p ON p.plant_id = l.plant_id WHERE l.line_id = $1",
            _ => "SELECT time_zone FROM plants WHERE plant_id = $1",
        };
        await using var cmd = db.CreateCommand(sql);
        cmd.Parameters.AddWithValue(id);
        return (string?)await cmd.ExecuteScalarAsync(ct);
    }

    public async Task<IReadOnlyList<OeeGroup>> GroupsAsync(OeeScope scope, string id, DateTimeOffset from, DateTimeOffset to, OeeGrouping grouping, string timeZone, CancellationToken ct = default)
    {
        var filter = ScopeFilter(scope);
        var bucket = grouping switch
        {
            OeeGrouping.Hour => "date_trunc('hour', b.minute)",
            OeeGrouping.Day => "(date_trunc('day', b.minute AT TIME ZONE $4) AT TIME ZONE $4)",
            _ => "$2::timestamptz",
        };
        await using var cmd = db.CreateCommand($"""
            SELECT {bucket} AS g, count(DISTINCT b.minute),
                   {SumComponents("b.")}
            FROM oee_minute b JOIN machines m ON m.machine_id = b.machine_id
            WHERE {filter} AND b.minute >= $2 AND b.minute < $3
            GROUP BY 1 ORDER BY 1
            """);
        cmd.Parameters.AddWithValue(id);
        cmd.Parameters.AddWithValue(from.UtcDateTime);
        cmd.Parameters.AddWithValue(to.UtcDateTime);
        cmd.Parameters.AddWithValue(timeZone);
        var groups = new List<OeeGroup>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var start = new DateTimeOffset(r.GetDateTime(0), TimeSpan.Zero);
            var end = grouping switch
            {
                OeeGrouping.Hour => start.AddHours(1),
                OeeGrouping.Day => NextLocalMidnight(start, timeZone),
                _ => to,
            };
            var c = ReadComponents(r, 2);
            groups.Add(new OeeGroup(start < from ? from : start, end > to ? to : end, c, (int)r.GetInt64(1)));
        }

        return groups;
    }

    /// <summary>Summed components per machine over [from, to).</summary>
    public async Task<Dictionary<string, OeeComponents>> ByMachineAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand($"""
            SELECT machine_id, {SumComponents("")}
            FROM oee_minute WHERE minute >= $1 AND minute < $2 GROUP BY machine_id
            """);
        cmd.Parameters.AddWithValue(from.UtcDateTime);
        cmd.Parameters.AddWithValue(to.UtcDateTime);
        var result = new Dictionary<string, OeeComponents>(StringComparer.Ordinal);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            result[r.GetString(0)] = ReadComponents(r, 1);
        }

        return result;
    }

    /// <summary>The earliest point up to which every machine of the scope has complete buckets.</summary>
    public async Task<DateTimeOffset?> CompleteUntilAsync(OeeScope scope, string id, CancellationToken ct = default)
    {
        var filter = ScopeFilter(scope);
        await using var cmd = db.CreateCommand($"SELECT min(coalesce(p.computed_to, '-infinity')) FROM machines m LEFT JOIN oee_progress p ON p.machine_id = m.machine_id WHERE {filter}");
        cmd.Parameters.AddWithValue(id);
        var v = await cmd.ExecuteScalarAsync(ct);
        return v is DateTime d && d > DateTime.MinValue ? new DateTimeOffset(DateTime.SpecifyKind(d, DateTimeKind.Utc)) : null;
    }

    private static DateTimeOffset NextLocalMidnight(DateTimeOffset utc, string timeZone)
    {
        var tz = TimeZoneInfo.FindSystemTimeZoneById(timeZone);
        var local = TimeZoneInfo.ConvertTime(utc, tz).Date.AddDays(1);
        return new DateTimeOffset(local, tz.GetUtcOffset(local)).ToUniversalTime();
    }

    /// <summary>The oee_minute component columns in the order <see cref="ReadComponents"/> reads them.</summary>
    internal const string ComponentColumns = "calendar_seconds, planned_seconds, run_seconds, unplanned_stop_seconds, setup_seconds, "
        + "micro_stop_seconds, planned_stop_seconds, good_count, reject_count, ideal_seconds, failure_count, startup_reject_count";

    /// <summary>sum(...) of every component column, in <see cref="ComponentColumns"/> order, with a table prefix such as "b.".</summary>
    internal static string SumComponents(string prefix) =>
        string.Join(", ", ComponentColumns.Split(", ").Select(c => $"sum({prefix}{c})"));

    /// <summary>The components in <see cref="ComponentColumns"/> order from column <paramref name="first"/> on.</summary>
    internal static OeeComponents ReadComponents(NpgsqlDataReader r, int first) => new()
    {
        CalendarSeconds = r.GetDouble(first),
        PlannedSeconds = r.GetDouble(first + 1),
        RunSeconds = r.GetDouble(first + 2),
        UnplannedStopSeconds = r.GetDouble(first + 3),
        SetupSeconds = r.GetDouble(first + 4),
        MicroStopSeconds = r.GetDouble(first + 5),
        PlannedStopSeconds = r.GetDouble(first + 6),
        GoodCount = r.GetInt64(first + 7),
        RejectCount = r.GetInt64(first + 8),
        IdealSeconds = r.GetDouble(first + 9),
        FailureCount = r.GetInt64(first + 10),
        StartupRejectCount = r.GetInt64(first + 11),
    };
}
