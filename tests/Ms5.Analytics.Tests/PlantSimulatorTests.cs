using Ms5.Analytics.Events;
using Ms5.Analytics.Plant;
using Ms5.Analytics.Simulation;

namespace Ms5.Analytics.Tests;

public class PlantSimulatorTests
{
    /// <summary>Thursday 2026-11-26 06:00 in Berlin: the early shift starts.</summary>
    private static readonly DateTimeOffset ShiftStart = new(2026, 11, 26, 5, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset ShiftEnd = ShiftStart.AddHours(8);
    private static readonly Incident Jam = new("press-02", ShiftStart.AddHours(2), TimeSpan.FromMinutes(10), "electrical");

    /// <summary>The whole early shift (06:00–14:00 local, breaks 09:30–09:45 and 12:00–12:30) of the demo plant, simulated once.</summary>
    private static readonly IReadOnlyList<MachineEvent> Shift =
        Simulator(ShiftStart, new SimulatorOptions { Incidents = [Jam] }).AdvanceTo(ShiftEnd);

    /// <summary>The demo plant with its simulation settings.</summary>
    private static PlantSimulator Simulator(DateTimeOffset start, SimulatorOptions? options = null) =>
        new(Some.DemoPlant, start, (options ?? new SimulatorOptions()) with { Profiles = Some.DemoProfiles });

    private static IReadOnlyList<MachineEvent> Run(int seed, TimeSpan length) =>
        Simulator(ShiftStart, new SimulatorOptions { Seed = seed }).AdvanceTo(ShiftStart + length);

    private static IEnumerable<MachineEvent> Of(string machine) => Shift.Where(e => e.MachineId == machine);

    private static IEnumerable<MachineEvent> StatesOf(string machine) => Of(machine).Where(e => e.Type == EventType.State);

    [Fact]
    public void AdvanceTo_WithSameSeedPlantStartAndOptions_GivesIdenticalEvents()
    {
        var a = Run(7, TimeSpan.FromHours(1));
        var b = Run(7, TimeSpan.FromHours(1));

        Assert.True(a.Count > 12);
        Assert.Equal(a, b);
    }

    [Fact]
    public void AdvanceTo_InSeveralSteps_GivesTheSameEventsAsInOne()
    {
        var sim = Simulator(ShiftStart);
        var stepped = new List<MachineEvent>();
        for (var t = ShiftStart.AddMinutes(7); t <= ShiftStart.AddHours(1); t = t.AddMinutes(7))
        {
            stepped.AddRange(sim.AdvanceTo(t));
        }

        stepped.AddRange(sim.AdvanceTo(ShiftStart.AddHours(1)));

        Assert.Equal(ShiftStart.AddHours(1), sim.Clock);
        Assert.Equal(Run(42, TimeSpan.FromHours(1)), stepped);
    }

    [Fact]
    public void AdvanceTo_WithADifferentSeed_GivesDifferentEvents()
    {
        var a = Run(7, TimeSpan.FromHours(1));
        var b = Run(8, TimeSpan.FromHours(1));

        Assert.NotEqual(a.Select(e => e.EventId), b.Select(e => e.EventId));
        Assert.Empty(a.Select(e => e.EventId).Intersect(b.Select(e => e.EventId)));
    }

    [Fact]
    public void AdvanceTo_EveryEvent_PassesTheContractAndThePlantRules()
    {
        var machines = Some.DemoPlant.Machines.Select(m => m.Id).ToHashSet();
        var rules = new EventRules(machines.Contains, TimeSpan.FromMinutes(5));

        Assert.All(Shift, e =>
        {
            var parsed = EventParser.Parse(EventJson.ToUtf8(e));
            Assert.Empty(parsed.Problems);
            Assert.Equal(e, parsed.Event);
            Assert.Empty(rules.AllProblems(parsed, ShiftEnd));
            Assert.Contains(e.MachineId, machines);
        });
    }

    [Fact]
    public void AdvanceTo_EventIds_AreUniqueUuidV7CarryingTheEventTime()
    {
        Assert.Equal(Shift.Count, Shift.Select(e => e.EventId).Distinct().Count());
        Assert.All(Shift, e =>
        {
            Assert.Equal(7, e.EventId.Version);
            var bytes = e.EventId.ToByteArray(bigEndian: true);
            Assert.Equal(0x80, bytes[8] & 0xC0);
            var ms = 0L;
            for (var i = 0; i < 6; i++)
            {
                ms = (ms << 8) | bytes[i];
            }

            Assert.Equal(e.Ts.ToUnixTimeMilliseconds(), ms);
        });
    }

    [Fact]
    public void AdvanceTo_EventsOfEachMachine_AreInNonDecreasingTimeOrderWithinTheRun()
    {
        Assert.All(Shift.GroupBy(e => e.MachineId), g =>
        {
            var ts = g.Select(e => e.Ts).ToList();
            Assert.Equal(ts.Order(), ts);
        });
        Assert.All(Shift, e => Assert.InRange(e.Ts, ShiftStart, ShiftEnd));
        Assert.Equal(Shift.Select(e => e.Ts).Order(), Shift.Select(e => e.Ts));
    }

    [Fact]
    public void AdvanceTo_FirstEvents_AreOneStatePerMachinePlusCountersOfCumulativeMachines()
    {
        var expected = new List<(string, EventType)>();
        foreach (var m in Some.DemoPlant.Machines)
        {
            expected.Add((m.Id, EventType.State));
            if (m.CountMode == CountMode.Cumulative)
            {
                expected.Add((m.Id, EventType.Counter));
            }
        }

        var first = Shift.Take(15).ToList();

        Assert.Equal(expected, first.Select(e => (e.MachineId, e.Type)));
        Assert.All(first, e => Assert.Equal(ShiftStart, e.Ts));
        Assert.All(first.Where(e => e.Type == EventType.State), e => Assert.Equal((MachineState?)MachineState.Running, e.State));
        Assert.All(first.Where(e => e.Type == EventType.State), e => Assert.Null(e.Reason));
        Assert.All(first.Where(e => e.Type == EventType.Counter), e =>
        {
            Assert.InRange(e.GoodTotal!.Value, 0, 49);
            Assert.Equal(e.GoodTotal / 50, e.RejectTotal);
        });
        Assert.True(Shift[15].Ts > ShiftStart);
    }

    [Fact]
    public void AdvanceTo_OutsideAShift_StartsMachinesInPlannedStopWithTheReason()
    {
        var sunday = new DateTimeOffset(2026, 11, 29, 10, 0, 0, TimeSpan.Zero);
        var holiday = new DateTimeOffset(2026, 12, 25, 10, 0, 0, TimeSpan.Zero);
        var breakTime = new DateTimeOffset(2026, 11, 26, 8, 35, 0, TimeSpan.Zero);

        Assert.All(FirstStates(sunday), e => Assert.Equal((MachineState.PlannedStop, "no_shift"), (e.State!.Value, e.Reason)));
        Assert.All(FirstStates(holiday), e => Assert.Equal((MachineState.PlannedStop, "holiday"), (e.State!.Value, e.Reason)));
        Assert.All(FirstStates(breakTime), e => Assert.Equal((MachineState.PlannedStop, "break"), (e.State!.Value, e.Reason)));

        static List<MachineEvent> FirstStates(DateTimeOffset start)
        {
            var events = Simulator(start).AdvanceTo(start).Where(e => e.Type == EventType.State).ToList();
            Assert.Equal(12, events.Count);
            return events;
        }
    }

    [Fact]
    public void AdvanceTo_OverAnEightHourShift_EveryMachineMakesPartsWithinItsIdealRate()
    {
        foreach (var machine in Some.DemoPlant.Machines)
        {
            var running = RunningSeconds(machine.Id);
            var maxParts = IdealCycles(machine) * Some.DemoProfiles.GetValueOrDefault(machine.Id, SimulationProfile.Default).SpeedFactor;
            var parts = Parts(machine);

            Assert.True(running > 4 * 3600, $"{machine.Id} ran only {running} s");
            Assert.True(parts > 0, $"{machine.Id} made no parts");
            Assert.True(parts <= maxParts + 1, $"{machine.Id}: {parts} parts in {running} s running, at most {maxParts + 1}");
            Assert.True(parts >= maxParts - 1, $"{machine.Id}: {parts} parts in {running} s running, at least {maxParts - 1} expected");
        }
    }

    [Fact]
    public void AdvanceTo_MachinesWithProducts_ChangeProductAtChangeovers_AndWarmUpAfterwards()
    {
        var changeovers = 0;
        foreach (var (machine, first) in new[] { ("press-01", "BRK-100"), ("weld-01", "FRM-A") })
        {
            var states = StatesOf(machine).ToList();
            var products = states.Where(e => e.Product is not null).ToList();

            Assert.Equal(first, products[0].Product);
            Assert.All(products.Skip(1), e => Assert.Equal(MachineState.Setup, e.State));
            Assert.Equal(products.Count - 1, states.Count(e => e.State == MachineState.Setup));
            Assert.All(products.Zip(products.Skip(1)), p => Assert.NotEqual(p.First.Product, p.Second.Product));
            for (var i = 0; i < states.Count - 1; i++)
            {
                if (states[i].State == MachineState.Setup && states[i + 1].State == MachineState.Running)
                {
                    Assert.Equal("warmup", states[i + 1].Reason);
                    changeovers++;
                }
            }
        }

        Assert.True(changeovers > 0, "no changeover in eight hours");
        Assert.All(StatesOf("press-02"), e => Assert.Null(e.Product));
    }

    [Fact]
    public void AdvanceTo_CumulativeMachines_EmitCounterEventsAndIncrementMachinesCountEvents()
    {
        foreach (var machine in Some.DemoPlant.Machines)
        {
            var partTypes = Of(machine.Id).Where(e => e.Type != EventType.State).Select(e => e.Type).Distinct();
            var expected = machine.CountMode == CountMode.Cumulative ? EventType.Counter : EventType.Count;
            Assert.Equal([expected], partTypes);
        }

        // A cumulative PLC reports every count interval (5 s), parts or not: 8 h = 5760 intervals, plus the reading at start.
        Assert.Equal(5761, Of("press-04").Count(e => e.Type == EventType.Counter));
        Assert.All(Shift.Where(e => e.Type == EventType.Count), e => Assert.True(e.Good + e.Reject > 0));
        Assert.All(Shift.Where(e => e.Type != EventType.State), e => Assert.Equal(0, (e.Ts - ShiftStart).Ticks % (5 * TimeSpan.TicksPerSecond)));
    }

    [Fact]
    public void AdvanceTo_WithAnIncident_PutsTheMachineDownWithItsReasonAndBackToRunningAfterIt()
    {
        var states = StatesOf("press-02").ToList();
        var down = states.FindIndex(e => e.Ts == Jam.Start);

        Assert.True(down >= 0, "no state event at the incident start");
        Assert.Equal(MachineEvent.StateChange(states[down].EventId, "press-02", Jam.Start, MachineState.Down, "electrical"), states[down]);
        Assert.Equal(MachineEvent.StateChange(states[down + 1].EventId, "press-02", Jam.Start + Jam.Duration, MachineState.Running), states[down + 1]);
        Assert.DoesNotContain(Of("press-02"), e => e.Type == EventType.Count && e.Ts > Jam.Start && e.Ts <= Jam.Start + Jam.Duration);
    }

    [Fact]
    public void AdvanceTo_WithAnIncidentOnOneMachine_LeavesTheOthersAlone()
    {
        var plain = Simulator(ShiftStart).AdvanceTo(ShiftEnd);

        Assert.Equal(plain.Where(e => e.MachineId != "press-02"), Shift.Where(e => e.MachineId != "press-02"));
        Assert.NotEqual(plain.Where(e => e.MachineId == "press-02"), Shift.Where(e => e.MachineId == "press-02"));
    }

    [Fact]
    public void AdvanceTo_DuringACalendarBreak_AllMachinesArePlannedStopWithReasonBreak()
    {
        var breakStart = Some.Utc("2026-11-26T08:30:00Z"); // 09:30 local
        var breakEnd = Some.Utc("2026-11-26T08:45:00Z");

        foreach (var machine in Some.DemoPlant.Machines)
        {
            var states = StatesOf(machine.Id).ToList();
            var during = states.Where(e => e.Ts >= breakStart && e.Ts < breakEnd).ToList();
            var stop = Assert.Single(during);
            Assert.Equal(MachineEvent.StateChange(stop.EventId, machine.Id, breakStart, MachineState.PlannedStop, "break"), stop);

            var after = states.First(e => e.Ts >= breakEnd);
            Assert.Equal(breakEnd, after.Ts);
            Assert.Contains(after.State!.Value, new[] { MachineState.Running, MachineState.Setup });
            Assert.DoesNotContain(Of(machine.Id), e => e.Type == EventType.Count && e.Ts > breakStart.AddSeconds(5) && e.Ts <= breakEnd);
        }
    }

    [Fact]
    public void AdvanceTo_WhenHolidayEndsIntoNoShift_KeepsMachinesStopped()
    {
        // Sat 2026-12-26 13:00 local (holiday) to Sun 13:00 local (no shift): nobody works.
        var start = Some.Utc("2026-12-26T12:00:00Z");
        var events = Simulator(start).AdvanceTo(start.AddDays(1));

        Assert.All(events.Where(e => e.Type == EventType.State), e => Assert.Equal(MachineState.PlannedStop, e.State));
        Assert.DoesNotContain(events, e => e.Type == EventType.Count);
    }

    [Fact]
    public void AdvanceTo_WhenHolidayEndsIntoNoShift_ReportsTheNewPlannedReason()
    {
        // The Saturday holiday's shifts end at 22:00 local (21:00Z); Saturday has no night shift, so from then it is no_shift.
        var start = Some.Utc("2026-12-26T12:00:00Z");
        var events = Simulator(start).AdvanceTo(start.AddDays(1));

        foreach (var machine in Some.DemoPlant.Machines)
        {
            var last = events.Last(e => e.MachineId == machine.Id && e.Type == EventType.State);
            Assert.Equal(MachineEvent.StateChange(last.EventId, machine.Id, Some.Utc("2026-12-26T21:00:00Z"), MachineState.PlannedStop, "no_shift"), last);
        }
    }

    [Fact]
    public void AdvanceTo_OverAShift_UsesOnlyTheMachinesUnplannedReasonsForFailures()
    {
        var press01 = Some.DemoPlant.Machines.Single(m => m.Id == "press-01");
        var downReasons = StatesOf("press-01").Where(e => e.State == MachineState.Down).Select(e => e.Reason!).Distinct();

        Assert.All(downReasons, r => Assert.Contains(r, press01.ReasonCodes));
        Assert.All(StatesOf("press-01").Where(e => e.State == MachineState.Idle), e => Assert.Equal("micro_stop", e.Reason));
        Assert.All(StatesOf("press-01").Where(e => e.State == MachineState.Setup), e => Assert.Equal("changeover", e.Reason));
    }

    [Fact]
    public void Constructor_WhenTickIsNotPositiveOrCountIntervalShorterThanTick_Throws()
    {
        Assert.Throws<ArgumentException>(() => new PlantSimulator(Some.DemoPlant, ShiftStart, new SimulatorOptions { Tick = TimeSpan.Zero }));
        Assert.Throws<ArgumentException>(() => new PlantSimulator(Some.DemoPlant, ShiftStart, new SimulatorOptions { CountInterval = TimeSpan.FromMilliseconds(500) }));
    }

    [Fact]
    public void StableHash_IsFnv1a()
    {
        Assert.Equal(unchecked((int)2166136261u), PlantSimulator.StableHash(""));
        Assert.Equal(unchecked((int)0xE40C292Cu), PlantSimulator.StableHash("a"));
    }

    /// <summary>Seconds in state running until the end of the shift, from the machine's state events.</summary>
    private static double RunningSeconds(string machine)
    {
        var states = StatesOf(machine).ToList();
        var total = 0.0;
        for (var i = 0; i < states.Count; i++)
        {
            if (states[i].State == MachineState.Running)
            {
                var end = i + 1 < states.Count ? states[i + 1].Ts : ShiftEnd;
                total += (end - states[i].Ts).TotalSeconds;
            }
        }

        return total;
    }

    /// <summary>Running time divided by the ideal cycle time of the product in force, summed over the shift.</summary>
    private static double IdealCycles(Machine machine)
    {
        var states = StatesOf(machine.Id).ToList();
        var total = 0.0;
        string? product = null;
        for (var i = 0; i < states.Count; i++)
        {
            product = states[i].Product ?? product;
            if (states[i].State == MachineState.Running)
            {
                var end = i + 1 < states.Count ? states[i + 1].Ts : ShiftEnd;
                total += (end - states[i].Ts).TotalSeconds / machine.IdealCycle.For(product).TotalSeconds;
            }
        }

        return total;
    }

    /// <summary>Good plus reject parts, from count events or from counter increments (resets included).</summary>
    private static long Parts(Machine machine)
    {
        if (machine.CountMode == CountMode.Increment)
        {
            return Of(machine.Id).Where(e => e.Type == EventType.Count).Sum(e => e.Good!.Value + e.Reject!.Value);
        }

        var tracker = new CounterTracker();
        return Of(machine.Id).Where(e => e.Type == EventType.Counter)
            .Select(e => tracker.Next(e.MachineId, e.GoodTotal!.Value, e.RejectTotal!.Value))
            .Sum(i => i.Good + i.Reject);
    }
}
