using System.Collections.Concurrent;
using Ms5.Analytics.Events;
using Ms5.Analytics.Orders;
using Ms5.Postgres;
using Prometheus;

namespace Ms5.OeeEngine.Orders;

/// <summary>
/// Starts released orders by product. When a batch holds a state event naming a <c>product</c> for a machine with a released
/// order for that product, the next such order (earliest plannedStart, then id) is started at the event's time (event
/// time, never arrival time) by actor <c>auto:MACHINE</c> through <see cref="OrderStore.TransitionAsync"/>, so the history
/// and outbox row is written and the conflict rules hold. A product change ends the running order: when a different
/// product's order runs on the machine, it is completed at that same instant first (only when there is a released order
/// to start; a product with no order changes nothing). Idempotent: a replayed or duplicated event finds its order already
/// running or finished (or the domain refuses a time before the previous transition), and an order started by hand is not
/// released any more, so nothing is restarted. Off the hot path: the machine's running and released orders are cached
/// for <see cref="OrderPublishingOptions.CacheRefresh"/> and read only when a state event carries a product (and again,
/// at most once a second per machine, when the cached orders have none released for that product).
/// </summary>
internal sealed class OrderAutoStart(OrderStore store, OrderPublishingOptions options, TimeProvider time, ILogger<OrderAutoStart> logger)
{
    private static readonly Counter Transitions = Metrics.CreateCounter(Telemetry.OrderAutoTransitions, "Orders started or completed automatically from a state event's product, by transition (start, complete) and outcome (done, refused).", "transition", "outcome");

    private readonly ConcurrentDictionary<string, (DateTimeOffset LoadedAt, IReadOnlyList<ProductionOrder> Orders)> _cache = new(StringComparer.Ordinal);

    /// <summary>How old a cached entry may be when a product event finds no released order for its product in it.</summary>
    private static readonly TimeSpan MissReload = TimeSpan.FromSeconds(1);

    public static string Actor(string machineId) => "auto:" + machineId;

    /// <summary>Applies the batch's product-carrying state events, per machine in event-time order. Never throws for a refused transition.</summary>
    public async Task AfterBatchAsync(IReadOnlyList<MachineEvent> events, CancellationToken ct)
    {
        if (!options.AutoStart)
        {
            return;
        }

        var named = events.Where(e => e.Type == EventType.State && !string.IsNullOrEmpty(e.Product)).OrderBy(e => e.Ts).ToList();
        if (named.Count == 0)
        {
            return;
        }

        await PrefetchAsync(named, ct);
        foreach (var e in named)
        {
            await ApplyAsync(e.MachineId, e.Product!, e.Ts, ct);
        }
    }

    /// <summary>
    /// In one query, the orders of every machine whose cached entry <see cref="ApplyAsync"/> would read again for the batch's
    /// first event of it (missing, older than the refresh, or older than a second without a released order for a product the
    /// batch names): a backlog names products for hundreds of machines per batch, one query each cost ~0.2 ms.
    /// </summary>
    private async Task PrefetchAsync(List<MachineEvent> named, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var stale = named.GroupBy(e => e.MachineId, StringComparer.Ordinal)
            .Where(g => !_cache.TryGetValue(g.Key, out var cached) || now - cached.LoadedAt >= options.CacheRefresh
                || (now - cached.LoadedAt >= MissReload && g.Any(e => NextFor(cached.Orders, e.Product!) is null)))
            .Select(g => g.Key).ToList();
        if (stale.Count == 0)
        {
            return;
        }

        foreach (var (machine, orders) in await store.RunningAndReleasedAsync(stale, ct))
        {
            _cache[machine] = (now, orders);
        }
    }

    private async Task ApplyAsync(string machineId, string product, DateTimeOffset at, CancellationToken ct)
    {
        var orders = await OrdersAsync(machineId, fresherThan: options.CacheRefresh, ct);
        var next = NextFor(orders, product);
        if (next is null)
        {
            // An order released after the cache was read (a plan made just before the machine changes over, or before a
            // history replay) must not wait for the next event naming its product: look again, at most once a second.
            orders = await OrdersAsync(machineId, fresherThan: MissReload, ct);
            next = NextFor(orders, product);
        }

        if (next is null)
        {
            return;
        }

        var running = orders.FirstOrDefault(o => o.Status == OrderStatus.Running);
        if (running is not null && string.Equals(running.Product, product, StringComparison.Ordinal))
        {
            // The machine already makes this product for a running order: it goes on.
            return;
        }

        var actor = Actor(machineId);
        if (running is not null)
        {
            var completed = await store.TransitionAsync(running.OrderId, OrderAction.Complete, at, actor, ct);
            Count(OrderAction.Complete, completed);
            Forget(running.MachineIds);
            if (!completed.Ok)
            {
                logger.LogInformation("Order {Order} was not completed at {At} for the product change to {Product} on {Machine}: {Outcome}",
                    running.OrderId, at, product, machineId, completed.Outcome);
                return;
            }
        }

        var started = await store.TransitionAsync(next.OrderId, OrderAction.Start, at, actor, ct);
        Count(OrderAction.Start, started);
        Forget(next.MachineIds);
        if (started.Ok)
        {
            logger.LogInformation("Order {Order} started automatically at {At}: {Machine} reported product {Product}", next.OrderId, at, machineId, product);
        }
    }

    private static void Count(OrderAction action, OrderWrite write) =>
        Transitions.WithLabels(OrderNames.Of(action), write.Ok ? "done" : "refused").Inc();

    private static ProductionOrder? NextFor(IReadOnlyList<ProductionOrder> orders, string product) =>
        orders.Where(o => o.Status == OrderStatus.Released && string.Equals(o.Product, product, StringComparison.Ordinal))
            .OrderBy(o => o.PlannedStart).ThenBy(o => o.OrderId, StringComparer.Ordinal).FirstOrDefault();

    /// <summary>The machine's running and released orders, from the cache while it is younger than <paramref name="fresherThan"/>.</summary>
    private async Task<IReadOnlyList<ProductionOrder>> OrdersAsync(string machineId, TimeSpan fresherThan, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (_cache.TryGetValue(machineId, out var cached) && now - cached.LoadedAt < fresherThan)
        {
            return cached.Orders;
        }

        var orders = await store.RunningAndReleasedAsync(machineId, ct);
        _cache[machineId] = (now, orders);
        return orders;
    }

    /// <summary>After a transition the machines' cached orders are stale: the next product event reads them again.</summary>
    private void Forget(IEnumerable<string> machineIds)
    {
        foreach (var m in machineIds)
        {
            _cache.TryRemove(m, out _);
        }
    }
}
