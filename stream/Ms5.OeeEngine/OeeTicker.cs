using System.Runtime.ExceptionServices;
using Ms5.Analytics.Andon;
using Ms5.Analytics.Oee;
using Ms5.Analytics.Plant;
using Ms5.Postgres;
using Npgsql;

namespace Ms5.OeeEngine;

/// <summary>
/// Closes minutes as time passes: every few seconds each machine's buckets are computed up to now (the
/// current minute so far), so running, stopped and silent (offline) time accrue without new events; then
/// the rolling windows of every machine, line and plant are published. One transaction per slice of
/// <see cref="SliceSize"/> machines, locked in a fixed order, progress re-read under the locks: safe with several
/// engine instances, and a recomputation replaces rows with the same values. Which range each machine gets is
/// <see cref="RecomputePlan.OnTick"/> (a replayed machine is extended once the replay pauses, a day per tick).
/// </summary>
internal sealed class OeeTicker(NpgsqlDataSource db, PlantDirectory plants, Recomputation recomputation, OeePublication publication, EventTails tails, AndonHub andon, TimeProvider time, TimeSpan interval, ILogger<OeeTicker> logger) : BackgroundService
{
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

    /// <summary>
    /// Machines per transaction of a tick. The engine's batches wait for the locks of their machines, so a tick holds
    /// them a slice at a time: one transaction over every machine held them ~1 s, and p99 event-to-OEE latency at
    /// 10k events/s went over 1 s in half the runs.
    /// </summary>
    internal const int SliceSize = 32;

    internal async Task TickAsync(CancellationToken ct)
    {
        ExceptionDispatchInfo? failure = null;
        try
        {
            await using var conn = await db.OpenConnectionAsync(ct);
            // A calendar or an ideal cycle time changed: reload the plants (the request is stored after the new calendar), then recompute.
            var recomputes = await OeeStore.PendingRecomputesAsync(conn, ct);
            await plants.RefreshAsync(recomputes.Count > 0 ? TimeSpan.Zero : PlantDirectory.FreshEnough, ct);
            // A machine taken out of service ("active": false) accrues no silent time; its events are still computed by the batches.
            var contexts = plants.All.Where(c => c.Active).ToDictionary(c => c.MachineId, StringComparer.Ordinal);
            var slices = contexts.Keys.Order(StringComparer.Ordinal).Chunk(SliceSize).ToList();
            // A request is removed in the transaction of the last slice holding one of its machines (the last slice when it names none).
            var removeIn = recomputes.ToLookup(r => slices.FindLastIndex(s => s.Any(m => Applies(r, contexts[m]))) is var last and >= 0 ? last : slices.Count - 1, r => r.Id);
            for (var i = 0; i < slices.Count; i++)
            {
                var (result, at) = await CommitSliceAsync(conn, slices[i].ToDictionary(m => m, m => contexts[m], StringComparer.Ordinal), recomputes, [.. removeIn[i]], ct);
                await AfterSliceAsync(result, at, ct);
            }

            if (slices.Count == 0 && recomputes.Count > 0)
            {
                await using var tx = await conn.BeginTransactionAsync(ct);
                await OeeStore.RemoveRecomputesAsync(conn, tx, recomputes.Select(r => r.Id).ToList(), ct);
                await tx.CommitAsync(ct);
            }
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            // The slices committed so far are in the cache and the mirror, and their windows are published below; the rest is the next tick's.
            failure = ExceptionDispatchInfo.Capture(ex);
        }

        try
        {
            await publication.AfterTickAsync(time.GetUtcNow(), ct);
        }
        catch (Exception ex) when (failure is not null && !ct.IsCancellationRequested)
        {
            logger.LogWarning(ex, "Could not publish the rolling OEE after a failed tick");
        }

        failure?.Throw();
        Telemetry.Ticked();
    }

    private static bool Applies((long Id, string PlantId, DateTimeOffset From, string? MachineId) request, MachineOeeContext machine) =>
        machine.PlantId == request.PlantId && (request.MachineId is null || machine.MachineId == request.MachineId);

    /// <summary>
    /// One slice of machines in one transaction, under their locks: the recompute requests applied to them, each
    /// computed up to now (read under the locks), saved, committed. A request is removed (<paramref name="remove"/>) with
    /// the last slice holding one of its machines, so its machines are recomputed when it is gone, and a tick failing
    /// before that applies it again next time (moving progress back twice only recomputes the same minutes again).
    /// </summary>
    private async Task<(RecomputeResult Result, DateTimeOffset CommittedAt)> CommitSliceAsync(
        NpgsqlConnection conn, Dictionary<string, MachineOeeContext> slice, IReadOnlyList<(long Id, string PlantId, DateTimeOffset From, string? MachineId)> recomputes, IReadOnlyList<long> remove, CancellationToken ct)
    {
        await using var tx = await conn.BeginTransactionAsync(ct);
        await OeeStore.LockMachinesAsync(conn, tx, slice.Keys, ct);
        if (recomputes.Count > 0)
        {
            await OeeStore.MoveProgressBackAsync(conn, tx, recomputes.Select(r => ((IReadOnlyList<string>)slice.Values.Where(c => Applies(r, c)).Select(c => c.MachineId).ToList(), r.From)).ToList(), ct);
            if (remove.Count > 0)
            {
                await OeeStore.RemoveRecomputesAsync(conn, tx, remove, ct);
                logger.LogInformation("Recomputing OEE after configuration changes: {Requests}", string.Join(", ", recomputes.Where(r => remove.Contains(r.Id)).Select(r => $"{r.MachineId ?? r.PlantId} from {r.From:O}")));
            }
        }

        var now = time.GetUtcNow();
        var items = await PlanAsync(conn, tx, slice, now, ct);
        // One machine after another: computed in parallel, a tick of every machine took both cores from the Andon
        // timers and the notifier while the machines' locks are held (bench andon: p99 1-2 s in 3 of 6 runs, against
        // 0.23-0.28 s this way).
        var result = await recomputation.ComputeAndSaveAsync(conn, tx, items, now, ct, parallel: false);
        await tx.CommitAsync(ct);
        return (result, time.GetUtcNow());
    }

    /// <summary>
    /// After a slice's COMMIT: its buckets go to the rolling-window cache at once (before a batch that waited for the
    /// locks can put newer ones there), to the counters and the InfluxDB mirror (which logs its failures), then to the
    /// Andon hub, and the OEE and reject-rate rules are judged on them. A failure of the Andon part ends the tick after
    /// the slice's buckets are out.
    /// </summary>
    private async Task AfterSliceAsync(RecomputeResult result, DateTimeOffset at, CancellationToken ct)
    {
        var changes = result.Computed.Select(c => (c.Item.Context, c.Buckets)).ToList();
        foreach (var (ctx, buckets) in changes)
        {
            publication.Live.Put(ctx.MachineId, buckets, at);
        }

        await publication.AfterTickSliceAsync(changes, at, ct);
        await recomputation.CommittedAsync(result, ct);
        // OEE and reject-rate rules are judged at minute ends, on the rolling buckets just updated.
        var ratioFindings = changes.SelectMany(c => andon.EvaluateBuckets(c.Context, publication.Live.Minutes(c.Context.MachineId, at - RatioHorizon))).ToList();
        if (ratioFindings.Count > 0)
        {
            await using var conn = await db.OpenConnectionAsync(ct);
            var transitions = await AndonStore.ApplyAsync(conn, null, ratioFindings, at, ct);
            await andon.CommittedAsync(ratioFindings, new Dictionary<string, List<(AndonFinding, DateTimeOffset)>>(), transitions, ct);
        }
    }

    /// <summary>Each machine's range; machines the engine holds a current tail of need no reads, the others are loaded from the store.</summary>
    private async Task<List<RecomputeItem>> PlanAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Dictionary<string, MachineOeeContext> contexts, DateTimeOffset now, CancellationToken ct)
    {
        var progress = await OeeStore.ProgressManyAsync(conn, tx, contexts.Keys, ct);
        var versions = await OeeStore.EventVersionsAsync(conn, tx, contexts.Keys, ct);
        var ranges = new Dictionary<string, MinuteRange>(StringComparer.Ordinal);
        var current = new Dictionary<string, EventTail>(StringComparer.Ordinal);
        foreach (var machine in contexts.Keys)
        {
            var known = progress.TryGetValue(machine, out var p);
            if (RecomputePlan.OnTick(known ? p.ComputedTo : null, p.TouchedAt, now, interval) is not { } range)
            {
                continue;
            }

            ranges[machine] = range;
            var tail = versions.TryGetValue(machine, out var v) ? tails.Peek(machine, v) : null;
            if (tail is not null && RecomputePlan.LoadFrom(range, tail.CompleteFrom) is null)
            {
                current[machine] = tail;
            }
        }

        var loaded = await OeeEventStore.LoadManyAsync(conn, tx, ranges.Where(r => !current.ContainsKey(r.Key)).ToDictionary(r => r.Key, r => (r.Value.From, r.Value.To), StringComparer.Ordinal), ct);
        return ranges.Select(r => new RecomputeItem(contexts[r.Key], r.Value, ResetProgress: false, ReachesNow: r.Value.To == now)
        {
            // A tail only read here: the engine trims it under its own batches.
            Loaded = current.TryGetValue(r.Key, out var tail) ? tail.Slice(r.Value.From, r.Value.To) : loaded[r.Key],
        }).ToList();
    }
}
