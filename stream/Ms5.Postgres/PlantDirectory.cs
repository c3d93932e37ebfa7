using Ms5.Analytics.Oee;
using Ms5.Analytics.Plant;
using Npgsql;

namespace Ms5.Postgres;

/// <summary>What the OEE engine needs to know about a machine: ideal cycle time, its plant's calendar and loss mapping.</summary>
public sealed record MachineOeeContext(string MachineId, string LineId, string PlantId, IdealCycle IdealCycle, ShiftCalendar Calendar, LossClassifier Losses)
{
    /// <summary>The plant's Andon rules and escalation timers.</summary>
    public Ms5.Analytics.Andon.AndonConfig Andon { get; init; } = Ms5.Analytics.Andon.AndonConfig.Default;
}

/// <summary>Plants and machines from PostgreSQL (the stored plant files), cached and reloaded at most every 10 s on a miss.</summary>
public sealed class PlantDirectory(NpgsqlDataSource db, TimeProvider time)
{
    private static readonly TimeSpan MinReloadInterval = TimeSpan.FromSeconds(10);

    /// <summary>How old a cached configuration may be when a caller wants the current one (PUT calendar, ./ms5 up --plant).</summary>
    public static readonly TimeSpan FreshEnough = TimeSpan.FromSeconds(2);
    private volatile Dictionary<string, MachineOeeContext> _machines = new(StringComparer.Ordinal);
    private DateTimeOffset _loadedAt = DateTimeOffset.MinValue;
    private readonly SemaphoreSlim _gate = new(1, 1);

    public IReadOnlyCollection<MachineOeeContext> All => _machines.Values;

    public async Task<MachineOeeContext?> FindAsync(string machineId, CancellationToken ct)
    {
        if (_machines.TryGetValue(machineId, out var m))
        {
            return m;
        }

        await _gate.WaitAsync(ct);
        try
        {
            if (time.GetUtcNow() - _loadedAt >= MinReloadInterval)
            {
                await ReloadAsync(ct);
            }
        }
        finally
        {
            _gate.Release();
        }

        return _machines.GetValueOrDefault(machineId);
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

    public async Task ReloadAsync(CancellationToken ct)
    {
        var plants = new Dictionary<string, PlantConfig>(StringComparer.Ordinal);
        await using (var cmd = db.CreateCommand("SELECT plant_id, config::text FROM plants"))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
            {
                plants[r.GetString(0)] = PlantConfigParser.Parse(r.GetString(1));
            }
        }

        var machines = new Dictionary<string, MachineOeeContext>(StringComparer.Ordinal);
        foreach (var plant in plants.Values)
        {
            var losses = LossClassifier.For(plant);
            foreach (var m in plant.Machines)
            {
                machines[m.Id] = new MachineOeeContext(m.Id, m.LineId, plant.PlantId, m.IdealCycle, plant.Calendar, losses) { Andon = plant.Andon };
            }
        }

        _machines = machines;
        _loadedAt = time.GetUtcNow();
    }
}
