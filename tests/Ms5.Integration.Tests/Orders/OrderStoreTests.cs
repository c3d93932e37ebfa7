using System.Text;
using System.Text.Json;
using Ms5.Analytics.Contracts;
using Ms5.Analytics.Orders;
using Ms5.Analytics.Plant;
using Ms5.Analytics.Tests;
using Ms5.Integration.Tests.Support;
using Ms5.Postgres;

namespace Ms5.Integration.Tests.Orders;

/// <summary>
/// <see cref="OrderStore"/> against the run's PostgreSQL: create with duplicate and overlap checks, the lifecycle with its
/// history (audit and outbox), one running order per machine also under concurrent starts, progress summed from
/// oee_minute rows, and the outbox publishing each change once as a valid ms5.orders.v1 message.
/// </summary>
[Collection("stack-oee")]
public sealed class OrderStoreTests(StackFixture stack)
{
    internal const string PlantJson = """
        { "plantId": "ost-p", "timeZone": "UTC",
          "reasonCodes": [ { "code": "jam", "category": "unplanned" } ],
          "shifts": [ { "name": "day", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "06:00", "end": "14:00" } ],
          "lines": [ { "id": "ost-line", "machines": [ { "id": "ost-1", "idealCycleSeconds": 1.0, "products": { "bracket-a": 0.8 } },
                                                        { "id": "ost-2", "idealCycleSeconds": 2.0 },
                                                        { "id": "ost-3", "idealCycleSeconds": 1.0 },
                                                        { "id": "ost-4", "idealCycleSeconds": 1.0 },
                                                        { "id": "ost-5", "idealCycleSeconds": 1.0 }, { "id": "ost-6", "idealCycleSeconds": 1.0 },
                                                        { "id": "ost-7", "idealCycleSeconds": 1.0 }, { "id": "ost-8", "idealCycleSeconds": 1.0 },
                                                        { "id": "ost-9", "idealCycleSeconds": 2.0 } ] } ] }
        """;

    private static readonly DateTimeOffset T = new(2026, 11, 26, 6, 0, 0, TimeSpan.Zero);

    private async Task<OrderStore> StoreAsync()
    {
        await new PlantStore(stack.Db).SaveAsync(PlantConfigParser.Parse(PlantJson), PlantJson);
        return new OrderStore(stack.Db);
    }

    private static ProductionOrder Order(string id, DateTimeOffset start, double hours, params string[] machines) => new()
    {
        OrderId = id, PlantId = "ost-p", Product = "bracket-a", TargetQuantity = 1000, MachineIds = machines,
        PlannedStart = start, PlannedEnd = start.AddHours(hours), Note = "first run",
    };

    [Fact]
    public async Task Create_StoresPlanned_RefusesDuplicatesAndOverlappingPlans_AllowsBackToBack()
    {
        var store = await StoreAsync();
        var id = $"ost-a-{stack.RunId}";

        var created = await store.CreateAsync(Order(id, T, 4, "ost-1", "ost-2"), "alice", T.AddDays(-1));
        Assert.True(created.Ok);
        Assert.Equal((OrderStatus.Planned, 1, "alice"), (created.Order!.Order.Status, created.Order.Order.Version, created.Order.CreatedBy));
        Assert.Equal(OrderWriteOutcome.Duplicate, (await store.CreateAsync(Order(id, T.AddDays(5), 1, "ost-3"), "bob", T)).Outcome);

        var overlap = await store.CreateAsync(Order($"ost-b-{stack.RunId}", T.AddHours(3), 2, "ost-2"), "bob", T);
        Assert.Equal(OrderWriteOutcome.PlanOverlap, overlap.Outcome);
        Assert.Equal(id, overlap.Conflict!.OrderId);
        Assert.True((await store.CreateAsync(Order($"ost-c-{stack.RunId}", T.AddHours(4), 2, "ost-2"), "bob", T)).Ok);
        Assert.True((await store.CreateAsync(Order($"ost-d-{stack.RunId}", T.AddHours(3), 2, "ost-3"), "bob", T)).Ok);

        var history = await store.HistoryAsync(id);
        var first = Assert.Single(history);
        Assert.Equal(("created", "alice", T.AddDays(-1), (string?)null), (first.Kind, first.Actor, first.At, first.BeforeJson));
        Assert.Equal(JsonSerializer.Serialize(OrderSnapshot.From(created.Order.Order), ContractJson.Default.OrderSnapshot),
            JsonSerializer.Serialize(JsonSerializer.Deserialize(first.SnapshotJson, ContractJson.Default.OrderSnapshot)!, ContractJson.Default.OrderSnapshot));
    }

    [Fact]
    public async Task Lifecycle_WritesEachChangeWithActorAndBusinessTime_AndRefusesWrongOrder()
    {
        var store = await StoreAsync();
        var id = $"ost-l-{stack.RunId}";
        var day = T.AddDays(10);
        Assert.True((await store.CreateAsync(Order(id, day, 8, "ost-5"), "alice", day.AddDays(-1))).Ok);

        var edit = await store.UpdateAsync(id, new OrderEdit(TargetQuantity: 1200), "carol", day.AddHours(-2), expectedVersion: 1);
        Assert.Equal((1200L, 2), (edit.Order!.Order.TargetQuantity, edit.Order.Order.Version));
        Assert.Equal(OrderWriteOutcome.VersionMismatch, (await store.UpdateAsync(id, new OrderEdit(TargetQuantity: 5), "x", day, expectedVersion: 1)).Outcome);
        Assert.Equal(OrderWriteOutcome.NotFromStatus, (await store.TransitionAsync(id, OrderAction.Complete, day, "bob")).Outcome);

        // Released "now", started at an earlier instant (recorded after the fact): allowed.
        Assert.True((await store.TransitionAsync(id, OrderAction.Release, day.AddHours(1), "bob")).Ok);
        var started = await store.TransitionAsync(id, OrderAction.Start, day, "auto:ost-5");
        Assert.Equal((OrderStatus.Running, (DateTimeOffset?)day), (started.Order!.Order.Status, started.Order.Order.ActualStart));
        var early = await store.TransitionAsync(id, OrderAction.Complete, day.AddMinutes(-1), "bob");
        Assert.Equal(OrderWriteOutcome.BeforePreviousTransition, early.Outcome);
        Assert.Equal(day, early.Order!.Order.ActualStart);
        Assert.Equal(OrderWriteOutcome.NotFromStatus, (await store.UpdateAsync(id, new OrderEdit(Note: "late"), "carol", day)).Outcome);
        var done = await store.TransitionAsync(id, OrderAction.Complete, day.AddHours(8), "bob");
        Assert.Equal((OrderStatus.Completed, (DateTimeOffset?)day.AddHours(8), 5), (done.Order!.Order.Status, done.Order.Order.ActualEnd, done.Order.Order.Version));
        Assert.Equal(OrderWriteOutcome.NotFromStatus, (await store.TransitionAsync(id, OrderAction.Cancel, day.AddHours(9), "bob")).Outcome);
        Assert.Equal(OrderWriteOutcome.NotFound, (await store.TransitionAsync("ost-nope", OrderAction.Start, day, "bob")).Outcome);

        var history = await store.HistoryAsync(id);
        Assert.Equal(["created", "updated", "released", "started", "completed"], history.Select(h => h.Kind));
        Assert.Equal([1, 2, 3, 4, 5], history.Select(h => h.Seq));
        Assert.Equal(["alice", "carol", "bob", "auto:ost-5", "bob"], history.Select(h => h.Actor));
        var target = history[1];
        Assert.Equal(("""{"targetQuantity": 1000}""", """{"targetQuantity": 1200}""", day.AddHours(-2)), (target.BeforeJson, target.AfterJson, target.At));
        Assert.Equal(("""{"status": "planned"}""", """{"status": "released"}"""), (history[2].BeforeJson, history[2].AfterJson));
        Assert.Contains("\"actualEnd\":", history[4].AfterJson, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_WhileAnotherOrderRunsOnACommonMachine_IsRefusedNamingIt_AndTwoConcurrentStartsNeverBothWin()
    {
        var store = await StoreAsync();
        var day = T.AddDays(20);
        var a = $"ost-ra-{stack.RunId}";
        var b = $"ost-rb-{stack.RunId}";
        Assert.True((await store.CreateAsync(Order(a, day, 2, "ost-8", "ost-9"), "alice", day)).Ok);
        Assert.True((await store.CreateAsync(Order(b, day.AddHours(2), 2, "ost-9"), "alice", day)).Ok);
        Assert.True((await store.TransitionAsync(a, OrderAction.Start, day, "bob")).Ok);

        var refused = await store.TransitionAsync(b, OrderAction.Start, day.AddHours(1), "bob");
        Assert.Equal((OrderWriteOutcome.RunningConflict, a), (refused.Outcome, refused.Conflict!.OrderId));
        Assert.True((await store.TransitionAsync(a, OrderAction.Complete, day.AddHours(2), "bob")).Ok);
        Assert.Equal(a, (await store.TransitionAsync(b, OrderAction.Start, day.AddHours(1), "bob")).Conflict!.OrderId); // inside a's actual window
        Assert.True((await store.TransitionAsync(b, OrderAction.Start, day.AddHours(2), "bob")).Ok); // back to back
        Assert.True((await store.TransitionAsync(b, OrderAction.Complete, day.AddHours(4), "bob")).Ok);

        for (var round = 0; round < 8; round++)
        {
            var start = day.AddDays(1 + round);
            var x = $"ost-cx{round}-{stack.RunId}";
            var y = $"ost-cy{round}-{stack.RunId}";
            Assert.True((await store.CreateAsync(Order(x, start, 1, "ost-6"), "alice", start)).Ok);
            Assert.True((await store.CreateAsync(Order(y, start.AddHours(1), 1, "ost-6"), "alice", start)).Ok);
            var results = await Task.WhenAll(
                Task.Run(() => store.TransitionAsync(x, OrderAction.Start, start, "bob")),
                Task.Run(() => store.TransitionAsync(y, OrderAction.Start, start, "carol")));
            Assert.Equal(1, results.Count(r => r.Ok));
            Assert.Equal(OrderWriteOutcome.RunningConflict, Assert.Single(results, r => !r.Ok).Outcome);
            var winner = results.Single(r => r.Ok).Order!.Order.OrderId;
            Assert.True((await store.TransitionAsync(winner, OrderAction.Cancel, start.AddMinutes(30), "bob")).Ok);
        }

        Assert.Equal(0, await stack.ScalarAsync("SELECT count(*) FROM orders WHERE status = 'running' AND 'ost-6' = ANY(machine_ids)"));
    }

    [Fact]
    public async Task Progress_SumsTheMachinesMinutesFromActualStartToEnd_AndUsesTheProductsIdealCycle()
    {
        var store = await StoreAsync();
        var day = T.AddDays(40);
        // ost-1 and ost-2, minutes 06:00..06:19: 50 good and 2 rejects each, 60 s planned, 54 s run, ideal 1.0 s × 52.
        for (var m = 0; m < 20; m++)
        {
            foreach (var machine in new[] { "ost-1", "ost-2" })
            {
                await stack.ScalarAsync("""
                    INSERT INTO oee_minute (machine_id, minute, calendar_seconds, planned_seconds, run_seconds, unplanned_stop_seconds, setup_seconds,
                        micro_stop_seconds, planned_stop_seconds, good_count, reject_count, ideal_seconds)
                    VALUES ($1, $2, 60, 60, 54, 6, 0, 0, 0, 50, 2, 52) RETURNING 0
                    """, machine, day.AddMinutes(m).UtcDateTime);
            }
        }

        var id = $"ost-pr-{stack.RunId}";
        Assert.True((await store.CreateAsync(Order(id, day, 1, "ost-1", "ost-2") with { LineId = "ost-line" }, "alice", day)).Ok);
        Assert.True((await store.TransitionAsync(id, OrderAction.Start, day.AddMinutes(2), "bob")).Ok);
        var running = (await store.GetAsync(id))!.Order;

        // 06:02..06:09 (8 minutes × 2 machines) as of 06:10; the rate over those 8 minutes.
        var p = await store.ProgressAsync(running, day.AddMinutes(10));
        Assert.Equal((800L, 32L, 832L, 0.8, 200L), (p.GoodCount, p.RejectCount, p.TotalCount, p.PercentOfTarget, p.RemainingQuantity));
        Assert.Equal((864d / 960, 832d / 864, 800d / 832), (p.Availability!.Value, p.Performance!.Value, p.Quality!.Value));
        Assert.Equal(6_000d, p.CurrentRate);
        Assert.Equal(3_600d / 0.8 + 3_600d / 2.0, p.IdealRate); // bracket-a on ost-1 at 0.8 s, ost-2's default 2.0 s
        Assert.Equal(day.AddMinutes(12), p.EstimatedFinish);

        Assert.True((await store.TransitionAsync(id, OrderAction.Complete, day.AddMinutes(17), "bob")).Ok);
        var done = await store.ProgressAsync((await store.GetAsync(id))!.Order, day.AddDays(1));
        Assert.Equal((day.AddMinutes(17), 1_500L, 1.5), (done.AsOf, done.GoodCount, done.PercentOfTarget));
        Assert.Equal(6_000d, done.CurrentRate); // the whole order is its last 15 minutes: 1,500 good in 0.25 h
        Assert.Null(done.EstimatedFinish);
    }

    [Fact]
    public async Task Outbox_PublishesEveryChangeOnce_AsValidOrderMessages()
    {
        var store = await StoreAsync();
        var day = T.AddDays(60);
        var id = $"ost-ob-{stack.RunId}";
        Assert.True((await store.CreateAsync(Order(id, day, 1, "ost-7"), "alice", day)).Ok);
        Assert.True((await store.TransitionAsync(id, OrderAction.Release, day, "bob")).Ok);
        Assert.True((await store.TransitionAsync(id, OrderAction.Cancel, day, "bob")).Ok);
        Assert.All(await store.HistoryAsync(id), h => Assert.Empty(ContractSchemas.Errors(Repo.Root, "orders.v1", Encoding.UTF8.GetBytes(Json(h.ToMessage())))));

        var published = new List<OrderHistoryEntry>();
        while (await store.PublishOutboxAsync((rows, _) => { published.AddRange(rows); return Task.CompletedTask; }, limit: 50) > 0)
        {
        }

        Assert.Equal(published.Count, published.Select(p => (p.OrderId, p.Seq)).Distinct().Count());
        Assert.All(await store.HistoryAsync(id), h => Assert.True(h.Published));
        Assert.Equal(0, await store.PublishOutboxAsync((_, _) => throw new InvalidOperationException("nothing left to publish")));
        var mine = published.Where(p => p.OrderId == id).Select(p => p.ToMessage()).ToList();
        if (mine.Count > 0) // another publisher in this run may have taken them first
        {
            Assert.Equal(["created", "released", "cancelled"], mine.Select(m => m.Kind));
            Assert.Equal(("cancelled", 3), (mine[2].Order.Status, mine[2].Order.Version));
        }
    }

    [Fact]
    public async Task RunningAndReleased_ListsTheRunningOrderFirst_ThenReleasedByPlannedStart()
    {
        var store = await StoreAsync();
        var day = T.AddDays(80);
        string Id(string s) => $"ost-q{s}-{stack.RunId}";
        Assert.True((await store.CreateAsync(Order(Id("1"), day.AddHours(4), 1, "ost-4"), "alice", day)).Ok);
        Assert.True((await store.CreateAsync(Order(Id("2"), day.AddHours(2), 1, "ost-4"), "alice", day)).Ok);
        Assert.True((await store.CreateAsync(Order(Id("3"), day, 1, "ost-4"), "alice", day)).Ok);
        Assert.True((await store.CreateAsync(Order(Id("4"), day.AddHours(6), 1, "ost-4"), "alice", day)).Ok);
        foreach (var s in new[] { "1", "2", "3" })
        {
            Assert.True((await store.TransitionAsync(Id(s), OrderAction.Release, day, "bob")).Ok);
        }

        Assert.True((await store.TransitionAsync(Id("3"), OrderAction.Start, day, "bob")).Ok);
        var list = (await store.RunningAndReleasedAsync("ost-4")).Where(o => o.OrderId.EndsWith(stack.RunId, StringComparison.Ordinal) && o.PlannedStart >= day).ToList();
        Assert.Equal([Id("3"), Id("2"), Id("1")], list.Select(o => o.OrderId));
        // Several machines in one query (the engine's batch): the same order per machine, and an entry for one without orders.
        var nobody = $"ost-none-{stack.RunId}";
        var many = await store.RunningAndReleasedAsync(["ost-4", nobody, "ost-4"]);
        Assert.Equal([Id("3"), Id("2"), Id("1")], many["ost-4"].Where(o => o.OrderId.EndsWith(stack.RunId, StringComparison.Ordinal) && o.PlannedStart >= day).Select(o => o.OrderId));
        Assert.Empty(many[nobody]);
        Assert.Equal(2, many.Count);
        Assert.Equal(Id("3"), Assert.Single(await store.ListAsync(new OrderFilter(LineId: "ost-line", Status: OrderStatus.Running, From: day, To: day.AddDays(1)))).Order.OrderId);
        Assert.True((await store.TransitionAsync(Id("3"), OrderAction.Complete, day.AddHours(1), "bob")).Ok);
    }

    private static string Json(OrderMessage m) => JsonSerializer.Serialize(m, ContractJson.Default.OrderMessage);
}
