using Ms5.Analytics.Events;

namespace Ms5.OeeEngine;

/// <summary>One lane of a batch: its events (in batch order), their machines, and the offsets its transaction saves.</summary>
internal sealed record BatchLane(List<MachineEvent> Events, List<string> Machines, Dictionary<int, long> NextOffsets);

/// <summary>
/// Splits a big batch into lanes written at the same time, each in its own PostgreSQL transaction on its own
/// connection: while one lane waits for PostgreSQL (its COPY, its bucket upserts, its commit), another computes. A
/// batch's work alternates between the engine and one PostgreSQL backend; on one connection one of the two always
/// waits for the other.
/// </summary>
/// <remarks>
/// Proof obligations (why a lane's commit is as exact as a whole batch's):
/// <list type="bullet">
/// <item>Every machine's events are in one lane. A machine's lock, event version, tail, chunks and buckets are
/// therefore changed by one transaction of the batch, as with two engine instances that own different machines.</item>
/// <item>Every partition's events, and its next offset, are in one lane. Partitions are joined when a machine's
/// events come from more than one of them (a producer that does not key by machine), so a lane saves the offset of
/// a partition only together with every event of that partition in the batch. If one lane fails after another
/// committed, the failed lane's partitions keep their old offsets and the batch is written again: the committed
/// lane's events are then duplicates, which the store ignores.</item>
/// <item>A lane keeps the batch's order of its events (the engine's results do not depend on it, see
/// <c>EventTail.WithoutCopies</c>, but logs and dead letters read better).</item>
/// </list>
/// Small batches (live load) stay whole: below <see cref="MinEventsPerLane"/> per lane a second transaction costs
/// more than it saves.
/// </remarks>
internal static class BatchLanes
{
    /// <summary>Fewest events a lane is given.</summary>
    public const int MinEventsPerLane = 10_000;

    public static List<BatchLane> Split(EventBatch batch, int lanes, int minEventsPerLane = MinEventsPerLane)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var events = batch.Events;
        var wanted = Math.Min(lanes, events.Count / Math.Max(1, minEventsPerLane));
        if (wanted <= 1)
        {
            return [Whole(batch)];
        }

        // Partitions joined by shared machines (union-find over partition numbers).
        var parent = new Dictionary<int, int>();
        int Find(int p)
        {
            while (parent[p] != p)
            {
                parent[p] = parent[parent[p]];
                p = parent[p];
            }

            return p;
        }

        foreach (var p in batch.NextOffsets.Keys)
        {
            parent[p] = p;
        }

        var machinePartition = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            parent.TryAdd(e.Partition, e.Partition);
            if (!machinePartition.TryAdd(e.Event.MachineId, e.Partition))
            {
                var (a, b) = (Find(machinePartition[e.Event.MachineId]), Find(e.Partition));
                if (a != b)
                {
                    parent[Math.Max(a, b)] = Math.Min(a, b);
                }
            }
        }

        var weight = new Dictionary<int, int>();
        foreach (var p in parent.Keys)
        {
            weight.TryAdd(Find(p), 0);
        }

        foreach (var e in events)
        {
            weight[Find(e.Partition)]++;
        }

        if (weight.Count(w => w.Value > 0) < 2)
        {
            return [Whole(batch)];
        }

        // Heaviest groups first, each to the lane with the fewest events so far (ties: the lower lane, then the lower
        // partition); fewer lanes while the lightest would get less than its share (one heavy partition, say).
        var groups = weight.OrderByDescending(w => w.Value).ThenBy(w => w.Key).ToList();
        var count = Math.Min(wanted, weight.Count(w => w.Value > 0));
        var laneOf = new Dictionary<int, int>();
        for (; count >= 2; count--)
        {
            var load = new int[count];
            laneOf.Clear();
            foreach (var (root, w) in groups)
            {
                var lane = Array.IndexOf(load, load.Min());
                laneOf[root] = lane;
                load[lane] += w;
            }

            if (load.Min() >= minEventsPerLane)
            {
                break;
            }
        }

        if (count < 2)
        {
            return [Whole(batch)];
        }

        var result = Enumerable.Range(0, count).Select(_ => new BatchLane([], [], [])).ToList();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            var lane = result[laneOf[Find(e.Partition)]];
            lane.Events.Add(e.Event);
            if (seen.Add(e.Event.MachineId))
            {
                lane.Machines.Add(e.Event.MachineId);
            }
        }

        foreach (var (p, next) in batch.NextOffsets)
        {
            result[laneOf[Find(p)]].NextOffsets[p] = next;
        }

        return result;
    }

    private static BatchLane Whole(EventBatch batch)
    {
        var events = batch.Events.ConvertAll(e => e.Event);
        return new BatchLane(events, events.Select(e => e.MachineId).Distinct(StringComparer.Ordinal).ToList(), new Dictionary<int, long>(batch.NextOffsets));
    }
}
