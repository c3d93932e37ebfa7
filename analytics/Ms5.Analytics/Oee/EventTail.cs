using Ms5.Analytics.Events;

namespace Ms5.Analytics.Oee;

/// <summary>
/// One machine's recent events in memory, sorted by (ts, event id): every event from
/// <see cref="CompleteFrom"/> on, plus the context before it that OEE needs (the last state event,
/// counter reading, product-naming state event and event of any kind before <see cref="CompleteFrom"/>).
/// It answers the two questions the OEE engine otherwise asks its store for every batch: which span new
/// events can change (<see cref="Affected"/>), and the events to recompute a range from (<see cref="Slice"/>),
/// with exactly the same answers.
/// </summary>
public sealed class EventTail
{
    private readonly List<MachineEvent> _events;

    /// <param name="loaded">Every event from <paramref name="completeFrom"/> on and (at least) the context before it, in any order, duplicates allowed.</param>
    /// <param name="completeFrom">From where <paramref name="loaded"/> holds every event.</param>
    public EventTail(IEnumerable<MachineEvent> loaded, DateTimeOffset completeFrom)
    {
        ArgumentNullException.ThrowIfNull(loaded);
        _events = loaded.DistinctBy(e => (e.Ts, e.EventId)).ToList();
        EventOrder.Sort(_events);
        CompleteFrom = completeFrom;
    }

    public DateTimeOffset CompleteFrom { get; private set; }

    public int Count => _events.Count;

    /// <summary>The newest event's ts (null when empty).</summary>
    public DateTimeOffset? Newest => _events.Count > 0 ? _events[^1].Ts : null;

    /// <summary>Adds events not stored before (none earlier than <see cref="CompleteFrom"/>).</summary>
    public void Add(IEnumerable<MachineEvent> fresh)
    {
        ArgumentNullException.ThrowIfNull(fresh);
        List<MachineEvent> sorted = [.. fresh];
        EventOrder.Sort(sorted);
        foreach (var e in sorted)
        {
            if (e.Ts < CompleteFrom)
            {
                throw new ArgumentException($"event at {e.Ts:O} is before the tail's complete range ({CompleteFrom:O})", nameof(fresh));
            }

            // New events are nearly always the newest: append, else insert in place.
            if (_events.Count == 0 || EventOrder.Compare(_events[^1], e) <= 0)
            {
                _events.Add(e);
            }
            else
            {
                var i = _events.BinarySearch(e, EventOrder.Comparer);
                _events.Insert(i < 0 ? ~i : i, e);
            }
        }
    }

    /// <summary>
    /// Whether the tail holds an event with this id and ts, timestamps compared to the microsecond as PostgreSQL keeps
    /// them (a copy read back from the store has lost the 100 ns digits an event may carry): for a ts at or after
    /// <see cref="CompleteFrom"/> this says whether the event is stored already (the tail holds every stored event from there on).
    /// </summary>
    public bool Contains(DateTimeOffset ts, Guid eventId)
    {
        var us = ToMicroseconds(ts);
        var next = us.AddTicks(10);
        for (var i = LowerBound(us); i < _events.Count && _events[i].Ts < next; i++)
        {
            if (_events[i].EventId == eventId)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Those of <paramref name="ordered"/> (in (ts, id) order) the tail does not hold (<see cref="Contains"/>), in that order.
    /// An event after the tail's newest one (to the microsecond) cannot be held, so only the events up to it are looked up
    /// (a batch's events are nearly always all after it: then the list itself is the answer).
    /// </summary>
    public List<MachineEvent> NotHeld(List<MachineEvent> ordered)
    {
        ArgumentNullException.ThrowIfNull(ordered);
        var held = 0;
        if (Newest is { } newest)
        {
            while (held < ordered.Count && ToMicroseconds(ordered[held].Ts) <= newest)
            {
                held++;
            }
        }

        if (held == 0)
        {
            return ordered;
        }

        var result = new List<MachineEvent>(ordered.Count);
        for (var i = 0; i < ordered.Count; i++)
        {
            if (i >= held || !Contains(ordered[i].Ts, ordered[i].EventId))
            {
                result.Add(ordered[i]);
            }
        }

        return result;
    }

    /// <summary>
    /// <paramref name="events"/> without copies (same event id, ts to the microsecond: the first in the list's order is
    /// kept), in (ts, id) order. A list in strictly increasing (ts, id) order without a repeated id among the events of
    /// one microsecond is that already and comes back as it is: in that order the events of one microsecond are
    /// neighbours, so a copy would sit in their run.
    /// </summary>
    public static List<MachineEvent> WithoutCopies(List<MachineEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (StrictlyOrderedWithoutCopies(events))
        {
            return events;
        }

        var keys = new HashSet<(DateTimeOffset, Guid)>(events.Count);
        var unique = events.FindAll(e => keys.Add((ToMicroseconds(e.Ts), e.EventId)));
        EventOrder.Sort(unique);
        return unique;
    }

    private static bool StrictlyOrderedWithoutCopies(List<MachineEvent> events)
    {
        var run = 0;
        for (var i = 1; i < events.Count; i++)
        {
            if (EventOrder.Compare(events[i - 1], events[i]) >= 0)
            {
                return false;
            }

            if (ToMicroseconds(events[i].Ts) != ToMicroseconds(events[i - 1].Ts))
            {
                run = i;
                continue;
            }

            // A long run of one microsecond: the set is cheaper than comparing each id with the run's.
            if (i - run > 16)
            {
                return false;
            }

            for (var j = run; j < i; j++)
            {
                if (events[j].EventId == events[i].EventId)
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>A timestamp truncated to the microsecond (what PostgreSQL's timestamptz keeps), in UTC.</summary>
    public static DateTimeOffset ToMicroseconds(DateTimeOffset ts) => new(ts.UtcTicks - (ts.UtcTicks % 10), TimeSpan.Zero);

    /// <summary>
    /// The span events stored at [earliest, latest] can change: from the machine's previous sign of life before
    /// <paramref name="earliest"/> (silence while running) or, when a new state event ends a stop, from that
    /// stop's start (its length decides micro-stop or not) — whichever is earlier; to the first state event after
    /// <paramref name="latest"/> (the first one naming a product when <paramref name="namesProduct"/>), or null
    /// when there is none; and the newest event's ts. Counts during a stop do not end it, so a machine that is
    /// down and still reports counters does not recompute its whole stop every batch.
    /// <paramref name="earliest"/> must not be before <see cref="CompleteFrom"/>.
    /// </summary>
    public AffectedSpan Affected(DateTimeOffset earliest, DateTimeOffset? earliestState, DateTimeOffset latest, bool namesProduct)
    {
        if (earliest < CompleteFrom || _events.Count == 0)
        {
            throw new InvalidOperationException("the tail does not hold what comes before these events");
        }

        var before = LowerBound(earliest);
        var from = before > 0 ? _events[before - 1].Ts : earliest;
        if (earliestState is { } es)
        {
            for (var i = LowerBound(es) - 1; i >= 0; i--)
            {
                if (_events[i].Type == EventType.State)
                {
                    if (_events[i].State is MachineState.Down or MachineState.Idle && _events[i].Ts < from)
                    {
                        from = _events[i].Ts;
                    }

                    break;
                }
            }
        }

        DateTimeOffset? next = null;
        for (var i = UpperBound(latest); i < _events.Count; i++)
        {
            var e = _events[i];
            if (namesProduct ? e.Product is not null : e.Type == EventType.State)
            {
                next = e.Ts;
                break;
            }
        }

        return new AffectedSpan(from, next, _events[^1].Ts);
    }

    /// <summary>
    /// The events a recomputation of [from, to) needs: those in it, the context before it, and the first state
    /// event at or after <paramref name="to"/> (it ends a stop still open at <c>to</c>).
    /// </summary>
    public List<MachineEvent> Slice(DateTimeOffset from, DateTimeOffset to)
    {
        if (from < CompleteFrom)
        {
            throw new InvalidOperationException($"the tail holds every event from {CompleteFrom:O} only, not from {from:O}");
        }

        var start = LowerBound(from);
        var result = new List<MachineEvent>(Math.Max(4, _events.Count - start + 4));
        AddContext(start, result);
        var i = start;
        for (; i < _events.Count && _events[i].Ts < to; i++)
        {
            result.Add(_events[i]);
        }

        // The state event that ends a stop still open at `to`: its length decides micro-stop or not.
        for (; i < _events.Count; i++)
        {
            if (_events[i].Type == EventType.State)
            {
                result.Add(_events[i]);
                break;
            }
        }

        return result;
    }

    /// <summary>Forgets the events before <paramref name="before"/> except the context OEE needs.</summary>
    public void Trim(DateTimeOffset before)
    {
        if (before <= CompleteFrom)
        {
            return;
        }

        var start = LowerBound(before);
        var context = new List<MachineEvent>(8);
        AddContext(start, context);
        _events.RemoveRange(0, start);
        _events.InsertRange(0, context);
        CompleteFrom = before;
    }

    /// <summary>How many events lie before <paramref name="t"/> (context included).</summary>
    public int CountBefore(DateTimeOffset t) => LowerBound(t);

    /// <summary>
    /// The context before index <paramref name="end"/>: the last event of any kind, counter reading and
    /// product-naming state event; the last state event with every state event before it back to the previous
    /// change between running and not running (so that a stop's or a run's start is known, for Andon rules);
    /// and the last event that showed parts (a count with parts, a counter reading that moved).
    /// </summary>
    private void AddContext(int end, List<MachineEvent> into)
    {
        var take = new SortedSet<int>();
        if (end > 0)
        {
            take.Add(end - 1);
        }

        int lastState = -1, lastCounter = -1, lastProduct = -1, lastParts = -1;
        for (var i = end - 1; i >= 0 && (lastState < 0 || lastCounter < 0 || lastProduct < 0 || lastParts < 0); i--)
        {
            var e = _events[i];
            if (lastState < 0 && e.Type == EventType.State)
            {
                lastState = i;
            }

            if (lastCounter < 0 && e.Type == EventType.Counter)
            {
                lastCounter = i;
            }

            if (lastProduct < 0 && e.Product is not null)
            {
                lastProduct = i;
            }

            if (lastParts < 0 && ShowsParts(i))
            {
                lastParts = i;
            }
        }

        foreach (var i in new[] { lastCounter, lastProduct, lastParts })
        {
            if (i >= 0)
            {
                take.Add(i);
            }
        }

        if (lastState >= 0)
        {
            var running = _events[lastState].State == MachineState.Running;
            for (var i = lastState; i >= 0; i--)
            {
                if (_events[i].Type != EventType.State)
                {
                    continue;
                }

                take.Add(i);
                if ((_events[i].State == MachineState.Running) != running)
                {
                    break;
                }
            }
        }

        foreach (var i in take)
        {
            into.Add(_events[i]);
        }
    }

    /// <summary>Whether the event at <paramref name="i"/> reports parts; a counter reading with no earlier one to compare is taken to.</summary>
    private bool ShowsParts(int i)
    {
        var e = _events[i];
        if (e.Type == EventType.Count)
        {
            return e.Good + e.Reject > 0;
        }

        if (e.Type != EventType.Counter)
        {
            return false;
        }

        for (var j = i - 1; j >= 0; j--)
        {
            if (_events[j].Type == EventType.Counter)
            {
                return _events[j].GoodTotal != e.GoodTotal || _events[j].RejectTotal != e.RejectTotal;
            }
        }

        return true;
    }

    /// <summary>The first index whose ts is at or after <paramref name="t"/>.</summary>
    private int LowerBound(DateTimeOffset t) => Bound(t, inclusive: false);

    /// <summary>The first index whose ts is after <paramref name="t"/>.</summary>
    private int UpperBound(DateTimeOffset t) => Bound(t, inclusive: true);

    private int Bound(DateTimeOffset t, bool inclusive)
    {
        int lo = 0, hi = _events.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            var c = _events[mid].Ts.CompareTo(t);
            if (c < 0 || (inclusive && c == 0))
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}
