using Confluent.Kafka;
using Ms5.Analytics.Events;
using Ms5.Analytics.Oee;
using Ms5.Analytics.Plant;
using Ms5.Kafka;
using Ms5.Kafka.Consuming;
using Ms5.Postgres;
using Npgsql;
using Prometheus;

namespace Ms5.OeeEngine;

/// <summary>What the engine needs besides its consumer settings.</summary>
internal sealed record EngineParts(NpgsqlDataSource Db, PlantDirectory Plants, EventTails Tails, AndonHub Andon, Recomputation Recomputation, OeePublication Publication, TimeSpan Grace)
{
    /// <summary>How many lanes (transactions at the same time) a big batch is written in (<see cref="BatchLanes"/>).</summary>
    public int Lanes { get; init; } = 1;

    /// <summary>Fewest events per lane (<see cref="BatchLanes.MinEventsPerLane"/>).</summary>
    public int LaneMinEvents { get; init; } = BatchLanes.MinEventsPerLane;

    /// <summary>The automatic start of released orders by product (null without AddOrderPublishing).</summary>
    public Orders.OrderAutoStart? AutoStart { get; init; }
}

/// <summary>
/// The OEE engine (consumer group ms5.oee-engine). Each batch, in one PostgreSQL transaction: new events
/// go to its own deduplicated store (duplicates are ignored), every machine's minute buckets are
/// recomputed exactly over the span the new events can change (<see cref="RecomputePlan"/>), and the
/// consumer offsets are saved. A crash before COMMIT changes nothing; after it, everything. Right after the
/// commit the rolling windows of the machines in the batch are published, so an event is in the published
/// OEE within one batch.
/// </summary>
internal sealed class OeeEngine(KafkaOptions kafka, ConsumerSettings settings, EventPipeline pipeline, EngineParts parts, TimeProvider time, ILogger<OeeEngine> logger)
    : EventConsumer(kafka, settings, pipeline, time, logger)
{
    public const string EventsMetric = Telemetry.Events;
    internal static readonly Counter Events = Metrics.CreateCounter(EventsMetric, "Events seen by the OEE engine, by outcome.", "outcome");
    private static readonly Counter Reloads = Metrics.CreateCounter("ms5_oee_tail_reloads_total", "Machines whose recent events were read back from PostgreSQL, by why: no current tail (new, or written elsewhere), or a range reaching behind it.", "reason");
    private static readonly Histogram Phases = Metrics.CreateHistogram(Telemetry.BatchPhases, "Time per batch phase of the OEE engine.",
        new HistogramConfiguration { LabelNames = ["phase"], Buckets = Histogram.ExponentialBuckets(0.001, 2, 14) });

    private static readonly Counter Batches = Metrics.CreateCounter(Telemetry.BatchLanes, "Batches the OEE engine wrote, by the number of lanes (transactions at the same time) each was written in.", "lanes");

    internal static void ObservePhase(string phase, TimeSpan elapsed) => Phases.WithLabels(phase).Observe(elapsed.TotalSeconds);

    protected override IEnumerable<TopicPartitionOffset> OnAssigned(IReadOnlyList<TopicPartition> partitions, Func<TopicPartition, long?> endOffset)
    {
        // Machines may have moved between instances: their cached buckets and tails are reloaded on first use.
        parts.Publication.Live.Clear();
        parts.Tails.Clear();
        parts.Andon.Forget();
        var stored = StoredOffsets.TryLoad(ct => OffsetStore.LoadAsync(parts.Db, GroupId, Topic, Kafka.BootstrapServers, ct), Settings.RevocationWait, GroupId, Logger);
        return StoredOffsets.Assign(partitions, endOffset, stored, GroupId, Logger);
    }

    protected override async Task HandleAsync(EventBatch batch, CancellationToken ct)
    {
        var lanes = BatchLanes.Split(batch, parts.Lanes, parts.LaneMinEvents);
        var events = lanes.Count == 1 ? lanes[0].Events : batch.Events.ConvertAll(e => e.Event);
        var machines = lanes.SelectMany(l => l.Machines).ToList();
        parts.Andon.Hold(machines);
        var catchUp = parts.Andon.CatchUp.Begin(events.Select(e => e.Ts), Time.GetUtcNow());
        try
        {
            // A big batch in lanes (BatchLanes): each its own transaction, at the same time; the batch succeeds when every lane committed.
            if (lanes.Count == 1)
            {
                await WriteLockedAsync(lanes[0], catchUp, ct);
            }
            else
            {
                await Task.WhenAll(lanes.Select(lane => Task.Run(() => WriteLockedAsync(lane, catchUp, ct), ct)));
            }
        }
        catch
        {
            // A tail may hold events of a batch that did not commit.
            parts.Tails.Clear();
            throw;
        }
        finally
        {
            parts.Andon.Release(machines);
            parts.Andon.CatchUp.End(catchUp, Time.GetUtcNow());
        }

        Batches.WithLabels(lanes.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc();
    }

    private async Task WriteLockedAsync(BatchLane lane, bool catchUp, CancellationToken ct)
    {
        var (events, machines, nextOffsets) = lane;
        var now = Time.GetUtcNow();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        void Mark(string phase)
        {
            ObservePhase(phase, clock.Elapsed);
            clock.Restart();
        }

        await using var conn = await parts.Db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);

        // The batch's machines are locked first: their events, buckets and event versions change only under the lock.
        var versions = new Dictionary<string, long>(StringComparer.Ordinal);
        if (machines.Count > 0)
        {
            await OeeStore.LockMachinesAsync(conn, tx, machines, ct);
            versions = await OeeStore.BumpEventVersionsAsync(conn, tx, machines, ct);
            Mark("lock");
        }

        var (inserted, tails) = await NewEventsAsync(conn, tx, events, versions, ct);
        Mark("dedup");
        var fresh = inserted.Values.SelectMany(l => l).ToList();
        OeeEventStore.Write(conn, fresh, versions, ct, Mark);
        Mark("insert");
        Events.WithLabels("duplicate").Inc(events.Count - fresh.Count);
        Events.WithLabels("late").Inc(fresh.Count(e => e.Ts < now - parts.Grace));

        var spans = await AffectedAsync(conn, tx, inserted, tails, ct);
        Mark("affected");
        var items = await PlanAsync(conn, tx, spans, now, ct);
        Mark("load");
        var result = await parts.Recomputation.ComputeAndSaveAsync(conn, tx, items, now, ct, Mark);
        var recomputed = items.Select(i => i.Context.MachineId).ToHashSet(StringComparer.Ordinal);
        foreach (var (machine, tail) in spans.Tails.Where(u => !recomputed.Contains(u.Key)))
        {
            EventTails.Trim(tail);
        }

        await OffsetStore.SaveAsync(conn, tx, GroupId, Topic, nextOffsets, Kafka.BootstrapServers, ct);
        await tx.CommitAsync(ct);
        parts.Tails.Committed(versions);
        await parts.Recomputation.CommittedAsync(result, ct);
        Mark("commit");
        Events.WithLabels("stored").Inc(fresh.Count);
        parts.Publication.AfterBatch(result.Computed, now, catchUp);
        Mark("publish");
        // Right after this lane's COMMIT: if another lane then fails and the engine stops before the batch is written
        // again, this lane's partitions resume after its events, which are not read again.
        await AutoStartAsync(events, ct);
        Mark("orders");
    }

    /// <summary>
    /// After COMMIT (so the orders see the batch's events): orders started by a state event's product. A failure is logged
    /// and does not fail the committed batch; a later event naming the product (or a start by hand) starts the order.
    /// </summary>
    private async Task AutoStartAsync(List<MachineEvent> events, CancellationToken ct)
    {
        if (parts.AutoStart is null)
        {
            return;
        }

        try
        {
            await parts.AutoStart.AfterBatchAsync(events, ct);
        }
        catch (NpgsqlException ex)
        {
            Logger.LogWarning("Could not start orders automatically for this batch: {Reason}", ex.Message);
        }
    }

    private sealed record Spans(Dictionary<string, MachineOeeContext> Contexts, Dictionary<string, AffectedSpan> Affected, Dictionary<string, EventTail> Tails);

    /// <summary>
    /// The batch's events not stored before, by machine (duplicates within the batch and of stored events dropped), and
    /// the in-memory tails they were checked against. A machine's tail answers when it is current (nobody else wrote the
    /// machine since this instance did) and holds every event from before the machine's earliest new one; the other
    /// machines' events are looked up in the store (their rows by key, the chunks of their minutes).
    /// </summary>
    private async Task<(Dictionary<string, List<MachineEvent>> Fresh, Dictionary<string, EventTail> Tails)> NewEventsAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, List<MachineEvent> events, Dictionary<string, long> versions, CancellationToken ct)
    {
        var byMachine = new Dictionary<string, List<MachineEvent>>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            if (!byMachine.TryGetValue(e.MachineId, out var list))
            {
                byMachine[e.MachineId] = list = [];
            }

            list.Add(e);
        }

        // Each machine on its own (its tail, its events): on every core.
        var groups = byMachine.ToArray();
        var outcomes = new (List<MachineEvent>? Kept, EventTail? Tail, List<MachineEvent>? Lookup)[groups.Length];
        Parallel.For(0, groups.Length, new ParallelOptions { CancellationToken = ct }, i =>
        {
            var (machine, list) = groups[i];
            // Copies within the batch by key, timestamps to the microsecond (a copy that went through PostgreSQL lost
            // the 100 ns digits of its original); then in (ts, event id) order.
            var unique = EventTail.WithoutCopies(list);

            var tail = parts.Tails.Take(machine, versions[machine] - 1);
            if (tail is not null && unique[0].Ts >= tail.CompleteFrom)
            {
                outcomes[i] = (tail.NotHeld(unique), tail, null);
                return;
            }

            // Reloaded if a range needs it; it must not outlive this batch without the new events.
            parts.Tails.Forget(machine);
            Reloads.WithLabels(tail is null ? "no_tail" : "late_event").Inc();
            outcomes[i] = (null, null, unique);
        });

        var fresh = new Dictionary<string, List<MachineEvent>>(StringComparer.Ordinal);
        var tails = new Dictionary<string, EventTail>(StringComparer.Ordinal);
        var lookup = new List<MachineEvent>();
        for (var i = 0; i < groups.Length; i++)
        {
            var machine = groups[i].Key;
            var (kept, tail, toLookUp) = outcomes[i];
            if (tail is not null)
            {
                tails[machine] = tail;
                if (kept is { Count: > 0 })
                {
                    fresh[machine] = kept;
                }
            }
            else
            {
                lookup.AddRange(toLookUp!);
            }
        }

        if (lookup.Count > 0)
        {
            // Only events at or before the machine's newest stored one can be copies (a copy has the same ts); a backlog
            // after it (an engine's first batches) needs no lookup.
            var newest = await OeeEventStore.NewestStoredAsync(conn, tx, lookup.Select(e => e.MachineId).Distinct(StringComparer.Ordinal).ToList(), ct);
            bool MayBeStored(MachineEvent e) => newest.TryGetValue(e.MachineId, out var n) && EventTail.ToMicroseconds(e.Ts) <= n;
            var candidates = lookup.Where(MayBeStored).ToList();
            var stored = candidates.Count > 0 ? await OeeEventStore.StoredAsync(conn, tx, candidates, ct) : [];
            foreach (var e in lookup)
            {
                if (stored.Contains(OeeEventStore.Key(e)))
                {
                    continue;
                }

                if (!fresh.TryGetValue(e.MachineId, out var list))
                {
                    fresh[e.MachineId] = list = [];
                }

                list.Add(e);
            }
        }

        return (fresh, tails);
    }

    /// <summary>
    /// Where each machine's new events can change its buckets (<see cref="EventTail.Affected"/>): from its current tail,
    /// or from a tail read from the store from the minute of its earliest new event on (the new events are stored by now).
    /// </summary>
    private async Task<Spans> AffectedAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Dictionary<string, List<MachineEvent>> inserted, Dictionary<string, EventTail> tails, CancellationToken ct)
    {
        var contexts = new Dictionary<string, MachineOeeContext>(StringComparer.Ordinal);
        var usable = new Dictionary<string, EventTail>(StringComparer.Ordinal);
        var affected = new Dictionary<string, AffectedSpan>(StringComparer.Ordinal);
        var groups = new Dictionary<string, (DateTimeOffset Earliest, DateTimeOffset? EarliestState, DateTimeOffset Latest, bool Product)>(StringComparer.Ordinal);
        var load = new Dictionary<string, (DateTimeOffset From, DateTimeOffset To)>(StringComparer.Ordinal);
        foreach (var (machine, group) in inserted)
        {
            if (await parts.Plants.FindAsync(machine, ct) is not { } ctx)
            {
                parts.Tails.Forget(machine);
                continue;
            }

            contexts[machine] = ctx;
            DateTimeOffset earliest = DateTimeOffset.MaxValue, latest = DateTimeOffset.MinValue;
            DateTimeOffset? earliestState = null;
            var product = false;
            foreach (var e in group)
            {
                earliest = e.Ts < earliest ? e.Ts : earliest;
                latest = e.Ts > latest ? e.Ts : latest;
                earliestState = e.Type == EventType.State && (earliestState is null || e.Ts < earliestState) ? e.Ts : earliestState;
                product |= e.Product is not null;
            }

            groups[machine] = (earliest, earliestState, latest, product);
            if (tails.TryGetValue(machine, out var tail))
            {
                usable[machine] = tail;
            }
            else
            {
                load[machine] = (BucketCalculator.Floor(earliest), DateTimeOffset.MaxValue);
            }
        }

        // Each tail takes its machine's new events, on every core.
        var adds = usable.ToArray();
        Parallel.For(0, adds.Length, new ParallelOptions { CancellationToken = ct }, i => adds[i].Value.Add(inserted[adds[i].Key]));

        if (load.Count > 0)
        {
            foreach (var (machine, events) in await OeeEventStore.LoadManyAsync(conn, tx, load, ct))
            {
                var tail = new EventTail(events, load[machine].From);
                parts.Tails.Put(machine, tail);
                usable[machine] = tail;
            }
        }

        foreach (var (machine, g) in groups)
        {
            affected[machine] = usable[machine].Affected(g.Earliest, g.EarliestState, g.Latest, g.Product);
        }

        return new Spans(contexts, affected, usable);
    }

    /// <summary>The ranges to recompute (<see cref="RecomputePlan.AfterEvents"/>), each served by its tail or by events loaded from the store.</summary>
    private async Task<List<RecomputeItem>> PlanAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Spans spans, DateTimeOffset now, CancellationToken ct)
    {
        var ranges = new List<(string Machine, MinuteRange Range, AffectedSpan Span)>();
        var reload = new Dictionary<string, (DateTimeOffset From, DateTimeOffset To)>(StringComparer.Ordinal);
        foreach (var (machine, span) in spans.Affected)
        {
            if (RecomputePlan.AfterEvents(span, now) is not { } range)
            {
                continue;
            }

            ranges.Add((machine, range, span));
            var tail = spans.Tails.GetValueOrDefault(machine);
            if (RecomputePlan.LoadFrom(range, tail?.CompleteFrom) is { } loadFrom)
            {
                if (tail is not null)
                {
                    Reloads.WithLabels("range").Inc();
                }

                // The tail (re)starts at the range: everything from there on, and the context before it.
                reload[machine] = (loadFrom, DateTimeOffset.MaxValue);
            }
        }

        if (reload.Count > 0)
        {
            foreach (var (machine, events) in await OeeEventStore.LoadManyAsync(conn, tx, reload, ct))
            {
                var tail = new EventTail(events, reload[machine].From);
                parts.Tails.Put(machine, tail);
                spans.Tails[machine] = tail;
            }
        }

        // Without a later state event the machine's current state changed: what follows is stale until the
        // ticker extends it, so progress is set (also backwards), not only advanced.
        return ranges.Select(r => new RecomputeItem(spans.Contexts[r.Machine], r.Range, r.Span.ReachesCurrentState, r.Span.ReachesCurrentState)
        {
            Tail = spans.Tails[r.Machine],
            NewestEvent = r.Span.Newest,
        }).ToList();
    }
}
