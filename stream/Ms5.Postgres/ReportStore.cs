using System.Text.Json;
using Ms5.Analytics.Reports;
using Npgsql;
using NpgsqlTypes;

namespace Ms5.Postgres;

/// <summary>One revision of a report as stored (content separately: <see cref="ReportStore.ContentAsync"/>).</summary>
public sealed record StoredReport(
    Guid Id,
    string SeriesKey,
    int Revision,
    ReportKind Kind,
    string PlantId,
    string? LineId,
    string? ShiftName,
    DateOnly? Day,
    DateTimeOffset From,
    DateTimeOffset To,
    string Status,
    string? Error,
    string Trigger,
    DateTimeOffset RequestedAt,
    DateTimeOffset? GeneratedAt,
    string? Fingerprint,
    double? Completeness,
    ReportSummary? Summary,
    IReadOnlyList<string> Changes,
    string FileName,
    DateTimeOffset? EmailedAt,
    string? EmailError);

/// <summary>A report's rendered content.</summary>
public sealed record ReportContent(byte[] Pdf, byte[] Csv, byte[] StopsCsv, byte[]? OrdersCsv = null);

/// <summary>Which rendered file of a report.</summary>
public enum ReportFile
{
    Pdf,
    Csv,
    StopsCsv,
    OrdersCsv,
}

/// <summary>A Quartz trigger of the reports scheduler: its job (KIND|PLANT), next and previous fire times (UTC) and state.</summary>
public sealed record ReportTrigger(string Job, string PlantId, string Kind, DateTimeOffset? NextFireTime, DateTimeOffset? PreviousFireTime, string State);

/// <summary>A range of minutes the OEE engine recomputed behind its progress (see migration 0014).</summary>
public sealed record BucketChange(long Id, string MachineId, DateTimeOffset FirstMinute, DateTimeOffset LastMinute, DateTimeOffset RecordedAt);

/// <summary>The <c>reports</c> table: every revision of every report, its metadata and content; and the engine's change log.</summary>
public sealed class ReportStore(NpgsqlDataSource db)
{
    private const string Columns = "report_id, series_key, revision, kind, plant_id, line_id, shift_name, day, from_ts, to_ts, status, error, trigger, "
        + "requested_at, generated_at, fingerprint, completeness, summary, changes, file_name, emailed_at, email_error";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static string KindName(ReportKind kind) => kind.ToString().ToLowerInvariant();

    public static bool TryParseKind(string text, out ReportKind kind)
    {
        kind = default;
        return text is "shift" or "day" or "week" or "range" && Enum.TryParse(text, ignoreCase: true, out kind);
    }

    /// <summary>
    /// Stores a report revision (ready, or pending with no content yet). False when that revision of the series
    /// already exists: another instance made it first (a report is never made twice).
    /// </summary>
    public async Task<bool> TryInsertAsync(StoredReport r, ReportContent? content, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(r);
        await using var cmd = db.CreateCommand($"""
            INSERT INTO reports ({Columns}, pdf, csv, stops_csv, orders_csv)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26)
            ON CONFLICT (series_key, revision) DO NOTHING
            """);
        AddMetadata(cmd, r);
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bytea, Value = (object?)content?.Pdf ?? DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bytea, Value = (object?)content?.Csv ?? DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bytea, Value = (object?)content?.StopsCsv ?? DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bytea, Value = (object?)content?.OrdersCsv ?? DBNull.Value });
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>Fills in a pending report once generated.</summary>
    public async Task CompleteAsync(StoredReport r, ReportContent content, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(content);
        await using var cmd = db.CreateCommand("""
            UPDATE reports SET status = 'ready', error = NULL, generated_at = $2, fingerprint = $3, completeness = $4, summary = $5,
                               changes = $6, pdf = $7, csv = $8, stops_csv = $9, orders_csv = $10
            WHERE report_id = $1
            """);
        cmd.Parameters.AddWithValue(r.Id);
        cmd.Parameters.AddWithValue((object?)r.GeneratedAt?.UtcDateTime ?? DBNull.Value);
        cmd.Parameters.AddWithValue((object?)r.Fingerprint ?? DBNull.Value);
        cmd.Parameters.AddWithValue((object?)r.Completeness ?? DBNull.Value);
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Jsonb, Value = r.Summary is null ? DBNull.Value : JsonSerializer.Serialize(r.Summary, Json) });
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Jsonb, Value = JsonSerializer.Serialize(r.Changes, Json) });
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bytea, Value = content.Pdf });
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bytea, Value = content.Csv });
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bytea, Value = content.StopsCsv });
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bytea, Value = (object?)content.OrdersCsv ?? DBNull.Value });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task FailAsync(Guid id, string error, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand("UPDATE reports SET status = 'failed', error = $2 WHERE report_id = $1");
        cmd.Parameters.AddWithValue(id);
        cmd.Parameters.AddWithValue(error);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task MarkEmailedAsync(Guid id, DateTimeOffset? at, string? error, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand("UPDATE reports SET emailed_at = $2, email_error = $3 WHERE report_id = $1");
        cmd.Parameters.AddWithValue(id);
        cmd.Parameters.AddWithValue((object?)at?.UtcDateTime ?? DBNull.Value);
        cmd.Parameters.AddWithValue((object?)error ?? DBNull.Value);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task<StoredReport?> GetAsync(Guid id, CancellationToken ct = default) =>
        (await QueryAsync($"SELECT {Columns} FROM reports WHERE report_id = $1", ct, id)).FirstOrDefault();

    /// <summary>The newest revision of a series (whatever its status).</summary>
    public async Task<StoredReport?> LatestAsync(string seriesKey, CancellationToken ct = default) =>
        (await QueryAsync($"SELECT {Columns} FROM reports WHERE series_key = $1 ORDER BY revision DESC LIMIT 1", ct, seriesKey)).FirstOrDefault();

    /// <summary>Every revision of a series, oldest first.</summary>
    public Task<List<StoredReport>> RevisionsAsync(string seriesKey, CancellationToken ct = default) =>
        QueryAsync($"SELECT {Columns} FROM reports WHERE series_key = $1 ORDER BY revision", ct, seriesKey);

    /// <summary>Which of <paramref name="seriesKeys"/> have any revision.</summary>
    public async Task<HashSet<string>> ExistingAsync(IReadOnlyCollection<string> seriesKeys, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand("SELECT DISTINCT series_key FROM reports WHERE series_key = ANY($1)");
        cmd.Parameters.AddWithValue(seriesKeys.ToArray());
        var found = new HashSet<string>(StringComparer.Ordinal);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            found.Add(r.GetString(0));
        }

        return found;
    }

    /// <summary>
    /// The newest revision of each series matching the filters (null = any), newest span first. A report matches
    /// [from, to) when its span overlaps it; <paramref name="day"/> matches its local start day.
    /// </summary>
    public Task<List<StoredReport>> ListAsync(string? plantId, string? lineId, ReportKind? kind, DateTimeOffset? from, DateTimeOffset? to, DateOnly? day, int limit, CancellationToken ct = default) =>
        QueryAsync($"""
            SELECT {Columns} FROM (
                SELECT DISTINCT ON (series_key) * FROM reports
                WHERE ($1::text IS NULL OR plant_id = $1) AND ($2::text IS NULL OR line_id = $2) AND ($3::text IS NULL OR kind = $3)
                  AND ($4::timestamptz IS NULL OR to_ts > $4) AND ($5::timestamptz IS NULL OR from_ts < $5) AND ($6::date IS NULL OR day = $6)
                ORDER BY series_key, revision DESC) latest
            ORDER BY from_ts DESC, kind, coalesce(line_id, ''), series_key
            LIMIT $7
            """, ct, (object?)plantId ?? DBNull.Value, (object?)lineId ?? DBNull.Value, kind is { } k ? KindName(k) : DBNull.Value,
            (object?)from?.UtcDateTime ?? DBNull.Value, (object?)to?.UtcDateTime ?? DBNull.Value, (object?)day ?? DBNull.Value, limit);

    /// <summary>The rendered file of a report, or null when there is none (unknown id, not generated yet).</summary>
    public async Task<byte[]?> ContentAsync(Guid id, ReportFile file, CancellationToken ct = default)
    {
        var column = file switch
        {
            ReportFile.Pdf => "pdf",
            ReportFile.Csv => "csv",
            ReportFile.OrdersCsv => "orders_csv",
            _ => "stops_csv",
        };
        await using var cmd = db.CreateCommand($"SELECT {column} FROM reports WHERE report_id = $1");
        cmd.Parameters.AddWithValue(id);
        return await cmd.ExecuteScalarAsync(ct) as byte[];
    }

    /// <summary>Pending reports requested before <paramref name="before"/> (a process that queued them may have stopped).</summary>
    public Task<List<StoredReport>> PendingAsync(DateTimeOffset before, CancellationToken ct = default) =>
        QueryAsync($"SELECT {Columns} FROM reports WHERE status = 'pending' AND requested_at < $1 ORDER BY requested_at", ct, before.UtcDateTime);

    /// <summary>Deletes reports whose span ended before <paramref name="cutoff"/> (retention); returns how many.</summary>
    public async Task<int> DeleteEndedBeforeAsync(DateTimeOffset cutoff, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand("DELETE FROM reports WHERE to_ts < $1");
        cmd.Parameters.AddWithValue(cutoff.UtcDateTime);
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Holds a session advisory lock on a series while it is generated, so two instances do not both build the same
    /// report (the unique key would keep only one anyway). Null when another session holds it.
    /// </summary>
    public async Task<IAsyncDisposable?> TryLockSeriesAsync(string seriesKey, CancellationToken ct = default)
    {
        var conn = await db.OpenConnectionAsync(ct);
        try
        {
            await using var cmd = new NpgsqlCommand("SELECT pg_try_advisory_lock(hashtextextended($1, 5))", conn);
            cmd.Parameters.AddWithValue(seriesKey);
            if (await cmd.ExecuteScalarAsync(ct) is true)
            {
                return new SeriesLock(conn, seriesKey);
            }
        }
        catch
        {
            await conn.DisposeAsync();
            throw;
        }

        await conn.DisposeAsync();
        return null;
    }

    private sealed class SeriesLock(NpgsqlConnection conn, string key) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await using var cmd = new NpgsqlCommand("SELECT pg_advisory_unlock(hashtextextended($1, 5))", conn);
                cmd.Parameters.AddWithValue(key);
                await cmd.ExecuteScalarAsync();
            }
            finally
            {
                // Closing the session releases the lock in any case.
                await conn.DisposeAsync();
            }
        }
    }

    /// <summary>The Quartz triggers of scheduler <paramref name="schedulerName"/> (qrtz_triggers; jobs are named KIND|PLANT).</summary>
    public async Task<List<ReportTrigger>> TriggersAsync(string schedulerName, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand("SELECT job_name, next_fire_time, prev_fire_time, trigger_state FROM qrtz_triggers WHERE sched_name = $1");
        cmd.Parameters.AddWithValue(schedulerName);
        var list = new List<ReportTrigger>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var job = r.GetString(0);
            var parts = job.Split('|', 2);
            DateTimeOffset? Ticks(int i) => r.IsDBNull(i) || r.GetInt64(i) <= 0 ? null : new DateTimeOffset(r.GetInt64(i), TimeSpan.Zero);
            list.Add(new ReportTrigger(job, parts.Length == 2 ? parts[1] : "", parts[0], Ticks(1), Ticks(2), r.GetString(3)));
        }

        return list;
    }

    /// <summary>The engine's change log, oldest first, recorded before <paramref name="before"/>.</summary>
    public async Task<List<BucketChange>> ChangesAsync(DateTimeOffset before, int limit, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand("SELECT id, machine_id, first_minute, last_minute, recorded_at FROM oee_bucket_changes WHERE recorded_at < $1 ORDER BY id LIMIT $2");
        cmd.Parameters.AddWithValue(before.UtcDateTime);
        cmd.Parameters.AddWithValue(limit);
        var list = new List<BucketChange>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            list.Add(new BucketChange(r.GetInt64(0), r.GetString(1), Utc(r.GetDateTime(2)), Utc(r.GetDateTime(3)), Utc(r.GetDateTime(4))));
        }

        return list;
    }

    /// <summary>Drops change-log rows recorded before <paramref name="cutoff"/> (reports older than the catch-up window are not revised).</summary>
    public async Task<int> DeleteChangesBeforeAsync(DateTimeOffset cutoff, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand("DELETE FROM oee_bucket_changes WHERE recorded_at < $1");
        cmd.Parameters.AddWithValue(cutoff.UtcDateTime);
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Change-log rows recorded at or after <paramref name="since"/> (late data still arriving), whatever their number.</summary>
    public async Task<List<BucketChange>> ChangesSinceAsync(DateTimeOffset since, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand("SELECT id, machine_id, first_minute, last_minute, recorded_at FROM oee_bucket_changes WHERE recorded_at >= $1");
        cmd.Parameters.AddWithValue(since.UtcDateTime);
        var list = new List<BucketChange>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            list.Add(new BucketChange(r.GetInt64(0), r.GetString(1), Utc(r.GetDateTime(2)), Utc(r.GetDateTime(3)), Utc(r.GetDateTime(4))));
        }

        return list;
    }

    /// <summary>The newest ready revision of each shift, day and week series not e-mailed yet, requested since <paramref name="since"/>.</summary>
    public Task<List<StoredReport>> UnmailedAsync(DateTimeOffset since, CancellationToken ct = default) =>
        QueryAsync($"""
            SELECT {Columns} FROM (
                SELECT DISTINCT ON (series_key) * FROM reports WHERE kind IN ('shift', 'day', 'week') AND requested_at >= $1
                ORDER BY series_key, revision DESC) latest
            WHERE status = 'ready' AND emailed_at IS NULL
            ORDER BY requested_at
            """, ct, since.UtcDateTime);

    /// <summary>Newest ready revisions made before their span was complete, requested since <paramref name="since"/> (to be made again once it is).</summary>
    public Task<List<StoredReport>> IncompleteAsync(DateTimeOffset since, CancellationToken ct = default) =>
        QueryAsync($"""
            SELECT {Columns} FROM (
                SELECT DISTINCT ON (series_key) * FROM reports WHERE requested_at >= $1 ORDER BY series_key, revision DESC) latest
            WHERE status = 'ready' AND completeness < 1
            """, ct, since.UtcDateTime);

    public async Task DeleteChangesAsync(IReadOnlyCollection<long> ids, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand("DELETE FROM oee_bucket_changes WHERE id = ANY($1)");
        cmd.Parameters.AddWithValue(ids.ToArray());
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The newest ready revision of each series whose scope holds one of the changed machines and whose span overlaps its change.</summary>
    public Task<List<StoredReport>> AffectedByAsync(IReadOnlyList<BucketChange> changes, CancellationToken ct = default) =>
        QueryAsync($"""
            SELECT {Columns} FROM (
                SELECT DISTINCT ON (r.series_key) r.*
                FROM reports r
                WHERE EXISTS (
                    SELECT 1 FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[]) AS c(mid, f, l)
                    JOIN machines m ON m.machine_id = c.mid
                    WHERE m.plant_id = r.plant_id AND (r.line_id IS NULL OR r.line_id = m.line_id)
                      AND r.from_ts <= c.l AND r.to_ts > c.f)
                ORDER BY r.series_key, r.revision DESC) latest
            WHERE status = 'ready'
            """, ct, changes.Select(c => c.MachineId).ToArray(), changes.Select(c => c.FirstMinute.UtcDateTime).ToArray(), changes.Select(c => c.LastMinute.UtcDateTime).ToArray());

    private async Task<List<StoredReport>> QueryAsync(string sql, CancellationToken ct, params object[] args)
    {
        await using var cmd = db.CreateCommand(sql);
        foreach (var a in args)
        {
            cmd.Parameters.Add(a is DBNull ? new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Unknown } : new NpgsqlParameter { Value = a });
        }

        var list = new List<StoredReport>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            TryParseKind(r.GetString(3), out var kind);
            list.Add(new StoredReport(
                r.GetGuid(0), r.GetString(1), r.GetInt32(2), kind, r.GetString(4), Str(r, 5), Str(r, 6),
                r.IsDBNull(7) ? null : DateOnly.FromDateTime(r.GetDateTime(7)), Utc(r.GetDateTime(8)), Utc(r.GetDateTime(9)),
                r.GetString(10), Str(r, 11), r.GetString(12), Utc(r.GetDateTime(13)), r.IsDBNull(14) ? null : Utc(r.GetDateTime(14)),
                Str(r, 15), r.IsDBNull(16) ? null : r.GetDouble(16),
                r.IsDBNull(17) ? null : JsonSerializer.Deserialize<ReportSummary>(r.GetString(17), Json),
                JsonSerializer.Deserialize<List<string>>(r.GetString(18), Json) ?? [],
                r.GetString(19), r.IsDBNull(20) ? null : Utc(r.GetDateTime(20)), Str(r, 21)));
        }

        return list;
    }

    private static void AddMetadata(NpgsqlCommand cmd, StoredReport r)
    {
        cmd.Parameters.AddWithValue(r.Id);
        cmd.Parameters.AddWithValue(r.SeriesKey);
        cmd.Parameters.AddWithValue(r.Revision);
        cmd.Parameters.AddWithValue(KindName(r.Kind));
        cmd.Parameters.AddWithValue(r.PlantId);
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)r.LineId ?? DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)r.ShiftName ?? DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Date, Value = (object?)r.Day ?? DBNull.Value });
        cmd.Parameters.AddWithValue(r.From.UtcDateTime);
        cmd.Parameters.AddWithValue(r.To.UtcDateTime);
        cmd.Parameters.AddWithValue(r.Status);
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)r.Error ?? DBNull.Value });
        cmd.Parameters.AddWithValue(r.Trigger);
        cmd.Parameters.AddWithValue(r.RequestedAt.UtcDateTime);
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = (object?)r.GeneratedAt?.UtcDateTime ?? DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)r.Fingerprint ?? DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Double, Value = (object?)r.Completeness ?? DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Jsonb, Value = r.Summary is null ? DBNull.Value : JsonSerializer.Serialize(r.Summary, Json) });
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Jsonb, Value = JsonSerializer.Serialize(r.Changes, Json) });
        cmd.Parameters.AddWithValue(r.FileName);
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = (object?)r.EmailedAt?.UtcDateTime ?? DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)r.EmailError ?? DBNull.Value });
    }

    private static string? Str(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static DateTimeOffset Utc(DateTime d) => new(DateTime.SpecifyKind(d, DateTimeKind.Utc));
}
