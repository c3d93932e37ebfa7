using Ms5.Analytics.Events;
using Ms5.Analytics.Monitoring;
using Ms5.Analytics.Oee;
using Ms5.Analytics.Plant;

namespace Ms5.Analytics.Tests;

public sealed class OeeCounterLedgerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 6, 0, 0, TimeSpan.Zero);

    private static KeyValuePair<DateTimeOffset, OeeComponents> Minute(int m, double planned, double run, double ideal = 0, long good = 0, long reject = 0, double unplanned = 0) =>
        new(T0.AddMinutes(m), new OeeComponents { CalendarSeconds = 60, PlannedSeconds = planned, RunSeconds = run, IdealSeconds = ideal, GoodCount = good, RejectCount = reject, UnplannedStopSeconds = unplanned });

    /// <summary>A ledger that has seen each machine once with an empty minute (its baseline), as the engine's first tick does.</summary>
    private static OeeCounterLedger Started(DateTimeOffset start, TimeSpan horizon, params string[] machines)
    {
        var ledger = new OeeCounterLedger(start, horizon);
        foreach (var m in machines)
        {
            Assert.True(ledger.Observe(m, [], start).IsZero);
        }

        return ledger;
    }

    [Fact]
    public void AGrowingMinute_CountsOnlyWhatWasAdded()
    {
        var ledger = Started(T0, OeeCounterLedger.DefaultHorizon, "m1");

        var first = ledger.Observe("m1", [Minute(0, 20, 15, 12, 6, 1)], T0.AddSeconds(20));
        var second = ledger.Observe("m1", [Minute(0, 60, 50, 40, 20, 2)], T0.AddSeconds(60));
        var same = ledger.Observe("m1", [Minute(0, 60, 50, 40, 20, 2)], T0.AddSeconds(65));

        Assert.Equal(new OeeCounterIncrements(20, 15, 12, 6, 1, 0, 0, 0, 0), first);
        Assert.Equal(new OeeCounterIncrements(40, 35, 28, 14, 1, 0, 0, 0, 0), second);
        Assert.True(same.IsZero);
    }

    [Fact]
    public void AMachinesFirstObservation_IsItsBaseline_OnlyLaterGrowthCounts()
    {
        var ledger = new OeeCounterLedger(T0, OeeCounterLedger.DefaultHorizon);

        var baseline = ledger.Observe("m1", [Minute(0, 30, 30, 24, 12, 0)], T0.AddSeconds(30));
        var growth = ledger.Observe("m1", [Minute(0, 60, 50, 40, 20, 0)], T0.AddSeconds(60));

        Assert.True(baseline.IsZero);
        Assert.Equal(new OeeCounterIncrements(30, 20, 16, 8, 0, 0, 0, 0, 0), growth);
    }

    [Fact]
    public void ALateRevisionThatLowersRunTime_IsHeldBack_UntilTheCounterCatchesUp_AndTotalsEndExact()
    {
        var ledger = Started(T0, OeeCounterLedger.DefaultHorizon, "m1");
        ledger.Observe("m1", [Minute(0, 60, 60), Minute(1, 60, 60)], T0.AddMinutes(2));

        // A late stop: minute 1 had 30 s of breakdown. Run time of the exact record drops by 30 s.
        var revised = ledger.Observe("m1", [Minute(1, 60, 30, unplanned: 30)], T0.AddMinutes(2).AddSeconds(5));
        // The next minute runs fully: run time grows 60 s, of which 30 s repay the revision.
        var next = ledger.Observe("m1", [Minute(2, 60, 60)], T0.AddMinutes(3));

        Assert.Equal(new OeeCounterIncrements(0, 0, 0, 0, 0, 30, 0, 0, 0), revised);
        Assert.Equal(new OeeCounterIncrements(60, 30, 0, 0, 0, 0, 0, 0, 0), next);
    }

    [Fact]
    public void MinutesBeforeTheStart_OrOlderThanTheHorizon_AreNotCounted()
    {
        var ledger = Started(T0.AddMinutes(10), TimeSpan.FromMinutes(30), "m1");

        var beforeStart = ledger.Observe("m1", [Minute(5, 60, 60), Minute(9, 60, 60)], T0.AddMinutes(11));
        var counted = ledger.Observe("m1", [Minute(10, 60, 45)], T0.AddMinutes(11));
        // An hour later a late event revises minute 10: beyond the horizon, it changes no counter.
        var tooOld = ledger.Observe("m1", [Minute(10, 60, 60)], T0.AddMinutes(71));

        Assert.True(beforeStart.IsZero);
        Assert.Equal(new OeeCounterIncrements(60, 45, 0, 0, 0, 0, 0, 0, 0), counted);
        Assert.True(tooOld.IsZero);
    }

    [Fact]
    public void Machines_AreCountedApart()
    {
        var ledger = Started(T0, OeeCounterLedger.DefaultHorizon, "a", "b");

        var a = ledger.Observe("a", [Minute(0, 60, 40)], T0.AddMinutes(1));
        var b = ledger.Observe("b", [Minute(0, 60, 10)], T0.AddMinutes(1));

        Assert.Equal(40, a.RunSeconds);
        Assert.Equal(10, b.RunSeconds);
        Assert.Equal(2, ledger.MachineCount);
    }
}

public sealed class DeadLetterReasonsTests
{
    [Theory]
    [InlineData("$", "not valid JSON: 'x' is an invalid start of a value", DeadLetterReasons.Malformed)]
    [InlineData("$", "message is empty", DeadLetterReasons.Malformed)]
    [InlineData("$", "message is 70000 bytes, more than the 65536 allowed", DeadLetterReasons.TooLarge)]
    [InlineData("ts", "is 2 h in the future, beyond the clock-skew limit of 5 min", DeadLetterReasons.ClockSkew)]
    [InlineData("ts", "is before 2000-01-01: the source clock is not set", DeadLetterReasons.ClockSkew)]
    [InlineData("machineId", "unknown machine 'x': not in the plant configuration", DeadLetterReasons.UnknownMachine)]
    [InlineData("good", "must not be negative, got -1", DeadLetterReasons.Invalid)]
    public void Classify_MapsEachProblemToItsClass(string field, string message, string expected) =>
        Assert.Equal(expected, DeadLetterReasons.Classify([new EventProblem(field, message)]));

    [Fact]
    public void Classify_SeveralProblems_TakesTheFirstClassThatApplies()
    {
        Assert.Equal(DeadLetterReasons.ClockSkew, DeadLetterReasons.Classify([new EventProblem("machineId", "unknown machine 'x': not in the plant configuration"), new EventProblem("ts", "is 1 h in the future, beyond the clock-skew limit of 5 min")]));
        Assert.All(DeadLetterReasons.All, r => Assert.Matches("^[a-z_]+$", r));
    }
}

public sealed class OeeTargetTests
{
    [Fact]
    public void Targets_ComeFromTheLine_ElseThePlant_ElseDefaultTo65Percent_AndTheDemoPlantAims55()
    {
        var plant = PlantConfigParser.Parse(File.ReadAllText(Some.DemoPlantPath).Replace("\"target\": 0.55", "\"target\": 0.7", StringComparison.Ordinal)
            .Replace("{ \"id\": \"line-2\", \"name\": \"Welding\",", "{ \"id\": \"line-2\", \"name\": \"Welding\", \"oeeTarget\": 0.8,", StringComparison.Ordinal));
        var contexts = MachineOeeContext.ForPlant(plant).ToDictionary(c => c.MachineId);

        Assert.Equal(0.8, contexts["weld-01"].OeeTarget);
        Assert.Equal(0.7, contexts["press-01"].OeeTarget);
        Assert.Equal(0.55, MachineOeeContext.ForPlant(Some.DemoPlant).First().OeeTarget);
        Assert.Equal(0.65, MachineOeeContext.ForPlant(PlantConfigParser.Parse(File.ReadAllText(Some.DemoPlantPath).Replace(", \"target\": 0.55", "", StringComparison.Ordinal))).First().OeeTarget);
    }

    [Theory]
    [InlineData("\"target\": 1.5", "$.oee.target: must be a number from 0 to 1")]
    [InlineData("\"target\": \"high\"", "$.oee.target: must be a number from 0 to 1")]
    public void ABadTarget_IsRefusedNamingIt(string insert, string expected)
    {
        var ex = Assert.Throws<PlantConfigException>(() => PlantConfigParser.Parse(File.ReadAllText(Some.DemoPlantPath).Replace("\"target\": 0.55", insert, StringComparison.Ordinal)));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }
}
