using Microsoft.Extensions.Options;
using Ms5.Analytics.Oee;
using Ms5.Analytics.Plant;
using Ms5.Postgres;
using Npgsql;

namespace Ms5.OeeEngine;

/// <summary>
/// Where computed buckets go after COMMIT: the in-process rolling-window cache (<see cref="LiveBuckets"/>),
/// ms5.oee.v1 (<see cref="OeePublisher"/>) and the InfluxDB mirror. An engine batch's machines are published
/// off the batch's path, in batch order, batches queued meanwhile together (the next batch need not wait for Kafka
/// and InfluxDB; see <see cref="AfterBatch"/>); the ticker
/// publishes every machine, line and plant. Publications are notifications: a failed one is repeated by the
/// next tick.
/// </summary>
internal sealed class OeePublication(NpgsqlDataSource db, LiveBuckets live, OeePublisher publisher, OeeInfluxMirror mirror, IHostApplicationLifetime lifetime, IOptions<EngineOptions> options, ILogger<OeePublication> logger)
{
    /// <summary>
    /// While the engine drains a backlog (<see cref="Ms5.Analytics.Andon.CatchUpHold"/>), how long after the previous
    /// publication the next one starts, taking every batch committed meanwhile at once (<see cref="EngineOptions.CatchUpPublishEvery"/>).
    /// A backlog commits a batch of ~100k events every ~0.5 s, each touching every machine: publishing each meant every
    /// machine's windows to Kafka and every bucket to InfluxDB again and again (~5 % of the engine's CPU), all superseded
    /// by the next batch. Live batches are published at once.
    /// </summary>
    private readonly TimeSpan _catchUpEvery = options.Value.CatchUpPublishEvery;

    private readonly Lock _gate = new();
    private readonly PublicationQueue _queued = new();
    private bool _catchUp;
    private bool _running;

    /// <summary>Cancelled by a live batch: a publication waiting out the catch-up interval then goes out at once.</summary>
    private CancellationTokenSource _wake = new();
    private long? _started;

    public LiveBuckets Live => live;

    /// <summary>
    /// Queues the publication of an engine batch's machines. One publication runs at a time; batches committed while one
    /// runs (or, catching up, within <see cref="EngineOptions.CatchUpPublishEvery"/> of the previous one) are published together by the next:
    /// each machine with its newest computation and the union of its buckets, a later batch's figures for a minute
    /// replacing an earlier one's. That is what publishing them one after another in commit order leaves in the
    /// window cache, on ms5.oee.v1 (newest windows per machine) and in InfluxDB (newest point per series and minute).
    /// </summary>
    public void AfterBatch(IReadOnlyList<(RecomputeItem Item, IReadOnlyDictionary<DateTimeOffset, OeeComponents> Buckets)> computed, DateTimeOffset now, bool catchUp = false)
    {
        // The counters at once (cheap): Prometheus' windows then lag the events by as little as possible.
        foreach (var (item, buckets) in computed)
        {
            Telemetry.Count(item.Context, buckets, now);
        }

        if (computed.Count == 0)
        {
            return;
        }

        // The lanes of a batch (BatchLanes) queue theirs at the same time.
        lock (_gate)
        {
            _queued.Add(computed, now);
            _catchUp = catchUp;
            if (!catchUp)
            {
                // Not disposed: the loop may be linking to its token right now (a source without a timer holds nothing to free).
                _wake.Cancel();
                _wake = new CancellationTokenSource();
            }

            if (!_running)
            {
                // The loop outlives the batch that starts it: it stops with the engine, not with that batch's write (a
                // write abandoned in a revocation cancels its token; what other batches queued must still go out).
                _running = true;
                _ = Task.Run(() => PublishQueuedAsync(lifetime.ApplicationStopping), CancellationToken.None);
            }
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

    /// <summary>Publishes what is queued until nothing is; the only publication running (see <see cref="AfterBatch"/>).</summary>
    private async Task PublishQueuedAsync(CancellationToken ct)
    {
        var drained = false;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                bool catchUp;
                CancellationToken wake;
                lock (_gate)
                {
                    catchUp = _catchUp;
                    wake = _wake.Token;
                }

                var since = _started is { } started ? System.Diagnostics.Stopwatch.GetElapsedTime(started) : TimeSpan.MaxValue;
                if (catchUp && since < _catchUpEvery)
                {
                    using var waiting = CancellationTokenSource.CreateLinkedTokenSource(ct, wake);
                    try
                    {
                        await Task.Delay(_catchUpEvery - since, waiting.Token);
                    }
                    catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                    {
                        // A live batch came: it and everything queued go out now.
                    }
                }

                List<(RecomputeItem Item, IReadOnlyDictionary<DateTimeOffset, OeeComponents> Buckets)> computed;
                DateTimeOffset now;
                lock (_gate)
                {
                    if (_queued.Count == 0)
                    {
                        _running = false;
                        drained = true;
                        return;
                    }

                    (computed, now) = _queued.Take();
                }

                _started = System.Diagnostics.Stopwatch.GetTimestamp();
                await PublishAsync(computed, now, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            if (!drained)
            {
                // Stopped by cancellation (the engine stops) or a fault: the next batch starts a new loop.
                lock (_gate)
                {
                    _running = false;
                }
            }
        }
    }

    private async Task PublishAsync(IReadOnlyList<(RecomputeItem Item, IReadOnlyDictionary<DateTimeOffset, OeeComponents> Buckets)> computed, DateTimeOffset now, CancellationToken ct)
    {
        try
        {
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

/// <summary>
/// Batches' computations waiting to be published (<see cref="OeePublication.AfterBatch"/>), merged per machine: its newest
/// computation (with the newest <c>lastEventAt</c> of all), the union of its buckets, a later batch's figures for a minute
/// replacing an earlier one's. Not thread-safe (the publication locks around it).
/// </summary>
internal sealed class PublicationQueue
{
    private Dictionary<string, (RecomputeItem Item, Dictionary<DateTimeOffset, OeeComponents> Buckets)> _queued = new(StringComparer.Ordinal);
    private DateTimeOffset _now = DateTimeOffset.MinValue;

    public int Count => _queued.Count;

    public void Add(IReadOnlyList<(RecomputeItem Item, IReadOnlyDictionary<DateTimeOffset, OeeComponents> Buckets)> computed, DateTimeOffset now)
    {
        foreach (var (item, buckets) in computed)
        {
            var machine = item.Context.MachineId;
            if (_queued.TryGetValue(machine, out var queued))
            {
                foreach (var (minute, c) in buckets)
                {
                    queued.Buckets[minute] = c;
                }

                _queued[machine] = (item with { NewestEvent = Max(queued.Item.NewestEvent, item.NewestEvent) }, queued.Buckets);
            }
            else
            {
                _queued[machine] = (item, new Dictionary<DateTimeOffset, OeeComponents>(buckets));
            }
        }

        _now = now > _now ? now : _now;
    }

    /// <summary>Everything queued, in the order machines were first queued, with the latest batch time; the queue is empty after.</summary>
    public (List<(RecomputeItem Item, IReadOnlyDictionary<DateTimeOffset, OeeComponents> Buckets)> Computed, DateTimeOffset Now) Take()
    {
        var computed = _queued.Values.Select(q => (q.Item, (IReadOnlyDictionary<DateTimeOffset, OeeComponents>)q.Buckets)).ToList();
        var now = _now;
        _queued = new(StringComparer.Ordinal);
        _now = DateTimeOffset.MinValue;
        return (computed, now);
    }

    private static DateTimeOffset? Max(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a > b ? a : b;
}
