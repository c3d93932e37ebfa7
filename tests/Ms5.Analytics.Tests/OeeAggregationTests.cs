using Ms5.Analytics.Oee;

namespace Ms5.Analytics.Tests;

public sealed class OeeAggregationTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 10, 0, 20, TimeSpan.Zero);
    private static readonly WindowBounds Last15 = new("15m", Now.AddMinutes(-15).AddSeconds(-20), Now);
    private static readonly WindowBounds Last1h = new("1h", Now.AddHours(-1).AddSeconds(-20), Now);
    private static readonly WindowBounds Shift = RollingWindows.Shift(Now.AddHours(-4), Now);

    // m1: planned 900 s, ran 900 s (availability 1.0), quality 90/100; m2: planned 300 s, ran 150 s (0.5), quality 30/50. Line l1 holds both.
    private static readonly OeeComponents M1 = new() { PlannedSeconds = 900, RunSeconds = 900, IdealSeconds = 810, GoodCount = 90, RejectCount = 10 };
    private static readonly OeeComponents M2 = new() { PlannedSeconds = 300, RunSeconds = 150, IdealSeconds = 135, GoodCount = 30, RejectCount = 20 };
    private static readonly OeeComponents M3 = new() { PlannedSeconds = 600, RunSeconds = 300, IdealSeconds = 300, GoodCount = 30, RejectCount = 0 };

    private static readonly MachinePlace[] Machines =
    [
        new("m2", "l1", "p1"), new("m3", "l2", "p2"), new("m1", "l1", "p1"),
    ];

    private static Dictionary<string, OeeComponents> Sums(params (string Id, OeeComponents C)[] parts) =>
        parts.ToDictionary(p => p.Id, p => p.C, StringComparer.Ordinal);

    [Fact]
    public void Sum_TwoMachinesWithDifferentPlannedTime_LineAvailabilityIsRatioOfSums_NotMeanOfRatios()
    {
        var line = OeeAggregation.Sum(["m1", "m2"], Sums(("m1", M1), ("m2", M2)));

        Assert.Equal(1200, line.PlannedSeconds);
        Assert.Equal(1050, line.RunSeconds);
        var k = OeeKpis.From(line);
        Assert.Equal(0.875, k.Availability); // 1050 / 1200; the mean of 1.0 and 0.5 would be 0.75
        Assert.Equal(0.9, k.Performance); // (810 + 135) / 1050
        Assert.Equal(0.8, k.Quality); // (90 + 30) / (100 + 50); the mean of 0.9 and 0.6 would be 0.75
    }

    [Fact]
    public void Sum_MachineWithoutBuckets_AddsNothing()
    {
        Assert.Equal(M1, OeeAggregation.Sum(["m1", "m9"], Sums(("m1", M1))));
        Assert.Equal(default, OeeAggregation.Sum([], Sums(("m1", M1))));
    }

    [Fact]
    public void Rolling_GivesMachinesThenLinesThenPlants_EachOrderedById()
    {
        var scopes = OeeAggregation.Rolling(Machines, [new WindowSums(Last15, Sums(("m1", M1), ("m2", M2), ("m3", M3)))], new Dictionary<string, WindowSums>());

        Assert.Equal(
            [("machine", "m1"), ("machine", "m2"), ("machine", "m3"), ("line", "l1"), ("line", "l2"), ("plant", "p1"), ("plant", "p2")],
            scopes.Select(s => (s.Scope, s.Id)));
    }

    [Fact]
    public void Rolling_LineAndPlantWindows_AreSumsOfTheirMachines()
    {
        var windows = new[] { new WindowSums(Last15, Sums(("m1", M1), ("m2", M2), ("m3", M3))), new WindowSums(Last1h, Sums(("m1", M1 + M1), ("m3", M3))) };

        var scopes = OeeAggregation.Rolling(Machines, windows, new Dictionary<string, WindowSums>()).ToDictionary(s => (s.Scope, s.Id));

        var l1 = scopes[("line", "l1")].Windows;
        Assert.Equal([new LiveWindow("15m", Last15.From, Now, M1 + M2), new LiveWindow("1h", Last1h.From, Now, M1 + M1)], l1);
        Assert.Equal(0.875, OeeKpis.From(l1[0].Components).Availability);
        Assert.Equal([new LiveWindow("15m", Last15.From, Now, M1 + M2), new LiveWindow("1h", Last1h.From, Now, M1 + M1)], scopes[("plant", "p1")].Windows);
        Assert.Equal([new LiveWindow("15m", Last15.From, Now, M2), new LiveWindow("1h", Last1h.From, Now, default)], scopes[("machine", "m2")].Windows);
        Assert.Equal(M3, scopes[("plant", "p2")].Windows[0].Components);
    }

    [Fact]
    public void Rolling_ShiftWindow_OnlyForScopesOfAPlantThatIsInAShift()
    {
        var shifts = new Dictionary<string, WindowSums> { ["p1"] = new(Shift, Sums(("m1", M1), ("m2", M2), ("m3", M3))) };

        var scopes = OeeAggregation.Rolling(Machines, [new WindowSums(Last15, Sums(("m1", M1)))], shifts).ToDictionary(s => (s.Scope, s.Id));

        Assert.Equal(new LiveWindow("shift", Now.AddHours(-4), Now, M1 + M2), scopes[("line", "l1")].Windows[1]);
        Assert.Equal(new LiveWindow("shift", Now.AddHours(-4), Now, M2), scopes[("machine", "m2")].Windows[1]);
        Assert.Equal(["15m"], scopes[("plant", "p2")].Windows.Select(w => w.Window)); // p2 is between shifts
        Assert.Equal(["15m"], scopes[("machine", "m3")].Windows.Select(w => w.Window));
    }

    [Fact]
    public void Rolling_ALineSpanningTwoPlants_HasNoShiftWindow()
    {
        MachinePlace[] machines = [new("a", "shared", "p1"), new("b", "shared", "p2")];
        var shifts = new Dictionary<string, WindowSums> { ["p1"] = new(Shift, Sums(("a", M1))), ["p2"] = new(Shift, Sums(("b", M2))) };

        var line = OeeAggregation.Rolling(machines, [new WindowSums(Last15, Sums(("a", M1), ("b", M2)))], shifts).Single(s => s.Scope == "line");

        Assert.Equal([new LiveWindow("15m", Last15.From, Now, M1 + M2)], line.Windows);
    }
}
