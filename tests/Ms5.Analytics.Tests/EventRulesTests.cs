using Ms5.Analytics.Events;

namespace Ms5.Analytics.Tests;

public class EventRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 6, 0, 0, TimeSpan.Zero);
    private readonly EventRules _rules = new(id => id is "press-01" or "press-02", TimeSpan.FromMinutes(5));

    private static MachineEvent At(DateTimeOffset ts, string machine = "press-01") => MachineEvent.Counts(Some.Id, machine, ts, 1, 0);

    [Fact]
    public void Check_WhenEventIsForAKnownMachineAtNow_HasNoProblems()
    {
        Assert.Empty(_rules.Check(At(Now), Now));
    }

    [Fact]
    public void Check_WhenMachineIsUnknown_ReportsMachineId()
    {
        var problems = _rules.Check(At(Now, "ghost-7"), Now);

        Assert.Equal([new EventProblem("machineId", "unknown machine 'ghost-7': not in the plant configuration")], problems);
    }

    [Fact]
    public void Check_WhenUnknownMachineIdIsLong_TruncatesItInTheMessage()
    {
        var problems = _rules.Check(At(Now, new string('g', 100)), Now);

        Assert.Equal([new EventProblem("machineId", $"unknown machine '{new string('g', 61)}...': not in the plant configuration")], problems);
    }

    [Fact]
    public void Check_WhenTsIsBeyondClockSkew_ReportsHowFarAheadAndTheLimit()
    {
        var problems = _rules.Check(At(Now.AddMinutes(10)), Now);

        Assert.Equal([new EventProblem("ts", "is 10m in the future, beyond the clock-skew limit of 5m")], problems);
    }

    [Fact]
    public void Check_WhenTsIsDaysAhead_DescribesDaysAndHours()
    {
        var problems = _rules.Check(At(Now.AddDays(3).AddHours(4).AddMinutes(7)), Now);

        Assert.Equal([new EventProblem("ts", "is 3d 4h in the future, beyond the clock-skew limit of 5m")], problems);
    }

    [Fact]
    public void Check_WhenTsIsOneSecondBeyondSkew_ReportsIt()
    {
        var problems = _rules.Check(At(Now.AddMinutes(5).AddSeconds(1)), Now);

        Assert.Equal([new EventProblem("ts", "is 5m 1s in the future, beyond the clock-skew limit of 5m")], problems);
    }

    [Fact]
    public void Check_WhenTsIsOneTickBeyondSkew_RefusesIt()
    {
        var problems = _rules.Check(At(Now.AddMinutes(5).AddTicks(1)), Now);

        Assert.Equal(["ts"], problems.Select(p => p.Field));
    }

    [Fact]
    public void Check_WhenTsIsExactlyNowPlusSkew_AcceptsIt()
    {
        Assert.Empty(_rules.Check(At(Now.AddMinutes(5)), Now));
    }

    [Fact]
    public void Check_WhenTsIsInThePast_AcceptsIt()
    {
        Assert.Empty(_rules.Check(At(Now.AddDays(-400)), Now));
    }

    [Fact]
    public void Check_WithZeroSkew_AcceptsNowAndRefusesOneMillisecondLater()
    {
        var strict = new EventRules(_ => true, TimeSpan.Zero);

        Assert.Empty(strict.Check(At(Now), Now));
        Assert.Equal([new EventProblem("ts", "is 1ms in the future, beyond the clock-skew limit of 0ms")], strict.Check(At(Now.AddMilliseconds(1)), Now));
    }

    [Fact]
    public void Check_WhenTsIsBefore2000_ReportsUnsetClock()
    {
        var problems = _rules.Check(At(new DateTimeOffset(1999, 12, 31, 23, 59, 59, 999, TimeSpan.Zero)), Now);

        Assert.Equal([new EventProblem("ts", "is before 2000-01-01: the source clock is not set")], problems);
    }

    [Fact]
    public void Check_WhenTsIsUnixEpoch_ReportsUnsetClock()
    {
        var problems = _rules.Check(At(DateTimeOffset.UnixEpoch), Now);

        Assert.Equal(["ts"], problems.Select(p => p.Field));
    }

    [Fact]
    public void Check_WhenTsIsExactly2000_AcceptsIt()
    {
        Assert.Empty(_rules.Check(At(EventRules.EarliestTs), Now));
    }

    [Fact]
    public void Check_WhenMachineAndTsAreBothWrong_ReportsBothInOrder()
    {
        var problems = _rules.Check(At(Now.AddHours(2), "ghost"), Now);

        Assert.Equal(["machineId", "ts"], problems.Select(p => p.Field));
    }

    [Fact]
    public void Constructor_WhenSkewIsNegative_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new EventRules(_ => true, TimeSpan.FromSeconds(-1)));
    }

    [Fact]
    public void AllProblems_WhenEventIsValid_GivesPlantAndClockProblems()
    {
        var parsed = Some.Parse(Some.Count(o => o["machineId"] = "ghost"));

        Assert.Equal([new EventProblem("machineId", "unknown machine 'ghost': not in the plant configuration")], _rules.AllProblems(parsed, Now));
    }

    [Fact]
    public void AllProblems_WhenEventIsValidAndKnown_IsEmpty()
    {
        Assert.Empty(_rules.AllProblems(Some.Parse(Some.Count()), Now));
    }

    [Fact]
    public void AllProblems_WhenEventIsInvalid_MergesContractPlantAndClockProblemsInFieldOrder()
    {
        var parsed = Some.Parse(Some.Count(o =>
        {
            o["eventId"] = "nope";
            o["machineId"] = "ghost";
            o["ts"] = "2026-11-26T07:00:00Z";
            o.Remove("good");
        }));

        var problems = _rules.AllProblems(parsed, Now);

        Assert.Equal(
            [
                new EventProblem("eventId", "must be a UUID like 6f1c0a4e-8d2b-4c1e-9a57-3b0f5e2d7c11, got 'nope'"),
                new EventProblem("machineId", "unknown machine 'ghost': not in the plant configuration"),
                new EventProblem("ts", "is 1h in the future, beyond the clock-skew limit of 5m"),
                new EventProblem("good", "is required when type is 'count'"),
            ],
            problems);
    }

    [Fact]
    public void AllProblems_WhenMachineIdItselfIsInvalid_DoesNotAlsoReportItUnknown()
    {
        var parsed = Some.Parse(Some.Count(o =>
        {
            o["machineId"] = "";
            o["ts"] = "1970-01-01T00:00:00Z";
        }));

        var problems = _rules.AllProblems(parsed, Now);

        Assert.Equal(
            [
                new EventProblem("machineId", "must not be empty"),
                new EventProblem("ts", "is before 2000-01-01: the source clock is not set"),
            ],
            problems);
    }

    [Fact]
    public void AllProblems_WhenMessageIsNotJson_GivesOnlyTheContractProblem()
    {
        var parsed = Some.Parse("{");

        var problem = Assert.Single(_rules.AllProblems(parsed, Now));
        Assert.Equal("$", problem.Field);
    }

    [Fact]
    public void AllProblems_WhenInvalidEventHasNoPlantOrClockProblem_GivesContractProblems()
    {
        var parsed = Some.Parse(Some.Count(o => o["type"] = "alarm"));

        Assert.Equal([new EventProblem("type", "must be one of state, count, counter, got 'alarm'")], _rules.AllProblems(parsed, Now));
    }
}
