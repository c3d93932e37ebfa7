using Ms5.Analytics.Plant;

namespace Ms5.Analytics.Tests;

public class ShiftCalendarTests
{
    private static readonly ShiftCalendar Demo = Some.DemoPlant.Calendar;

    /// <summary>A night shift every day, 22:00–06:00 with a break 02:00–02:30, in Berlin.</summary>
    private static readonly ShiftCalendar NightEveryDay = new(
        Some.Berlin,
        [new ShiftPattern("night", Enum.GetValues<DayOfWeek>().ToHashSet(), new TimeOnly(22, 0), new TimeOnly(6, 0), [new ShiftBreak(new TimeOnly(2, 0), new TimeOnly(2, 30))])],
        new HashSet<DateOnly>());

    // 2026-11-26 is a Thursday; Berlin is UTC+1 in November.
    [Theory]
    [InlineData("2026-11-26T05:00:00Z", PlannedStatus.Production)] // 06:00 Thu, early shift starts
    [InlineData("2026-11-26T04:59:59Z", PlannedStatus.Production)] // 05:59:59, night shift from Wed
    [InlineData("2026-11-26T07:00:00Z", PlannedStatus.Production)] // 08:00
    [InlineData("2026-11-26T08:29:59Z", PlannedStatus.Production)] // 09:29:59
    [InlineData("2026-11-26T08:30:00Z", PlannedStatus.Break)] // 09:30 break starts
    [InlineData("2026-11-26T08:44:59Z", PlannedStatus.Break)] // 09:44:59
    [InlineData("2026-11-26T08:45:00Z", PlannedStatus.Production)] // 09:45 break ends
    [InlineData("2026-11-26T11:15:00Z", PlannedStatus.Break)] // 12:15 lunch
    [InlineData("2026-11-26T13:00:00Z", PlannedStatus.Production)] // 14:00 late shift
    [InlineData("2026-11-26T16:40:00Z", PlannedStatus.Break)] // 17:40
    [InlineData("2026-11-26T21:00:00Z", PlannedStatus.Production)] // 22:00 night shift
    [InlineData("2026-11-27T01:15:00Z", PlannedStatus.Break)] // Fri 02:15, night break
    [InlineData("2026-11-27T01:30:00Z", PlannedStatus.Production)] // Fri 02:30
    public void StatusAt_DemoPlantOnAWeekday_FollowsShiftsAndBreaks(string instant, PlannedStatus expected)
    {
        Assert.Equal(expected, Demo.StatusAt(Some.Utc(instant)));
    }

    // 2026-11-28 is a Saturday: early and late shifts, no night shift; Sunday only has the night shift from 22:00.
    [Theory]
    [InlineData("2026-11-28T03:00:00Z", PlannedStatus.Production)] // Sat 04:00, night shift started Friday
    [InlineData("2026-11-28T20:59:59Z", PlannedStatus.Production)] // Sat 21:59:59, late shift
    [InlineData("2026-11-28T21:00:00Z", PlannedStatus.NoShift)] // Sat 22:00, no Saturday night shift
    [InlineData("2026-11-29T03:00:00Z", PlannedStatus.NoShift)] // Sun 04:00
    [InlineData("2026-11-29T12:00:00Z", PlannedStatus.NoShift)] // Sun 13:00
    [InlineData("2026-11-29T20:59:59Z", PlannedStatus.NoShift)] // Sun 21:59:59
    [InlineData("2026-11-29T21:00:00Z", PlannedStatus.Production)] // Sun 22:00, night shift
    [InlineData("2026-11-30T02:00:00Z", PlannedStatus.Production)] // Mon 03:00, night shift started Sunday
    [InlineData("2026-11-30T01:15:00Z", PlannedStatus.Break)] // Mon 02:15, its break
    public void StatusAt_DemoPlantAroundTheWeekend_KnowsOvernightShiftStartedYesterday(string instant, PlannedStatus expected)
    {
        Assert.Equal(expected, Demo.StatusAt(Some.Utc(instant)));
    }

    // Holidays 2026-12-25 (Fri) and 2026-12-26 (Sat) apply to shifts that start on those days.
    [Theory]
    [InlineData("2026-12-25T03:00:00Z", PlannedStatus.Production)] // Fri 04:00, night shift started Thu 24th
    [InlineData("2026-12-25T05:00:00Z", PlannedStatus.Holiday)] // Fri 06:00, early shift on the holiday
    [InlineData("2026-12-25T08:40:00Z", PlannedStatus.Holiday)] // during what would be a break
    [InlineData("2026-12-25T22:00:00Z", PlannedStatus.Holiday)] // Fri 23:00, night shift starts on the holiday
    [InlineData("2026-12-26T03:00:00Z", PlannedStatus.Holiday)] // Sat 04:00, that night shift, next day
    [InlineData("2026-12-26T12:00:00Z", PlannedStatus.Holiday)] // Sat 13:00
    [InlineData("2026-12-26T21:30:00Z", PlannedStatus.NoShift)] // Sat 22:30, no shift at all
    [InlineData("2026-12-27T21:30:00Z", PlannedStatus.Production)] // Sun 22:30
    [InlineData("2026-12-31T23:30:00Z", PlannedStatus.Production)] // Fri 2027-01-01 00:30, night shift started Thu 31st
    [InlineData("2027-01-01T05:00:00Z", PlannedStatus.Holiday)] // Fri 2027-01-01 06:00, early shift on the holiday
    public void StatusAt_DemoPlantOnHolidays_AppliesHolidayToTheShiftStartDay(string instant, PlannedStatus expected)
    {
        Assert.Equal(expected, Demo.StatusAt(Some.Utc(instant)));
    }

    [Fact]
    public void StatusAt_WhenInstantHasAnOffset_UsesTheInstantNotItsWallClock()
    {
        // 08:40 in New York (UTC-5) is 14:40 in Berlin: late shift, not the 09:30 break.
        var ts = new DateTimeOffset(2026, 11, 26, 8, 40, 0, TimeSpan.FromHours(-5));

        Assert.Equal(PlannedStatus.Production, Demo.StatusAt(ts));
        Assert.Equal(PlannedStatus.Break, Demo.StatusAt(new DateTimeOffset(2026, 11, 26, 9, 40, 0, TimeSpan.FromHours(1))));
    }

    [Theory]
    [InlineData("2026-10-25T00:15:00Z")] // 02:15 CEST, first time
    [InlineData("2026-10-25T01:15:00Z")] // 02:15 CET, second time
    public void StatusAt_FallBackNight_RepeatedBreakHourIsBreakBothTimes(string instant)
    {
        Assert.Equal(PlannedStatus.Break, NightEveryDay.StatusAt(Some.Utc(instant)));
    }

    [Theory]
    [InlineData("2026-10-25T00:45:00Z")] // 02:45 CEST, first time
    [InlineData("2026-10-25T01:45:00Z")] // 02:45 CET, second time
    [InlineData("2026-10-25T00:59:59Z")] // 02:59:59 CEST, just before the clocks go back
    [InlineData("2026-10-25T04:59:59Z")] // 05:59:59 CET
    public void StatusAt_FallBackNight_RepeatedHourIsInsideTheNightShiftBothTimes(string instant)
    {
        Assert.Equal(PlannedStatus.Production, NightEveryDay.StatusAt(Some.Utc(instant)));
    }

    [Fact]
    public void StatusAt_FallBackNight_ShiftLastsNineHoursWithAnHourOfBreak()
    {
        var minutes = Minutes(NightEveryDay, Some.Utc("2026-10-24T18:00:00Z"), Some.Utc("2026-10-25T08:00:00Z"));

        Assert.Equal(9 * 60 - 60, minutes[PlannedStatus.Production]);
        Assert.Equal(60, minutes[PlannedStatus.Break]);
        Assert.Equal(Some.Utc("2026-10-24T20:00:00Z"), FirstChange(NightEveryDay, Some.Utc("2026-10-24T18:00:00Z")));
        Assert.Equal(Some.Utc("2026-10-25T05:00:00Z"), LastWorked(NightEveryDay, Some.Utc("2026-10-25T08:00:00Z")).AddMinutes(1));
    }

    [Theory]
    [InlineData("2026-03-29T00:59:59Z", PlannedStatus.Production)] // 01:59:59 CET
    [InlineData("2026-03-29T01:00:00Z", PlannedStatus.Production)] // 03:00 CEST, 02:xx never happens
    [InlineData("2026-03-29T03:59:59Z", PlannedStatus.Production)] // 05:59:59 CEST
    [InlineData("2026-03-29T04:00:00Z", PlannedStatus.NoShift)] // 06:00 CEST
    public void StatusAt_SpringForwardNight_SkippedHourIsGone(string instant, PlannedStatus expected)
    {
        Assert.Equal(expected, NightEveryDay.StatusAt(Some.Utc(instant)));
    }

    [Fact]
    public void StatusAt_SpringForwardNight_ShiftLastsSevenHoursAndItsBreakNeverHappens()
    {
        var minutes = Minutes(NightEveryDay, Some.Utc("2026-03-28T18:00:00Z"), Some.Utc("2026-03-29T08:00:00Z"));

        Assert.Equal(7 * 60, minutes[PlannedStatus.Production]);
        Assert.Equal(0, minutes[PlannedStatus.Break]);
    }

    [Fact]
    public void StatusAt_DemoPlantFallBackNight_SaturdayNightHasNoShift()
    {
        // 2026-10-25 is a Sunday: the demo plant has no Saturday night shift, so the repeated hour is not worked.
        Assert.Equal(PlannedStatus.NoShift, Demo.StatusAt(Some.Utc("2026-10-25T00:45:00Z")));
        Assert.Equal(PlannedStatus.NoShift, Demo.StatusAt(Some.Utc("2026-10-25T01:45:00Z")));
        Assert.Equal(PlannedStatus.Production, Demo.StatusAt(Some.Utc("2026-10-25T21:00:00Z")));
    }

    [Fact]
    public void StatusAt_WhenPlantHasNoShifts_IsAlwaysProduction()
    {
        var calendar = ShiftCalendar.AlwaysOn(Some.Berlin);

        Assert.Equal(PlannedStatus.Production, calendar.StatusAt(Some.Utc("2026-11-29T03:00:00Z")));
        Assert.Equal(PlannedStatus.Production, calendar.StatusAt(Some.Utc("2026-10-25T01:30:00Z")));
        Assert.Equal(PlannedStatus.Production, calendar.StatusAt(DateTimeOffset.UnixEpoch));
    }

    [Fact]
    public void StatusAt_WhenParsedPlantHasNoShifts_IsProductionEvenOnItsHolidays()
    {
        var plant = PlantConfigParser.Parse(Some.PlantJson(p => p["holidays"] = new System.Text.Json.Nodes.JsonArray("2026-12-25")));

        Assert.Equal(PlannedStatus.Production, plant.Calendar.StatusAt(Some.Utc("2026-12-25T10:00:00Z")));
    }

    [Fact]
    public void StatusAt_DayShiftOnlyOnSomeDays_IsNoShiftOnOthers()
    {
        var calendar = new ShiftCalendar(Some.Berlin, [new ShiftPattern("day", new HashSet<DayOfWeek> { DayOfWeek.Monday }, new TimeOnly(8, 0), new TimeOnly(16, 0), [])], new HashSet<DateOnly>());

        Assert.Equal(PlannedStatus.Production, calendar.StatusAt(Some.Utc("2026-11-30T07:00:00Z"))); // Mon 08:00
        Assert.Equal(PlannedStatus.NoShift, calendar.StatusAt(Some.Utc("2026-11-30T15:00:00Z"))); // Mon 16:00
        Assert.Equal(PlannedStatus.NoShift, calendar.StatusAt(Some.Utc("2026-12-01T07:00:00Z"))); // Tue 08:00
    }

    private static Dictionary<PlannedStatus, int> Minutes(ShiftCalendar calendar, DateTimeOffset from, DateTimeOffset to)
    {
        var counts = Enum.GetValues<PlannedStatus>().ToDictionary(s => s, _ => 0);
        for (var t = from; t < to; t = t.AddMinutes(1))
        {
            counts[calendar.StatusAt(t)]++;
        }

        return counts;
    }

    private static DateTimeOffset FirstChange(ShiftCalendar calendar, DateTimeOffset from)
    {
        var first = calendar.StatusAt(from);
        var t = from;
        while (calendar.StatusAt(t) == first)
        {
            t = t.AddMinutes(1);
        }

        return t;
    }

    private static DateTimeOffset LastWorked(ShiftCalendar calendar, DateTimeOffset to)
    {
        var t = to;
        while (calendar.StatusAt(t) == PlannedStatus.NoShift)
        {
            t = t.AddMinutes(-1);
        }

        return t;
    }
}
