using Ms5.Analytics.Andon;
using Ms5.Analytics.Oee;

namespace Ms5.Analytics.Plant;

/// <summary>What the OEE engine needs to know about a machine: ideal cycle time, its plant's calendar, loss mapping and Andon rules.</summary>
public sealed record MachineOeeContext(string MachineId, string LineId, string PlantId, IdealCycle IdealCycle, ShiftCalendar Calendar, LossClassifier Losses)
{
    /// <summary>The plant's Andon rules and escalation timers.</summary>
    public AndonConfig Andon { get; init; } = AndonConfig.Default;

    /// <summary>The OEE the machine's line should reach (the line's <c>oeeTarget</c>, else the plant's <c>oee.target</c>).</summary>
    public double OeeTarget { get; init; } = OeeSettings.Default.Target;

    /// <summary>False for a machine taken out of service (<see cref="Machine.Active"/>): its events are still computed, but it leaves the live lists and accrues no silent time.</summary>
    public bool Active { get; init; } = true;

    /// <summary>Every machine of a plant file with the plant's calendar, losses and Andon rules.</summary>
    public static IEnumerable<MachineOeeContext> ForPlant(PlantConfig plant)
    {
        ArgumentNullException.ThrowIfNull(plant);
        var losses = LossClassifier.For(plant);
        var targets = plant.Lines.ToDictionary(l => l.Id, l => l.OeeTarget ?? plant.Oee.Target, StringComparer.Ordinal);
        return plant.Machines.Select(m => new MachineOeeContext(m.Id, m.LineId, plant.PlantId, m.IdealCycle, plant.Calendar, losses) { Andon = plant.Andon, OeeTarget = targets[m.LineId], Active = m.Active });
    }
}
