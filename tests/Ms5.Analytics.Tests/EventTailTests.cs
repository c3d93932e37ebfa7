using Ms5.Analytics.Events;
using Ms5.Analytics.Oee;
using Ms5.Analytics.Plant;

namespace Ms5.Analytics.Tests;

/// <summary>The engine's in-memory tail must answer exactly as its store's queries and a full recomputation do.</summary>
public sealed class EventTailTests
{
    private static readonly DateTimeOffset T = new(2026, 11, 26, 6, 0, 0, TimeSpan.Zero);

    private static readonly PlantConfig Plant = PlantConfigParser.Parse("""
        { "plantId": "p", "timeZone": "UTC",
          "reasonCodes": [ { "code": "jam", "category": "unplanned" }, { "code": "warmup", "category": "startup" } ],
          "shifts": [ { "name": "day", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "06:00", "end": "18:00",
                        "breaks": [ { "start": "06:20", "end": "06:25" } ] } ],
          "lines": [ { "id": "l1", "machines": [ { "id": "m1", "idealCycleSeconds": 1.0, "products": { "A": 2.0, "B": 0.5 } } ] } ] }
        """);

    private static readonly Machine M1 = Plant.Machines.Single();
    private static readonly LossClassifier Losses = LossClassifier.For(Plant);

    /// <summary>A random hour of one machine: states (some naming products), counts and counter readings, some sharing a ts.</summary>
    private static List<MachineEvent> RandomHour(Random rng)
    {
        var events = new List<MachineEvent>();
        var states = new[] { MachineState.Running, MachineState.Down, MachineState.Idle, MachineState.Setup, MachineState.Running };
        long total = 0;
        for (var i = 0; i < 400; i++)
        {
            var ts = T.AddSeconds(rng.Next(0, 3600) / 2 * 2);
            var id = Guid.NewGuid();
            switch (rng.Next(10))
            {
                case 0:
                    events.Add(MachineEvent.StateChange(id, "m1", ts, states[rng.Next(states.Length)], rng.Next(3) == 0 ? "warmup" : null, rng.Next(3) == 0 ? (rng.Next(2) == 0 ? "A" : "B") : null));
                    break;
                case 1:
                    total += rng.Next(-3, 20);
                    events.Add(MachineEvent.Counters(id, "m1", ts, Math.Max(0, total), rng.Next(5)));
                    break;
                default:
                    events.Add(MachineEvent.Counts(id, "m1", ts, rng.Next(5), rng.Next(2)));
                    break;
            }
        }

        return events;
    }

    /// <summary>What the store loads: events in [from, ∞) and the context before from.</summary>
    private static List<MachineEvent> StoreLoad(List<MachineEvent> all, DateTimeOffset from)
    {
        var before = all.Where(e => e.Ts < from).OrderBy(e => e.Ts).ToList();
        var context = new[]
        {
            before.LastOrDefault(e => e.Type == EventType.State), before.LastOrDefault(e => e.Type == EventType.Counter),
            before.LastOrDefault(e => e.Product is not null), before.LastOrDefault(),
        };
        return [.. all.Where(e => e.Ts >= from), .. context.OfType<MachineEvent>()];
    }

    /// <summary>The store's affected-span query, written out naively.</summary>
    private static (DateTimeOffset, DateTimeOffset?, DateTimeOffset) StoreAffected(List<MachineEvent> all, DateTimeOffset t, DateTimeOffset? es, DateTimeOffset l, bool product)
    {
        var from = all.Where(e => e.Ts < t).Select(e => (DateTimeOffset?)e.Ts).Max() ?? t;
        if (es is { } s)
        {
            // Among state events sharing a ts, the one in force is the last in (ts, event id) order, as in BucketCalculator.
            var lastState = all.Where(e => e.Ts < s && e.Type == EventType.State).OrderBy(e => e.Ts).ThenBy(e => e.EventId).LastOrDefault();
            if (lastState?.State is MachineState.Down or MachineState.Idle && lastState.Ts < from)
            {
                from = lastState.Ts;
            }
        }

        var next = all.Where(e => e.Ts > l && (product ? e.Product is not null : e.Type == EventType.State)).Select(e => (DateTimeOffset?)e.Ts).Min();
        return (from, next, all.Max(e => e.Ts));
    }

    [Fact]
    public void Slice_RecomputesExactlyAsAllEventsDo_BeforeAndAfterTrimming()
    {
        for (var seed = 0; seed < 40; seed++)
        {
            var rng = new Random(seed);
            var all = RandomHour(rng);
            var completeFrom = T.AddMinutes(rng.Next(0, 30));
            var tail = new EventTail(StoreLoad(all, completeFrom), completeFrom);
            for (var k = 0; k < 5; k++)
            {
                var from = BucketCalculator.Floor(completeFrom.AddSeconds(rng.Next(0, 1800)));
                var to = from.AddMinutes(rng.Next(1, 20)).AddSeconds(rng.Next(0, 2) * 17);
                var expected = BucketCalculator.MinuteBuckets(all, M1.IdealCycle, Plant.Calendar, Losses, from, to);
                var actual = BucketCalculator.MinuteBuckets(tail.Slice(from, to), M1.IdealCycle, Plant.Calendar, Losses, from, to);
                foreach (var (minute, c) in expected)
                {
                    Assert.True(c == actual[minute], $"seed {seed} range {from:HH:mm:ss}-{to:HH:mm:ss} completeFrom {completeFrom:HH:mm:ss}: {minute:HH:mm} expected {c}, got {actual[minute]}");
                }
            }

            var trimTo = completeFrom.AddMinutes(rng.Next(1, 20));
            var before = tail.CountBefore(trimTo);
            tail.Trim(trimTo);
            Assert.Equal(trimTo, tail.CompleteFrom);
            Assert.True(tail.CountBefore(trimTo) <= before);
            var f = BucketCalculator.Floor(trimTo.AddMinutes(1));
            Assert.Equal(
                BucketCalculator.MinuteBuckets(all, M1.IdealCycle, Plant.Calendar, Losses, f, f.AddMinutes(15)),
                BucketCalculator.MinuteBuckets(tail.Slice(f, f.AddMinutes(15)), M1.IdealCycle, Plant.Calendar, Losses, f, f.AddMinutes(15)));
        }
    }

    [Fact]
    public void Slice_HoldsWhatAndonRulesNeed_TheSameEpisodesAsAllEvents()
    {
        var rules = Ms5.Analytics.Andon.AndonConfig.Default.Rules.Select(r => r with { Threshold = TimeSpan.FromSeconds(30) }).ToList();
        for (var seed = 200; seed < 260; seed++)
        {
            var rng = new Random(seed);
            var all = RandomHour(rng);
            var completeFrom = T.AddMinutes(rng.Next(0, 30));
            var tail = new EventTail(StoreLoad(all, completeFrom), completeFrom);
            tail.Trim(completeFrom.AddMinutes(rng.Next(0, 10)));
            var from = BucketCalculator.Floor(tail.CompleteFrom.AddSeconds(rng.Next(0, 600)));
            var to = from.AddMinutes(rng.Next(1, 10));

            static List<Ms5.Analytics.Andon.AndonEpisode> Overlapping(List<Ms5.Analytics.Andon.AndonEpisode> e, DateTimeOffset from) =>
                [.. e.Where(x => x.ClearedAt is null || x.ClearedAt > from).OrderBy(x => x.Id)];

            var expected = Ms5.Analytics.Andon.AndonEvaluator.FromEvents(all, "m1", "l1", rules, to).Raised;
            var actual = Ms5.Analytics.Andon.AndonEvaluator.FromEvents(tail.Slice(from, to), "m1", "l1", rules, to).Raised;
            Assert.Equal(Overlapping(expected, from).Select(e => (e.RuleId, e.Since)), Overlapping(actual, from).Where(e => e.RaisedAt <= to).Select(e => (e.RuleId, e.Since)));
        }
    }

    [Fact]
    public void AddAndAffected_AnswerAsTheStoreDoes()
    {
        for (var seed = 100; seed < 160; seed++)
        {
            var rng = new Random(seed);
            var all = RandomHour(rng);
            var completeFrom = T.AddMinutes(rng.Next(0, 30));
            var old = all.Where(e => e.Ts < completeFrom || rng.Next(4) != 0).ToList();
            var fresh = all.Except(old).ToList();
            var tail = new EventTail(StoreLoad(old, completeFrom), completeFrom);

            tail.Add(fresh);

            if (fresh.Count == 0)
            {
                continue;
            }

            var (t, l) = (fresh.Min(e => e.Ts), fresh.Max(e => e.Ts));
            var es = fresh.Where(e => e.Type == EventType.State).Select(e => (DateTimeOffset?)e.Ts).Min();
            var product = fresh.Any(e => e.Product is not null);
            var affected = tail.Affected(t, es, l, product);
            Assert.Equal(StoreAffected(all, t, es, l, product), (affected.From, affected.NextState, affected.Newest));
            Assert.Equal(StoreLoad(all, completeFrom).DistinctBy(e => e.EventId).Count(), tail.Count);
        }
    }

    [Fact]
    public void Affected_FromTheStopTheNewEventsEnd()
    {
        var down = MachineEvent.StateChange(Guid.NewGuid(), "m1", T, MachineState.Down, "jam");
        var count = MachineEvent.Counts(Guid.NewGuid(), "m1", T.AddMinutes(2), 1, 0);
        var tail = new EventTail([down, count], T.AddMinutes(1));
        var running = MachineEvent.StateChange(Guid.NewGuid(), "m1", T.AddMinutes(7), MachineState.Running);

        tail.Add([running]);

        Assert.Equal(new AffectedSpan(T, null, T.AddMinutes(7)), tail.Affected(running.Ts, running.Ts, running.Ts, false));

        // A count while the machine is down does not end the stop: only from the previous sign of life.
        var count2 = MachineEvent.Counts(Guid.NewGuid(), "m1", T.AddMinutes(9), 1, 0);
        var down2 = MachineEvent.StateChange(Guid.NewGuid(), "m1", T.AddMinutes(8), MachineState.Down, "jam");
        tail.Add([down2]);
        tail.Add([count2]);
        Assert.Equal(T.AddMinutes(8), tail.Affected(count2.Ts, null, count2.Ts, false).From);
    }

    [Fact]
    public void EventsBeforeTheCompleteRange_AreRefused()
    {
        var tail = new EventTail([], T.AddMinutes(5));

        Assert.Throws<ArgumentException>(() => tail.Add([MachineEvent.Counts(Guid.NewGuid(), "m1", T, 1, 0)]));
        Assert.Throws<InvalidOperationException>(() => tail.Slice(T, T.AddMinutes(1)));
    }

    [Fact]
    public void Contains_FindsAStoredEventByTsAndId_AmongEventsOfTheSameTs()
    {
        var a = MachineEvent.Counts(Guid.NewGuid(), "m1", T.AddSeconds(1), 1, 0);
        var b = MachineEvent.Counts(Guid.NewGuid(), "m1", T.AddSeconds(1), 2, 0);
        var c = MachineEvent.Counts(Guid.NewGuid(), "m1", T.AddSeconds(2), 1, 0);
        var tail = new EventTail([a, c], T);
        tail.Add([b]);

        Assert.True(tail.Contains(a.Ts, a.EventId));
        Assert.True(tail.Contains(b.Ts, b.EventId));
        Assert.True(tail.Contains(c.Ts, c.EventId));
        Assert.False(tail.Contains(c.Ts, a.EventId));
        Assert.False(tail.Contains(T.AddSeconds(3), c.EventId));
        Assert.False(new EventTail([], T).Contains(a.Ts, a.EventId));

        // Compared to the microsecond, as PostgreSQL keeps timestamps: a copy with 100 ns digits is the same event.
        var fine = MachineEvent.Counts(Guid.NewGuid(), "m1", T.AddSeconds(4).AddTicks(3), 1, 0);
        tail.Add([fine]);
        Assert.True(tail.Contains(T.AddSeconds(4), fine.EventId));
        Assert.True(tail.Contains(T.AddSeconds(4).AddTicks(9), fine.EventId));
        Assert.False(tail.Contains(T.AddSeconds(4).AddTicks(10), fine.EventId));
        Assert.Equal(T.AddSeconds(4), EventTail.ToMicroseconds(fine.Ts));
    }

    /// <summary>What the engine did before the fast paths: a set of keys (ts to the microsecond, id), the first copy kept, then sorted.</summary>
    private static List<MachineEvent> ReferenceWithoutCopies(List<MachineEvent> events)
    {
        var keys = new HashSet<(DateTimeOffset, Guid)>();
        var unique = events.FindAll(e => keys.Add((EventTail.ToMicroseconds(e.Ts), e.EventId)));
        EventOrder.Sort(unique);
        return unique;
    }

    [Fact]
    public void WithoutCopies_AnOrderedBatchWithoutCopies_IsReturnedAsItIs()
    {
        var events = Enumerable.Range(0, 50).Select(i => MachineEvent.Counts(Guid.NewGuid(), "m1", T.AddSeconds(i / 3), 1, 0)).ToList();
        EventOrder.Sort(events);
        Assert.Same(events, EventTail.WithoutCopies(events));
        Assert.Empty(EventTail.WithoutCopies([]));
    }

    [Fact]
    public void WithoutCopies_DropsCopiesToTheMicrosecond_KeepingTheFirst_AndSorts()
    {
        var id = Guid.NewGuid();
        var first = MachineEvent.Counts(id, "m1", T.AddSeconds(1).AddTicks(3), 1, 0);
        var copy = MachineEvent.Counts(id, "m1", T.AddSeconds(1).AddTicks(7), 5, 0);
        var other = MachineEvent.Counts(Guid.NewGuid(), "m1", T.AddSeconds(1).AddTicks(5), 2, 0);
        var later = MachineEvent.Counts(Guid.NewGuid(), "m1", T.AddSeconds(2), 3, 0);

        // In (ts, id) order, and strictly increasing: still a copy (same id in the same microsecond, apart in the run).
        var ordered = new List<MachineEvent> { first, other, copy, later };
        EventOrder.Sort(ordered);
        var kept = EventTail.WithoutCopies(ordered);
        Assert.Equal(3, kept.Count);
        Assert.Contains(first, kept);
        Assert.DoesNotContain(copy, kept);
        Assert.True(EventOrder.IsOrdered(kept));

        // Out of order: the copy that came first in the batch is kept, the result sorted.
        var batch = new List<MachineEvent> { later, copy, other, first };
        Assert.Equal([other, copy, later], EventTail.WithoutCopies(batch).OrderBy(e => e.Ts).ThenBy(e => e.EventId));
        Assert.Equal(ReferenceWithoutCopies(batch), EventTail.WithoutCopies(batch));

        // An exact duplicate next to its original.
        Assert.Equal([first, later], EventTail.WithoutCopies([first, first, later]));
    }

    [Fact]
    public void WithoutCopies_AndNotHeld_AnswerAsTheSetAndContainsDo_OnRandomBatches()
    {
        var rng = new Random(17);
        for (var round = 0; round < 300; round++)
        {
            // Few distinct seconds and 100 ns digits: many ties, copies inside and across batches, runs of one microsecond.
            var pool = Enumerable.Range(0, 40).Select(_ => (Id: Guid.NewGuid(), Ts: T.AddSeconds(rng.Next(0, 30)).AddTicks(rng.Next(0, 3) * 3))).ToList();
            MachineEvent Pick()
            {
                var (id, ts) = pool[rng.Next(pool.Count)];
                return MachineEvent.Counts(id, "m1", rng.Next(4) == 0 ? ts.AddTicks(1) : ts, 1, 0);
            }

            var stored = Enumerable.Range(0, rng.Next(0, 30)).Select(_ => Pick()).ToList();
            var batch = Enumerable.Range(0, rng.Next(1, 40)).Select(_ => Pick()).ToList();
            if (rng.Next(2) == 0)
            {
                // Mostly ordered batches, as a partition delivers them.
                EventOrder.Sort(batch);
            }

            var expected = ReferenceWithoutCopies(batch);
            var unique = EventTail.WithoutCopies(batch);
            Assert.Equal(expected, unique);

            var tail = new EventTail(ReferenceWithoutCopies(stored), T);
            Assert.Equal(unique.FindAll(e => !tail.Contains(e.Ts, e.EventId)), tail.NotHeld(unique));
        }
    }

    [Fact]
    public void NotHeld_EventsAfterTheTailsNewest_AreAllNew_WithoutALookup()
    {
        var a = MachineEvent.Counts(Guid.NewGuid(), "m1", T.AddSeconds(1), 1, 0);
        var tail = new EventTail([a], T);
        var fresh = new List<MachineEvent> { MachineEvent.Counts(Guid.NewGuid(), "m1", T.AddSeconds(1).AddTicks(10), 1, 0), MachineEvent.Counts(Guid.NewGuid(), "m1", T.AddSeconds(2), 1, 0) };
        Assert.Same(fresh, tail.NotHeld(fresh));
        Assert.Same(fresh, new EventTail([], T).NotHeld(fresh));

        // Within the newest microsecond: looked up (a copy of a with 100 ns digits is held, another id is not).
        var copy = MachineEvent.Counts(a.EventId, "m1", T.AddSeconds(1).AddTicks(4), 1, 0);
        var other = MachineEvent.Counts(Guid.NewGuid(), "m1", T.AddSeconds(1).AddTicks(4), 1, 0);
        var batch = EventTail.WithoutCopies([copy, other, .. fresh]);
        Assert.Equal([other, .. fresh], tail.NotHeld(batch));
    }
}
