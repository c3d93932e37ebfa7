using Ms5.Analytics.Events;
using Ms5.Analytics.Plant;

namespace Ms5.Analytics.Oee;

/// <summary>
/// Maps a machine state (and its reason code's category from the plant configuration) to a loss.
/// running → Run; planned_stop → PlannedStop; setup → Setup; down / idle / offline → by the reason's
/// category (planned → PlannedStop, setup → Setup, micro_stop → MicroStop, anything else or no
/// reason → Unplanned). A down or idle stop shorter than the micro-stop threshold is a micro-stop.
/// </summary>
public sealed class LossClassifier(IReadOnlyDictionary<string, ReasonCategory> reasons, OeeSettings settings)
{
    public OeeSettings Settings => settings;

    public static LossClassifier For(PlantConfig plant, OeeSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(plant);
        return new LossClassifier(plant.ReasonCodes.ToDictionary(r => r.Code, r => r.Category, StringComparer.Ordinal), settings ?? plant.Oee);
    }

    /// <param name="state">The machine state of the interval.</param>
    /// <param name="reason">Its reason code, if any.</param>
    /// <param name="duration">The whole stop's length (not a bucket's share of it); null while it is still going on.</param>
    public LossCategory Classify(MachineState state, string? reason, TimeSpan? duration)
    {
        var category = state switch
        {
            MachineState.Running => LossCategory.Run,
            MachineState.PlannedStop => LossCategory.PlannedStop,
            MachineState.Setup => LossCategory.Setup,
            _ => ByReason(reason),
        };

        if (category == LossCategory.Unplanned && state is MachineState.Down or MachineState.Idle
            && duration is { } d && d < settings.MicroStopThreshold)
        {
            category = LossCategory.MicroStop;
        }

        if (category == LossCategory.Setup && !settings.SetupCountsAgainstAvailability)
        {
            category = LossCategory.PlannedStop;
        }

        return category;
    }

    /// <summary>Whether a state marks a start-up period: running with a reason of category <c>startup</c>.</summary>
    public bool IsStartup(MachineState state, string? reason) =>
        state == MachineState.Running && reason is not null && reasons.TryGetValue(reason, out var c) && c == ReasonCategory.Startup;

    private LossCategory ByReason(string? reason) =>
        reason is not null && reasons.TryGetValue(reason, out var c)
            ? c switch
            {
                ReasonCategory.Planned => LossCategory.PlannedStop,
                ReasonCategory.Setup => LossCategory.Setup,
                ReasonCategory.MicroStop => LossCategory.MicroStop,
                _ => LossCategory.Unplanned,
            }
            : LossCategory.Unplanned;
}
