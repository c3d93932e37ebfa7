using System.Globalization;
using Ms5.Analytics.Plant;
using Ms5.Analytics.Reports;

namespace Ms5.Analytics.Tests;

public sealed class ReportPeriodsTests
{
    private static readonly ShiftCalendar Plant = ReportPlant.Calendar;

    /// <summary>The plant with night shifts on the two DST Saturdays of 2026 as extra working days (it normally has no Saturday night shift).</summary>
    private static readonly ShiftCalendar WithDstNights = new(Some.Berlin, Plant.Shifts, Plant.Holidays)
    {
        ExtraWorkingDays = new Dictionary<DateOnly, IReadOnlySet<string>>
        {
            [ReportPlant.Day("2026-10-24")] = new HashSet<string> { "night" },
            [ReportPlant.Day("2026-03-28")] = new HashSet<string> { "night" },
        },
    };

    private static DateOnly D(string iso) => ReportPlant.Day(iso);

    private static DateTimeOffset U(string iso) => Some.Utc(iso);

    private static ReportSpan ShiftSpan(ShiftCalendar calendar, string day, string name)
    {
        var (span, problem) = ReportPeriods.Shift(calendar, D(day), name);
        Assert.Equal(SpanProblem.None, problem);
        return Assert.IsType<ReportSpan>(span);
    }

    // Berlin is UTC+1 in November.
    [Theory]
    [InlineData("2026-11-17", "early", "2026-11-17T05:00:00Z", "2026-11-17T13:00:00Z")]
    [InlineData("2026-11-17", "late", "2026-11-17T13:00:00Z", "2026-11-17T21:00:00Z")]
    [InlineData("2026-11-17", "night", "2026-11-17T21:00:00Z", "2026-11-18T05:00:00Z")]
    [InlineData("2026-11-15", "night", "2026-11-15T21:00:00Z", "2026-11-16T05:00:00Z")] // Sunday night
    [InlineData("2026-11-21", "late", "2026-11-21T13:00:00Z", "2026-11-21T21:00:00Z")] // Saturday late
    [InlineData("2026-07-14", "early", "2026-07-14T04:00:00Z", "2026-07-14T12:00:00Z")] // summer time, UTC+2
    public void Shift_ResolvesTheOccurrenceStartingOnThatLocalDay(string day, string name, string from, string to)
    {
        var span = ShiftSpan(Plant, day, name);

        Assert.Equal(ReportKind.Shift, span.Kind);
        Assert.Equal(U(from), span.From);
        Assert.Equal(U(to), span.To);
        Assert.Equal(D(day), span.Day);
        Assert.Equal(name, span.ShiftName);
    }

    [Fact]
    public void Shift_OnTheAutumnDstNight_IsNineHoursLong()
    {
        // Saturday 2026-10-24 22:00 CEST (UTC+2) to Sunday 06:00 CET (UTC+1): the 02:00–03:00 hour is worked twice.
        var span = ShiftSpan(WithDstNights, "2026-10-24", "night");

        Assert.Equal(U("2026-10-24T20:00:00Z"), span.From);
        Assert.Equal(U("2026-10-25T05:00:00Z"), span.To);
        Assert.Equal(TimeSpan.FromHours(9), span.To - span.From);
    }

    [Fact]
    public void Shift_OnTheSpringDstNight_IsSevenHoursLong()
    {
        // Saturday 2026-03-28 22:00 CET (UTC+1) to Sunday 06:00 CEST (UTC+2): 02:00–03:00 never happens.
        var span = ShiftSpan(WithDstNights, "2026-03-28", "night");

        Assert.Equal(U("2026-03-28T21:00:00Z"), span.From);
        Assert.Equal(U("2026-03-29T04:00:00Z"), span.To);
        Assert.Equal(TimeSpan.FromHours(7), span.To - span.From);
    }

    [Fact]
    public void Shift_OnTheDstSaturdaysWithoutTheExtraWorkingDay_DoesNotRun()
    {
        Assert.Equal((null, SpanProblem.ShiftNotOnDay), ReportPeriods.Shift(Plant, D("2026-10-24"), "night"));
        Assert.Equal((null, SpanProblem.ShiftNotOnDay), ReportPeriods.Shift(Plant, D("2026-03-28"), "night"));
    }

    [Fact]
    public void Shift_StartingInsideTheRepeatedAutumnHour_StartsAtItsFirstOccurrence_AsTheCalendarSaysProductionDoes()
    {
        // A shift 02:30–10:30: on 2026-10-25 the wall clock shows 02:30 first at 00:30Z (CEST) and again at 01:30Z (CET).
        // The calendar counts production from the first 02:30, so the occurrence must start there: 9 hours long.
        var calendar = new ShiftCalendar(Some.Berlin,
            [new ShiftPattern("dawn", Enum.GetValues<DayOfWeek>().ToHashSet(), new TimeOnly(2, 30), new TimeOnly(10, 30), [])], new HashSet<DateOnly>());
        Assert.Equal(PlannedStatus.Production, calendar.StatusAt(U("2026-10-25T00:30:00Z")));

        var span = ShiftSpan(calendar, "2026-10-25", "dawn");

        Assert.Equal(U("2026-10-25T00:30:00Z"), span.From);
        Assert.Equal(U("2026-10-25T09:30:00Z"), span.To);
    }

    [Fact]
    public void Shift_EndingInsideTheRepeatedAutumnHour_EndsAtItsSecondOccurrence_AsTheCalendarSaysProductionDoes()
    {
        // A shift 18:30–02:30 started Saturday 2026-10-24: production lasts until the second 02:30 (01:30Z): 9 hours.
        var calendar = new ShiftCalendar(Some.Berlin,
            [new ShiftPattern("eve", Enum.GetValues<DayOfWeek>().ToHashSet(), new TimeOnly(18, 30), new TimeOnly(2, 30), [])], new HashSet<DateOnly>());
        Assert.Equal(PlannedStatus.Production, calendar.StatusAt(U("2026-10-25T01:29:00Z")));
        Assert.Equal(PlannedStatus.NoShift, calendar.StatusAt(U("2026-10-25T01:30:00Z")));

        var span = ShiftSpan(calendar, "2026-10-24", "eve");

        Assert.Equal(U("2026-10-24T16:30:00Z"), span.From);
        Assert.Equal(U("2026-10-25T01:30:00Z"), span.To);
    }

    [Theory]
    [InlineData("lunch")]
    [InlineData("Early")] // names are exact
    [InlineData("")]
    public void Shift_WithAnUnknownName_IsUnknownShift(string name)
    {
        Assert.Equal((null, SpanProblem.UnknownShift), ReportPeriods.Shift(Plant, D("2026-11-17"), name));
    }

    [Theory]
    [InlineData("2026-11-18", "early")] // holiday
    [InlineData("2026-11-18", "night")] // the night shift starting on the holiday
    [InlineData("2026-11-15", "early")] // Sunday
    [InlineData("2026-11-15", "late")]
    [InlineData("2026-11-21", "night")] // no Saturday night shift
    [InlineData("2026-12-25", "early")]
    public void Shift_NotRunningThatDay_IsShiftNotOnDay(string day, string name)
    {
        Assert.Equal((null, SpanProblem.ShiftNotOnDay), ReportPeriods.Shift(Plant, D(day), name));
    }

    [Fact]
    public void Shift_TheDayBeforeAHoliday_StillRuns_ItsNightShiftEndsOnTheHoliday()
    {
        var span = ShiftSpan(Plant, "2026-11-17", "night");

        Assert.Equal(U("2026-11-18T05:00:00Z"), span.To);
    }

    [Theory]
    // Monday early: the Sunday night shift, Sun 22:00 – Mon 06:00.
    [InlineData("2026-11-16", "early", "2026-11-15T21:00:00Z", "2026-11-16T05:00:00Z")]
    [InlineData("2026-11-17", "late", "2026-11-17T05:00:00Z", "2026-11-17T13:00:00Z")]
    [InlineData("2026-11-17", "early", "2026-11-16T21:00:00Z", "2026-11-17T05:00:00Z")]
    // Sunday night: Saturday late (Saturday has no night shift, Sunday no day shifts).
    [InlineData("2026-11-15", "night", "2026-11-14T13:00:00Z", "2026-11-14T21:00:00Z")]
    // Thursday early after the Wednesday holiday: Tuesday's night shift, which ended on the holiday morning.
    [InlineData("2026-11-19", "early", "2026-11-17T21:00:00Z", "2026-11-18T05:00:00Z")]
    // Sunday night after Christmas (Fri 25th, Sat 26th): Thursday 24th's night shift.
    [InlineData("2026-12-27", "night", "2026-12-24T21:00:00Z", "2026-12-25T05:00:00Z")]
    // Sunday night 2026-10-25 (CET): Saturday late in summer time.
    [InlineData("2026-10-25", "night", "2026-10-24T12:00:00Z", "2026-10-24T20:00:00Z")]
    public void Shift_PreviousIsThePlantsShiftBefore_SkippingHolidaysAndDaysWithoutShifts(string day, string name, string from, string to)
    {
        var span = ShiftSpan(Plant, day, name);

        Assert.Equal(new TimeRange(U(from), U(to)), span.Previous);
    }

    [Fact]
    public void Shift_AfterTwoWeeksWithoutShifts_HasNoPreviousInsideTheSearch()
    {
        // Closed from Monday 2026-11-30 to Sunday 2026-12-13 (and the Sunday night before): nothing in the 14 days before Monday early.
        var days = Enumerable.Range(0, 15).Select(i => D("2026-11-29").AddDays(i)).ToArray();
        var span = ShiftSpan(ReportPlant.With(days), "2026-12-14", "early");

        Assert.Null(span.Previous);
    }

    [Theory]
    [InlineData("2026-11-17", "early", "2026-11-10T05:00:00Z", "2026-11-10T13:00:00Z")]
    [InlineData("2026-11-15", "night", "2026-11-08T21:00:00Z", "2026-11-09T05:00:00Z")]
    // The week before lies in summer time: the same wall clock, not 168 hours earlier.
    [InlineData("2026-10-27", "early", "2026-10-20T04:00:00Z", "2026-10-20T12:00:00Z")]
    public void Shift_WeekAgoIsTheSameShiftSevenLocalDaysEarlier(string day, string name, string from, string to)
    {
        var span = ShiftSpan(Plant, day, name);

        Assert.Equal(new TimeRange(U(from), U(to)), span.WeekAgo);
    }

    [Fact]
    public void Shift_WhenTheSameShiftDidNotRunAWeekAgo_HasNoWeekAgo()
    {
        // Wednesday 2026-11-25 early: a week before was the holiday.
        var span = ShiftSpan(Plant, "2026-11-25", "early");

        Assert.Null(span.WeekAgo);
        Assert.Equal(new TimeRange(U("2026-11-24T21:00:00Z"), U("2026-11-25T05:00:00Z")), span.Previous);
    }

    [Fact]
    public void ForShift_OfAnOccurrenceFromTheCalendar_IsWhatShiftResolves()
    {
        var instance = Plant.Between(U("2026-11-17T06:00:00Z"), U("2026-11-17T06:01:00Z")).Single();

        Assert.Equal(ShiftSpan(Plant, "2026-11-17", "early"), ReportPeriods.ForShift(Plant, instance));
    }

    [Fact]
    public void Day_IsLocalMidnightToMidnight_ComparedWithTheDayBeforeAndAWeekEarlier()
    {
        var span = ReportPeriods.Day(Some.Berlin, D("2026-11-17"));

        Assert.Equal(ReportKind.Day, span.Kind);
        Assert.Equal(U("2026-11-16T23:00:00Z"), span.From);
        Assert.Equal(U("2026-11-17T23:00:00Z"), span.To);
        Assert.Equal(D("2026-11-17"), span.Day);
        Assert.Null(span.ShiftName);
        Assert.Equal(new TimeRange(U("2026-11-15T23:00:00Z"), U("2026-11-16T23:00:00Z")), span.Previous);
        Assert.Equal(new TimeRange(U("2026-11-09T23:00:00Z"), U("2026-11-10T23:00:00Z")), span.WeekAgo);
    }

    [Fact]
    public void Day_OnTheSpringDstDay_Is23Hours()
    {
        var span = ReportPeriods.Day(Some.Berlin, D("2026-03-29"));

        Assert.Equal(U("2026-03-28T23:00:00Z"), span.From);
        Assert.Equal(U("2026-03-29T22:00:00Z"), span.To);
        Assert.Equal(TimeSpan.FromHours(23), span.To - span.From);
        Assert.Equal(new TimeRange(U("2026-03-27T23:00:00Z"), U("2026-03-28T23:00:00Z")), span.Previous);
    }

    [Fact]
    public void Day_OnTheAutumnDstDay_Is25Hours()
    {
        var span = ReportPeriods.Day(Some.Berlin, D("2026-10-25"));

        Assert.Equal(U("2026-10-24T22:00:00Z"), span.From);
        Assert.Equal(U("2026-10-25T23:00:00Z"), span.To);
        Assert.Equal(TimeSpan.FromHours(25), span.To - span.From);
        Assert.Equal(new TimeRange(U("2026-10-17T22:00:00Z"), U("2026-10-18T22:00:00Z")), span.WeekAgo);
    }

    [Fact]
    public void Day_WhereMidnightItselfIsRepeated_StartsAtTheFirstMidnight()
    {
        // Havana falls back from 01:00 CDT (UTC-4) to 00:00 CST (UTC-5) on 2026-11-01: midnight happens twice, the day has 25 hours.
        var havana = TimeZoneInfo.FindSystemTimeZoneById("America/Havana");

        var day = ReportPeriods.Day(havana, D("2026-11-01"));
        var before = ReportPeriods.Day(havana, D("2026-10-31"));

        Assert.Equal(U("2026-11-01T04:00:00Z"), day.From);
        Assert.Equal(U("2026-11-02T05:00:00Z"), day.To);
        Assert.Equal(TimeSpan.FromHours(24), before.To - before.From);
        Assert.Equal(day.From, before.To);
    }

    [Theory]
    [InlineData("2026-11-16", "2026-11-16")] // Monday
    [InlineData("2026-11-17", "2026-11-16")]
    [InlineData("2026-11-21", "2026-11-16")] // Saturday
    [InlineData("2026-11-22", "2026-11-16")] // Sunday belongs to the week before the next Monday
    [InlineData("2026-11-23", "2026-11-23")]
    [InlineData("2027-01-01", "2026-12-28")] // across the year
    public void MondayOf_IsTheMondayStartingTheWeek(string day, string monday)
    {
        Assert.Equal(D(monday), ReportPeriods.MondayOf(D(day)));
    }

    [Theory]
    [InlineData("2026-11-16")]
    [InlineData("2026-11-19")]
    [InlineData("2026-11-22")]
    public void Week_IsMondayMidnightToTheNextMonday_ComparedWithTheWeekBefore(string anyDay)
    {
        var span = ReportPeriods.Week(Some.Berlin, D(anyDay));

        Assert.Equal(ReportKind.Week, span.Kind);
        Assert.Equal(U("2026-11-15T23:00:00Z"), span.From);
        Assert.Equal(U("2026-11-22T23:00:00Z"), span.To);
        Assert.Equal(D("2026-11-16"), span.Day);
        Assert.Equal(new TimeRange(U("2026-11-08T23:00:00Z"), U("2026-11-15T23:00:00Z")), span.Previous);
        Assert.Null(span.WeekAgo);
    }

    [Fact]
    public void Week_WithTheAutumnDstChange_Is169Hours()
    {
        var span = ReportPeriods.Week(Some.Berlin, D("2026-10-25"));

        Assert.Equal(U("2026-10-18T22:00:00Z"), span.From);
        Assert.Equal(U("2026-10-25T23:00:00Z"), span.To);
        Assert.Equal(TimeSpan.FromHours(169), span.To - span.From);
    }

    [Fact]
    public void Range_IsComparedWithTheRangeJustBeforeAndTheSameRangeAWeekEarlier()
    {
        var span = ReportPeriods.Range(U("2026-11-17T06:00:00Z"), U("2026-11-17T14:30:00Z"));

        Assert.Equal(ReportKind.Range, span.Kind);
        Assert.Equal(U("2026-11-17T06:00:00Z"), span.From);
        Assert.Equal(U("2026-11-17T14:30:00Z"), span.To);
        Assert.Null(span.Day);
        Assert.Null(span.ShiftName);
        Assert.Equal(new TimeRange(U("2026-11-16T21:30:00Z"), U("2026-11-17T06:00:00Z")), span.Previous);
        Assert.Equal(new TimeRange(U("2026-11-10T06:00:00Z"), U("2026-11-10T14:30:00Z")), span.WeekAgo);
    }

    [Fact]
    public void SeriesKey_NamesKindScopeUtcBoundsAndShift()
    {
        var shift = ShiftSpan(Plant, "2026-11-17", "early");

        Assert.Equal("shift|line|line-1|2026-11-17T05:00Z|2026-11-17T13:00Z|early", shift.SeriesKey("demo", "line-1"));
        Assert.Equal("shift|plant|demo|2026-11-17T05:00Z|2026-11-17T13:00Z|early", shift.SeriesKey("demo", null));
        Assert.Equal("day|plant|demo|2026-11-16T23:00Z|2026-11-17T23:00Z|", ReportPeriods.Day(Some.Berlin, D("2026-11-17")).SeriesKey("demo", null));
        Assert.Equal("week|line|line-2|2026-11-15T23:00Z|2026-11-22T23:00Z|", ReportPeriods.Week(Some.Berlin, D("2026-11-17")).SeriesKey("demo", "line-2"));
        Assert.Equal("range|line|line-1|2026-11-17T06:00Z|2026-11-17T14:00Z|",
            ReportPeriods.Range(U("2026-11-17T06:00:00Z"), U("2026-11-17T14:00:00Z")).SeriesKey("demo", "line-1"));
    }

    [Fact]
    public void FileBase_NamesTheScopeDayAndShift_WithTheRevisionAfterTheFirst()
    {
        var shift = ShiftSpan(Plant, "2026-11-17", "early");

        Assert.Equal("ms5-line-1-2026-11-17-early", shift.FileBase("line-1", 1));
        Assert.Equal("ms5-line-1-2026-11-17-early-r2", shift.FileBase("line-1", 2));
        Assert.Equal("ms5-line-1-2026-11-17-early-r12", shift.FileBase("line-1", 12));
        Assert.Equal("ms5-demo-2026-11-17-day", ReportPeriods.Day(Some.Berlin, D("2026-11-17")).FileBase("demo", 1));
        Assert.Equal("ms5-demo-week-2026-11-16", ReportPeriods.Week(Some.Berlin, D("2026-11-19")).FileBase("demo", 1));
        Assert.Equal("ms5-demo-week-2026-11-16-r3", ReportPeriods.Week(Some.Berlin, D("2026-11-19")).FileBase("demo", 3));
        Assert.Equal("ms5-line-1-20261117T0600Z-20261117T1400Z", ReportPeriods.Range(U("2026-11-17T06:00:00Z"), U("2026-11-17T14:00:00Z")).FileBase("line-1", 1));
    }

    [Fact]
    public void FileBase_ReplacesUnsafeCharactersInIdsAndShiftNames()
    {
        var calendar = new ShiftCalendar(Some.Berlin, [new ShiftPattern("Früh/1 a", ReportPlant.MonToSat, new TimeOnly(6, 0), new TimeOnly(14, 0), [])], new HashSet<DateOnly>());
        var shift = ShiftSpan(calendar, "2026-11-17", "Früh/1 a");

        Assert.Equal("ms5-Line_1_.._x_y-2026-11-17-Fr_h_1_a", shift.FileBase("Line 1/../x\\y", 1));
        Assert.Equal("ms5-l.1_2-2026-11-17-day", ReportPeriods.Day(Some.Berlin, D("2026-11-17")).FileBase("l.1_2", 1));
    }

    [Theory]
    [InlineData("th-TH")] // Thai Buddhist calendar: 2026 is 2569
    [InlineData("ar-SA")] // Umm al-Qura calendar
    [InlineData("de-DE")]
    public void FileBase_DoesNotDependOnTheCurrentCulture(string culture)
    {
        var saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo(culture);

            Assert.Equal("ms5-line-1-2026-11-17-early", ShiftSpan(Plant, "2026-11-17", "early").FileBase("line-1", 1));
            Assert.Equal("ms5-demo-week-2026-11-16", ReportPeriods.Week(Some.Berlin, D("2026-11-19")).FileBase("demo", 1));
            Assert.Equal("ms5-line-1-20261117T0600Z-20261117T1400Z", ReportPeriods.Range(U("2026-11-17T06:00:00Z"), U("2026-11-17T14:00:00Z")).FileBase("line-1", 1));
            Assert.Equal("day|plant|demo|2026-11-16T23:00Z|2026-11-17T23:00Z|", ReportPeriods.Day(Some.Berlin, D("2026-11-17")).SeriesKey("demo", null));
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }

    [Theory]
    [InlineData("2026-11-18T05:00:00Z", "2026-11-18T21:00:00Z", false)] // the holiday's daytime
    [InlineData("2026-11-15T05:00:00Z", "2026-11-15T21:00:00Z", false)] // Sunday 06:00–22:00
    [InlineData("2026-11-14T21:00:00Z", "2026-11-15T21:00:00Z", false)] // Saturday 22:00 to Sunday 22:00
    [InlineData("2026-11-15T20:59:00Z", "2026-11-15T21:01:00Z", true)] // Sunday night starts at 22:00
    [InlineData("2026-11-17T08:30:00Z", "2026-11-17T08:45:00Z", false)] // a break only
    [InlineData("2026-11-17T08:30:00Z", "2026-11-17T08:46:00Z", true)]
    [InlineData("2026-11-17T05:00:00Z", "2026-11-17T05:00:00Z", false)] // empty range
    [InlineData("2026-12-25T23:00:00Z", "2026-12-26T23:00:00Z", false)] // all of Christmas Saturday
    public void HasProduction_IsWhetherTheRangeHoldsPlannedProduction(string from, string to, bool expected)
    {
        Assert.Equal(expected, ReportPeriods.HasProduction(Plant, U(from), U(to)));
    }

    [Fact]
    public void HasProduction_OnAHolidayAfterANightShift_IsTrue_ForTheNightShiftsMorningHours()
    {
        // The night shift starting Tuesday runs into the Wednesday holiday until 06:00: the holiday's calendar day has production.
        var day = ReportPeriods.Day(Some.Berlin, ReportPlant.Holiday);

        Assert.True(ReportPeriods.HasProduction(Plant, day.From, day.To));
        Assert.False(ReportPeriods.HasProduction(Plant, U("2026-11-18T05:00:00Z"), day.To));
    }

    [Fact]
    public void HasProduction_InAPlantWithoutShifts_IsAlwaysTrue()
    {
        var calendar = ShiftCalendar.AlwaysOn(Some.Berlin);

        Assert.True(ReportPeriods.HasProduction(calendar, U("2026-11-15T05:00:00Z"), U("2026-11-15T05:01:00Z")));
    }
}
