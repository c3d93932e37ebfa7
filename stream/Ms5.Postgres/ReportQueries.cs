using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Ms5.Analytics.Events;
using Ms5.Analytics.Oee;
using Ms5.Analytics.Reports;
using Npgsql;

namespace Ms5.Postgres;

/// <summary>
/// What a report is built from, read for a line or a plant over [from, to): the same minute buckets as
/// <c>GET /api/oee</c> (<see cref="OeeQueries"/>), the historian's state intervals, parts per product and Andons.
/// </summary>
public sealed class ReportQueries(NpgsqlDataSource db)
{
    private static OeeScope Scope(string? lineId) => lineId is null ? OeeScope.Plant : OeeScope.Line;

    private static string Id(string plantId, string? lineId) => lineId ?? plantId;

    /// <summary>Summed components per machine of the scope over [from, to); machines without buckets are absent.</summary>
    public async Task<Dictionary<string, OeeComponents>> ByMachineAsync(string plantId, string? lineId, DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand($"""
            SELECT b.machine_id, {OeeQueries.SumComponents("b.")}
            FROM oee_minute b JOIN machines m ON m.machine_id = b.machine_id
            WHERE {OeeQueries.ScopeFilter(Scope(lineId))} AND b.minute >= $2 AND b.minute < $3
            GROUP BY b.machine_id
            """);
        Add(cmd, plantId, lineId, from, to);
        var result = new Dictionary<string, OeeComponents>(StringComparer.Ordinal);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            result[r.GetString(0)] = OeeQueries.ReadComponents(r, 1);
        }

        return result;
    }

    /// <summary>The scope's summed components over [from, to).</summary>
    public async Task<OeeComponents> TotalAsync(string plantId, string? lineId, DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default) =>
        OeeComponents.Sum((await ByMachineAsync(plantId, lineId, from, to, ct)).Values);

    /// <summary>The scope's components per hour counted from <paramref name="from"/> (index 0 = [from, from + 1 h)).</summary>
    public async Task<Dictionary<int, OeeComponents>> HourlyAsync(string plantId, string? lineId, DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand($"""
            SELECT floor(extract(epoch FROM b.minute - $2::timestamptz) / 3600)::int, {OeeQueries.SumComponents("b.")}
            FROM oee_minute b JOIN machines m ON m.machine_id = b.machine_id
            WHERE {OeeQueries.ScopeFilter(Scope(lineId))} AND b.minute >= $2 AND b.minute < $3
            GROUP BY 1
            """);
        Add(cmd, plantId, lineId, from, to);
        var result = new Dictionary<int, OeeComponents>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            result[r.GetInt32(0)] = OeeQueries.ReadComponents(r, 1);
        }

        return result;
    }

    /// <summary>Every state interval of the scope's machines overlapping [from, to), in start order.</summary>
    public async Task<List<StateSpan>> StatesAsync(string plantId, string? lineId, DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand($"""
            SELECT si.machine_id, si.state, si.reason, si.start_ts, si.end_ts
            FROM state_intervals si JOIN machines m ON m.machine_id = si.machine_id
            WHERE {OeeQueries.ScopeFilter(Scope(lineId))} AND si.start_ts < $3 AND coalesce(si.end_ts, 'infinity') > $2
            ORDER BY si.start_ts, si.machine_id, si.event_id
            """);
        Add(cmd, plantId, lineId, from, to);
        var spans = new List<StateSpan>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            if (!ContractNames.TryParseState(r.GetString(1), out var state))
            {
                continue;
            }

            spans.Add(new StateSpan(r.GetString(0), state, r.IsDBNull(2) ? null : r.GetString(2),
                new DateTimeOffset(r.GetDateTime(3), TimeSpan.Zero), r.IsDBNull(4) ? null : new DateTimeOffset(r.GetDateTime(4), TimeSpan.Zero)));
        }

        return spans;
    }

    /// <summary>
    /// Parts made per product in [from, to): count events and counter increments (a decrease of either counter is a
    /// reset: both count from zero; the last reading before <paramref name="from"/> is the baseline), each under the
    /// product named by the latest state event naming one at or before it.
    /// </summary>
    public async Task<List<ProductRow>> ProductsAsync(string plantId, string? lineId, DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand($"""
            WITH sm AS (SELECT m.machine_id FROM machines m WHERE {OeeQueries.ScopeFilter(Scope(lineId))}),
            ev AS (
                SELECT e.machine_id, e.ts, e.event_id, e.type, e.product, e.good, e.reject, e.good_total, e.reject_total
                FROM raw_events e JOIN sm ON sm.machine_id = e.machine_id WHERE e.ts >= $2 AND e.ts < $3
                UNION ALL
                SELECT p.* FROM sm, LATERAL (
                    SELECT e.machine_id, e.ts, e.event_id, e.type, e.product, e.good, e.reject, e.good_total, e.reject_total FROM raw_events e
                    WHERE e.machine_id = sm.machine_id AND e.ts < $2 AND e.type = 'state' AND e.product IS NOT NULL
                    ORDER BY e.ts DESC LIMIT 1) p
                UNION ALL
                SELECT c.* FROM sm, LATERAL (
                    SELECT e.machine_id, e.ts, e.event_id, e.type, NULL::text, e.good, e.reject, e.good_total, e.reject_total FROM raw_events e
                    WHERE e.machine_id = sm.machine_id AND e.ts < $2 AND e.type = 'counter'
                    ORDER BY e.ts DESC, e.event_id DESC LIMIT 1) c
            ),
            counters AS (
                SELECT machine_id, ts, event_id, good_total, reject_total,
                       lag(good_total) OVER w AS pg, lag(reject_total) OVER w AS pr
                FROM ev WHERE type = 'counter' WINDOW w AS (PARTITION BY machine_id ORDER BY ts, event_id)
            ),
            parts AS (
                SELECT machine_id, ts, event_id, good, reject FROM ev WHERE type = 'count' AND ts >= $2
                UNION ALL
                SELECT machine_id, ts, event_id,
                       CASE WHEN pg IS NULL THEN 0 WHEN good_total < pg OR reject_total < pr THEN good_total ELSE good_total - pg END,
                       CASE WHEN pg IS NULL THEN 0 WHEN good_total < pg OR reject_total < pr THEN reject_total ELSE reject_total - pr END
                FROM counters WHERE ts >= $2
            ),
            seq AS (
                SELECT machine_id, ts, 0 AS k, event_id, product, 0::bigint AS good, 0::bigint AS reject FROM ev WHERE type = 'state'
                UNION ALL
                SELECT machine_id, ts, 1, event_id, NULL, good, reject FROM parts
            ),
            grouped AS (SELECT *, count(product) OVER (PARTITION BY machine_id ORDER BY ts, k, event_id) AS g FROM seq),
            labelled AS (SELECT *, max(product) OVER (PARTITION BY machine_id, g) AS made FROM grouped)
            SELECT made, sum(good)::bigint, sum(reject)::bigint FROM labelled WHERE k = 1 GROUP BY made
            """);
        Add(cmd, plantId, lineId, from, to);
        var rows = new List<ProductRow>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            rows.Add(new ProductRow(r.IsDBNull(0) ? null : r.GetString(0), r.GetInt64(1), r.GetInt64(2)));
        }

        return rows;
    }

    /// <summary>Andons of the scope (machine- and line-level) raised in [from, to).</summary>
    public async Task<List<AndonRow>> AndonsAsync(string plantId, string? lineId, DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand($"""
            SELECT rule_id, machine_id, severity, summary, raised_at, acked_at, resolved_at, level
            FROM andons WHERE {(lineId is null ? "plant_id" : "line_id")} = $1 AND raised_at >= $2 AND raised_at < $3
            ORDER BY raised_at, machine_id
            """);
        Add(cmd, plantId, lineId, from, to);
        var rows = new List<AndonRow>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var raised = new DateTimeOffset(r.GetDateTime(4), TimeSpan.Zero);
            TimeSpan? Since(int i) => r.IsDBNull(i) ? null : new DateTimeOffset(r.GetDateTime(i), TimeSpan.Zero) - raised;
            rows.Add(new AndonRow(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), raised, Since(5), Since(6), r.GetInt32(7)));
        }

        return rows;
    }

    /// <summary>How far every machine of the scope has complete buckets (null: some machine has none).</summary>
    public async Task<DateTimeOffset?> CompleteUntilAsync(string plantId, string? lineId, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand($"""
            SELECT min(coalesce(p.computed_to, '-infinity')) FROM machines m LEFT JOIN oee_progress p ON p.machine_id = m.machine_id
            WHERE {OeeQueries.ScopeFilter(Scope(lineId))} AND m.active
            """);
        cmd.Parameters.AddWithValue(Id(plantId, lineId));
        var v = await cmd.ExecuteScalarAsync(ct);
        return v is DateTime d && d > DateTime.MinValue ? new DateTimeOffset(DateTime.SpecifyKind(d, DateTimeKind.Utc)) : null;
    }

    /// <summary>
    /// A hash of what a report over [from, to) is built from: every machine's summed components and every state
    /// interval overlapping the span. Equal hashes: the report would come out with the same figures.
    /// </summary>
    public async Task<string> FingerprintAsync(string plantId, string? lineId, DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default)
    {
        var sb = new StringBuilder();
        foreach (var (machine, c) in (await ByMachineAsync(plantId, lineId, from, to, ct)).OrderBy(x => x.Key, StringComparer.Ordinal))
        {
            sb.Append(CultureInfo.InvariantCulture, $"{machine}|{c.CalendarSeconds:R}|{c.PlannedSeconds:R}|{c.RunSeconds:R}|{c.UnplannedStopSeconds:R}|{c.SetupSeconds:R}|")
              .Append(CultureInfo.InvariantCulture, $"{c.MicroStopSeconds:R}|{c.PlannedStopSeconds:R}|{c.GoodCount}|{c.RejectCount}|{c.IdealSeconds:R}|{c.FailureCount}|{c.StartupRejectCount}\n");
        }

        foreach (var s in await StatesAsync(plantId, lineId, from, to, ct))
        {
            sb.Append(CultureInfo.InvariantCulture, $"{s.MachineId}|{s.State}|{s.Reason}|{s.Start.UtcTicks}|{s.End?.UtcTicks}\n");
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
    }

    private static void Add(NpgsqlCommand cmd, string plantId, string? lineId, DateTimeOffset from, DateTimeOffset to)
    {
        cmd.Parameters.AddWithValue(Id(plantId, lineId));
        cmd.Parameters.AddWithValue(from.UtcDateTime);
        cmd.Parameters.AddWithValue(to.UtcDateTime);
    }
}
