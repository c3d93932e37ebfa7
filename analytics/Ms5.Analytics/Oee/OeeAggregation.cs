namespace Ms5.Analytics.Oee;

/// <summary>Where a machine sits: its line and its plant.</summary>
public readonly record struct MachinePlace(string MachineId, string LineId, string PlantId);

/// <summary>One rolling window's summed components: last 15 minutes, last hour, or the current shift.</summary>
public sealed record LiveWindow(string Window, DateTimeOffset From, DateTimeOffset To, OeeComponents Components);

/// <summary>The rolling windows of one machine, line or plant (<see cref="Scope"/> is one of the <see cref="OeeAggregation"/> scope names).</summary>
public sealed record LiveScope(string Scope, string Id, IReadOnlyList<LiveWindow> Windows);

/// <summary>A window and each machine's summed components in it; a machine without buckets there is absent.</summary>
public sealed record WindowSums(WindowBounds Bounds, IReadOnlyDictionary<string, OeeComponents> ByMachine);

/// <summary>
/// Machine, line and plant figures from machine components. A line or plant is the sum of its machines' additive
/// components, so its availability is Σrun / Σplanned over its machines (and likewise every KPI): a machine with
/// more planned time weighs more, as it should, and no ratio is ever averaged.
/// </summary>
public static class OeeAggregation
{
    public const string MachineScope = "machine";
    public const string LineScope = "line";
    public const string PlantScope = "plant";

    /// <summary>The sum of these machines' components; a machine missing from <paramref name="byMachine"/> adds nothing.</summary>
    public static OeeComponents Sum(IEnumerable<string> machineIds, IReadOnlyDictionary<string, OeeComponents> byMachine)
    {
        ArgumentNullException.ThrowIfNull(machineIds);
        ArgumentNullException.ThrowIfNull(byMachine);
        return OeeComponents.Sum(machineIds.Select(id => byMachine.GetValueOrDefault(id)));
    }

    /// <summary>
    /// Every machine, then every line, then every plant (each ordered by id) with its <paramref name="windows"/>, plus
    /// its plant's current shift from <paramref name="shiftByPlant"/> (absent between shifts, and for a group that
    /// spans plants: their shifts differ).
    /// </summary>
    public static IReadOnlyList<LiveScope> Rolling(IReadOnlyCollection<MachinePlace> machines, IReadOnlyList<WindowSums> windows, IReadOnlyDictionary<string, WindowSums> shiftByPlant)
    {
        ArgumentNullException.ThrowIfNull(machines);
        ArgumentNullException.ThrowIfNull(windows);
        ArgumentNullException.ThrowIfNull(shiftByPlant);

        IReadOnlyList<LiveWindow> Windows(IReadOnlyCollection<MachinePlace> members)
        {
            var ids = members.Select(m => m.MachineId).ToList();
            var list = windows.Select(w => Window(w, ids)).ToList();
            var plants = members.Select(m => m.PlantId).Distinct().ToList();
            if (plants.Count == 1 && shiftByPlant.TryGetValue(plants[0], out var shift))
            {
                list.Add(Window(shift, ids));
            }

            return list;
        }

        var scopes = new List<LiveScope>();
        scopes.AddRange(machines.OrderBy(m => m.MachineId, StringComparer.Ordinal).Select(m => new LiveScope(MachineScope, m.MachineId, Windows([m]))));
        scopes.AddRange(machines.GroupBy(m => m.LineId, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => new LiveScope(LineScope, g.Key, Windows(g.ToList()))));
        scopes.AddRange(machines.GroupBy(m => m.PlantId, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => new LiveScope(PlantScope, g.Key, Windows(g.ToList()))));
        return scopes;
    }

    private static LiveWindow Window(WindowSums w, IEnumerable<string> machineIds) =>
        new(w.Bounds.Name, w.Bounds.From, w.Bounds.To, Sum(machineIds, w.ByMachine));
}
