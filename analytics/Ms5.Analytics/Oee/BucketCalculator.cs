using Ms5.Analytics.Events;
using Ms5.Analytics.Plant;

namespace Ms5.Analytics.Oee;

/// <summary>
/// Computes one machine's OEE components per event-time minute, exactly, from its raw events: the
/// reference ("from scratch") computation that streaming results are checked against and late data
/// is corrected with.
/// <list type="bullet">
/// <item>A state holds from its ts until the machine's next state event (half-open). Before the first
/// known state, and while a running machine is silent for longer than
/// <see cref="OeeSettings.OfflineAfterSilence"/>, the machine is offline (unplanned loss).</item>
/// <item>Time is split exactly at minute boundaries and at shift, break and holiday boundaries.</item>
/// <item>Planned busy time is calendar production time minus planned stops, plus any time the machine
/// runs outside it (overtime is production: otherwise its parts would push performance over 100 %).</item>
/// <item>A <c>to</c> inside a minute gives that minute as a partial bucket (time up to <c>to</c> only): the live view
/// of the current minute.</item>
/// <item>Counts go to the minute of their ts; cumulative counters become increments (reset-aware);
/// ideal seconds = ideal cycle time × produced parts. Duplicate event ids count once.</item>
/// <item>The ideal cycle time is the one of the product the machine runs: the product named by its latest
/// state event that names one (contract field <c>product</c>), else the machine's default, as it was configured at
/// the count's event time (<see cref="IdealCycle.History"/>: a change of ideal cycle time is not retroactive).</item>
/// <item>Rejects made while the machine runs in a start-up period (a <c>running</c> state whose reason is of
/// category <c>startup</c>) are also counted as start-up rejects.</item>
/// <item>Counts at the very instant of a state event belong to what came before it.</item>
/// </list>
/// </summary>
public static class BucketCalculator
{
    public static SortedDictionary<DateTimeOffset, OeeComponents> MinuteBuckets(
        IEnumerable<MachineEvent> events,
        IdealCycle idealCycle,
        ShiftCalendar calendar,
        LossClassifier losses,
        DateTimeOffset from,
        DateTimeOffset to)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(calendar);
        ArgumentNullException.ThrowIfNull(losses);
        ArgumentNullException.ThrowIfNull(idealCycle);
        if (from.Ticks % TimeSpan.TicksPerMinute != 0 || to < from)
        {
            throw new ArgumentException("from must be a whole minute and to must not be before from");
        }

        var ordered = InOrder(events);
        var buckets = new SortedDictionary<DateTimeOffset, OeeComponents>();
        for (var m = from; m < to; m = m.AddMinutes(1))
        {
            buckets[m] = default;
        }

        var timeline = calendar.Timeline(from, to);
        foreach (var span in StateSpans(ordered, losses.Settings.OfflineAfterSilence, from, to))
        {
            var category = losses.Classify(span.State, span.Reason, span.FullDuration);
            AddTime(buckets, timeline, span.Start, span.End, category);
            if (span.IsStart && category == LossCategory.Unplanned && span.Start < span.End && IsPlanned(timeline, span.Start))
            {
                var minute = Floor(span.Start);
                buckets[minute] = buckets[minute] with { FailureCount = buckets[minute].FailureCount + 1 };
            }
        }

        AddCounts(buckets, ordered, idealCycle, losses, from, to);
        return buckets;
    }

    /// <summary>
    /// The events without repeated ids (the first one seen kept), in (ts, id) order. A tail's slice comes in that order
    /// already (the engine's every batch): then the sort is skipped, and the result is the same, since the first one seen
    /// is then also the first in order.
    /// </summary>
    internal static List<MachineEvent> InOrder(IEnumerable<MachineEvent> events)
    {
        if (events is IReadOnlyList<MachineEvent> list && EventOrder.IsOrdered(list))
        {
            var seen = new HashSet<Guid>(list.Count);
            var result = new List<MachineEvent>(list.Count);
            foreach (var e in list)
            {
                if (seen.Add(e.EventId))
                {
                    result.Add(e);
                }
            }

            return result;
        }

        return events.DistinctBy(e => e.EventId).OrderBy(e => e.Ts).ThenBy(e => e.EventId).ToList();
    }

    /// <summary>
    /// One stretch of a single state, clipped to [from, to); FullDuration is the whole stop's length (null
    /// if still open at <c>to</c>); IsStart says the stop really begins at Start (a failure to count for MTBF).
    /// </summary>
    internal readonly record struct Span(DateTimeOffset Start, DateTimeOffset End, MachineState State, string? Reason, TimeSpan? FullDuration, bool IsStart = false);

    private static bool IsPlanned(IReadOnlyList<CalendarSegment> timeline, DateTimeOffset t) =>
        timeline.Any(s => s.Start <= t && t < s.End && s.Status == PlannedStatus.Production);

    internal static IEnumerable<Span> StateSpans(List<MachineEvent> ordered, TimeSpan silence, DateTimeOffset from, DateTimeOffset to)
    {
        var states = ordered.Where(e => e.Type == EventType.State).ToList();
        var activity = ordered.Select(e => e.Ts).ToList();

        // Before the first state event the machine's state is unknown: offline.
        var firstKnown = states.Count > 0 ? states[0].Ts : to;
        if (firstKnown > from)
        {
            yield return new Span(from, Min(firstKnown, to), MachineState.Offline, null, null);
        }

        for (var i = 0; i < states.Count; i++)
        {
            var s = states[i];
            DateTimeOffset? next = i + 1 < states.Count ? states[i + 1].Ts : null;
            var end = next ?? to;
            if (end <= from || s.Ts >= to)
            {
                continue;
            }

            var full = next is { } n ? n - s.Ts : (TimeSpan?)null;
            if (s.State != MachineState.Running)
            {
                yield return Clip(new Span(s.Ts, end, s.State ?? MachineState.Offline, s.Reason, full, IsStart: s.Ts >= from), from, to);
                continue;
            }

            // Running: any silence longer than the limit turns into offline from (last sign of life + limit).
            var cursor = s.Ts;
            var lastSeen = s.Ts;
            // activity is in ts order: the signs of life in (s.Ts, end) start after the last one at or before s.Ts.
            foreach (var t in Between(activity, s.Ts, end).Append(end))
            {
                if (t - lastSeen > silence)
                {
                    var offlineFrom = lastSeen + silence;
                    if (offlineFrom > cursor)
                    {
                        yield return Clip(new Span(cursor, offlineFrom, MachineState.Running, null, null), from, to);
                    }

                    yield return Clip(new Span(offlineFrom, t, MachineState.Offline, null, null, IsStart: offlineFrom >= from), from, to);
                    cursor = t;
                }

                lastSeen = t;
            }

            if (end > cursor)
            {
                yield return Clip(new Span(cursor, end, MachineState.Running, null, full), from, to);
            }
        }
    }

    /// <summary>The times of <paramref name="sorted"/> (ascending) in (after, before), as <c>Where(t => t > after &amp;&amp; t &lt; before)</c> would give them.</summary>
    private static IEnumerable<DateTimeOffset> Between(List<DateTimeOffset> sorted, DateTimeOffset after, DateTimeOffset before)
    {
        int lo = 0, hi = sorted.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (sorted[mid] <= after)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        for (var i = lo; i < sorted.Count && sorted[i] < before; i++)
        {
            yield return sorted[i];
        }
    }

    private static Span Clip(Span s, DateTimeOffset from, DateTimeOffset to) => s with { Start = Max(s.Start, from), End = Min(s.End, to) };

    private static void AddTime(SortedDictionary<DateTimeOffset, OeeComponents> buckets, IReadOnlyList<CalendarSegment> timeline, DateTimeOffset start, DateTimeOffset end, LossCategory category)
    {
        foreach (var seg in timeline)
        {
            var a = Max(start, seg.Start);
            var b = Min(end, seg.End);
            if (a >= b)
            {
                continue;
            }

            var planned = seg.Status == PlannedStatus.Production;
            for (var minute = Floor(a); minute < b; minute = minute.AddMinutes(1))
            {
                var pieceStart = Max(a, minute);
                var pieceEnd = Min(b, minute.AddMinutes(1));
                var seconds = (pieceEnd - pieceStart).TotalSeconds;
                if (seconds > 0)
                {
                    buckets[minute] = Add(buckets[minute], seconds, category, planned);
                }
            }
        }
    }

    internal static OeeComponents Add(OeeComponents c, double seconds, LossCategory category, bool calendarPlanned)
    {
        c = c with { CalendarSeconds = c.CalendarSeconds + seconds };
        if (category == LossCategory.PlannedStop || (!calendarPlanned && category != LossCategory.Run))
        {
            return c with { PlannedStopSeconds = c.PlannedStopSeconds + seconds };
        }

        c = c with { PlannedSeconds = c.PlannedSeconds + seconds };
        return category switch
        {
            LossCategory.Run => c with { RunSeconds = c.RunSeconds + seconds },
            LossCategory.MicroStop => c with { RunSeconds = c.RunSeconds + seconds, MicroStopSeconds = c.MicroStopSeconds + seconds },
            LossCategory.Setup => c with { SetupSeconds = c.SetupSeconds + seconds },
            _ => c with { UnplannedStopSeconds = c.UnplannedStopSeconds + seconds },
        };
    }

    private static void AddCounts(SortedDictionary<DateTimeOffset, OeeComponents> buckets, List<MachineEvent> ordered, IdealCycle ideal, LossClassifier losses, DateTimeOffset from, DateTimeOffset to)
    {
        var counters = new CounterTracker();
        string? product = null;
        var startup = false;
        var pending = new List<MachineEvent>();
        var lastTs = DateTimeOffset.MinValue;
        // The minute being counted is added to in a local and written back when the minute changes (the events are in
        // order, so each minute once): the same additions in the same order as one lookup and store per event.
        DateTimeOffset? current = null;
        var acc = default(OeeComponents);
        foreach (var e in ordered)
        {
            // State events take effect for counts after their instant: apply the ones seen before this ts.
            if (e.Ts > lastTs)
            {
                foreach (var s in pending)
                {
                    product = s.Product ?? product;
                    startup = losses.IsStartup(s.State ?? MachineState.Offline, s.Reason);
                }

                pending.Clear();
                lastTs = e.Ts;
            }

            long good, reject;
            switch (e.Type)
            {
                case EventType.State:
                    pending.Add(e);
                    continue;
                case EventType.Count:
                    (good, reject) = (e.Good!.Value, e.Reject!.Value);
                    break;
                case EventType.Counter:
                    // Counter events before `from` only set the baseline.
                    (good, reject) = counters.Next(e.MachineId, e.GoodTotal!.Value, e.RejectTotal!.Value);
                    break;
                default:
                    continue;
            }

            if (e.Ts < from || e.Ts >= to)
            {
                continue;
            }

            var minute = Floor(e.Ts);
            if (minute != current)
            {
                if (current is { } done)
                {
                    buckets[done] = acc;
                }

                acc = buckets[minute];
                current = minute;
            }

            acc = acc with
            {
                GoodCount = acc.GoodCount + good,
                RejectCount = acc.RejectCount + reject,
                StartupRejectCount = acc.StartupRejectCount + (startup ? reject : 0),
                IdealSeconds = acc.IdealSeconds + ((good + reject) * ideal.For(product, e.Ts).TotalSeconds),
            };
        }

        if (current is { } last)
        {
            buckets[last] = acc;
        }
    }

    public static DateTimeOffset Floor(DateTimeOffset t) => new(t.UtcTicks - (t.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero);

    /// <summary>The smallest whole minute at or after <paramref name="t"/>.</summary>
    public static DateTimeOffset Ceiling(DateTimeOffset t) => Floor(t) == t ? Floor(t) : Floor(t).AddMinutes(1);

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
