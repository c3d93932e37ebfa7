using Ms5.Analytics.Anomalies;
using Ms5.Analytics.Events;
using Ms5.Analytics.Plant;
using Ms5.Analytics.Reports;
using Ms5.Analytics.Simulation;
using Ms5.Ml;
using Ms5.Stream.Tests.Support;

namespace Ms5.Stream.Tests.Ml;

/// <summary>
/// The baseline trained on a fixed seed flags the anomalies the simulator injected and (almost) nothing else: the demo
/// plant, seed 11, 21 normal days from Monday 2026-09-07, then a week with injected, labelled anomalies scored as
/// training and live scoring do (<see cref="DowntimeTrainer.Score"/>). The counts are this seed's, exactly.
/// </summary>
public sealed class InjectedAnomalyTests
{
    private static readonly DateTimeOffset Origin = new(2026, 9, 7, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset TrainEnd = Origin.AddDays(21);
    private static readonly DateTimeOffset End = TrainEnd.AddDays(7);

    private static readonly Lazy<Data> Simulated = new(Build);

    private sealed record Data(PlantConfig Plant, DowntimeBaseline Baseline, List<StopFeatures> Stops, IReadOnlyList<InjectedAnomaly> Labels, Dictionary<string, MachineHistory> Histories);

    private static Data Build()
    {
        var json = File.ReadAllText(Repo.DemoPlant);
        var plant = PlantConfigParser.Parse(json);
        var sim = new PlantSimulator(plant, Origin, new SimulatorOptions
        {
            Seed = 11,
            Tick = TimeSpan.FromSeconds(5),
            CountInterval = TimeSpan.FromMinutes(1),
            MeanTimeBetweenMicroStops = TimeSpan.FromMinutes(60),
            Profiles = SimulationProfiles.Parse(json),
            Anomalies = new AnomalyInjection { From = TrainEnd, To = End },
        });
        var states = sim.AdvanceTo(End).Where(e => e.Type == EventType.State).ToList();
        var histories = StateIntervals.FromEvents(states).GroupBy(s => s.MachineId).ToDictionary(g => g.Key, g => new MachineHistory(g.Key, g.ToList()));
        var extractor = new StopFeatureExtractor(plant);
        var stops = histories.Values.SelectMany(h => extractor.Stops(h, End)).ToList();
        var hours = histories.Values.SelectMany(h => extractor.Hours(h, Origin, TrainEnd)).ToList();
        var training = stops.Where(s => s.Start < TrainEnd).Select(s => s).ToList();
        var baseline = DowntimeBaseline.Fit(plant.PlantId, Origin, TrainEnd, training, hours, BaselineOptions.Default, plant.TimeZone);
        return new Data(plant, baseline, stops, sim.InjectedAnomalies, histories);
    }

    private static bool Matches(AnomalyScore f, InjectedAnomaly l) =>
        l.MachineId == f.MachineId && (l.Stops.Any(s => s.Start == f.StopStart)
            || (f.Kind is AnomalyKind.Burst or AnomalyKind.ShiftPileup && l.Kind is InjectedKind.Burst or InjectedKind.NightDrift && f.StopStart >= l.Start && f.StopStart < l.End));

    [Fact]
    public void HeldOutWeek_FlagsTheInjectedAnomalies_AndFewNormalStops()
    {
        var d = Simulated.Value;
        var flags = DowntimeTrainer.Score(d.Baseline, d.Stops, TrainEnd, End).Where(f => f.Flagged).ToList();

        var caught = d.Labels.Where(l => flags.Any(f => Matches(f, l))).ToList();
        var falseFlags = flags.Where(f => !d.Labels.Any(l => Matches(f, l))).ToList();
        var byKind = Enum.GetValues<InjectedKind>().ToDictionary(k => k, k => (Labels: d.Labels.Count(l => l.Kind == k), Caught: caught.Count(l => l.Kind == k)));

        Assert.Equal((12, 11), byKind[InjectedKind.LongStop]);
        Assert.Equal((6, 6), byKind[InjectedKind.Burst]);
        Assert.Equal((3, 3), byKind[InjectedKind.UnusualReason]);
        Assert.Equal((12, 6), byKind[InjectedKind.NightDrift]);
        // 4 flags on normal stops: 0.33 per machine and week (the goal: at most 1).
        Assert.Equal(4, falseFlags.Count);
        Assert.All(flags.Where(f => f.Kind == AnomalyKind.LongStop), f => Assert.Matches(@"^\w+ on [\w-]+ lasted .+; normally .+ \(95 % of \d+ .+ in 21 days\)$", f.Explanation));
    }

    [Fact]
    public void InjectedLongStop_IsFlaggedWhileStillOpen_UnderTheIdItKeepsWhenItEnds()
    {
        var d = Simulated.Value;
        var scorer = new DowntimeScorer(d.Baseline);
        var extractor = new StopFeatureExtractor(d.Plant);
        var label = d.Labels.First(l => l.Kind == InjectedKind.LongStop);
        var stop = label.Stops[0];
        var closed = d.Stops.Single(s => s.MachineId == label.MachineId && s.Start == stop.Start);
        var due = scorer.LongStopDue(closed)!.Value;
        Assert.True(due < stop.Start + stop.Duration, "the injected stop outlasts its threshold");

        var beforeDue = extractor.Stops(d.Histories[label.MachineId], due.AddMinutes(-1)).Single(s => s.Start == stop.Start);
        var afterDue = extractor.Stops(d.Histories[label.MachineId], due.AddMinutes(1)).Single(s => s.Start == stop.Start);

        Assert.True(beforeDue.Open);
        Assert.False(scorer.ScoreLongStop(beforeDue)!.Flagged);
        var open = scorer.ScoreLongStop(afterDue)!;
        Assert.True(open.Flagged && open.Open);
        Assert.Contains("so far", open.Explanation, StringComparison.Ordinal);
        var final = scorer.ScoreLongStop(closed)!;
        Assert.Equal((open.Id, true, false), (final.Id, final.Flagged, final.Open));
    }

    [Fact]
    public void Replay_ScoresTheSameFlagsWithTheSameIds()
    {
        var d = Simulated.Value;
        var first = DowntimeTrainer.Score(d.Baseline, d.Stops, TrainEnd, End).Where(f => f.Flagged).ToList();
        var again = DowntimeTrainer.Score(DowntimeBaseline.FromJson(d.Baseline.ToJson()), d.Stops.AsEnumerable().Reverse().ToList(), TrainEnd, End).Where(f => f.Flagged).ToList();

        Assert.NotEmpty(first);
        Assert.Equal(first.Select(f => f.Id).Order(), again.Select(f => f.Id).Order());
        Assert.Equal(first.Count, first.Select(f => f.Id).Distinct().Count());
    }
}
