using Ms5.Analytics.Events;
using Ms5.Analytics.Oee;
using Ms5.Analytics.Plant;

namespace Ms5.Analytics.Tests;

/// <summary>An ideal cycle time changed at an instant (plant file idealCycleHistory) values each count with the value in force at its event time.</summary>
public sealed class IdealCycleHistoryTests
{
    private static readonly DateTimeOffset T = new(2026, 11, 26, 6, 0, 0, TimeSpan.Zero);

    // 3.0 s (P-1: 6.0 s) until 06:02, then 2.0 s (P-1: 4.0 s) until 06:04, then 1.0 s (P-1: 1.5 s).
    private static readonly PlantConfig Plant = PlantConfigParser.Parse("""
        { "plantId": "p", "timeZone": "UTC",
          "reasonCodes": [ { "code": "jam", "category": "unplanned" } ],
          "shifts": [ { "name": "all", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "00:00", "end": "12:00" } ],
          "lines": [ { "id": "l1", "machines": [
            { "id": "m1", "idealCycleSeconds": 1.0, "products": { "P-1": 1.5 },
              "idealCycleHistory": [
                { "until": "2026-11-26T06:02:00Z", "idealCycleSeconds": 3.0, "products": { "P-1": 6.0 } },
                { "until": "2026-11-26T06:04:00Z", "idealCycleSeconds": 2.0, "products": { "P-1": 4.0 } } ] } ] } ] }
        """);

    private static readonly Machine M1 = Plant.Machines.Single();

    private static MachineEvent Count(double minute, long good, long reject = 0) =>
        MachineEvent.Counts(Guid.NewGuid(), "m1", T.AddMinutes(minute), good, reject);

    [Fact]
    public void For_AnswersTheValueInForceAtTheInstant_UntilIsExclusive()
    {
        var cycle = M1.IdealCycle;
        Assert.Equal(TimeSpan.FromSeconds(3), cycle.For(null, T));
        Assert.Equal(TimeSpan.FromSeconds(6), cycle.For("P-1", T.AddMinutes(1)));
        Assert.Equal(TimeSpan.FromSeconds(2), cycle.For(null, T.AddMinutes(2)));
        Assert.Equal(TimeSpan.FromSeconds(4), cycle.For("P-1", T.AddMinutes(4).AddTicks(-1)));
        Assert.Equal(TimeSpan.FromSeconds(1), cycle.For(null, T.AddMinutes(4)));
        Assert.Equal(TimeSpan.FromSeconds(1.5), cycle.For("P-1", T.AddHours(5)));
        Assert.Equal(TimeSpan.FromSeconds(3), cycle.For("unknown", T.AddMinutes(1)));
    }

    [Fact]
    public void IdealSeconds_BeforeAndAfterAChange_UseTheirOwnValue()
    {
        var events = new List<MachineEvent>
        {
            Count(0.5, 10),      // 3.0 s → 30
            Count(1.99, 2, 1),   // 3 parts × 3.0 → 9
            Count(2, 5),         // at the change: 2.0 s → 10
            Count(3.5, 4),       // 2.0 s → 8
            Count(4, 7, 3),      // 10 parts × 1.0 → 10
            Count(5.5, 6),       // 1.0 s → 6
        };

        var buckets = BucketCalculator.MinuteBuckets(events, M1.IdealCycle, Plant.Calendar, LossClassifier.For(Plant), T, T.AddMinutes(6));

        Assert.Equal([30, 9, 10, 8, 10, 6], buckets.Values.Select(b => b.IdealSeconds).ToArray());
        Assert.Equal(73, OeeComponents.Sum(buckets.Values).IdealSeconds, 9);
    }

    [Fact]
    public void IdealSeconds_OfAProduct_FollowTheProductsHistory()
    {
        var events = new List<MachineEvent>
        {
            MachineEvent.StateChange(Guid.NewGuid(), "m1", T, MachineState.Running, null, "P-1"),
            Count(1.5, 2),       // P-1 before 06:02: 6.0 → 12
            Count(3.5, 2),       // P-1 before 06:04: 4.0 → 8
            Count(5.5, 2),       // P-1 now: 1.5 → 3
        };

        var total = OeeComponents.Sum(BucketCalculator.MinuteBuckets(events, M1.IdealCycle, Plant.Calendar, LossClassifier.For(Plant), T, T.AddMinutes(6)).Values);

        Assert.Equal(12 + 8 + 3, total.IdealSeconds, 9);
    }

    [Theory]
    [InlineData("""[ { "until": "2026-11-26T06:04:00Z", "idealCycleSeconds": 2 }, { "until": "2026-11-26T06:02:00Z", "idealCycleSeconds": 3 } ]""",
        "$.lines[0].machines[0].idealCycleHistory[1].until: must be later than the previous entry's until (oldest first)")]
    [InlineData("""[ { "until": "yesterday", "idealCycleSeconds": 2 } ]""", "$.lines[0].machines[0].idealCycleHistory[0].until: ")]
    [InlineData("""[ { "until": "2026-11-26T06:04:00Z" } ]""", "$.lines[0].machines[0].idealCycleHistory[0].idealCycleSeconds: is required (ideal seconds per part, e.g. 2.5)")]
    [InlineData("""[ { "until": "2026-11-26T06:04:00Z", "idealCycleSeconds": 0 } ]""", "$.lines[0].machines[0].idealCycleHistory[0].idealCycleSeconds: must be a number from 0.001 to 86400")]
    [InlineData("""{ "until": "2026-11-26T06:04:00Z" }""", "$.lines[0].machines[0].idealCycleHistory: must be an array")]
    public void Parser_RejectsABadHistory_NamingThePath(string history, string expectedStart)
    {
        var problems = new List<string>();
        PlantConfigParser.TryParse(PlantWith($"\"idealCycleHistory\": {history}"), problems);

        var problem = Assert.Single(problems);
        Assert.StartsWith(expectedStart, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Parser_ReadsActive_DefaultTrue_AndRejectsANonBoolean()
    {
        Assert.True(PlantConfigParser.Parse(PlantWith("\"countMode\": \"increment\"")).Machines.Single().Active);
        var inactive = PlantConfigParser.Parse(PlantWith("\"active\": false"));
        Assert.False(inactive.Machines.Single().Active);
        Assert.False(Assert.Single(MachineOeeContext.ForPlant(inactive)).Active);

        var problems = new List<string>();
        PlantConfigParser.TryParse(PlantWith("\"active\": \"no\""), problems);
        Assert.Equal(["$.lines[0].machines[0].active: must be true or false"], problems);
    }

    [Fact]
    public void Parser_AcceptsALineWithoutMachines_ButNotOneWithoutTheArray()
    {
        const string Head = """{ "plantId": "p", "timeZone": "UTC", "reasonCodes": [ { "code": "jam", "category": "unplanned" } ], "lines": [ """;
        Assert.Empty(PlantConfigParser.Parse(Head + """{ "id": "l1", "machines": [] } ] }""").Machines);

        var problems = new List<string>();
        PlantConfigParser.TryParse(Head + """{ "id": "l1" } ] }""", problems);
        Assert.Equal(["$.lines[0].machines: is required"], problems);
    }

    private static string PlantWith(string machineField) => $$"""
        { "plantId": "p", "timeZone": "UTC", "reasonCodes": [ { "code": "jam", "category": "unplanned" } ],
          "lines": [ { "id": "l1", "machines": [ { "id": "m1", "idealCycleSeconds": 1.0, {{machineField}} } ] } ] }
        """;
}
