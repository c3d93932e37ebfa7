using Ms5.Analytics.Oee;
using Ms5.Analytics.Plant;

namespace Ms5.Postgres;

/// <summary>One rolling window's summed components: last 15 minutes, last hour, or the current shift.</summary>
public sealed record LiveWindow(string Window, DateTimeOffset From, DateTimeOffset To, OeeComponents Components);

/// <summary>The rolling windows of one machine, line or plant.</summary>
public sealed record LiveScope(string Scope, string Id, IReadOnlyList<LiveWindow> Windows);

/// <summary>
/// Rolling OEE per machine, line and plant at a moment <c>now</c> (<see cref="RollingWindows"/>: last 15
/// minutes, last hour, and the current shift of the machine's plant, absent between shifts), as sums of
/// the stored minute buckets; the current minute counts as far as it has been computed.
/// </summary>
public sealed class LiveOee(OeeQueries queries, PlantDirectory plants)
{
    public async Task<IReadOnlyList<LiveScope>> ComputeAsync(DateTimeOffset now, CancellationToken ct = default)
    {
        // Plants may be reloaded at any time (./ms5 up --plant, PUT calendar): use a recent configuration.
        await plants.RefreshAsync(PlantDirectory.FreshEnough, ct);

        var machines = plants.All.ToList();
        var to = BucketCalculator.Ceiling(now);
        var bounds = RollingWindows.At(now, null);
        var sums = new Dictionary<string, Dictionary<string, OeeComponents>>(StringComparer.Ordinal);
        foreach (var b in bounds)
        {
            sums[b.Name] = await queries.ByMachineAsync(b.From, to, ct);
        }

        var shiftSums = new Dictionary<string, (DateTimeOffset Start, Dictionary<string, OeeComponents> Sums)>(StringComparer.Ordinal);
        foreach (var plant in machines.GroupBy(m => m.PlantId))
        {
            if (plant.First().Calendar.At(now) is { } shift && shift.Start < now)
            {
                shiftSums[plant.Key] = (shift.Start, await queries.ByMachineAsync(shift.Start, to, ct));
            }
        }

        IReadOnlyList<LiveWindow> Windows(IEnumerable<MachineOeeContext> members)
        {
            var list = members.ToList();
            var windows = bounds.Select(b => new LiveWindow(b.Name, b.From, now, OeeComponents.Sum(list.Select(m => sums[b.Name].GetValueOrDefault(m.MachineId))))).ToList();
            var plantIds = list.Select(m => m.PlantId).Distinct().ToList();
            if (plantIds.Count == 1 && shiftSums.TryGetValue(plantIds[0], out var s))
            {
                windows.Add(new LiveWindow("shift", s.Start, now, OeeComponents.Sum(list.Select(m => s.Sums.GetValueOrDefault(m.MachineId)))));
            }

            return windows;
        }

        var scopes = new List<LiveScope>();
        scopes.AddRange(machines.OrderBy(m => m.MachineId, StringComparer.Ordinal).Select(m => new LiveScope("machine", m.MachineId, Windows([m]))));
        scopes.AddRange(machines.GroupBy(m => m.LineId).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => new LiveScope("line", g.Key, Windows(g))));
        scopes.AddRange(machines.GroupBy(m => m.PlantId).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => new LiveScope("plant", g.Key, Windows(g))));
        return scopes;
    }
}
