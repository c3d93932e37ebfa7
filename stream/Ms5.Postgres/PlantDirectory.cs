using Ms5.Analytics.Plant;
using Npgsql;

namespace Ms5.Postgres;

/// <summary>
/// The one cache of plants and machines, loaded asynchronously from PostgreSQL: every machine row (id →
/// line, active or not: events of a machine taken out of the plant file are still accepted) for validation,
/// and the OEE context of each machine in a stored plant file. An id not in the cache triggers a reload (at
/// most every <see cref="MinReloadInterval"/>) before it is declared unknown, so a freshly loaded plant is
/// picked up at once; callers wanting the current configuration ask for one no older than <see cref="FreshEnough"/>, and
/// a cache older than <see cref="MaxAge"/> is reloaded on the next lookup (machines deleted elsewhere are forgotten).
/// </summary>
public sealed class PlantDirectory(NpgsqlDataSource db, TimeProvider time) : IMachineCatalog
{
    public static readonly TimeSpan MinReloadInterval = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The oldest cache <see cref="EnsureLoadedAsync"/> keeps: known ids never ask for a reload, so without it a machine
    /// removed from PostgreSQL (a temporary plant deleted through the API) would stay known to a consumer for good.
    /// </summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(30);

    /// <summary>How old a cached configuration may be when a caller wants the current one (PUT calendar, ./ms5 up --plant).</summary>
    public static readonly TimeSpan FreshEnough = TimeSpan.FromSeconds(2);

    private volatile Snapshot _snapshot = Snapshot.Empty;
    private int _version;
    private DateTimeOffset _loadedAt = DateTimeOffset.MinValue;
    private readonly SemaphoreSlim _gate = new(1, 1);

    private sealed record Snapshot(IReadOnlyDictionary<string, string> Lines, IReadOnlyDictionary<string, MachineOeeContext> Contexts)
    {
        public static readonly Snapshot Empty = new(new Dictionary<string, string>(), new Dictionary<string, MachineOeeContext>());
    }

    /// <summary>Goes up with every load: whatever was derived from the configuration at another version is out of date.</summary>
    public int Version => Volatile.Read(ref _version);

    /// <summary>The OEE context of every machine in a stored plant file, as last loaded.</summary>
    public IReadOnlyCollection<MachineOeeContext> All => (IReadOnlyCollection<MachineOeeContext>)_snapshot.Contexts.Values;

    /// <summary>The line of a known machine, from the cache only (no I/O); null when not (yet) known.</summary>
    public string? LineOf(string machineId) => _snapshot.Lines.GetValueOrDefault(machineId);

    /// <summary>A known machine, from the cache only (no I/O).</summary>
    public bool IsKnown(string machineId) => _snapshot.Lines.ContainsKey(machineId);

    public async Task<MachineOeeContext?> FindAsync(string machineId, CancellationToken ct)
    {
        if (_snapshot.Contexts.TryGetValue(machineId, out var m))
        {
            return m;
        }

        await EnsureLoadedAsync([machineId], ct);
        return _snapshot.Contexts.GetValueOrDefault(machineId);
    }

    /// <summary>
    /// Reloads when any of <paramref name="machineIds"/> is not known yet; after it, <see cref="IsKnown"/> is the answer.
    /// Reloads are rate-limited to one per <see cref="MinReloadInterval"/>, except when an unknown id exists in PostgreSQL
    /// by now (a machine added through the API just after the last load): one indexed lookup decides, so the first events
    /// of a new machine are never declared unknown, and a flood of truly unknown ids costs one lookup per call, not a reload.
    /// </summary>
    /// <remarks>
    /// The lookup also follows a reload: a caller may have waited for a reload that another caller started, whose snapshot
    /// was taken before the machine was stored (the caller's event came after the machine was added, the snapshot before).
    /// Without the lookup that machine's first events were dead-lettered as unknown.
    /// </remarks>
    public async Task EnsureLoadedAsync(IEnumerable<string?> machineIds, CancellationToken ct)
    {
        if (_loadedAt == DateTimeOffset.MinValue)
        {
            await RefreshAsync(MinReloadInterval, ct);
        }
        else if (time.GetUtcNow() - _loadedAt >= MaxAge)
        {
            await RefreshAsync(MaxAge, ct);
        }

        // One pass over a batch's ids (100k events): only the unknown ones are kept, usually none.
        var unknown = Unknown(machineIds);
        if (unknown.Length == 0)
        {
            return;
        }

        if (time.GetUtcNow() - _loadedAt >= MinReloadInterval)
        {
            await RefreshAsync(MinReloadInterval, ct);
            unknown = Unknown(unknown);
            if (unknown.Length == 0)
            {
                return;
            }
        }

        await using var cmd = db.CreateCommand("SELECT EXISTS (SELECT 1 FROM machines WHERE machine_id = ANY($1))");
        cmd.Parameters.AddWithValue(unknown);
        if (await cmd.ExecuteScalarAsync(ct) is true)
        {
            // Its own reload: one already running may have read its snapshot before the lookup's.
            await RefreshAsync(TimeSpan.Zero, ct);
        }
    }

    private string[] Unknown(IEnumerable<string?> ids)
    {
        var lines = _snapshot.Lines;
        return ids.OfType<string>().Where(id => !lines.ContainsKey(id)).Distinct(StringComparer.Ordinal).ToArray();
    }

    /// <summary>Reloads unless the cache is younger than <paramref name="maxAge"/> (callers in one tick or request share one load).</summary>
    public async Task RefreshAsync(TimeSpan maxAge, CancellationToken ct)
    {
        if (time.GetUtcNow() - _loadedAt < maxAge)
        {
            return;
        }

        await _gate.WaitAsync(ct);
        try
        {
            if (time.GetUtcNow() - _loadedAt >= maxAge)
            {
                await ReloadAsync(ct);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Reads the plant files and the machine rows from one snapshot: read one after the other, a machine added through
    /// the API in between would be known (its row) without an OEE context (its plant file), and its first events would
    /// be passed over by the engine instead of triggering the lookup that finds it.
    /// </summary>
    public async Task ReloadAsync(CancellationToken ct)
    {
        var contexts = new Dictionary<string, MachineOeeContext>(StringComparer.Ordinal);
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        await using (var cmd = new NpgsqlCommand("SELECT config::text FROM plants", conn, tx))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
            {
                foreach (var m in MachineOeeContext.ForPlant(PlantConfigParser.Parse(r.GetString(0))))
                {
                    contexts[m.MachineId] = m;
                }
            }
        }

        var lines = new Dictionary<string, string>(StringComparer.Ordinal);
        await using (var cmd = new NpgsqlCommand("SELECT machine_id, line_id FROM machines", conn, tx))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
            {
                lines[r.GetString(0)] = r.GetString(1);
            }
        }

        await tx.CommitAsync(ct);

        _snapshot = new Snapshot(lines, contexts);
        _loadedAt = time.GetUtcNow();
        Interlocked.Increment(ref _version);
    }
}
