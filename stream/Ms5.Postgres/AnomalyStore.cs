using Ms5.Analytics.Events;
using Ms5.Analytics.Reports;
using Ms5.Analytics.Anomalies;
using Npgsql;
using NpgsqlTypes;

namespace Ms5.Postgres;

/// <summary>Where a training run ended: a usable model, too little history to learn from, or an error.</summary>
public enum DowntimeModelStatus
{
    Ready,
    InsufficientHistory,
    Failed,
}

/// <summary>
/// One training run of a plant's downtime model (<c>downtime_models</c>). <see cref="FeaturesJson"/>,
/// <see cref="OptionsJson"/> and <see cref="MetricsJson"/> are JSON documents written by the trainer;
/// <see cref="BaselineJson"/> is <see cref="DowntimeBaseline.ToJson"/> (null unless ready); <see cref="Model"/> the
/// bytes of a later ML.NET model. <see cref="Version"/> is 0 until stored.
/// </summary>
public sealed record DowntimeModelRow(
    string PlantId,
    int Version,
    DateTimeOffset TrainedAt,
    DateTimeOffset From,
    DateTimeOffset To,
    DowntimeModelStatus Status,
    string? StatusDetail,
    string FeaturesJson,
    string OptionsJson,
    string MetricsJson,
    string? BaselineJson,
    byte[]? Model = null,
    byte[]? Reranker = null);

/// <summary>A stored flag as read back (<c>downtime_anomalies</c>); <see cref="Open"/> while the stop had not ended when last scored.</summary>
public sealed record StoredAnomaly(
    Guid Id,
    string PlantId,
    string MachineId,
    string LineId,
    string Kind,
    string Reason,
    DateTimeOffset Start,
    DateTimeOffset? End,
    double Seconds,
    double Score,
    bool Flagged,
    bool Open,
    string Explanation,
    int ModelVersion,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>A row <see cref="AnomalyStore.UpsertChangesAsync"/> inserted or changed; <see cref="Notable"/>: new, ended, flagged or unflagged, or judged by another model version.</summary>
public sealed record AnomalyChange(StoredAnomaly Row, bool Notable);

/// <summary>
/// The downtime anomaly tables (migration 0017): model versions, flags (one row per <see cref="AnomalyId"/>) and
/// feedback; the one place their format is defined. Also reads a plant's state intervals for training and scoring.
/// </summary>
public sealed class AnomalyStore(NpgsqlDataSource db)
{
    public static string StatusName(DowntimeModelStatus status) => status switch
    {
        DowntimeModelStatus.Ready => "ready",
        DowntimeModelStatus.InsufficientHistory => "insufficient_history",
        DowntimeModelStatus.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    private static DowntimeModelStatus ParseStatus(string s) => s switch
    {
        "ready" => DowntimeModelStatus.Ready,
        "insufficient_history" => DowntimeModelStatus.InsufficientHistory,
        _ => DowntimeModelStatus.Failed,
    };

    /// <summary>
    /// Every state interval of the plant's machines overlapping [from, to), grouped per machine in start order, as
    /// <see cref="StopFeatureExtractor"/> reads them (the same query the reports use).
    /// </summary>
    public async Task<IReadOnlyList<MachineHistory>> HistoryAsync(string plantId, DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default)
    {
        // Bounded on start_ts (the primary key's order) so a live run reads its window, not the plant's whole history:
        // the intervals that started in [from, to), plus each machine's last one before from when it reaches into it
        // (a machine's intervals never overlap, so no other earlier one can).
        await using var cmd = db.CreateCommand("""
            SELECT si.machine_id, si.state, si.reason, si.start_ts, si.end_ts, si.event_id
            FROM state_intervals si JOIN machines m ON m.machine_id = si.machine_id
            WHERE m.plant_id = $1 AND si.start_ts >= $2 AND si.start_ts < $3
            UNION ALL
            SELECT l.machine_id, l.state, l.reason, l.start_ts, l.end_ts, l.event_id
            FROM machines m
            CROSS JOIN LATERAL (SELECT si.* FROM state_intervals si WHERE si.machine_id = m.machine_id AND si.start_ts < $2
                                ORDER BY si.start_ts DESC, si.event_id DESC LIMIT 1) l
            WHERE m.plant_id = $1 AND coalesce(l.end_ts, 'infinity') > $2
            ORDER BY 4, 1, 6
            """);
        cmd.Parameters.AddWithValue(plantId);
        cmd.Parameters.AddWithValue(from.UtcDateTime);
        cmd.Parameters.AddWithValue(to.UtcDateTime);
        var spans = new List<StateSpan>();
        await using (var r = await cmd.ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
            {
                if (ContractNames.TryParseState(r.GetString(1), out var state))
                {
                    spans.Add(new StateSpan(r.GetString(0), state, r.IsDBNull(2) ? null : r.GetString(2), Utc(r.GetDateTime(3)), r.IsDBNull(4) ? null : Utc(r.GetDateTime(4))));
                }
            }
        }

        var products = await ProductsAsync(plantId, from, to, ct);
        var counts = await CountsAsync(plantId, from, to, ct);
        return spans.GroupBy(s => s.MachineId, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new MachineHistory(g.Key, g.OrderBy(s => s.Start).ToList())
            {
                Products = products.GetValueOrDefault(g.Key) ?? [],
                Counts = counts.GetValueOrDefault(g.Key),
            })
            .ToList();
    }

    /// <summary>The product changes of the plant's machines in [from, to), and each machine's product in force at from.</summary>
    private async Task<Dictionary<string, List<ProductChange>>> ProductsAsync(string plantId, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            SELECT e.machine_id, e.ts, e.product FROM oee_event_rows e JOIN machines m ON m.machine_id = e.machine_id
            WHERE m.plant_id = $1 AND e.product IS NOT NULL AND e.ts >= $2 AND e.ts < $3
            UNION ALL
            SELECT m.machine_id, l.ts, l.product FROM machines m
            CROSS JOIN LATERAL (SELECT e.ts, e.product FROM oee_event_rows e WHERE e.machine_id = m.machine_id AND e.product IS NOT NULL AND e.ts < $2
                                ORDER BY e.ts DESC LIMIT 1) l
            WHERE m.plant_id = $1
            ORDER BY 1, 2
            """);
        cmd.Parameters.AddWithValue(plantId);
        cmd.Parameters.AddWithValue(from.UtcDateTime);
        cmd.Parameters.AddWithValue(to.UtcDateTime);
        var result = new Dictionary<string, List<ProductChange>>(StringComparer.Ordinal);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var machine = r.GetString(0);
            if (!result.TryGetValue(machine, out var list))
            {
                result[machine] = list = [];
            }

            list.Add(new ProductChange(Utc(r.GetDateTime(1)), r.GetString(2)));
        }

        return result;
    }

    /// <summary>Good and reject parts per minute bucket of the plant's machines in [from − 1 h, to): the reject rate before a stop.</summary>
    private async Task<Dictionary<string, List<PartCount>>> CountsAsync(string plantId, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            SELECT o.machine_id, o.minute, o.good_count, o.reject_count FROM oee_minute o JOIN machines m ON m.machine_id = o.machine_id
            WHERE m.plant_id = $1 AND o.minute >= $2 AND o.minute < $3 AND (o.good_count > 0 OR o.reject_count > 0)
            ORDER BY 1, 2
            """);
        cmd.Parameters.AddWithValue(plantId);
        cmd.Parameters.AddWithValue((from - TimeSpan.FromHours(1)).UtcDateTime);
        cmd.Parameters.AddWithValue(to.UtcDateTime);
        var result = new Dictionary<string, List<PartCount>>(StringComparer.Ordinal);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var machine = r.GetString(0);
            if (!result.TryGetValue(machine, out var list))
            {
                result[machine] = list = [];
            }

            list.Add(new PartCount(Utc(r.GetDateTime(1)), r.GetInt64(2), r.GetInt64(3)));
        }

        return result;
    }

    /// <summary>Stores a training run as the plant's next version (1, 2, ...) and returns the version.</summary>
    public async Task<int> SaveModelAsync(DowntimeModelRow model, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await using (var lk = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext('downtime_models:' || $1))", conn, tx))
        {
            lk.Parameters.AddWithValue(model.PlantId);
            await lk.ExecuteNonQueryAsync(ct);
        }

        await using var cmd = new NpgsqlCommand("""
            INSERT INTO downtime_models (plant_id, version, trained_at, window_from, window_to, status, status_detail, features, options, metrics, baseline, model, reranker)
            SELECT $1, coalesce(max(version), 0) + 1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9::jsonb, $10::jsonb, $11, $12
            FROM downtime_models WHERE plant_id = $1
            RETURNING version
            """, conn, tx);
        cmd.Parameters.AddWithValue(model.PlantId);
        cmd.Parameters.AddWithValue(model.TrainedAt.UtcDateTime);
        cmd.Parameters.AddWithValue(model.From.UtcDateTime);
        cmd.Parameters.AddWithValue(model.To.UtcDateTime);
        cmd.Parameters.AddWithValue(StatusName(model.Status));
        cmd.Parameters.AddWithValue((object?)model.StatusDetail ?? DBNull.Value);
        cmd.Parameters.AddWithValue(model.FeaturesJson);
        cmd.Parameters.AddWithValue(model.OptionsJson);
        cmd.Parameters.AddWithValue(model.MetricsJson);
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)model.BaselineJson ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)model.Model ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bytea });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)model.Reranker ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bytea });
        var version = (int)(await cmd.ExecuteScalarAsync(ct))!;
        await tx.CommitAsync(ct);
        return version;
    }

    /// <summary>The newest model of the plant that passed its checks (status ready), or null.</summary>
    public Task<DowntimeModelRow?> LatestReadyAsync(string plantId, CancellationToken ct = default) =>
        ModelAsync(plantId, "AND status = 'ready'", ct);

    /// <summary>The plant's newest training run whatever its status, or null when it was never trained.</summary>
    public Task<DowntimeModelRow?> LatestAsync(string plantId, CancellationToken ct = default) =>
        ModelAsync(plantId, "", ct);

    private async Task<DowntimeModelRow?> ModelAsync(string plantId, string filter, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand($"""
            SELECT plant_id, version, trained_at, window_from, window_to, status, status_detail,
                   features::text, options::text, metrics::text, baseline::text, model, reranker
            FROM downtime_models WHERE plant_id = $1 {filter}
            ORDER BY version DESC LIMIT 1
            """);
        cmd.Parameters.AddWithValue(plantId);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct))
        {
            return null;
        }

        return new DowntimeModelRow(r.GetString(0), r.GetInt32(1), Utc(r.GetDateTime(2)), Utc(r.GetDateTime(3)), Utc(r.GetDateTime(4)),
            ParseStatus(r.GetString(5)), r.IsDBNull(6) ? null : r.GetString(6), r.GetString(7), r.GetString(8), r.GetString(9),
            r.IsDBNull(10) ? null : r.GetString(10), r.IsDBNull(11) ? null : (byte[])r.GetValue(11), r.IsDBNull(12) ? null : (byte[])r.GetValue(12));
    }

    /// <summary>
    /// Stores flags by id, once each: a new flagged score is inserted; a score of a stored flag updates its end,
    /// seconds, score, flagged, explanation and model version (an open stop's flag when it ends, or a newer model's
    /// judgement). An unflagged score of a flag not stored is dropped; a score of the stop still open never replaces
    /// a stored closed one. Returns how many rows were inserted or changed.
    /// </summary>
    public async Task<int> UpsertAsync(string plantId, int modelVersion, IEnumerable<AnomalyScore> scores, CancellationToken ct = default) =>
        (await UpsertChangesAsync(plantId, modelVersion, scores, ct)).Count;

    /// <summary>
    /// As <see cref="UpsertAsync"/>, returning each row inserted or changed as stored now, and whether the change is
    /// <see cref="AnomalyChange.Notable"/>: the flag is new, its stop ended, its flagged state or its model version
    /// changed. An open stop whose seconds, score and explanation grow with every run changes its row, not notably.
    /// </summary>
    public async Task<IReadOnlyList<AnomalyChange>> UpsertChangesAsync(string plantId, int modelVersion, IEnumerable<AnomalyScore> scores, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(scores);
        // One score per id: two intervals of a machine may start at the same instant (two state events with one
        // timestamp), giving two stops with one id; a statement may not update a row twice. The flagged, higher one wins.
        var list = scores.GroupBy(s => s.Id).Select(g => g.OrderByDescending(s => s.Flagged).ThenByDescending(s => s.Score).ThenByDescending(s => s.Seconds).First()).ToList();
        var changes = new List<AnomalyChange>();
        if (list.Count == 0)
        {
            return changes;
        }

        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);

        // One writer per plant at a time (training, several engine instances): each statement's snapshot then sees what
        // the one before committed, so a change is reported (and published) once.
        await using (var lk = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext('downtime_anomalies:' || $1))", conn, tx))
        {
            lk.Parameters.AddWithValue(plantId);
            await lk.ExecuteNonQueryAsync(ct);
        }

        foreach (var chunk in list.Chunk(1000))
        {
            // The CTE "before" sees the rows as they were before this statement (one snapshot), so the old values can
            // be compared with the new ones (RETURNING sees only the new ones before PostgreSQL 18).
            await using var cmd = new NpgsqlCommand($"""
                WITH before AS (
                    SELECT anomaly_id, stop_end, flagged, model_version FROM downtime_anomalies WHERE anomaly_id = ANY($3::uuid[])
                ), upserted AS (
                    INSERT INTO downtime_anomalies AS a (anomaly_id, plant_id, machine_id, line_id, kind, reason, stop_start, stop_end,
                                                         seconds, score, flagged, explanation, model_version)
                    SELECT u.id, $1, u.machine, u.line, u.kind, u.reason, u.start_ts, u.end_ts, u.seconds, u.score, u.flagged, u.explanation, $2
                    FROM unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[], $9::timestamptz[],
                                $10::float8[], $11::float8[], $12::bool[], $13::text[])
                         AS u(id, machine, line, kind, reason, start_ts, end_ts, seconds, score, flagged, explanation)
                    WHERE u.flagged OR EXISTS (SELECT 1 FROM downtime_anomalies d WHERE d.anomaly_id = u.id)
                    ON CONFLICT (anomaly_id) DO UPDATE SET
                        stop_end = excluded.stop_end, seconds = excluded.seconds, score = excluded.score, flagged = excluded.flagged,
                        explanation = excluded.explanation, model_version = excluded.model_version, updated_at = now()
                    WHERE NOT (a.stop_end IS NOT NULL AND excluded.stop_end IS NULL)
                      -- A scorer still on an older model never overwrites a newer model's judgement.
                      AND a.model_version <= excluded.model_version
                      AND (a.stop_end, a.seconds, a.score, a.flagged, a.explanation, a.model_version)
                          IS DISTINCT FROM (excluded.stop_end, excluded.seconds, excluded.score, excluded.flagged, excluded.explanation, excluded.model_version)
                    RETURNING {Columns}
                )
                SELECT u.*, b.anomaly_id IS NULL
                       OR (b.stop_end, b.flagged, b.model_version) IS DISTINCT FROM (u.stop_end, u.flagged, u.model_version)
                FROM upserted u LEFT JOIN before b ON b.anomaly_id = u.anomaly_id
                """, conn, tx);
            cmd.Parameters.AddWithValue(plantId);
            cmd.Parameters.AddWithValue(modelVersion);
            cmd.Parameters.AddWithValue(chunk.Select(s => s.Id).ToArray());
            cmd.Parameters.AddWithValue(chunk.Select(s => s.MachineId).ToArray());
            cmd.Parameters.AddWithValue(chunk.Select(s => s.LineId).ToArray());
            cmd.Parameters.AddWithValue(chunk.Select(s => AnomalyKinds.Name(s.Kind)).ToArray());
            cmd.Parameters.AddWithValue(chunk.Select(s => s.Reason).ToArray());
            cmd.Parameters.AddWithValue(chunk.Select(s => s.StopStart.UtcDateTime).ToArray());
            cmd.Parameters.Add(new NpgsqlParameter
            {
                Value = chunk.Select(s => s.StopEnd is { } e ? (object)e.UtcDateTime : DBNull.Value).ToArray(),
                NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz,
            });
            cmd.Parameters.AddWithValue(chunk.Select(s => Math.Max(0, s.Seconds)).ToArray());
            cmd.Parameters.AddWithValue(chunk.Select(s => Math.Clamp(s.Score, 0, 1)).ToArray());
            cmd.Parameters.AddWithValue(chunk.Select(s => s.Flagged).ToArray());
            cmd.Parameters.AddWithValue(chunk.Select(s => s.Explanation).ToArray());
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                changes.Add(new AnomalyChange(Read(r), r.GetBoolean(16)));
            }
        }

        await tx.CommitAsync(ct);
        return changes;
    }

    /// <summary>The start of the plant's oldest flag whose stop was open when last scored, or null.</summary>
    public async Task<DateTimeOffset?> OldestOpenFlagAsync(string plantId, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand("SELECT min(stop_start) FROM downtime_anomalies WHERE plant_id = $1 AND stop_end IS NULL");
        cmd.Parameters.AddWithValue(plantId);
        return await cmd.ExecuteScalarAsync(ct) is DateTime t ? Utc(t) : null;
    }

    /// <summary>
    /// The newest event time of the plant's machines (raw events, and state intervals for history loaded without
    /// them), or null when it has none: whether the plant reports live or its history is a past period.
    /// </summary>
    public async Task<DateTimeOffset?> LatestEventAsync(string plantId, CancellationToken ct = default)
    {
        // Per machine along the (machine_id, ts) and (machine_id, start_ts) indexes: no scan of the plant's history.
        await using var cmd = db.CreateCommand("""
            SELECT max(greatest(e.ts, s.start_ts)) FROM machines m
            LEFT JOIN LATERAL (SELECT ts FROM raw_events WHERE machine_id = m.machine_id ORDER BY ts DESC LIMIT 1) e ON true
            LEFT JOIN LATERAL (SELECT start_ts FROM state_intervals WHERE machine_id = m.machine_id ORDER BY start_ts DESC LIMIT 1) s ON true
            WHERE m.plant_id = $1
            """);
        cmd.Parameters.AddWithValue(plantId);
        return await cmd.ExecuteScalarAsync(ct) is DateTime t ? Utc(t) : null;
    }

    /// <summary>
    /// Flags of a machine, line or plant whose stop overlaps [from, to) (an open stop reaches to now), score at least
    /// <paramref name="minScore"/>, flagged or not as <paramref name="flagged"/> says (null: both), in stop start
    /// order, at most <paramref name="limit"/>.
    /// </summary>
    public async Task<IReadOnlyList<StoredAnomaly>> QueryAsync(
        OeeScope scope, string id, DateTimeOffset from, DateTimeOffset to, double minScore, int limit, CancellationToken ct = default, bool? flagged = null)
    {
        var column = scope switch
        {
            OeeScope.Machine => "machine_id",
            OeeScope.Line => "line_id",
            _ => "plant_id",
        };
        await using var cmd = db.CreateCommand($"""
            SELECT {Columns} FROM downtime_anomalies
            WHERE {column} = $1 AND stop_start < $3 AND coalesce(stop_end, 'infinity') > $2 AND score >= $4 AND ($6::boolean IS NULL OR flagged = $6)
            ORDER BY stop_start, machine_id, kind
            LIMIT $5
            """);
        cmd.Parameters.AddWithValue(id);
        cmd.Parameters.AddWithValue(from.UtcDateTime);
        cmd.Parameters.AddWithValue(to.UtcDateTime);
        cmd.Parameters.AddWithValue(minScore);
        cmd.Parameters.AddWithValue(limit);
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)flagged ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Boolean });
        var list = new List<StoredAnomaly>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            list.Add(Read(r));
        }

        return list;
    }

    /// <summary>
    /// After a training run scored the plant's stops that started in [from, to): its flags of the window that run did
    /// not judge again (a burst or pile-up episode now starting at another stop, a pattern flag of an older model) are
    /// no longer flagged; they keep their row (and feedback) with score 0 and the new model version. Returns how many.
    /// </summary>
    public async Task<int> UnflagOthersAsync(string plantId, int modelVersion, DateTimeOffset from, DateTimeOffset to, IEnumerable<Guid> judged, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(judged);
        await using var cmd = db.CreateCommand("""
            UPDATE downtime_anomalies SET flagged = false, score = 0, model_version = $2, updated_at = now()
            WHERE plant_id = $1 AND stop_start >= $3 AND stop_start < $4 AND flagged AND model_version <> $2 AND NOT (anomaly_id = ANY($5))
            """);
        cmd.Parameters.AddWithValue(plantId);
        cmd.Parameters.AddWithValue(modelVersion);
        cmd.Parameters.AddWithValue(from.UtcDateTime);
        cmd.Parameters.AddWithValue(to.UtcDateTime);
        cmd.Parameters.AddWithValue(judged.ToArray());
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>One flag by id, or null.</summary>
    public async Task<StoredAnomaly?> GetAsync(Guid id, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand($"SELECT {Columns} FROM downtime_anomalies WHERE anomaly_id = $1");
        cmd.Parameters.AddWithValue(id);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? Read(r) : null;
    }

    private const string Columns =
        "anomaly_id, plant_id, machine_id, line_id, kind, reason, stop_start, stop_end, seconds, score, flagged, is_open, explanation, model_version, created_at, updated_at";

    private static StoredAnomaly Read(NpgsqlDataReader r) => new(
        r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5),
        Utc(r.GetDateTime(6)), r.IsDBNull(7) ? null : Utc(r.GetDateTime(7)), r.GetDouble(8), r.GetDouble(9), r.GetBoolean(10),
        r.GetBoolean(11), r.GetString(12), r.GetInt32(13), Utc(r.GetDateTime(14)), Utc(r.GetDateTime(15)));

    /// <summary>Stores a label ("confirmed" or "dismissed") for a flag; false when no flag has the id.</summary>
    public async Task<bool> AddFeedbackAsync(Guid anomalyId, string label, string? note, string by, DateTimeOffset at, CancellationToken ct = default)
    {
        if (label is not ("confirmed" or "dismissed"))
        {
            throw new ArgumentException($"label must be confirmed or dismissed, got '{label}'", nameof(label));
        }

        await using var cmd = db.CreateCommand("""
            INSERT INTO downtime_anomaly_feedback (anomaly_id, label, note, given_by, given_at)
            SELECT anomaly_id, $2, $3, $4, $5 FROM downtime_anomalies WHERE anomaly_id = $1
            """);
        cmd.Parameters.AddWithValue(anomalyId);
        cmd.Parameters.AddWithValue(label);
        cmd.Parameters.AddWithValue((object?)note ?? DBNull.Value);
        cmd.Parameters.AddWithValue(by);
        cmd.Parameters.AddWithValue(at.UtcDateTime);
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>The newest label of a flag (label, note, by, at), or null when it has none.</summary>
    public async Task<(string Label, string? Note, string By, DateTimeOffset At)?> LatestFeedbackAsync(Guid anomalyId, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand("""
            SELECT label, note, given_by, given_at FROM downtime_anomaly_feedback WHERE anomaly_id = $1 ORDER BY given_at DESC, id DESC LIMIT 1
            """);
        cmd.Parameters.AddWithValue(anomalyId);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? (r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1), r.GetString(2), Utc(r.GetDateTime(3))) : null;
    }

    /// <summary>
    /// The stops (machine, start) of the plant in [from, to) with a flag whose newest label is "confirmed": training
    /// leaves them out, so confirmed anomalies do not teach the model that they are normal.
    /// </summary>
    public async Task<IReadOnlySet<(string MachineId, DateTimeOffset Start)>> ConfirmedStopsAsync(string plantId, DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand("""
            SELECT DISTINCT a.machine_id, a.stop_start
            FROM downtime_anomalies a
            JOIN LATERAL (SELECT f.label FROM downtime_anomaly_feedback f WHERE f.anomaly_id = a.anomaly_id ORDER BY f.given_at DESC, f.id DESC LIMIT 1) l ON true
            WHERE a.plant_id = $1 AND a.stop_start >= $2 AND a.stop_start < $3 AND l.label = 'confirmed'
            """);
        cmd.Parameters.AddWithValue(plantId);
        cmd.Parameters.AddWithValue(from.UtcDateTime);
        cmd.Parameters.AddWithValue(to.UtcDateTime);
        var set = new HashSet<(string, DateTimeOffset)>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            set.Add((r.GetString(0), Utc(r.GetDateTime(1))));
        }

        return set;
    }

    /// <summary>
    /// The flags of the plant whose stop started in [from, to) and that users labelled, with their newest label
    /// (true: confirmed): what the re-ranker learns from.
    /// </summary>
    public async Task<IReadOnlyList<(string MachineId, DateTimeOffset Start, AnomalyKind Kind, bool Confirmed)>> LabelsAsync(string plantId, DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand("""
            SELECT a.machine_id, a.stop_start, a.kind, l.label = 'confirmed'
            FROM downtime_anomalies a
            JOIN LATERAL (SELECT f.label FROM downtime_anomaly_feedback f WHERE f.anomaly_id = a.anomaly_id ORDER BY f.given_at DESC, f.id DESC LIMIT 1) l ON true
            WHERE a.plant_id = $1 AND a.stop_start >= $2 AND a.stop_start < $3
            ORDER BY a.stop_start, a.machine_id, a.kind
            """);
        cmd.Parameters.AddWithValue(plantId);
        cmd.Parameters.AddWithValue(from.UtcDateTime);
        cmd.Parameters.AddWithValue(to.UtcDateTime);
        var list = new List<(string, DateTimeOffset, AnomalyKind, bool)>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            if (AnomalyKinds.Parse(r.GetString(2)) is { } kind)
            {
                list.Add((r.GetString(0), Utc(r.GetDateTime(1)), kind, r.GetBoolean(3)));
            }
        }

        return list;
    }

    private static DateTimeOffset Utc(DateTime t) => new(DateTime.SpecifyKind(t, DateTimeKind.Utc));
}
