using System.Text.Json;
using Ms5.Analytics.Events;
using Npgsql;
using NpgsqlTypes;

namespace Ms5.Postgres;

/// <summary>
/// The dead_letters table: every rejected message once per stage and source position, with the original key,
/// bytes and headers, and whether it is on the DLQ topic yet (an outbox for the PostgreSQL historian's own).
/// </summary>
public static class DeadLetterStore
{
    /// <summary>Stores letters not stored yet; <paramref name="publishedAt"/> null: still to be published to the DLQ topic.</summary>
    public static async Task InsertAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, IReadOnlyList<DeadLetter> letters, DateTimeOffset? publishedAt, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(letters);
        if (letters.Count == 0)
        {
            return;
        }

        // One statement for the whole batch: a flood of bad messages must not slow the sink to a crawl.
        await using var cmd = new NpgsqlCommand("""
            INSERT INTO dead_letters (stage, source_topic, source_partition, source_offset, machine_id, reason, problems, payload, message_key, source_headers, dlq_published_at)
            SELECT s, t, p, o, m, r, pr, pl, k, h, $11 FROM unnest($1::text[], $2::text[], $3::int[], $4::bigint[], $5::text[], $6::text[], $7::jsonb[], $8::bytea[], $9::bytea[], $10::jsonb[]) AS x(s, t, p, o, m, r, pr, pl, k, h)
            ON CONFLICT (stage, source_topic, source_partition, source_offset) DO NOTHING
            """, conn, tx);
        cmd.Parameters.AddWithValue(letters.Select(d => d.Stage).ToArray());
        cmd.Parameters.AddWithValue(letters.Select(d => d.Topic).ToArray());
        cmd.Parameters.AddWithValue(letters.Select(d => d.Partition).ToArray());
        cmd.Parameters.AddWithValue(letters.Select(d => d.Offset).ToArray());
        cmd.Parameters.Add(new NpgsqlParameter { Value = letters.Select(d => (object?)d.MachineId ?? DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        cmd.Parameters.AddWithValue(letters.Select(d => d.Reason).ToArray());
        cmd.Parameters.Add(new NpgsqlParameter { Value = letters.Select(d => EventProblem.ToJson(d.Problems)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        cmd.Parameters.Add(new NpgsqlParameter { Value = letters.Select(d => (object?)d.Payload ?? DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        cmd.Parameters.Add(new NpgsqlParameter { Value = letters.Select(d => (object?)d.Key ?? DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        cmd.Parameters.Add(new NpgsqlParameter { Value = letters.Select(d => HeadersJson(d.SourceHeaders)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)publishedAt ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Up to <paramref name="limit"/> letters of <paramref name="sourceTopic"/> not yet on the DLQ topic, oldest first, locked
    /// for this transaction (several historian instances publish each once: another skips what one holds). Only the source
    /// topic's own letters: historians of another topic sharing the database publish theirs to their own DLQ topic.
    /// </summary>
    public static async Task<List<(long Id, DeadLetter Letter)>> LockUnpublishedAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string sourceTopic, int limit, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            SELECT id, stage, source_topic, source_partition, source_offset, machine_id, problems::text, payload, message_key, source_headers::text
            FROM dead_letters WHERE dlq_published_at IS NULL AND source_topic = $2 ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED
            """, conn, tx);
        cmd.Parameters.AddWithValue(limit);
        cmd.Parameters.AddWithValue(sourceTopic);
        var list = new List<(long, DeadLetter)>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var problems = JsonSerializer.Deserialize<List<Dictionary<string, string>>>(r.GetString(6))!.Select(p => new EventProblem(p["field"], p["message"])).ToList();
            list.Add((r.GetInt64(0), new DeadLetter(r.GetString(1), r.GetString(2), r.GetInt32(3), r.GetInt64(4), r.IsDBNull(5) ? null : r.GetString(5), problems, r.IsDBNull(7) ? null : (byte[])r[7])
            {
                Key = r.IsDBNull(8) ? null : (byte[])r[8],
                SourceHeaders = r.IsDBNull(9) ? [] : ParseHeaders(r.GetString(9)),
            }));
        }

        return list;
    }

    public static async Task MarkPublishedAsync(NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyList<long> ids, DateTimeOffset at, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("UPDATE dead_letters SET dlq_published_at = $2 WHERE id = ANY($1)", conn, tx);
        cmd.Parameters.AddWithValue(ids.ToArray());
        cmd.Parameters.AddWithValue(at);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    // A Kafka header may have no value: kept as null, never a reason to fail the batch.
    private static string HeadersJson(IReadOnlyList<KeyValuePair<string, byte[]>> headers) =>
        JsonSerializer.Serialize(headers.Select(h => new Dictionary<string, string?> { ["key"] = h.Key, ["value"] = h.Value is null ? null : Convert.ToBase64String(h.Value) }));

    private static List<KeyValuePair<string, byte[]>> ParseHeaders(string json) =>
        JsonSerializer.Deserialize<List<Dictionary<string, string?>>>(json)!
            .Select(h => new KeyValuePair<string, byte[]>(h["key"] ?? "", h["value"] is { } v ? Convert.FromBase64String(v) : null!)).ToList();
}
