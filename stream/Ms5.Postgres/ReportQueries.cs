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

    /// <summary>
    /// Whether any machine of the scope reported a state overlapping [from, to): no data, no (empty) scheduled report.
    /// (Minute buckets are no test: the engine also fills minutes of machines it knows but never heard from.)
    /// </summary>
    public async Task<bool> HasDataAsync(string plantId, string? lineId, DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand($"""
            SELECT EXISTS (SELECT 1 FROM state_intervals si JOIN machines m ON m.machine_id = si.machine_id
                           WHERE {OeeQueries.ScopeFilter(Scope(lineId))} AND si.start_ts < $3 AND coalesce(si.end_ts, 'infinity') > $2)
            """);
        Add(cmd, plantId, lineId, from, to);
        return await cmd.ExecuteScalarAsync(ct) is true;
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
    /// product named by the latest state event naming one at or before it (a state event at the same instant first;
    /// looked for up to 31 days back, so a machine that never names one costs no scan of its whole history).
    /// Read per machine in (ts) order along the (machine_id, ts) index and added up here: a window query over every
    /// event of a plant's shift sorted and spilled to disk, and took most of a plant report's time.
    /// </summary>
    public async Task<List<ProductRow>> ProductsAsync(string plantId, string? lineId, DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default)
    {
        var machines = new List<string>();
        await using (var list = db.CreateCommand($"SELECT m.machine_id FROM machines m WHERE {OeeQueries.ScopeFilter(Scope(lineId))}"))
        {
            list.Parameters.AddWithValue(Id(plantId, lineId));
            await using var r = await list.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                machines.Add(r.GetString(0));
            }
        }

        // Where each machine stands at `from`: the product in force and the last counter reading.
        var product = new Dictionary<string, string?>(StringComparer.Ordinal);
        var reading = new Dictionary<string, (long Good, long Reject)>(StringComparer.Ordinal);
        await using (var before = db.CreateCommand("""
            SELECT sm.m, p.product, c.good_total, c.reject_total FROM unnest($1::text[]) AS sm(m)
            LEFT JOIN LATERAL (SELECT e.product FROM raw_events e WHERE e.machine_id = sm.m AND e.ts < $2 AND e.ts >= $2 - interval '31 days' AND e.type = 'state' AND e.product IS NOT NULL
                               ORDER BY e.ts DESC LIMIT 1) p ON true
            LEFT JOIN LATERAL (SELECT e.good_total, e.reject_total FROM raw_events e WHERE e.machine_id = sm.m AND e.ts < $2 AND e.ts >= $2 - interval '31 days' AND e.type = 'counter'
                               ORDER BY e.ts DESC, e.event_id DESC LIMIT 1) c ON true
            """))
        {
            before.Parameters.AddWithValue(machines.ToArray());
            before.Parameters.AddWithValue(from.UtcDateTime);
            await using var r = await before.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                product[r.GetString(0)] = r.IsDBNull(1) ? null : r.GetString(1);
                if (!r.IsDBNull(2))
                {
                    reading[r.GetString(0)] = (r.GetInt64(2), r.GetInt64(3));
                }
            }
        }

        var totals = new Dictionary<string, (long Good, long Reject)>(StringComparer.Ordinal);
        const string None = "\0";
        void Add(string? made, long good, long reject)
        {
            var key = made ?? None;
            var t = totals.GetValueOrDefault(key);
            totals[key] = (t.Good + good, t.Reject + reject);
        }

        await using (var cmd = db.CreateCommand("""
            SELECT machine_id, type, product, good, reject, good_total, reject_total FROM raw_events
            WHERE machine_id = ANY($1) AND ts >= $2 AND ts < $3 AND (type <> 'state' OR product IS NOT NULL)
            ORDER BY machine_id, ts, (type = 'state') DESC, event_id
            """))
        {
            cmd.Parameters.AddWithValue(machines.ToArray());
            cmd.Parameters.AddWithValue(from.UtcDateTime);
            cmd.Parameters.AddWithValue(to.UtcDateTime);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                var machine = r.GetString(0);
                switch (r.GetString(1))
                {
                    case "state":
                        product[machine] = r.GetString(2);
                        break;
                    case "count":
                        Add(product.GetValueOrDefault(machine), r.GetInt64(3), r.GetInt64(4));
                        break;
                    default:
                        var now = (Good: r.GetInt64(5), Reject: r.GetInt64(6));
                        if (reading.TryGetValue(machine, out var prev))
                        {
                            var reset = now.Good < prev.Good || now.Reject < prev.Reject;
                            Add(product.GetValueOrDefault(machine), reset ? now.Good : now.Good - prev.Good, reset ? now.Reject : now.Reject - prev.Reject);
                        }

                        reading[machine] = now;
                        break;
                }
            }
        }

        return totals.Select(t => new ProductRow(t.Key == None ? null : t.Key, t.Value.Good, t.Value.Reject)).ToList();
    }

    /// <summary>Who was assigned to run which machine in one shift (machine → user name).</summary>
    public Task<Dictionary<string, string>> OperatorsAsync(Ms5.Analytics.Assignments.ShiftSlot slot, CancellationToken ct = default) =>
        AssignmentStore.OperatorsAsync(db, slot, ct);

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
    public async Task<string> FingerprintAsync(string plantId, string? lineId, DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default) =>
        Fingerprint(await ByMachineAsync(plantId, lineId, from, to, ct), await StatesAsync(plantId, lineId, from, to, ct), from, to);

    /// <summary>The fingerprint of data already read (<see cref="ByMachineAsync"/>, <see cref="StatesAsync"/>): what a report is built from.</summary>
    public static string Fingerprint(IReadOnlyDictionary<string, OeeComponents> byMachine, IEnumerable<StateSpan> states, DateTimeOffset from, DateTimeOffset to)
    {
        ArgumentNullException.ThrowIfNull(byMachine);
        ArgumentNullException.ThrowIfNull(states);
        var sb = new StringBuilder();
        foreach (var (machine, c) in byMachine.OrderBy(x => x.Key, StringComparer.Ordinal))
        {
            sb.Append(CultureInfo.InvariantCulture, $"{machine}|{c.CalendarSeconds:R}|{c.PlannedSeconds:R}|{c.RunSeconds:R}|{c.UnplannedStopSeconds:R}|{c.SetupSeconds:R}|")
              .Append(CultureInfo.InvariantCulture, $"{c.MicroStopSeconds:R}|{c.PlannedStopSeconds:R}|{c.GoodCount}|{c.RejectCount}|{c.IdealSeconds:R}|{c.FailureCount}|{c.StartupRejectCount}\n");
        }

        // Each interval clipped to the span: a state still open when the report was made, ending later outside the
        // span, changes nothing in the report and must not look like late data.
        foreach (var s in states)
        {
            var start = s.Start > from ? s.Start : from;
            var end = s.End is { } e && e < to ? e : to;
            sb.Append(CultureInfo.InvariantCulture, $"{s.MachineId}|{s.State}|{s.Reason}|{start.UtcTicks}|{end.UtcTicks}|{s.End is null || s.End > to}\n");
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
