using System.Text.Json.Nodes;
using Ms5.Analytics.Events;
using Ms5.Analytics.Oee;
using Ms5.Analytics.Plant;

namespace Ms5.Analytics.Tests;

/// <summary>Product-specific ideal cycle times (contract field "product") and start-up rejects.</summary>
public sealed class ProductAndStartupTests
{
    private static readonly DateTimeOffset T = new(2026, 11, 26, 6, 0, 0, TimeSpan.Zero);

    private static readonly PlantConfig Plant = PlantConfigParser.Parse("""
        { "plantId": "p", "timeZone": "UTC",
          "reasonCodes": [ { "code": "jam", "category": "unplanned" }, { "code": "warmup", "category": "startup" },
                           { "code": "changeover", "category": "setup" } ],
          "shifts": [ { "name": "all", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "00:00", "end": "12:00" } ],
          "lines": [ { "id": "l1", "machines": [
            { "id": "m1", "idealCycleSeconds": 1.0, "products": { "P-200": 2.0, "P-050": 0.5 } } ] } ] }
        """);

    private static readonly Machine M1 = Plant.Machines.Single();
    private static readonly LossClassifier Losses = LossClassifier.For(Plant);

    private static MachineEvent State(int minute, MachineState s, string? reason = null, string? product = null) =>
        MachineEvent.StateChange(Guid.NewGuid(), "m1", T.AddMinutes(minute), s, reason, product);

    private static MachineEvent Count(double minute, long good, long reject) =>
        MachineEvent.Counts(Guid.NewGuid(), "m1", T.AddMinutes(minute), good, reject);

    private static OeeComponents Total(IEnumerable<MachineEvent> events, DateTimeOffset from, DateTimeOffset to) =>
        OeeComponents.Sum(BucketCalculator.MinuteBuckets(events, M1.IdealCycle, Plant.Calendar, Losses, from, to).Values);

    private static List<MachineEvent> ProductDay() =>
    [
        Count(0.5, 4, 0),                                        // no product yet: default 1.0 s → 4 s
        State(1, MachineState.Running, product: "P-200"),
        Count(1, 3, 0),                                          // at the instant of the change: still before it → 3 s
        Count(2.5, 10, 0),                                       // P-200: 20 s
        State(3, MachineState.Down, "jam"),                      // no product named: P-200 holds
        State(4, MachineState.Running),
        Count(4.5, 5, 1),                                        // P-200: 12 s
        State(5, MachineState.Setup, "changeover", "P-050"),
        State(6, MachineState.Running),
        Count(6.5, 20, 0),                                       // P-050: 10 s
        State(7, MachineState.Running, product: "P-999"),        // not configured: default 1.0 s
        Count(7.5, 7, 0),                                        // 7 s
    ];

    [Fact]
    public void IdealSeconds_UseTheProductInForce_DefaultForNoneOrUnknown()
    {
        var c = Total(ProductDay(), T, T.AddMinutes(8));

        Assert.Equal(4 + 3 + 20 + 12 + 10 + 7, c.IdealSeconds, 9);
        Assert.Equal(49, c.GoodCount);
        Assert.Equal(1, c.RejectCount);
    }

    [Fact]
    public void IdealSeconds_PerMinute_AreExact()
    {
        var b = BucketCalculator.MinuteBuckets(ProductDay(), M1.IdealCycle, Plant.Calendar, Losses, T, T.AddMinutes(8));

        Assert.Equal([4, 3, 20, 0, 12, 0, 10, 7], b.Values.Select(v => v.IdealSeconds).ToArray());
    }

    [Fact]
    public void ARangeStartingAfterTheProductChange_StillUsesThatProduct()
    {
        var events = ProductDay();
        var whole = Total(events, T, T.AddMinutes(8));
        var split = Total(events, T, T.AddMinutes(4)) + Total(events, T.AddMinutes(4), T.AddMinutes(8));

        Assert.Equal(whole, split);
        Assert.Equal(12 + 10 + 7, Total(events, T.AddMinutes(4), T.AddMinutes(8)).IdealSeconds, 9);
    }

    [Fact]
    public void AnyOrderOfTheSameEvents_GivesTheSameBuckets()
    {
        var events = ProductDay();
        var expected = BucketCalculator.MinuteBuckets(events, M1.IdealCycle, Plant.Calendar, Losses, T, T.AddMinutes(8));
        var rng = new Random(7);
        for (var i = 0; i < 20; i++)
        {
            var shuffled = events.OrderBy(_ => rng.Next()).ToList();
            Assert.Equal(expected, BucketCalculator.MinuteBuckets(shuffled, M1.IdealCycle, Plant.Calendar, Losses, T, T.AddMinutes(8)));
        }
    }

    [Fact]
    public void RejectsInAStartupPeriod_AreStartupRejects_AndTheSixBigLossesSplitThem()
    {
        List<MachineEvent> events =
        [
            State(0, MachineState.Running, "warmup"),
            Count(0.5, 5, 3),                            // start-up: 3 start-up rejects
            Count(1.5, 6, 1),                            // still start-up
            State(2, MachineState.Running),              // stable production
            Count(2.5, 20, 2),                           // process defects
            State(3, MachineState.Down, "jam"),
            Count(3.5, 0, 1),                            // made before the stop, reported during it: a process defect
            State(4, MachineState.Running, "warmup"),
            Count(4.5, 2, 2),
        ];

        var c = Total(events, T, T.AddMinutes(5));

        Assert.Equal(3 + 1 + 2 + 1 + 2, c.RejectCount);
        Assert.Equal(3 + 1 + 2, c.StartupRejectCount);
        Assert.Equal(33, c.GoodCount);
        var l = SixBigLosses.From(c);
        Assert.Equal(6, l.StartupRejects, 9);
        Assert.Equal(3, l.ProcessDefects, 9);
        Assert.Equal(33, l.ValueAdding, 9);
        Assert.Equal(c.PlannedSeconds, l.Breakdowns + l.Setup + l.MicroStops + l.ReducedSpeed + l.ProcessDefects + l.StartupRejects + l.ValueAdding, 9);
    }

    [Fact]
    public void StartupReason_OnlyMarksRunningStates()
    {
        Assert.True(Losses.IsStartup(MachineState.Running, "warmup"));
        Assert.False(Losses.IsStartup(MachineState.Running, "jam"));
        Assert.False(Losses.IsStartup(MachineState.Running, null));
        Assert.False(Losses.IsStartup(MachineState.Setup, "warmup"));
        Assert.Equal(LossCategory.Run, Losses.Classify(MachineState.Running, "warmup", TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public void PlantFile_Products_AreReadPerMachine()
    {
        Assert.Equal(TimeSpan.FromSeconds(2), M1.IdealCycle.For("P-200"));
        Assert.Equal(TimeSpan.FromSeconds(0.5), M1.IdealCycle.For("P-050"));
        Assert.Equal(TimeSpan.FromSeconds(1), M1.IdealCycle.For("nope"));
        Assert.Equal(TimeSpan.FromSeconds(1), M1.IdealCycle.For(null));
        Assert.Empty(Some.DemoPlant.Machines.First(m => m.Id == "press-02").ProductCycleTimes);
    }

    [Theory]
    [InlineData("[1, 2]", "$.lines[0].machines[0].products: must be an object of product code to ideal seconds per part")]
    [InlineData("{\"P1\": 0}", "$.lines[0].machines[0].products.P1: must be the ideal seconds per part, a number from 0.001 to 86400")]
    [InlineData("{\"P1\": \"2\"}", "$.lines[0].machines[0].products.P1: must be the ideal seconds per part")]
    [InlineData("{\"P1\": 1, \"P1\": 2}", "$.lines[0].machines[0].products.P1: is listed twice")]
    [InlineData("{\" \": 1}", "$.lines[0].machines[0].products: product code ' ' must be 1 to 128 printable characters")]
    public void PlantFile_BadProducts_AreNamed(string products, string expected)
    {
        var json = Some.PlantJson(p => Some.FirstMachine(p)["products"] = JsonNode.Parse("0"));
        json = json.Replace("\"products\":0", "\"products\":" + products, StringComparison.Ordinal);

        var problems = Some.PlantProblems(json);

        Assert.Contains(problems, p => p.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Contract_ProductOnAStateEvent_IsParsedAndWrittenBack()
    {
        var parsed = Some.Parse(Some.State(o => o["product"] = "P-200"));

        Assert.True(parsed.IsValid);
        Assert.Equal("P-200", parsed.Event!.Product);
        Assert.Contains("\"product\":\"P-200\"", EventJson.ToJson(parsed.Event), StringComparison.Ordinal);
        Assert.Equal(parsed.Event, Some.Parse(EventJson.ToJson(parsed.Event)).Event);
    }

    [Fact]
    public void Contract_EventsWithoutProduct_StayValidV1()
    {
        var parsed = Some.Parse(Some.State(o => o["product"] = null));

        Assert.True(parsed.IsValid);
        Assert.Null(parsed.Event!.Product);
        Assert.DoesNotContain("product", EventJson.ToJson(parsed.Event), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("5", "must be a string")]
    [InlineData("\"   \"", "must not be empty")]
    [InlineData("\"a\\u0001b\"", "must not contain control characters")]
    public void Contract_BadProductOnAStateEvent_IsNamed(string value, string message)
    {
        var json = Some.State(o => o["product"] = "X").Replace("\"product\":\"X\"", "\"product\":" + value, StringComparison.Ordinal);

        var parsed = Some.Parse(json);

        Assert.False(parsed.IsValid);
        var problem = Assert.Single(parsed.Problems);
        Assert.Equal("product", problem.Field);
        Assert.StartsWith(message, problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Contract_TooLongProduct_IsNamed()
    {
        var parsed = Some.Parse(Some.State(o => o["product"] = new string('p', 129)));

        Assert.Equal([new EventProblem("product", "must be at most 128 characters, got 129")], parsed.Problems);
    }

    [Fact]
    public void Contract_ProductOnACountEvent_IsIgnoredLikeAnUnknownField()
    {
        var parsed = Some.Parse(Some.Count(o => o["product"] = 5));

        Assert.True(parsed.IsValid);
        Assert.Null(parsed.Event!.Product);
    }
}
