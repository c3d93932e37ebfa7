using Ms5.Analytics.Assignments;
using Ms5.Analytics.Plant;

namespace Ms5.Analytics.Tests;

/// <summary>Which shift (production day and name) an instant belongs to, as operator assignments and Andons' assignees use it.</summary>
public class ShiftSlotTests
{
    private static readonly ShiftCalendar Demo = Some.DemoPlant.Calendar;

    /// <summary>A night shift every day, 22:00–06:00 with a break 02:00–02:30, in Berlin.</summary>
    private static readonly ShiftCalendar NightEveryDay = new(
        Some.Berlin,
        [new ShiftPattern("night", Enum.GetValues<DayOfWeek>().ToHashSet(), new TimeOnly(22, 0), new TimeOnly(6, 0), [new ShiftBreak(new TimeOnly(2, 0), new TimeOnly(2, 30))])],
        new HashSet<DateOnly>());

    // 2026-11-26 is a Thursday; Berlin is UTC+1 in November.
    [Theory]
    [InlineData("2026-11-26T05:00:00Z", "2026-11-26", "early")] // Thu 06:00, the early shift's first instant
    [InlineData("2026-11-26T04:59:59Z", "2026-11-25", "night")] // Thu 05:59:59, Wednesday's night shift
    [InlineData("2026-11-26T08:40:00Z", "2026-11-26", "early")] // 09:40, in a break: still the early shift
    [InlineData("2026-11-26T13:00:00Z", "2026-11-26", "late")] // 14:00
    [InlineData("2026-11-26T21:00:00Z", "2026-11-26", "night")] // 22:00
    [InlineData("2026-11-27T01:15:00Z", "2026-11-26", "night")] // Fri 02:15, after midnight: the night shift that began Thursday
    [InlineData("2026-11-30T02:00:00Z", "2026-11-29", "night")] // Mon 03:00, the night shift that began Sunday
    public void At_DemoPlant_GivesTheShiftAndTheDayItStarted(string instant, string day, string shift)
    {
        Assert.Equal(new ShiftSlot(DateOnly.Parse(day), shift), ShiftSlot.At(Demo, Some.Utc(instant)));
    }

    [Theory]
    [InlineData("2026-11-28T21:00:00Z", "2026-11-28")] // Sat 22:00: no Saturday night shift
    [InlineData("2026-11-29T12:00:00Z", "2026-11-29")] // Sun 13:00: no shift on Sunday daytime
    [InlineData("2026-12-25T05:00:00Z", "2026-12-25")] // Fri 06:00 on a holiday: the early shift does not run
    public void At_NoShiftRunning_IsNone_AndTheProductionDayIsTheLocalDate(string instant, string day)
    {
        Assert.Equal((null, DateOnly.Parse(day)), (ShiftSlot.At(Demo, Some.Utc(instant)), ShiftSlot.ProductionDay(Demo, Some.Utc(instant))));
    }

    // 2026-10-25: Berlin goes from UTC+2 back to UTC+1 at 01:00Z (03:00 CEST → 02:00 CET); the night of the 24th lasts 9 hours.
    [Theory]
    [InlineData("2026-10-24T20:00:00Z")] // 22:00 CEST, the start
    [InlineData("2026-10-25T00:30:00Z")] // 02:30 CEST, the first 02:30 (in the break)
    [InlineData("2026-10-25T01:30:00Z")] // 02:30 CET, the second 02:30 (in the break again)
    [InlineData("2026-10-25T04:59:59Z")] // 05:59:59 CET, the last second
    public void At_AutumnNight_BothRepeatedHoursBelongToTheNightShiftOfTheDayBefore(string instant)
    {
        Assert.Equal(new ShiftSlot(new DateOnly(2026, 10, 24), "night"), ShiftSlot.At(NightEveryDay, Some.Utc(instant)));
    }

    [Fact]
    public void At_AutumnNight_EndsAt0600Cet_NotAnHourEarlier()
    {
        var end = Some.Utc("2026-10-25T05:00:00Z"); // 06:00 CET

        Assert.Equal((null, new DateOnly(2026, 10, 25)), (ShiftSlot.At(NightEveryDay, end), ShiftSlot.ProductionDay(NightEveryDay, end)));
    }

    // 2026-03-29: Berlin jumps from UTC+1 to UTC+2 at 01:00Z (02:00 CET → 03:00 CEST); the night of the 28th lasts 7 hours.
    [Theory]
    [InlineData("2026-03-28T21:00:00Z", "2026-03-28")] // 22:00 CET, the start
    [InlineData("2026-03-29T01:00:00Z", "2026-03-28")] // 03:00 CEST, right after the skipped hour
    [InlineData("2026-03-29T03:59:59Z", "2026-03-28")] // 05:59:59 CEST, the last second
    [InlineData("2026-03-29T20:00:00Z", "2026-03-29")] // 22:00 CEST, the next night
    public void At_SpringNight_SkippedHourChangesNothingButTheLength(string instant, string day)
    {
        Assert.Equal(new ShiftSlot(DateOnly.Parse(day), "night"), ShiftSlot.At(NightEveryDay, Some.Utc(instant)));
    }

    [Fact]
    public void At_SpringNight_EndsAt0600Cest()
    {
        Assert.Null(ShiftSlot.At(NightEveryDay, Some.Utc("2026-03-29T04:00:00Z")));
    }

    [Fact]
    public void At_PlantWithoutShifts_IsNone()
    {
        Assert.Null(ShiftSlot.At(ShiftCalendar.AlwaysOn(Some.Berlin), Some.Utc("2026-11-26T10:00:00Z")));
    }

    [Theory]
    [InlineData("2026-11-26", "early", null)]
    [InlineData("2026-11-29", "night", null)] // Sunday night runs
    [InlineData("2026-11-26", "lunch", "'lunch' is not a shift of the plant; shifts: early, late, night")]
    [InlineData("2026-11-28", "night", "'night' does not run on 2026-11-28 (Saturday)")]
    [InlineData("2026-12-25", "early", "'early' does not run on 2026-12-25 (Friday, a holiday)")]
    public void Problem_SaysWhyAShiftCannotBeAssignedThatDay(string day, string shift, string? expected)
    {
        Assert.Equal(expected, ShiftSlot.Problem(Demo, DateOnly.Parse(day), shift));
    }

    [Fact]
    public void Problem_PlantWithoutShifts_SaysThereIsNothingToAssign()
    {
        Assert.Equal("the plant has no shifts in its calendar (it runs around the clock): nothing to assign",
            ShiftSlot.Problem(ShiftCalendar.AlwaysOn(Some.Berlin), new DateOnly(2026, 11, 26), "early"));
    }
}
