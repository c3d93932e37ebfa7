namespace Ms5.Postgres;

/// <summary>
/// The plant's machines (id → line) from PostgreSQL, cached. An id not in the cache triggers a reload
/// (at most every 2 s) before it is declared unknown, so a freshly loaded plant is picked up at once.
/// </summary>
public sealed class MachineDirectory(PlantStore store, TimeProvider time)
{
    private static readonly TimeSpan MinReloadInterval = TimeSpan.FromSeconds(2);
    private volatile Dictionary<string, string> _lines = new(StringComparer.Ordinal);
    private DateTimeOffset _loadedAt = DateTimeOffset.MinValue;
    private readonly Lock _gate = new();

    public bool IsKnown(string machineId) => LineOf(machineId) is not null;

    public string? LineOf(string machineId)
    {
        if (_lines.TryGetValue(machineId, out var line))
        {
            return line;
        }

        lock (_gate)
        {
            if (time.GetUtcNow() - _loadedAt >= MinReloadInterval)
            {
                Reload();
            }
        }

        return _lines.GetValueOrDefault(machineId);
    }

    public void Reload()
    {
        var machines = store.MachinesAsync().GetAwaiter().GetResult();
        _lines = machines.ToDictionary(m => m.MachineId, m => m.LineId, StringComparer.Ordinal);
        _loadedAt = time.GetUtcNow();
    }
}
