using Ms5.Analytics.Events;

namespace Ms5.Analytics.Reports;

/// <summary>
/// State events as the historian's <c>state_intervals</c> (HistorianWriter: one row per state event keyed by machine,
/// ts and event id, duplicates ignored; its end the start of the machine's next row in (start, event id) order, null
/// for the latest): for in-process uses such as the anomaly benchmark, which need the intervals
/// the report queries would read from PostgreSQL, without a database. Ties of ts are ordered by the id's bytes, as
/// PostgreSQL orders uuid. Not the OEE engine's view
/// (<see cref="Oee.BucketCalculator"/> also turns silence into offline time): the stored intervals do not.
/// </summary>
public static class StateIntervals
{
    /// <summary>The intervals of every machine in the events, per machine in start order (machines in ordinal order).</summary>
    public static IReadOnlyList<StateSpan> FromEvents(IEnumerable<MachineEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var result = new List<StateSpan>();
        var states = events
            .Where(e => e.Type == EventType.State && e.State is not null)
            .DistinctBy(e => (e.MachineId, e.Ts, e.EventId))
            .GroupBy(e => e.MachineId)
            .OrderBy(g => g.Key, StringComparer.Ordinal);
        foreach (var machine in states)
        {
            var ordered = machine.OrderBy(e => e.Ts).ThenBy(e => e.EventId.ToString("N"), StringComparer.Ordinal).ToList();
            for (var i = 0; i < ordered.Count; i++)
            {
                var e = ordered[i];
                result.Add(new StateSpan(e.MachineId, e.State!.Value, e.Reason, e.Ts, i + 1 < ordered.Count ? ordered[i + 1].Ts : null));
            }
        }

        return result;
    }
}
