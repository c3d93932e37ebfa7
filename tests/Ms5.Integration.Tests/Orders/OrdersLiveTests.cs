using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Ms5.Analytics.Contracts;
using Ms5.Analytics.Orders;
using Ms5.Analytics.Plant;
using Ms5.Analytics.Tests;
using Ms5.Integration.Tests.Support;
using Ms5.Kafka;
using Ms5.Postgres;

namespace Ms5.Integration.Tests.Orders;

/// <summary>
/// Production orders live in the real OEE engine host (its own input and ms5.orders.v1 topics on the dev broker, the run's
/// PostgreSQL): a released order starts automatically at the time of the state event naming its product, a product change
/// completes the running order at that instant and starts the next, a replayed event changes nothing, lifecycle and
/// progress messages arrive on the topic and validate against the schema, and rows written while the engine is down are
/// published after it restarts.
/// </summary>
[Collection(StackCollections.Crash)]
public sealed class OrdersLiveTests(StackFixture stack)
{
    private static string PlantJson(string plant, string machine) => $$"""
        { "plantId": "{{plant}}", "name": "Orders live plant", "timeZone": "UTC",
          "reasonCodes": [ { "code": "jam", "category": "unplanned" } ],
          "shifts": [ { "name": "day", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "00:00", "end": "23:59" } ],
          "lines": [ { "id": "{{plant}}-line", "name": "Line", "machines": [ { "id": "{{machine}}", "name": "Press", "idealCycleSeconds": 2.0 } ] } ] }
        """;

    /// <summary>On a minute boundary: a transition inside a minute gives that whole minute to one order, which these figures avoid.</summary>
    private static DateTimeOffset Minute(DateTimeOffset t) => new(t.UtcTicks - (t.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero);

    private static string StateWithProduct(Guid id, string machine, DateTimeOffset ts, string product) =>
        $$"""{"eventId":"{{id}}","machineId":"{{machine}}","ts":"{{Some.Ts(ts)}}","type":"state","state":"running","product":"{{product}}"}""";

    private static ProductionOrder Order(string id, string plant, string machine, string product, DateTimeOffset plannedStart) => new()
    {
        OrderId = id, PlantId = plant, Product = product, TargetQuantity = 100, MachineIds = [machine],
        PlannedStart = plannedStart, PlannedEnd = plannedStart.AddMinutes(30),
    };

    private async Task CreateReleasedAsync(OrderStore store, ProductionOrder order, DateTimeOffset at)
    {
        Assert.True((await store.CreateAsync(order, "planner", at)).Ok);
        Assert.True((await store.TransitionAsync(order.OrderId, OrderAction.Release, at, "planner")).Ok);
    }

    private ChildProcess StartEngine(string name, string input, string ordersTopic)
    {
        var env = stack.StreamEnv(name, input, sinks: "oee");
        env["Stream__Orders__Topic"] = ordersTopic;
        env["Stream__Orders__ProgressInterval"] = "00:00:01";
        env["Stream__Orders__OutboxInterval"] = "00:00:00.200";
        env["Stream__AnomalyScoring__Enabled"] = "false";
        return ChildProcess.Start(Repo.EngineDll, env);
    }

    private IConsumer<byte[]?, byte[]?> Reader(string topic)
    {
        var consumer = new ConsumerBuilder<byte[]?, byte[]?>(stack.Kafka.ConsumerConfig($"test.{stack.RunId}.reader.{Guid.NewGuid():N}", "test-orders-reader")).Build();
        consumer.Subscribe(topic);
        return consumer;
    }

    private static bool Take(IConsumer<byte[]?, byte[]?> consumer, List<ConsumeResult<byte[]?, byte[]?>> into)
    {
        while (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { } m)
        {
            into.Add(m);
        }

        return true;
    }

    private static List<OrderMessage> Messages(IEnumerable<ConsumeResult<byte[]?, byte[]?>> seen, string orderId) =>
        seen.Select(m => JsonSerializer.Deserialize(m.Message.Value, ContractJson.Default.OrderMessage)!).Where(m => m.OrderId == orderId).ToList();

    private static List<string> Lifecycle(IEnumerable<ConsumeResult<byte[]?, byte[]?>> seen, string orderId) =>
        [.. Messages(seen, orderId).Where(m => m.Kind != OrderNames.Progress).Select(m => m.Kind)];

    [Fact]
    public async Task ReleasedOrder_StartsAtItsProductsStateEvent_ProductChangeCompletesIt_ReplayChangesNothing_MessagesPublished()
    {
        var (plant, machine) = ("olv-a", "olv-a-m1");
        await new PlantStore(stack.Db).SaveAsync(PlantConfigParser.Parse(PlantJson(plant, machine)), PlantJson(plant, machine));
        var now = Minute(DateTimeOffset.UtcNow);
        var store = new OrderStore(stack.Db);
        var (a, b, byHand) = ($"{plant}-A1", $"{plant}-B1", $"{plant}-C1");
        await CreateReleasedAsync(store, Order(a, plant, machine, "A", now.AddMinutes(-40)), now.AddHours(-1));
        await CreateReleasedAsync(store, Order(b, plant, machine, "B", now.AddMinutes(-10)), now.AddHours(-1));

        var input = $"test.{stack.RunId}.olv-a-in";
        var topic = $"test.{stack.RunId}.olv-a-orders";
        await TopicAdmin.EnsureAsync(stack.Kafka, new Dictionary<string, int> { [input] = 1, [topic] = 1 });
        var reader = Reader(topic);
        using var closing = reader.ClosedAtTheEnd();
        using var engine = StartEngine("olv-a", input, topic);
        await StackFixture.WaitForAssignmentAsync(engine, 1);

        // Product A from t1 with 10 + 4 good parts; product B from t2 (A is completed there) with 5 + 7 good and 1 reject.
        var (t1, t2) = (now.AddMinutes(-30), now.AddMinutes(-10));
        var startA = Guid.NewGuid();
        var events = new List<(string?, string)>
        {
            (machine, StateWithProduct(startA, machine, t1, "A")),
            (machine, Some.Count(Guid.NewGuid(), machine, t1.AddMinutes(1), 10, 0)),
            (machine, Some.Count(Guid.NewGuid(), machine, t1.AddMinutes(5), 4, 0)),
            (machine, StateWithProduct(Guid.NewGuid(), machine, t2, "B")),
            (machine, Some.Count(Guid.NewGuid(), machine, t2.AddSeconds(30), 5, 1)),
            (machine, Some.Count(Guid.NewGuid(), machine, t2.AddSeconds(90), 7, 0)),
        };
        await stack.ProduceAsync(input, events);

        await Eventually.TrueAsync(async () => (await store.GetAsync(b))?.Order.Status == OrderStatus.Running, TimeSpan.FromSeconds(60), () => $"{b} running; engine: {engine.Output}");
        var orderA = (await store.GetAsync(a))!.Order;
        var orderB = (await store.GetAsync(b))!.Order;
        Assert.Equal((OrderStatus.Completed, (DateTimeOffset?)t1, (DateTimeOffset?)t2), (orderA.Status, orderA.ActualStart, orderA.ActualEnd));
        Assert.Equal((OrderStatus.Running, (DateTimeOffset?)t2, (DateTimeOffset?)null), (orderB.Status, orderB.ActualStart, orderB.ActualEnd));
        var historyA = await store.HistoryAsync(a);
        Assert.Equal(["created", "released", "started", "completed"], historyA.Select(h => h.Kind));
        Assert.Equal([t1, t2], historyA.Skip(2).Select(h => h.At));
        Assert.All(historyA.Skip(2), h => Assert.Equal("auto:" + machine, h.Actor));

        // Progress from the minute buckets: A made 14 good in [t1, t2); B 12 good and 1 reject so far.
        var progressA = await store.ProgressAsync(orderA, DateTimeOffset.UtcNow);
        Assert.Equal((14L, 0L, 0.14), (progressA.GoodCount, progressA.RejectCount, progressA.PercentOfTarget));

        // Lifecycle messages in order per order, then progress of the running order with the same figures.
        var seen = new List<ConsumeResult<byte[]?, byte[]?>>();
        await Eventually.TrueAsync(() => Take(reader, seen) && Lifecycle(seen, a).Count == 4 && Lifecycle(seen, b).Count == 3
            && Messages(seen, b).Any(m => m.Progress is { GoodCount: 12 }), TimeSpan.FromSeconds(60),
            () => $"lifecycle and progress on {topic}: {string.Join(", ", seen.Select(m => Encoding.UTF8.GetString(m.Message.Value!)))}; engine: {engine.Output}");
        Assert.Equal(["created", "released", "started", "completed"], Lifecycle(seen, a));
        Assert.Equal(["created", "released", "started"], Lifecycle(seen, b));
        var started = Messages(seen, b).Single(m => m.Kind == "started");
        Assert.Equal((t2, "auto:" + machine, "running", (DateTimeOffset?)t2), (started.At, started.Actor, started.Order.Status, started.Order.ActualStart));
        var progress = Messages(seen, b).First(m => m.Progress is { GoodCount: 12 });
        Assert.Equal((OrderMessage.SystemActor, 12L, 1L, 13L, 0.12, 88L), (progress.Actor, progress.Progress!.GoodCount, progress.Progress.RejectCount, progress.Progress.TotalCount, progress.Progress.PercentOfTarget, progress.Progress.RemainingQuantity));
        Assert.DoesNotContain(Messages(seen, a), m => m.Kind == OrderNames.Progress && m.Order.Status == "completed");
        Assert.All(seen, m => Assert.Equal(JsonSerializer.Deserialize(m.Message.Value, ContractJson.Default.OrderMessage)!.OrderId, Encoding.UTF8.GetString(m.Message.Key!)));
        Assert.All(seen, m => Assert.True(ContractSchemas.Errors(Repo.Root, "orders.v1", m.Message.Value).Count == 0,
            $"{string.Join("; ", ContractSchemas.Errors(Repo.Root, "orders.v1", m.Message.Value))}\n  {Encoding.UTF8.GetString(m.Message.Value!)}"));
        Assert.Equal(0, await stack.ScalarAsync("SELECT count(*) FROM order_history WHERE order_id = ANY($1) AND NOT published", (object)new[] { a, b }));

        // An order started by hand is not restarted by its product's event, and replaying A's start changes nothing.
        await CreateReleasedAsync(store, Order(byHand, plant, machine, "C", now.AddMinutes(30)), now);
        Assert.True((await store.TransitionAsync(b, OrderAction.Complete, now, "planner")).Ok);
        Assert.True((await store.TransitionAsync(byHand, OrderAction.Start, now.AddSeconds(1), "planner")).Ok);
        var versions = await stack.ScalarAsync("SELECT sum(version) FROM orders WHERE order_id = ANY($1)", (object)new[] { a, b, byHand });
        await stack.ProduceAsync(input, [(machine, StateWithProduct(startA, machine, t1, "A")), (machine, StateWithProduct(Guid.NewGuid(), machine, now.AddSeconds(2), "C"))]);
        await stack.WaitForDrainAsync($"test.{stack.RunId}.olv-a.oee", input);
        await Task.Delay(1000);
        Assert.Equal(versions, await stack.ScalarAsync("SELECT sum(version) FROM orders WHERE order_id = ANY($1)", (object)new[] { a, b, byHand }));
        Assert.Equal(4, (await store.HistoryAsync(a)).Count);
        Assert.Equal("planner", (await store.HistoryAsync(byHand))[^1].Actor);

        engine.Stop();
    }

    [Fact]
    public async Task OutboxRowsWrittenWhileTheEngineIsDown_ArePublishedAfterItRestarts_NoneLost()
    {
        var (plant, machine) = ("olv-r", "olv-r-m1");
        await new PlantStore(stack.Db).SaveAsync(PlantConfigParser.Parse(PlantJson(plant, machine)), PlantJson(plant, machine));
        var now = Minute(DateTimeOffset.UtcNow);
        var store = new OrderStore(stack.Db);
        var input = $"test.{stack.RunId}.olv-r-in";
        var topic = $"test.{stack.RunId}.olv-r-orders";
        await TopicAdmin.EnsureAsync(stack.Kafka, new Dictionary<string, int> { [input] = 1, [topic] = 1 });
        var reader = Reader(topic);
        using var closing = reader.ClosedAtTheEnd();
        var seen = new List<ConsumeResult<byte[]?, byte[]?>>();

        var first = $"{plant}-1";
        var engine = StartEngine("olv-r", input, topic);
        await CreateReleasedAsync(store, Order(first, plant, machine, "A", now), now);
        await Eventually.TrueAsync(() => Take(reader, seen) && Lifecycle(seen, first).Count == 2, TimeSpan.FromSeconds(60), () => $"{first} published; engine: {engine.Output}");
        // Publishing is at-least-once: rows are marked after the broker's acknowledgement, in a transaction that a kill
        // just after it would roll back (the restarted engine then sends them again; on a loaded machine it did). The
        // kill comes once the marks are committed, so every message below is expected exactly once.
        await Eventually.TrueAsync(async () => await stack.ScalarAsync("SELECT count(*) FROM order_history WHERE order_id = $1 AND NOT published", first) == 0,
            TimeSpan.FromSeconds(30), () => $"{first} marked published; engine: {engine.Output}");
        engine.Kill();
        engine.Dispose();

        // Written while no engine runs: they stay in the outbox.
        var ids = Enumerable.Range(2, 5).Select(i => $"{plant}-{i}").ToArray();
        for (var i = 0; i < ids.Length; i++)
        {
            await CreateReleasedAsync(store, Order(ids[i], plant, machine, "A", now.AddHours(i + 1)), now);
        }

        Assert.Equal(10, await stack.ScalarAsync("SELECT count(*) FROM order_history WHERE order_id = ANY($1) AND NOT published", (object)ids));
        using var restarted = StartEngine("olv-r", input, topic);
        await Eventually.TrueAsync(async () => await stack.ScalarAsync("SELECT count(*) FROM order_history WHERE order_id = ANY($1) AND NOT published", (object)ids) == 0,
            TimeSpan.FromSeconds(60), () => $"the outbox drained; engine: {restarted.Output}");
        await Eventually.TrueAsync(() => Take(reader, seen) && ids.All(id => Lifecycle(seen, id).Count >= 2), TimeSpan.FromSeconds(30), () => "every row on the topic");
        Assert.All(ids, id => Assert.Equal(["created", "released"], Lifecycle(seen, id)));
        Assert.Equal(["created", "released"], Lifecycle(seen, first));
        restarted.Stop();
    }

    private static async Task<double> LeaderAsync(ChildProcess engine)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) }; // a host's /metrics on a CI machine with every core busy can take over 5 s
        try
        {
            var text = await http.GetStringAsync(new Uri($"http://127.0.0.1:{engine.Environment["Stream__MetricsPort"]}/metrics"));
            return text.Split('\n').Where(l => l.StartsWith("ms5_orders_publisher_leader ", StringComparison.Ordinal))
                .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            // Not answering, or slower than 5 s on a loaded machine: the caller polls again.
            return -1;
        }
    }

    [Fact]
    public async Task TwoEngineInstances_OnlyOnePublishes_EveryOutboxRowSentOnce()
    {
        var (plant, machine) = ("olv-2", "olv-2-m1");
        await new PlantStore(stack.Db).SaveAsync(PlantConfigParser.Parse(PlantJson(plant, machine)), PlantJson(plant, machine));
        var now = Minute(DateTimeOffset.UtcNow);
        var input = $"test.{stack.RunId}.olv-2-in";
        var topic = $"test.{stack.RunId}.olv-2-orders";
        await TopicAdmin.EnsureAsync(stack.Kafka, new Dictionary<string, int> { [input] = 2, [topic] = 1 });
        var reader = Reader(topic);
        using var closing = reader.ClosedAtTheEnd();
        using var first = StartEngine("olv-2", input, topic);
        using var second = StartEngine("olv-2", input, topic);
        await Eventually.TrueAsync(async () => await LeaderAsync(first) >= 0 && await LeaderAsync(second) >= 0 && await LeaderAsync(first) + await LeaderAsync(second) == 1,
            TimeSpan.FromSeconds(60), () => $"one leader; first: {first.Output}\nsecond: {second.Output}");

        var store = new OrderStore(stack.Db);
        var ids = Enumerable.Range(1, 20).Select(i => $"{plant}-{i}").ToArray();
        for (var i = 0; i < ids.Length; i++)
        {
            await CreateReleasedAsync(store, Order(ids[i], plant, machine, "A", now.AddHours(i)), now);
        }

        await Eventually.TrueAsync(async () => await stack.ScalarAsync("SELECT count(*) FROM order_history WHERE order_id = ANY($1) AND NOT published", (object)ids) == 0,
            TimeSpan.FromSeconds(60), () => "the outbox drained");
        var seen = new List<ConsumeResult<byte[]?, byte[]?>>();
        await Eventually.TrueAsync(() => Take(reader, seen) && ids.All(id => Lifecycle(seen, id).Count >= 2), TimeSpan.FromSeconds(30), () => "every row on the topic");
        await Task.Delay(2000);
        Take(reader, seen);
        Assert.All(ids, id => Assert.Equal(["created", "released"], Lifecycle(seen, id)));
        Assert.Equal(1, await LeaderAsync(first) + await LeaderAsync(second));
        first.Stop();
        second.Stop();
    }
}
