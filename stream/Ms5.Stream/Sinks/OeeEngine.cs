using Confluent.Kafka;
using Ms5.Analytics.Events;
using Ms5.Analytics.Oee;
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
/// or the previous sign of life, so out-of-order and late events correct earlier minutes), and the
/// consumer offsets are saved. A crash before COMMIT changes nothing; after it, everything.
/// Complete minutes only: the current minute is bucketed by <see cref="OeeTicker"/> once it ends.
/// </summary>
internal sealed class OeeEngine(
    KafkaOptions kafka,
    string topic,
    string groupId,
    NpgsqlDataSource db,
    PlantDirectory plants,
    EventRules rules,
    OeeInfluxMirror mirror,
    TimeProvider time,
    TimeSpan grace,
    int maxBatch,
    TimeSpan maxDelay,
    TimeSpan maxRetryDelay,
    ILogger<OeeEngine> logger)
    : BatchConsumer<OeeBatch>(kafka, topic, groupId, maxBatch, maxDelay, maxRetryDelay, logger)
{
    private static readonly Counter Events = Metrics.CreateCounter("ms5_oee_events_total", "Events seen by the OEE engine, by outcome.", "outcome");

    protected override IEnumerable<TopicPartitionOffset> OnAssigned(IConsumer<byte[]?, byte[]?> consumer, List<TopicPartition> partitions) =>
        StoredOffsets.Assign(consumer, partitions, OffsetStore.LoadAsync(db, GroupId, Topic, Kafka.BootstrapServers).GetAwaiter().GetResult(), GroupId, Logger);

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
        var to = BucketCalculator.Floor(now);
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var inserted = batch.Events.Count == 0 ? [] : await OeeStore.InsertNewAsync(conn, tx, batch.Events, ct);
        var changes = new List<(MachineOeeContext, IReadOnlyDictionary<DateTimeOffset, OeeComponents>)>();
        Events.WithLabels("duplicate").Inc(batch.Events.Count - inserted.Count);
        Events.WithLabels("late").Inc(inserted.Count(e => e.Ts < now - grace));
        // Set-based: a handful of statements per batch whatever the number of machines.
        var contexts = new Dictionary<string, MachineOeeContext>(StringComparer.Ordinal);
        var earliest = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        foreach (var machine in inserted.GroupBy(e => e.Machine))
        {
            if (await plants.FindAsync(machine.Key, ct) is { } ctx)
            {
                contexts[machine.Key] = ctx;
                earliest[machine.Key] = machine.Min(e => e.Ts);
            }
        }

        if (contexts.Count > 0)
        {
            await OeeStore.LockMachinesAsync(conn, tx, contexts.Keys, ct);
            var affected = await OeeStore.AffectedFromManyAsync(conn, tx, earliest, ct);
            var ranges = affected.Select(a => (Machine: a.Key, From: BucketCalculator.Floor(a.Value)))
                .Where(a => a.From < to)
                .ToDictionary(a => a.Machine, a => (a.From, to), StringComparer.Ordinal);
            var loaded = await OeeStore.LoadManyAsync(conn, tx, ranges, ct);
            var saves = new List<(string, IReadOnlyDictionary<DateTimeOffset, OeeComponents>, DateTimeOffset)>(ranges.Count);
            foreach (var (machine, range) in ranges)
            {
                var ctx = contexts[machine];
                var buckets = BucketCalculator.MinuteBuckets(loaded[machine], ctx.IdealCycleTime, ctx.Calendar, ctx.Losses, range.From, range.to);
                saves.Add((machine, buckets, to));
                changes.Add((ctx, buckets));
            }

            await OeeStore.SaveManyAsync(conn, tx, saves, ct);
        }

        await OffsetStore.SaveAsync(conn, tx, GroupId, Topic, batch.NextOffsets, Kafka.BootstrapServers, ct);
        await tx.CommitAsync(ct);
        Events.WithLabels("stored").Inc(inserted.Count);
        await mirror.WriteAsync(changes, ct);
    }

    /// <summary>Recomputes and replaces one machine's buckets over [from, to) from its stored events.</summary>
    internal static async Task<IReadOnlyDictionary<DateTimeOffset, OeeComponents>> RecomputeAsync(NpgsqlConnection conn, NpgsqlTransaction tx, MachineOeeContext ctx, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        var events = await OeeStore.LoadAsync(conn, tx, ctx.MachineId, from, to, ct);
        var buckets = BucketCalculator.MinuteBuckets(events, ctx.IdealCycleTime, ctx.Calendar, ctx.Losses, from, to);
        await OeeStore.SaveBucketsAsync(conn, tx, ctx.MachineId, buckets, to, ct);
        return buckets;
    }
}

/// <summary>
/// Closes minutes as time passes: every few seconds each machine's buckets are computed up to the
/// last complete minute, so running, stopped and silent (offline) time accrue without new events.
/// Safe with several engine instances: work on a machine is serialised by an advisory lock and a
/// recomputation replaces the same rows with the same values.
/// </summary>
internal sealed class OeeTicker(NpgsqlDataSource db, PlantDirectory plants, OeePublisher publisher, OeeInfluxMirror mirror, TimeProvider time, TimeSpan interval, ILogger<OeeTicker> logger) : BackgroundService
{
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
        await plants.RefreshAsync(PlantDirectory.FreshEnough, ct);
        var to = BucketCalculator.Floor(time.GetUtcNow());
        await using var conn = await db.OpenConnectionAsync(ct);
        var progress = await OeeStore.ProgressAsync(conn, null, ct);
        var changes = new List<(MachineOeeContext, IReadOnlyDictionary<DateTimeOffset, OeeComponents>)>();
        foreach (var ctx in plants.All)
        {
            var from = progress.TryGetValue(ctx.MachineId, out var p) ? p : to.AddMinutes(-1);
            if (from >= to)
            {
                continue;
            }

            await using var tx = await conn.BeginTransactionAsync(ct);
            await OeeStore.LockMachineAsync(conn, tx, ctx.MachineId, ct);
            var buckets = await OeeEngine.RecomputeAsync(conn, tx, ctx, from, to, ct);
            await tx.CommitAsync(ct);
            changes.Add((ctx, buckets));
        }

        await mirror.WriteAsync(changes, ct);
        await publisher.PublishAsync(to, ct);
    }
}
