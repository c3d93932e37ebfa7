using Ms5.Analytics.Oee;
using Ms5.Analytics.Plant;
using Ms5.Postgres;
using Npgsql;

namespace Ms5.OeeEngine;

/// <summary>
/// Where computed buckets go after COMMIT: the in-process rolling-window cache (<see cref="LiveBuckets"/>),
/// ms5.oee.v1 (<see cref="OeePublisher"/>) and the InfluxDB mirror. An engine batch's machines are published
/// off the batch's path, in batch order (the next batch need not wait for Kafka and InfluxDB); the ticker
/// publishes every machine, line and plant. Publications are notifications: a failed one is repeated by the
/// next tick.
/// </summary>
internal sealed class OeePublication(NpgsqlDataSource db, LiveBuckets live, OeePublisher publisher, OeeInfluxMirror mirror, ILogger<OeePublication> logger)
{
    private readonly Lock _chain = new();
    private Task _publishing = Task.CompletedTask;

    public LiveBuckets Live => live;

    /// <summary>Queues the publication of an engine batch's machines behind the previous one.</summary>
    public void AfterBatch(IReadOnlyList<(RecomputeItem Item, IReadOnlyDictionary<DateTimeOffset, OeeComponents> Buckets)> computed, DateTimeOffset now, CancellationToken ct)
    {
        // The counters at once (cheap): Prometheus' windows then lag the events by as little as possible.
        foreach (var (item, buckets) in computed)
        {
            Telemetry.Count(item.Context, buckets, now);
        }

        // The lanes of a batch (BatchLanes) queue theirs at the same time.
        lock (_chain)
        {
            var previous = _publishing;
            _publishing = Task.Run(() => PublishInOrderAsync(previous, computed, now, ct), CancellationToken.None);
        }
    }

    /// <summary>After each committed slice of a tick: the counters and the InfluxDB mirror take its buckets (a failed mirror write is logged and counted, not thrown).</summary>
    public async Task AfterTickSliceAsync(IReadOnlyList<(MachineOeeContext Machine, IReadOnlyDictionary<DateTimeOffset, OeeComponents> Buckets)> changes, DateTimeOffset at, CancellationToken ct)
    {
        foreach (var (machine, buckets) in changes)
        {
            Telemetry.Count(machine, buckets, at);
        }

        await mirror.WriteAsync(changes, ct);
    }

    /// <summary>After a tick: every machine's, line's and plant's windows are published.</summary>
    public Task AfterTickAsync(DateTimeOffset at, CancellationToken ct) => publisher.PublishAsync(at, ct);

    private async Task PublishInOrderAsync(Task previous, IReadOnlyList<(RecomputeItem Item, IReadOnlyDictionary<DateTimeOffset, OeeComponents> Buckets)> computed, DateTimeOffset now, CancellationToken ct)
    {
        try
        {
            await previous;
            if (computed.Count == 0)
            {
                return;
            }

            var clock = System.Diagnostics.Stopwatch.StartNew();
            await using (var conn = await db.OpenConnectionAsync(ct))
            {
                await PublishMachinesAsync(conn, computed, now, ct);
            }

            await mirror.WriteAsync(computed.Select(c => (c.Item.Context, c.Buckets)).ToList(), ct);
            OeeEngine.ObservePhase("publish_async", clock.Elapsed);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Could not publish the rolling OEE of {Count} machine(s); the next tick publishes them again", computed.Count);
        }
    }

    /// <summary>The rolling windows of the machines just computed, from the cache (loaded from PostgreSQL for a machine new to it).</summary>
    private async Task PublishMachinesAsync(NpgsqlConnection conn, IReadOnlyList<(RecomputeItem Item, IReadOnlyDictionary<DateTimeOffset, OeeComponents> Buckets)> computed, DateTimeOffset now, CancellationToken ct)
    {
        var missing = computed.Select(c => c.Item.Context.MachineId).Where(m => !live.Has(m)).ToList();
        if (missing.Count > 0)
        {
            foreach (var (machine, stored) in await OeeStore.LoadBucketsAsync(conn, missing, now - LiveBuckets.Horizon, ct))
            {
                live.Put(machine, stored, now, load: true);
            }
        }

        foreach (var (item, buckets) in computed)
        {
            live.Put(item.Context.MachineId, buckets, now);
        }

        await publisher.PublishMachinesAsync(computed.Select(c => (c.Item.Context, live.Windows(c.Item.Context.MachineId, now, c.Item.Context.Calendar.At(now)?.Start), c.Item.NewestEvent)), now, ct);
    }
}
