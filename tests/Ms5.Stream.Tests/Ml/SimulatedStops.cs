using Ms5.Analytics.Anomalies;
using Ms5.Analytics.Events;
using Ms5.Analytics.Plant;
using Ms5.Analytics.Reports;
using Ms5.Analytics.Simulation;
using Ms5.Stream.Tests.Support;

namespace Ms5.Stream.Tests.Ml;

/// <summary>
/// The ML tests' data: the demo plant (12 machines, three shifts) simulated with seed 7 and no injected anomalies (state events and part counts),
/// 14 days of training history from Monday 2026-09-07 and the following 7 days held out, as the historian's stops
/// (<see cref="StopFeatureExtractor"/>). Built once per test run.
/// </summary>
internal static class SimulatedStops
{
    public const int Seed = 7;

    public static readonly DateTimeOffset Origin = new(2026, 9, 7, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset TrainEnd = Origin.AddDays(14);
    public static readonly DateTimeOffset End = TrainEnd.AddDays(7);

    private static readonly Lazy<(IReadOnlyList<StopFeatures> Train, IReadOnlyList<StopFeatures> Held)> Data = new(Build);

    public static PlantConfig Plant { get; } = PlantConfigParser.Parse(File.ReadAllText(Repo.DemoPlant));

    /// <summary>The closed stops that started before <see cref="TrainEnd"/>.</summary>
    public static IReadOnlyList<StopFeatures> Train => Data.Value.Train;

    /// <summary>The closed stops that started in the held-out week.</summary>
    public static IReadOnlyList<StopFeatures> Held => Data.Value.Held;

    private static (IReadOnlyList<StopFeatures>, IReadOnlyList<StopFeatures>) Build()
    {
        var json = File.ReadAllText(Repo.DemoPlant);
        var sim = new PlantSimulator(Plant, Origin, new SimulatorOptions
        {
            Seed = Seed,
            Tick = TimeSpan.FromSeconds(5),
            CountInterval = TimeSpan.FromMinutes(1),
            MeanTimeBetweenMicroStops = TimeSpan.FromMinutes(60),
            Profiles = SimulationProfiles.Parse(json),
        });
        var events = sim.AdvanceTo(End);
        var counts = events.Where(e => e.Type != EventType.State).GroupBy(e => e.MachineId).ToDictionary(g => g.Key, g => Parts(g.ToList()));
        var histories = StateIntervals.FromEvents(events.Where(e => e.Type == EventType.State)).GroupBy(s => s.MachineId)
            .Select(g => new MachineHistory(g.Key, g.ToList()) { Counts = counts.GetValueOrDefault(g.Key) });
        var extractor = new StopFeatureExtractor(Plant);
        var stops = histories.SelectMany(h => extractor.Stops(h, End)).Where(s => !s.Open).ToList();
        return (stops.Where(s => s.Start < TrainEnd).ToList(), stops.Where(s => s.Start >= TrainEnd).ToList());
    }

    /// <summary>Part counts of count events as they are, of cumulative counters as the differences between readings.</summary>
    private static List<PartCount> Parts(List<MachineEvent> events)
    {
        var parts = events.Where(e => e.Type == EventType.Count).Select(e => new PartCount(e.Ts, e.Good ?? 0, e.Reject ?? 0)).ToList();
        var readings = events.Where(e => e.Type == EventType.Counter).OrderBy(e => e.Ts).ToList();
        parts.AddRange(readings.Zip(readings.Skip(1), (a, b) => new PartCount(
            b.Ts, Math.Max(0, (b.GoodTotal ?? 0) - (a.GoodTotal ?? 0)), Math.Max(0, (b.RejectTotal ?? 0) - (a.RejectTotal ?? 0)))));
        return parts;
    }
}
