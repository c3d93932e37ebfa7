using Ms5.Analytics.Orders;

namespace Ms5.Analytics.Tests;

/// <summary>The order lifecycle (planned → released → running → completed | cancelled), its times, and conflicts between orders on a machine.</summary>
public sealed class OrderLifecycleTests
{
    private static readonly DateTimeOffset T = new(2026, 11, 26, 6, 0, 0, TimeSpan.Zero);

    internal static ProductionOrder Order(string id = "PO-1", params string[] machines) => new()
    {
        OrderId = id, PlantId = "demo", Product = "bracket-a", TargetQuantity = 20_000,
        MachineIds = machines.Length == 0 ? ["press-01"] : machines, PlannedStart = T, PlannedEnd = T.AddHours(8),
    };

    [Fact]
    public void Lifecycle_ReleaseStartComplete_SetsStatusActualTimesAndVersion()
    {
        var released = OrderLifecycle.Apply(Order(), OrderAction.Release, T.AddMinutes(-30));
        var running = OrderLifecycle.Apply(released, OrderAction.Start, T.AddMinutes(2));
        var done = OrderLifecycle.Apply(running, OrderAction.Complete, T.AddHours(8));

        Assert.Equal((OrderStatus.Released, null, null, 2), (released.Status, released.ActualStart, released.ActualEnd, released.Version));
        Assert.Equal((OrderStatus.Running, T.AddMinutes(2), (DateTimeOffset?)null, 3), (running.Status, running.ActualStart, running.ActualEnd, running.Version));
        Assert.Equal((OrderStatus.Completed, T.AddMinutes(2), (DateTimeOffset?)T.AddHours(8), 4), (done.Status, done.ActualStart, done.ActualEnd, done.Version));
        Assert.True(done.IsFinal);
    }

    [Theory]
    [InlineData(OrderStatus.Planned, "release,start,cancel")]
    [InlineData(OrderStatus.Released, "start,cancel")]
    [InlineData(OrderStatus.Running, "complete,cancel")]
    [InlineData(OrderStatus.Completed, "")]
    [InlineData(OrderStatus.Cancelled, "")]
    public void AllowedActions_FromEachStatus(OrderStatus status, string allowed)
    {
        var order = Order() with { Status = status, ActualStart = status == OrderStatus.Planned ? null : T };
        var ok = Enum.GetValues<OrderAction>().Where(a => OrderLifecycle.Check(order, a, T.AddHours(1)) == OrderRefusal.None).Select(OrderNames.Of);

        Assert.Equal(allowed, string.Join(",", ok));
        Assert.Equal(status is OrderStatus.Planned or OrderStatus.Released, OrderLifecycle.CanEdit(status));
    }

    [Fact]
    public void At_BeforeThePreviousTransition_IsRefused_EqualIsFine()
    {
        var running = OrderLifecycle.Apply(Order(), OrderAction.Start, T.AddHours(1));

        Assert.Equal(OrderRefusal.BeforePreviousTransition, OrderLifecycle.Check(running, OrderAction.Complete, T.AddMinutes(59)));
        Assert.Equal(OrderRefusal.None, OrderLifecycle.Check(running, OrderAction.Complete, T.AddHours(1)));
        Assert.Throws<InvalidOperationException>(() => OrderLifecycle.Apply(running, OrderAction.Release, T.AddHours(2)));
    }

    [Fact]
    public void Start_BeforeTheRelease_IsAllowed_CompleteOrCancelBeforeTheStartIsNot()
    {
        var released = OrderLifecycle.Apply(Order(), OrderAction.Release, T.AddHours(5));

        Assert.Equal(OrderRefusal.None, OrderLifecycle.Check(released, OrderAction.Start, T));
        Assert.Equal(OrderRefusal.None, OrderLifecycle.Check(released, OrderAction.Cancel, T));
        var running = OrderLifecycle.Apply(released, OrderAction.Start, T);
        Assert.Equal(OrderRefusal.BeforePreviousTransition, OrderLifecycle.Check(running, OrderAction.Cancel, T.AddSeconds(-1)));
        Assert.Equal(OrderRefusal.BeforePreviousTransition, OrderLifecycle.Check(running, OrderAction.Complete, T.AddSeconds(-1)));
    }

    [Fact]
    public void CancellingARunningOrder_EndsIt_CancellingAPlannedOneDoesNot()
    {
        var running = OrderLifecycle.Apply(Order(), OrderAction.Start, T);

        Assert.Equal(T.AddHours(1), OrderLifecycle.Apply(running, OrderAction.Cancel, T.AddHours(1)).ActualEnd);
        Assert.Null(OrderLifecycle.Apply(Order(), OrderAction.Cancel, T).ActualEnd);
    }

    [Fact]
    public void Plans_OverlapOnlyOnACommonMachine_HalfOpen_AndOnlyWhileBothAreOpen()
    {
        var a = Order("A", "press-01", "press-02");
        var later = Order("B", "press-02") with { PlannedStart = T.AddHours(7), PlannedEnd = T.AddHours(9) };
        var backToBack = Order("C", "press-01") with { PlannedStart = T.AddHours(8), PlannedEnd = T.AddHours(9) };
        var elsewhere = Order("D", "press-03");

        Assert.Same(later, OrderConflicts.OverlappingPlan(a, [backToBack, elsewhere, later]));
        Assert.Null(OrderConflicts.OverlappingPlan(a, [backToBack, elsewhere]));
        Assert.Null(OrderConflicts.OverlappingPlan(a, [later with { Status = OrderStatus.Completed }]));
        Assert.Null(OrderConflicts.OverlappingPlan(a, [a]));
    }

    [Fact]
    public void Start_ConflictsWithARunningOrder_OrAFinishedOneWhoseWindowHoldsAt_EndWithOneStartedSince()
    {
        var order = Order("B", "press-02");
        var running = Order("A", "press-01", "press-02") with { Status = OrderStatus.Running, ActualStart = T };
        var finished = Order("C", "press-02") with { Status = OrderStatus.Completed, ActualStart = T, ActualEnd = T.AddHours(1) };
        var cancelledUnstarted = Order("D", "press-02") with { Status = OrderStatus.Cancelled };

        Assert.Same(running, OrderConflicts.RunningConflict(order, T.AddHours(3), [finished, running]));
        Assert.Same(finished, OrderConflicts.RunningConflict(order, T.AddMinutes(30), [finished]));

        Assert.Null(OrderConflicts.RunningConflict(order, T.AddHours(1), [finished, cancelledUnstarted]));

        // Recorded after the fact in any order: B may start before C ran, but not end after C started.
        Assert.Null(OrderConflicts.RunningConflict(order, T.AddHours(-2), [finished]));
        var earlier = order with { Status = OrderStatus.Running, ActualStart = T.AddHours(-2) };
        Assert.Null(OrderConflicts.EndConflict(earlier, T, [finished]));
        Assert.Same(finished, OrderConflicts.EndConflict(earlier, T.AddMinutes(1), [finished, cancelledUnstarted]));
        Assert.Null(OrderConflicts.RunningConflict(order, T, [running with { MachineIds = ["press-01"] }]));
    }

    [Theory]
    [InlineData("PO-4711", true)]
    [InlineData("a.b_c:d-1", true)]
    [InlineData("-x", false)]
    [InlineData("with space", false)]
    [InlineData("", false)]
    public void OrderIds_LookLikePlantIds(string id, bool valid) => Assert.Equal(valid, OrderIds.IsValid(id));
}
