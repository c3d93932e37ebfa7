using Ms5.Analytics.Events;
using Ms5.Analytics.Plant;
using Ms5.Analytics.Reports;
using Ms5.Analytics.Simulation;

namespace Ms5.Analytics.Tests;

/// <summary>The simulator's labelled anomalies on the demo plant: Sunday 2026-11-22 12:00 UTC to Thursday 12:00, injected from Monday 00:00 UTC.</summary>
public sealed class AnomalyInjectionTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset From = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset End = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(5);

    private static readonly AnomalyInjection Injection = new()
    {
        From = From,
        To = End,
        LongStopsPerMachineWeek = 2,
        BurstsPerMachineWeek = 1,
        UnusualReasonsPerMachineWeek = 1,
        DriftMachines = 2,
    };

    private static readonly (IReadOnlyList<InjectedAnomaly> Labels, IReadOnlyList<MachineEvent> Events) Run7 = Run(7, Injection);

    private static (IReadOnlyList<InjectedAnomaly> Labels, IReadOnlyList<MachineEvent> Events) Run(int seed, AnomalyInjection? injection)
    {
        var sim = new PlantSimulator(Some.DemoPlant, Start, new SimulatorOptions
        {
            Seed = seed,
            Tick = Tick,
            CountInterval = TimeSpan.FromMinutes(1),
            Profiles = Some.DemoProfiles,
            Anomalies = injection,
        });
        return (sim.InjectedAnomalies, sim.AdvanceTo(End));
    }

    [Fact]
    public void Injection_IsDeterministicBySeed()
    {
        var again = Run(7, Injection);
        var other = Run(8, Injection);

        Assert.Equal(Run7.Labels.Select(Describe), again.Labels.Select(Describe));
        Assert.Equal(Run7.Events, again.Events);
        Assert.NotEqual(Run7.Labels.Select(Describe), other.Labels.Select(Describe));
    }

    [Fact]
    public void Injection_PlansEveryKindInsideTheWindow_OnTheTickGrid_InProductionTime()
    {
        var labels = Run7.Labels;

        Assert.Equal([InjectedKind.LongStop, InjectedKind.Burst, InjectedKind.UnusualReason, InjectedKind.NightDrift], labels.Select(l => l.Kind).Distinct().Order());
        Assert.Equal(12, labels.Count(l => l.Kind == InjectedKind.LongStop)); // 2 × 12 machines × 3.5 days / 7
        Assert.Equal(6, labels.Count(l => l.Kind == InjectedKind.NightDrift)); // 2 machines × 3 nights (Mon, Tue, Wed)
        foreach (var stop in labels.SelectMany(l => l.Stops))
        {
            Assert.InRange(stop.Start, From, End);
            Assert.Equal(0, (stop.Start - Start).Ticks % Tick.Ticks);
            Assert.Equal(PlannedStatus.Production, Some.DemoPlant.Calendar.StatusAt(stop.Start));
        }
    }

    [Fact]
    public void Injection_EveryLabelledStopIsInTheEvents_DownWithItsReason_ForItsDuration()
    {
        var states = Run7.Events.Where(e => e.Type == EventType.State).ToList();
        foreach (var label in Run7.Labels)
        {
            var mine = states.Where(e => e.MachineId == label.MachineId).ToList();
            foreach (var stop in label.Stops)
            {
                var i = mine.FindIndex(e => e.Ts == stop.Start);
                Assert.True(i >= 0, $"{label.Kind} on {label.MachineId}: no state event at {stop.Start:O}");
                Assert.Equal((MachineState.Down, stop.Reason), (mine[i].State!.Value, mine[i].Reason));
                var end = Start + TimeSpan.FromTicks((long)Math.Ceiling((stop.Start + stop.Duration - Start).Ticks / (double)Tick.Ticks) * Tick.Ticks);
                Assert.Equal(end, mine[i + 1].Ts);
            }
        }
    }

    [Fact]
    public void Injection_EachKindIsWhatItsLabelSays()
    {
        var profiles = Some.DemoProfiles;
        var intervals = StateIntervals.FromEvents(Run7.Events);
        var injectedStarts = Run7.Labels.SelectMany(l => l.Stops.Select(s => (l.MachineId, s.Start))).ToHashSet();
        foreach (var label in Run7.Labels)
        {
            switch (label.Kind)
            {
                case InjectedKind.LongStop:
                    var mttr = (profiles.GetValueOrDefault(label.MachineId) ?? SimulationProfile.Default).Mttr.TotalSeconds;
                    var median = Math.Max(30, Math.Log(2) * mttr);
                    Assert.InRange(Assert.Single(label.Stops).Duration.TotalSeconds / median, 7.99, 20.01);
                    break;
                case InjectedKind.Burst:
                    Assert.InRange(label.Stops.Count, 8, 12);
                    Assert.All(label.Stops, s => Assert.True(s.Start >= label.Start && s.Start + s.Duration < label.End));
                    Assert.Equal(TimeSpan.FromHours(1), label.End - label.Start);
                    break;
                case InjectedKind.UnusualReason:
                    // Its reason never occurs on the machine except where injected.
                    Assert.DoesNotContain(intervals, s => s.MachineId == label.MachineId && s.Reason == label.Reason && !injectedStarts.Contains((s.MachineId, s.Start)));
                    break;
                case InjectedKind.NightDrift:
                    Assert.All(label.Stops, s => Assert.Equal("night", Some.DemoPlant.Calendar.At(s.Start)?.Name));
                    break;
            }
        }

        foreach (var drift in Run7.Labels.Where(l => l.Kind == InjectedKind.NightDrift).GroupBy(l => l.MachineId))
        {
            Assert.Equal([6, 12, 18], drift.OrderBy(l => l.Start).Select(l => l.Stops.Count));
        }
    }

    [Fact]
    public void Injection_LeavesTheHistoryBeforeItsFirstStopAsWithoutIt()
    {
        var plain = Run(7, null);
        var first = Run7.Labels.Min(l => l.Start);

        Assert.Empty(plain.Labels);
        Assert.Equal(plain.Events.Where(e => e.Ts < first), Run7.Events.Where(e => e.Ts < first));
    }

    [Fact]
    public void StateIntervals_AreTheHistoriansRows_EachStateUntilTheMachinesNextOne_DuplicatesOnce()
    {
        var t = From;
        var id = Guid.Parse("01900000-0000-7000-8000-000000000001");
        MachineEvent State(string m, int minute, MachineState s, string? reason, Guid? eventId = null) =>
            MachineEvent.StateChange(eventId ?? Guid.NewGuid(), m, t.AddMinutes(minute), s, reason);
        var events = new[]
        {
            State("b", 0, MachineState.Running, null),
            State("a", 5, MachineState.Down, "jam", id),
            State("a", 0, MachineState.Running, null),
            State("a", 5, MachineState.Down, "jam", id), // a replayed duplicate
            MachineEvent.Counts(Guid.NewGuid(), "a", t.AddMinutes(6), 5, 0),
            State("a", 9, MachineState.Running, null),
        };

        var spans = StateIntervals.FromEvents(events);

        Assert.Equal(
            [
                new StateSpan("a", MachineState.Running, null, t, t.AddMinutes(5)),
                new StateSpan("a", MachineState.Down, "jam", t.AddMinutes(5), t.AddMinutes(9)),
                new StateSpan("a", MachineState.Running, null, t.AddMinutes(9), null),
                new StateSpan("b", MachineState.Running, null, t, null),
            ],
            spans);
    }

    private static string Describe(InjectedAnomaly a) =>
        $"{a.Kind} {a.MachineId} {a.End:O} {string.Join(',', a.Stops.Select(s => $"{s.Start:O}/{s.Duration}/{s.Reason}"))}";
}
