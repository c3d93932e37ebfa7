namespace Ms5.Analytics.Events;

/// <summary>
/// The order a machine's events are kept and computed in everywhere (the engine's tails and chunks, the calculator, the
/// Andon rules): by ts, ties by event id.
/// </summary>
public static class EventOrder
{
    public static int Compare(MachineEvent a, MachineEvent b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var c = a.Ts.CompareTo(b.Ts);
        return c != 0 ? c : a.EventId.CompareTo(b.EventId);
    }

    public static readonly IComparer<MachineEvent> Comparer = Comparer<MachineEvent>.Create(Compare);

    /// <summary>Whether <paramref name="events"/> are in this order (equal neighbours allowed).</summary>
    public static bool IsOrdered(IReadOnlyList<MachineEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        for (var i = 1; i < events.Count; i++)
        {
            if (Compare(events[i - 1], events[i]) > 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Sorts in place, unless the events are in order already (a batch's events of a machine mostly are): one pass instead of a sort.</summary>
    public static void Sort(List<MachineEvent> events)
    {
        if (!IsOrdered(events))
        {
            events.Sort(Compare);
        }
    }
}
