using Npgsql;

namespace Ms5.Postgres;

/// <summary>
/// Kafka offsets of the PostgreSQL consumers, stored in the same transaction as their rows.
/// cluster_key tells one Kafka cluster from another: the dev broker comes back empty on a new address,
/// and offsets of another cluster must not be used (they would skip data or point past the end).
/// </summary>
public static class OffsetStore
{
    /// <summary>Stored offsets per partition; empty when none or when they belong to another Kafka cluster.</summary>
    public static async Task<IReadOnlyDictionary<int, long>> LoadAsync(NpgsqlDataSource db, string group, string topic, string clusterKey, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        await using var cmd = db.CreateCommand("SELECT partition, next_offset, cluster_key FROM kafka_offsets WHERE consumer_group = $1 AND topic = $2");
        cmd.Parameters.AddWithValue(group);
        cmd.Parameters.AddWithValue(topic);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var offsets = new Dictionary<int, long>();
        while (await r.ReadAsync(ct))
        {
            if (r.GetString(2) == clusterKey)
            {
                offsets[r.GetInt32(0)] = r.GetInt64(1);
            }
        }

        return offsets;
    }

    public static async Task SaveAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string group, string topic, IReadOnlyDictionary<int, long> nextOffsets, string clusterKey, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(nextOffsets);
        await using var cmd = new NpgsqlCommand("""
            INSERT INTO kafka_offsets (consumer_group, topic, partition, next_offset, cluster_key, updated_at)
            SELECT $1, $2, p, o, $5, now() FROM unnest($3::int[], $4::bigint[]) AS x(p, o)
            ON CONFLICT (consumer_group, topic, partition) DO UPDATE
              SET next_offset = EXCLUDED.next_offset, cluster_key = EXCLUDED.cluster_key, updated_at = now()
            """, conn, tx);
        cmd.Parameters.AddWithValue(group);
        cmd.Parameters.AddWithValue(topic);
        cmd.Parameters.AddWithValue(nextOffsets.Keys.ToArray());
        cmd.Parameters.AddWithValue(nextOffsets.Values.ToArray());
        cmd.Parameters.AddWithValue(clusterKey);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
