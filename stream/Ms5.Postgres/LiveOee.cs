using Ms5.Analytics.Oee;
using Ms5.Analytics.Plant;

namespace Ms5.Postgres;

/// <summary>
/// Rolling OEE per machine, line and plant at a moment <c>now</c> (<see cref="RollingWindows"/>: last 15
/// minutes, last hour, and the current shift of the machine's plant, absent between shifts): reads each
/// machine's summed minute buckets and leaves the grouping to <see cref="OeeAggregation"/>; the current
/// minute counts as far as it has been computed.
/// </summary>
public sealed class LiveOee(OeeQueries queries, PlantDirectory plants)
{
    /// <summary>How long API callers share one computation (<see cref="ComputeSharedAsync"/>).</summary>
    public static readonly TimeSpan ShareFor = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private (DateTimeOffset Now, int PlantsVersion, Task<IReadOnlyList<LiveScope>> Result)? _shared;

    /// <summary>
    /// <see cref="ComputeAsync"/> shared by callers within <see cref="ShareFor"/> of one another (the API's readers: one
    /// computation reads every machine's minutes of up to a shift, so a board wall or a dashboard refreshing at once costs
    /// one, not one each); a reloaded plant configuration starts a new one at once, and a failed one is not shared.
    /// </summary>
    public async Task<IReadOnlyList<LiveScope>> ComputeSharedAsync(DateTimeOffset now, CancellationToken ct = default)
    {
        await plants.RefreshAsync(PlantDirectory.FreshEnough, ct);
        Task<IReadOnlyList<LiveScope>> task;
        lock (_gate)
        {
            if (_shared is { } s && s.PlantsVersion == plants.Version && now >= s.Now && now - s.Now < ShareFor && !s.Result.IsFaulted && !s.Result.IsCanceled)
            {
                task = s.Result;
            }
            else
            {
                // Not the caller's token: other callers wait for the same computation.
                task = ComputeAsync(now, CancellationToken.None);
                _shared = (now, plants.Version, task);
            }
        }

        return await task.WaitAsync(ct);
    }

    public async Task<IReadOnlyList<LiveScope>> ComputeAsync(DateTimeOffset now, CancellationToken ct = default)
    {
        // Plants may be reloaded at any time (./ms5 up --plant, PUT calendar): use a recent configuration.
        await plants.RefreshAsync(PlantDirectory.FreshEnough, ct);

        // Machines taken out of service ("active": false) keep their history but leave the live lists.
        var machines = plants.All.Where(m => m.Active).ToList();
        var to = BucketCalculator.Ceiling(now);
        var windows = new List<WindowSums>();
        foreach (var b in RollingWindows.At(now, null))
        {
            windows.Add(new WindowSums(b, await queries.ByMachineAsync(b.From, to, ct)));
        }

        var shifts = new Dictionary<string, WindowSums>(StringComparer.Ordinal);
        foreach (var plant in machines.GroupBy(m => m.PlantId))
        {
            if (plant.First().Calendar.At(now) is { } shift && shift.Start < now)
            {
                shifts[plant.Key] = new WindowSums(RollingWindows.Shift(shift.Start, now), await queries.ByMachineAsync(shift.Start, to, ct));
            }
        }

        return OeeAggregation.Rolling(machines.Select(m => new MachinePlace(m.MachineId, m.LineId, m.PlantId)).ToList(), windows, shifts);
    }
}
