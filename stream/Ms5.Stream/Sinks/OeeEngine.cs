using Confluent.Kafka;
using Ms5.Analytics.Andon;
using Ms5.Analytics.Events;
using Ms5.Analytics.Oee;
using Ms5.Analytics.Plant;
using Ms5.Kafka;
using Ms5.Postgres;
using Npgsql;
using Prometheus;

namespace Ms5.Stream.Sinks;

/// <summary>A batch for the OEE engine: the valid events and the offsets they advance to.</summary>
internal sealed record OeeBatch(List<MachineEvent> Events, Dictionary<int, long> NextOffsets);

/// <summary>
/// The OEE engine (consumer group ms5.oee-engine). Each batch, in one PostgreSQL transaction: new events
/// go to its own deduplicated store (duplicates are ignored), every machine's minute buckets are
/// recomputed exactly from that store over the span the new events can change (from the stop they end
/// or the previous sign of life, so out-of-order and late events correct earlier minutes, up to the next
/// state event or, for a machine's newest events, the current minute so far), and the consumer offsets
/// are saved. A crash before COMMIT changes nothing; after it, everything. Right after the commit the
/// rolling windows of the machines in the batch are published (<see cref="LiveBuckets"/>), so an event
/// is in the published OEE within one batch.
/// </summary>
internal sealed class OeeEngine(
    KafkaOptions kafka,
    string topic,
    string groupId,
    NpgsqlDataSource db,
    PlantDirectory plants,
    EventRules rules,
    OeeInfluxMirror mirror,
    OeePublisher publisher,
    LiveBuckets live,
    EventTails tails,
    AndonHub andon,
    TimeProvider time,
    TimeSpan grace,
    int maxBatch,
    TimeSpan maxDelay,
    TimeSpan maxRetryDelay,
    ILogger<OeeEngine> logger)
    : BatchConsumer<OeeBatch>(kafka, topic, groupId, maxBatch, maxDelay, maxRetryDelay, logger)
{
    private static readonly Counter Events = Metrics.CreateCounter("ms5_oee_events_total", "Events seen by the OEE engine, by outcome.", "outcome");
    private static readonly Counter Reloads = Metrics.CreateCounter("ms5_oee_tail_reloads_total", "Machines whose recent events were read back from PostgreSQL, by why: no current tail (new, or written elsewhere), or a range reaching behind it.", "reason");
    private static readonly Histogram Phases = Metrics.CreateHistogram("ms5_oee_batch_phase_seconds", "Time per batch phase of the OEE engine.",
        new HistogramConfiguration { LabelNames = ["phase"], Buckets = Histogram.ExponentialBuckets(0.001, 2, 14) });

    protected override IEnumerable<TopicPartitionOffset> OnAssigned(IConsumer<byte[]?, byte[]?> consumer, List<TopicPartition> partitions)
    {
        // Machines may have moved between instances: their cached buckets are reloaded on first use.
        live.Clear();
        tails.Clear();
        andon.Forget();
        return StoredOffsets.Assign(consumer, partitions, OffsetStore.LoadAsync(db, GroupId, Topic, Kafka.BootstrapServers).GetAwaiter().GetResult(), GroupId, Logger);
    }

    protected override OeeBatch Prepare(IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> messages)
    {
        var now = time.GetUtcNow();
        var events = new List<MachineEvent>(messages.Count);
        var offsets = new Dictionary<int, long>();
        foreach (var m in messages)
        {
            offsets[m.Partition.Value] = Math.Max(offsets.GetValueOrDefault(m.Partition.Value), m.Offset.Value + 1);
            if (EventParser.Parse(m.Message.Value).Event is { } e && rules.Check(e, now).Count == 0)
            {
                events.Add(e);
            }
            else
            {
                // The PostgreSQL historian dead-letters it; the engine only skips it.
                Events.WithLabels("invalid").Inc();
            }
        }

        return new OeeBatch(events, offsets);
    }

    protected override async Task WriteAsync(OeeBatch batch, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        void Mark(string phase)
        {
            Phases.WithLabels(phase).Observe(clock.Elapsed.TotalSeconds);
            clock.Restart();
        }

        var machines = batch.Events.Select(e => e.MachineId).Distinct(StringComparer.Ordinal).ToList();
        andon.Hold(machines);
        try
        {
            await WriteLockedAsync(batch, now, Mark, ct);
        }
        catch
        {
            // A tail may hold events of a batch that did not commit.
            tails.Clear();
            throw;
        }
        finally
        {
            andon.Release(machines);
        }
    }

    private async Task WriteLockedAsync(OeeBatch batch, DateTimeOffset now, Action<string> Mark, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);

        // The batch's machines are locked first: their events, buckets and event versions change only under the lock.
        var machines = batch.Events.Select(e => e.MachineId).Distinct(StringComparer.Ordinal).ToList();
        var versions = new Dictionary<string, long>(StringComparer.Ordinal);
        if (machines.Count > 0)
        {
            await OeeStore.LockMachinesAsync(conn, tx, machines, ct);
            versions = await OeeStore.BumpEventVersionsAsync(conn, tx, machines, ct);
            Mark("lock");
        }

        var inserted = batch.Events.Count == 0 ? [] : await OeeStore.InsertNewAsync(conn, tx, batch.Events, ct);
        Mark("insert");
        Events.WithLabels("duplicate").Inc(batch.Events.Count - inserted.Count);
        Events.WithLabels("late").Inc(inserted.Count(e => e.Ts < now - grace));

        // Where each machine's new events can change its buckets: from its in-memory tail when that is
        // current (nobody else wrote the machine since this instance did), else from the store.
        var contexts = new Dictionary<string, MachineOeeContext>(StringComparer.Ordinal);
        var usable = new Dictionary<string, EventTail>(StringComparer.Ordinal);
        var affected = new Dictionary<string, AffectedSpan>(StringComparer.Ordinal);
        var fromStore = new Dictionary<string, (DateTimeOffset, DateTimeOffset?, DateTimeOffset, bool)>(StringComparer.Ordinal);
        foreach (var group in inserted.GroupBy(e => e.MachineId, StringComparer.Ordinal))
        {
            if (await plants.FindAsync(group.Key, ct) is not { } ctx)
            {
                tails.Forget(group.Key);
                continue;
            }

            contexts[group.Key] = ctx;
            var (earliest, latest) = (group.Min(e => e.Ts), group.Max(e => e.Ts));
            var earliestState = group.Where(e => e.Type == EventType.State).Select(e => (DateTimeOffset?)e.Ts).Min();
            var namesProduct = group.Any(e => e.Product is not null);
            var tail = tails.Take(group.Key, versions[group.Key] - 1);
            if (tail is null)
            {
                Reloads.WithLabels("no_tail").Inc();
            }
            else if (earliest < tail.CompleteFrom)
            {
                Reloads.WithLabels("late_event").Inc();
            }

            if (tail is not null && earliest >= tail.CompleteFrom)
            {
                tail.Add(group);
                var (from, next, newest) = tail.Affected(earliest, earliestState, latest, namesProduct);
                affected[group.Key] = new AffectedSpan(from, next, newest);
                usable[group.Key] = tail;
            }
            else
            {
                // Reloaded below if a range needs it; it must not outlive this batch without the new events.
                tails.Forget(group.Key);
                fromStore[group.Key] = (earliest, earliestState, latest, namesProduct);
            }
        }

        if (fromStore.Count > 0)
        {
            foreach (var (machine, span) in await OeeStore.AffectedManyAsync(conn, tx, fromStore, ct))
            {
                affected[machine] = span;
            }
        }

        Mark("affected");
        var ranges = new Dictionary<string, (DateTimeOffset From, DateTimeOffset To)>(StringComparer.Ordinal);
        var reload = new Dictionary<string, (DateTimeOffset From, DateTimeOffset To)>(StringComparer.Ordinal);
        foreach (var (machine, span) in affected)
        {
            var from = BucketCalculator.Floor(span.From);
            var end = BucketCalculator.Ceiling(span.NextState ?? span.Newest);
            var to = end < now ? end : now;
            if (from >= to)
            {
                continue;
            }

            ranges[machine] = (from, to);
            if (!usable.TryGetValue(machine, out var tail) || from < tail.CompleteFrom)
            {
                if (tail is not null)
                {
                    Reloads.WithLabels("range").Inc();
                }

                // The tail (re)starts at the range: everything from there on, and the context before it.
                reload[machine] = (from, DateTimeOffset.MaxValue);
            }
        }

        if (reload.Count > 0)
        {
            foreach (var (machine, events) in await OeeStore.LoadManyAsync(conn, tx, reload, ct))
            {
                var tail = new EventTail(events, reload[machine].From);
                tails.Put(machine, tail);
                usable[machine] = tail;
            }
        }

        Mark("load");
        var saves = new List<(string, IReadOnlyDictionary<DateTimeOffset, OeeComponents>, DateTimeOffset, bool)>(ranges.Count);
        var computed = new List<MachineComputation>(ranges.Count);
        var findings = new List<AndonFinding>();
        var pending = new Dictionary<string, List<(AndonFinding, DateTimeOffset)>>(StringComparer.Ordinal);
        // Machines are independent: computed in parallel (each tail is touched by one thread only).
        var work = ranges.ToArray();
        var results = new (SortedDictionary<DateTimeOffset, OeeComponents> Buckets, List<AndonFinding> Found, List<(AndonFinding, DateTimeOffset)> Ahead)[work.Length];
        Parallel.For(0, work.Length, new ParallelOptions { CancellationToken = ct }, i =>
        {
            var (machine, range) = work[i];
            var ctx = contexts[machine];
            var slice = usable[machine].Slice(range.From, range.To);
            var buckets = BucketCalculator.MinuteBuckets(slice, ctx.IdealCycle, ctx.Calendar, ctx.Losses, range.From, range.To);
            var (found, ahead) = andon.Evaluate(ctx, slice, now);
            results[i] = (buckets, found, ahead);
            EventTails.Trim(usable[machine]);
        });
        for (var i = 0; i < work.Length; i++)
        {
            var (machine, range) = work[i];
            var ctx = contexts[machine];
            var (buckets, found, ahead) = results[i];

            // Andon rules on the same events; what is still ahead is known only when the range reaches now.
            findings.AddRange(found);
            if (affected[machine].NextState is null)
            {
                pending[machine] = ahead;
            }

            // Without a later state event the machine's current state changed: what follows is stale
            // until the ticker extends it, so progress is set (also backwards), not only advanced.
            saves.Add((machine, buckets, BucketCalculator.Floor(range.To), affected[machine].NextState is null));
            computed.Add(new MachineComputation(ctx, buckets, affected[machine].Newest));
        }

        foreach (var (machine, tail) in usable.Where(u => !ranges.ContainsKey(u.Key)))
        {
            EventTails.Trim(tail);
        }

        Mark("compute");
        await OeeStore.SaveManyAsync(conn, tx, saves, ct);
        var andonTransitions = findings.Count > 0 ? await AndonStore.ApplyAsync(conn, tx, findings, now, ct) : [];
        Mark("save");

        await OffsetStore.SaveAsync(conn, tx, GroupId, Topic, batch.NextOffsets, Kafka.BootstrapServers, ct);
        await tx.CommitAsync(ct);
        tails.Committed(versions);
        await andon.CommittedAsync(findings, pending, andonTransitions, ct);
        Mark("commit");
        Events.WithLabels("stored").Inc(inserted.Count);

        // What is committed is published off the batch's path (in batch order): the next batch need not wait for
        // Kafka and InfluxDB. Publications are notifications; the ticker publishes every window again anyway.
        var previous = _publishing;
        _publishing = Task.Run(() => PublishInOrderAsync(previous, computed, now, ct), CancellationToken.None);
        Mark("publish");
    }

    private Task _publishing = Task.CompletedTask;

    private async Task PublishInOrderAsync(Task previous, List<MachineComputation> computed, DateTimeOffset now, CancellationToken ct)
    {
        try
        {
            await previous;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await using (var conn = await db.OpenConnectionAsync(ct))
            {
                await PublishAsync(conn, computed, now, ct);
            }

            await mirror.WriteAsync(computed.Select(c => (c.Context, c.Buckets)).ToList(), ct);
            Phases.WithLabels("publish_async").Observe(clock.Elapsed.TotalSeconds);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Logger.LogWarning(ex, "Could not publish the rolling OEE of {Count} machine(s); the next tick publishes them again", computed.Count);
        }
    }

    /// <summary>The rolling windows of the machines just computed, from the cache (loaded from PostgreSQL for a machine new to it).</summary>
    private async Task PublishAsync(NpgsqlConnection conn, List<MachineComputation> computed, DateTimeOffset now, CancellationToken ct)
    {
        if (computed.Count == 0)
        {
            return;
        }

        var missing = computed.Select(c => c.Context.MachineId).Where(m => !live.Has(m)).ToList();
        if (missing.Count > 0)
        {
            foreach (var (machine, stored) in await OeeStore.LoadBucketsAsync(conn, missing, now - LiveBuckets.Horizon, ct))
            {
                live.Put(machine, stored, now, load: true);
            }
        }

        foreach (var c in computed)
        {
            live.Put(c.Context.MachineId, c.Buckets, now);
        }

        await publisher.PublishMachinesAsync(computed.Select(c => (c.Context, live.Windows(c.Context.MachineId, now, c.Context.Calendar.At(now)?.Start), (DateTimeOffset?)c.NewestEvent)), now, ct);
    }

    private sealed record MachineComputation(MachineOeeContext Context, IReadOnlyDictionary<DateTimeOffset, OeeComponents> Buckets, DateTimeOffset NewestEvent);
}

/// <summary>
/// Closes minutes as time passes: every few seconds each machine's buckets are computed up to now (the
/// current minute so far), so running, stopped and silent (offline) time accrue without new events; then
/// the rolling windows of every machine, line and plant are published. One transaction per tick, the
/// machines locked in a fixed order, progress re-read under the locks: safe with several engine
/// instances, and a recomputation replaces rows with the same values. A machine whose history is being
/// replayed (its progress reset by the engine within the last two ticks, far behind now) is extended once
/// the replay pauses, a day per tick at most.
/// </summary>
internal sealed class OeeTicker(NpgsqlDataSource db, PlantDirectory plants, OeePublisher publisher, OeeInfluxMirror mirror, LiveBuckets live, EventTails tails, AndonHub andon, TimeProvider time, TimeSpan interval, ILogger<OeeTicker> logger) : BackgroundService
{
    private static readonly TimeSpan ReplayLag = TimeSpan.FromHours(1);
    private static readonly TimeSpan MaxPerTick = TimeSpan.FromDays(1);

    /// <summary>How far back OEE and reject-rate rules look for the start of a breach still going on.</summary>
    private static readonly TimeSpan RatioHorizon = TimeSpan.FromHours(24);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval, time);
        do
        {
            try
            {
                await TickAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "OEE tick failed; retrying next tick");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    internal async Task TickAsync(CancellationToken ct)
    {
        var changes = new List<(MachineOeeContext, IReadOnlyDictionary<DateTimeOffset, OeeComponents>)>();
        var findings = new List<AndonFinding>();
        var pending = new Dictionary<string, List<(AndonFinding, DateTimeOffset)>>(StringComparer.Ordinal);
        var andonTransitions = new List<AndonTransition>();
        await using (var conn = await db.OpenConnectionAsync(ct))
        {
            // A calendar changed: reload the plants (the request is stored after the new calendar), then recompute.
            var recomputes = await OeeStore.PendingRecomputesAsync(conn, ct);
            await plants.RefreshAsync(recomputes.Count > 0 ? TimeSpan.Zero : PlantDirectory.FreshEnough, ct);
            var now = time.GetUtcNow();
            var contexts = plants.All.ToDictionary(c => c.MachineId, StringComparer.Ordinal);
            await using var tx = await conn.BeginTransactionAsync(ct);
            await OeeStore.LockMachinesAsync(conn, tx, contexts.Keys, ct);
            if (recomputes.Count > 0)
            {
                await OeeStore.ApplyRecomputesAsync(conn, tx, recomputes.Select(r => (r.Id, (IReadOnlyList<string>)contexts.Values.Where(c => c.PlantId == r.PlantId).Select(c => c.MachineId).ToList(), r.From)).ToList(), ct);
                logger.LogInformation("Recomputing OEE after calendar changes: {Requests}", string.Join(", ", recomputes.Select(r => $"{r.PlantId} from {r.From:O}")));
            }

            var progress = await OeeStore.ProgressManyAsync(conn, tx, ct);
            var versions = await OeeStore.EventVersionsAsync(conn, tx, ct);
            var ranges = new Dictionary<string, (DateTimeOffset From, DateTimeOffset To)>(StringComparer.Ordinal);
            foreach (var machine in contexts.Keys)
            {
                var from = progress.TryGetValue(machine, out var p) ? p.ComputedTo : BucketCalculator.Floor(now).AddMinutes(-1);
                if (p.TouchedAt is { } touched && touched > now - (2 * interval) && now - from > ReplayLag)
                {
                    continue;
                }

                var to = now - from > MaxPerTick ? from + MaxPerTick : now;
                if (from < to)
                {
                    ranges[machine] = (from, to);
                }
            }

            // Machines the engine holds a current tail of need no reads; the others are loaded from the store.
            var current = new Dictionary<string, EventTail>(StringComparer.Ordinal);
            foreach (var (machine, range) in ranges)
            {
                if (versions.TryGetValue(machine, out var v) && tails.Peek(machine, v) is { } tail && range.From >= tail.CompleteFrom)
                {
                    current[machine] = tail;
                }
            }

            var loaded = await OeeStore.LoadManyAsync(conn, tx, ranges.Where(r => !current.ContainsKey(r.Key)).ToDictionary(StringComparer.Ordinal), ct);

            var saves = new List<(string, IReadOnlyDictionary<DateTimeOffset, OeeComponents>, DateTimeOffset, bool)>(ranges.Count);
            foreach (var (machine, range) in ranges)
            {
                var ctx = contexts[machine];
                var events = current.TryGetValue(machine, out var tail) ? tail.Slice(range.From, range.To) : loaded[machine];
                var buckets = BucketCalculator.MinuteBuckets(events, ctx.IdealCycle, ctx.Calendar, ctx.Losses, range.From, range.To);
                var (found, ahead) = andon.Evaluate(ctx, events, now);
                findings.AddRange(found);
                if (range.To == now)
                {
                    pending[machine] = ahead;
                }

                saves.Add((machine, buckets, BucketCalculator.Floor(range.To), false));
                changes.Add((ctx, buckets));
            }

            await OeeStore.SaveManyAsync(conn, tx, saves, ct);
            andonTransitions.AddRange(await AndonStore.ApplyAsync(conn, tx, findings, now, ct));
            await tx.CommitAsync(ct);
        }

        await andon.CommittedAsync(findings, pending, andonTransitions, ct);
        var at = time.GetUtcNow();
        foreach (var (ctx, buckets) in changes)
        {
            live.Put(ctx.MachineId, buckets, at);
        }

        // OEE and reject-rate rules are judged at minute ends, on the rolling buckets just updated.
        var ratioFindings = changes.SelectMany(c => andon.EvaluateBuckets(c.Item1, live.Minutes(c.Item1.MachineId, at - RatioHorizon))).ToList();
        if (ratioFindings.Count > 0)
        {
            await using var conn = await db.OpenConnectionAsync(ct);
            var transitions = await AndonStore.ApplyAsync(conn, null, ratioFindings, at, ct);
            await andon.CommittedAsync(ratioFindings, new Dictionary<string, List<(AndonFinding, DateTimeOffset)>>(), transitions, ct);
        }

        await mirror.WriteAsync(changes, ct);
        await publisher.PublishAsync(at, ct);
    }
}
