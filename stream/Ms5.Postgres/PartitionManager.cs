using System.Globalization;
using Npgsql;

namespace Ms5.Postgres;

/// <summary>
/// Creates the monthly raw_events partitions that a batch needs before it is written (native
/// partitioning only; a TimescaleDB hypertable makes its own chunks).
/// </summary>
public sealed class PartitionManager(NpgsqlDataSource db)
{
    private readonly HashSet<DateOnly> _known = [];
    private readonly SemaphoreSlim _lock = new(1, 1);
    private bool? _native;

    public async Task EnsureAsync(IEnumerable<DateTimeOffset> timestamps, CancellationToken ct)
    {
        var months = timestamps.Select(t => new DateOnly(t.UtcDateTime.Year, t.UtcDateTime.Month, 1)).Distinct().Where(m => !_known.Contains(m)).ToList();
        if (months.Count == 0)
        {
            return;
        }

        await _lock.WaitAsync(ct);
        try
        {
            await using var conn = await db.OpenConnectionAsync(ct);
            _native ??= await IsNativelyPartitioned(conn, ct);
            foreach (var month in months)
            {
                if (_native == true)
                {
                    await CreateAsync(conn, month, ct);
                }

                _known.Add(month);
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    private static async Task<bool> IsNativelyPartitioned(NpgsqlConnection conn, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT relkind = 'p' FROM pg_class WHERE oid = 'raw_events'::regclass", conn);
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private static async Task CreateAsync(NpgsqlConnection conn, DateOnly month, CancellationToken ct)
    {
        var name = $"raw_events_{month:yyyy_MM}";
        var from = month.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var to = month.AddMonths(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // Concurrent historians may race to create the same partition.
        await using (var lockCmd = new NpgsqlCommand("SELECT pg_advisory_xact_lock(1297298690)", conn, tx))
        {
            await lockCmd.ExecuteNonQueryAsync(ct);
        }

        await using (var cmd = new NpgsqlCommand(
            $"CREATE TABLE IF NOT EXISTS {name} PARTITION OF raw_events FOR VALUES FROM ('{from} 00:00:00+00') TO ('{to} 00:00:00+00')", conn, tx))
        {
            await cmd.ExecuteNonQueryAsync(ct);
        }

        await tx.CommitAsync(ct);
    }
}
