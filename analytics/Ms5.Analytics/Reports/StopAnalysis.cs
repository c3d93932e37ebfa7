using Ms5.Analytics.Events;
using Ms5.Analytics.Oee;

namespace Ms5.Analytics.Reports;

/// <summary>A machine state held over [Start, End) as the historian stores it (End null while it holds).</summary>
public sealed record StateSpan(string MachineId, MachineState State, string? Reason, DateTimeOffset Start, DateTimeOffset? End);

/// <summary>
/// Stops and their Pareto, the one definition shared by <c>GET /api/downtime</c> and the reports: a stop is a
/// down, idle, offline or setup interval; its category comes from the plant's loss mapping judged on the whole
/// stop (a stop still going on is not a micro-stop yet); planned stops are left out; its seconds are the part
/// inside [from, min(to, now)).
/// </summary>
public static class StopAnalysis
{
    public static bool IsStopState(MachineState s) => s is MachineState.Down or MachineState.Idle or MachineState.Offline or MachineState.Setup;

    /// <summary>
    /// The loss category of an interval if it is a stop; null when it is not (running, planned stop, or a stop the
    /// plant books as planned). <paramref name="duration"/> is the whole interval's length, null while it goes on.
    /// The anomaly features use this too, so a stop means the same thing in <c>/api/downtime</c>, reports and flags.
    /// </summary>
    public static LossCategory? StopCategory(MachineState state, string? reason, TimeSpan? duration, LossClassifier losses)
    {
        ArgumentNullException.ThrowIfNull(losses);
        if (!IsStopState(state))
        {
            return null;
        }

        var category = losses.Classify(state, reason, duration);
        return category == LossCategory.PlannedStop ? null : category;
    }

    /// <summary>The name of a loss category in API answers and reports: unplanned, setup, micro_stop, planned_stop, run.</summary>
    public static string CategoryName(LossCategory c) => c switch
    {
        LossCategory.MicroStop => "micro_stop",
        LossCategory.PlannedStop => "planned_stop",
        _ => c.ToString().ToLowerInvariant(),
    };

    /// <summary>The stops among <paramref name="spans"/> overlapping [from, to), classified by <paramref name="classifierOf"/> (the machine's plant mapping; null: machine unknown, left out).</summary>
    public static IReadOnlyList<StopRow> Stops(
        IEnumerable<StateSpan> spans, Func<string, LossClassifier?> classifierOf, Func<string, string> nameOf,
        DateTimeOffset from, DateTimeOffset to, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(spans);
        ArgumentNullException.ThrowIfNull(classifierOf);
        ArgumentNullException.ThrowIfNull(nameOf);
        var end = to < now ? to : now;
        var stops = new List<StopRow>();
        foreach (var s in spans)
        {
            if (s.Start >= to || (s.End is { } e0 && e0 <= from) || classifierOf(s.MachineId) is not { } losses
                || StopCategory(s.State, s.Reason, s.End - s.Start, losses) is not { } category)
            {
                continue;
            }

            var a = s.Start > from ? s.Start : from;
            var b = s.End is { } e && e < end ? e : end;
            stops.Add(new StopRow(s.MachineId, nameOf(s.MachineId), s.State, s.Reason, CategoryName(category), s.Start, s.End, Math.Max(0, (b - a).TotalSeconds)));
        }

        return stops;
    }

    /// <summary>Stops grouped by reason (the state when none) and category, longest first, ties by reason.</summary>
    public static IReadOnlyList<ParetoRow> Pareto(IReadOnlyList<StopRow> stops)
    {
        ArgumentNullException.ThrowIfNull(stops);
        var total = stops.Sum(s => s.Seconds);
        return stops.GroupBy(s => (Reason: s.ReasonOrState, s.Category))
            .Select(g => new ParetoRow(g.Key.Reason, g.Key.Category, g.Count(), g.Sum(s => s.Seconds), total > 0 ? g.Sum(s => s.Seconds) / total : 0))
            .OrderByDescending(p => p.Seconds).ThenBy(p => p.Reason, StringComparer.Ordinal).ThenBy(p => p.Category, StringComparer.Ordinal)
            .ToList();
    }
}
