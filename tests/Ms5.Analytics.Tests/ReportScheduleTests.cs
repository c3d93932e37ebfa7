using System.Globalization;
using Ms5.Analytics.Plant;
using Ms5.Analytics.Reports;

namespace Ms5.Analytics.Tests;

public sealed class ReportScheduleTests
{
    private static readonly ShiftCalendar Plant = ReportPlant.Calendar;
    private static readonly TimeSpan Grace = TimeSpan.FromMinutes(30);

    private static DateOnly D(string iso) => ReportPlant.Day(iso);

    private static DateTimeOffset U(string iso) => Some.Utc(iso);

    /// <summary>Due reports as "day name dueAt" (shift), "day dueAt" (day, week) for exact comparison.</summary>
    private static string[] Show(IEnumerable<DueReport> due) => due
        .Select(d => string.Create(CultureInfo.InvariantCulture, $"{d.Span.Day:yyyy-MM-dd}{(d.Span.ShiftName is { } s ? " " + s : "")} {d.DueAt.UtcDateTime:yyyy-MM-dd'T'HH:mm'Z'}"))
        .ToArray();

    [Fact]
    public void Due_Shift_NoneForAShiftEntirelyInPlannedMaintenance()
    {
        var calendar = new ShiftCalendar(Plant.TimeZone, Plant.Shifts, Plant.Holidays)
        {
            // The whole early shift of 2026-11-17 (05:00Z-13:00Z) is a planned maintenance window.
            Maintenance = [new MaintenanceWindow(U("2026-11-17T04:00:00Z"), U("2026-11-17T14:00:00Z"), "overhaul")],
        };

        var due = ReportSchedule.Due(calendar, ReportKind.Shift, U("2026-11-17T00:00:00Z"), U("2026-11-18T00:00:00Z"), Grace);

        Assert.Equal(["2026-11-16 night 2026-11-17T05:30Z", "2026-11-17 late 2026-11-17T21:30Z"], Show(due));
    }

    [Fact]
    public void Due_Shift_EachOccurrenceAtItsEndPlusGrace_InOrder()
    {
        var due = ReportSchedule.Due(Plant, ReportKind.Shift, U("2026-11-17T00:00:00Z"), U("2026-11-18T00:00:00Z"), Grace);

        Assert.Equal(["2026-11-16 night 2026-11-17T05:30Z", "2026-11-17 early 2026-11-17T13:30Z", "2026-11-17 late 2026-11-17T21:30Z"], Show(due));
        var early = due[1];
        Assert.Equal(ReportKind.Shift, early.Span.Kind);
        Assert.Equal(U("2026-11-17T05:00:00Z"), early.Span.From);
        Assert.Equal(U("2026-11-17T13:00:00Z"), early.Span.To);
        Assert.Equal(early.Span.To + Grace, early.DueAt);
        // The span is the one a request for that shift resolves to, comparison spans included.
        Assert.Equal(ReportPeriods.Shift(Plant, D("2026-11-17"), "early").Span, early.Span);
    }

    [Fact]
    public void Due_Shift_OverAWeek_EveryOccurrenceOnce_NoneForTheHoliday()
    {
        // Monday 2026-11-16 00:00 to Monday 2026-11-23 00:00 Berlin; Wednesday 18th is a holiday.
        var due = ReportSchedule.Due(Plant, ReportKind.Shift, U("2026-11-15T23:00:00Z"), U("2026-11-22T23:00:00Z"), Grace);

        Assert.Equal(
        [
            "2026-11-15 night 2026-11-16T05:30Z",
            "2026-11-16 early 2026-11-16T13:30Z", "2026-11-16 late 2026-11-16T21:30Z", "2026-11-16 night 2026-11-17T05:30Z",
            "2026-11-17 early 2026-11-17T13:30Z", "2026-11-17 late 2026-11-17T21:30Z", "2026-11-17 night 2026-11-18T05:30Z",
            "2026-11-19 early 2026-11-19T13:30Z", "2026-11-19 late 2026-11-19T21:30Z", "2026-11-19 night 2026-11-20T05:30Z",
            "2026-11-20 early 2026-11-20T13:30Z", "2026-11-20 late 2026-11-20T21:30Z", "2026-11-20 night 2026-11-21T05:30Z",
            "2026-11-21 early 2026-11-21T13:30Z", "2026-11-21 late 2026-11-21T21:30Z",
        ], Show(due));
    }

    [Fact]
    public void Due_Shift_InConsecutiveWindows_GivesEveryOccurrenceExactlyOnce()
    {
        var whole = ReportSchedule.Due(Plant, ReportKind.Shift, U("2026-11-15T23:00:00Z"), U("2026-11-22T23:00:00Z"), Grace);
        var pieces = new List<DueReport>();
        // Windows of 7 h 30 min: some boundaries fall exactly on due times (13:30Z, 21:30Z, 05:30Z).
        for (var a = U("2026-11-15T23:00:00Z"); a < U("2026-11-22T23:00:00Z"); a += TimeSpan.FromMinutes(450))
        {
            var b = a + TimeSpan.FromMinutes(450) < U("2026-11-22T23:00:00Z") ? a + TimeSpan.FromMinutes(450) : U("2026-11-22T23:00:00Z");
            pieces.AddRange(ReportSchedule.Due(Plant, ReportKind.Shift, a, b, Grace));
        }

        Assert.Equal(15, pieces.Count);
        Assert.Equal(Show(whole), Show(pieces));
    }

    [Fact]
    public void Due_Shift_OnTheHolidayItself_OnlyThePreviousNightShiftFallsDue()
    {
        var due = ReportSchedule.Due(Plant, ReportKind.Shift, U("2026-11-18T00:00:00Z"), U("2026-11-19T00:00:00Z"), Grace);

        Assert.Equal(["2026-11-17 night 2026-11-18T05:30Z"], Show(due));
    }

    [Fact]
    public void Due_Shift_WindowBoundaries_AfterIsExclusiveUntilIsInclusive()
    {
        var at = U("2026-11-17T13:30:00Z");

        Assert.Equal(["2026-11-17 early 2026-11-17T13:30Z"], Show(ReportSchedule.Due(Plant, ReportKind.Shift, at.AddMinutes(-30), at, Grace)));
        Assert.Empty(ReportSchedule.Due(Plant, ReportKind.Shift, at, at.AddMinutes(30), Grace));
        Assert.Equal(["2026-11-17 early 2026-11-17T13:30Z"], Show(ReportSchedule.Due(Plant, ReportKind.Shift, at.AddTicks(-1), at, Grace)));
        Assert.Empty(ReportSchedule.Due(Plant, ReportKind.Shift, at.AddMinutes(-30), at.AddTicks(-1), Grace));
    }

    [Fact]
    public void Due_WithAnEmptyOrReversedWindow_IsEmpty()
    {
        Assert.Empty(ReportSchedule.Due(Plant, ReportKind.Shift, U("2026-11-17T13:30:00Z"), U("2026-11-17T13:30:00Z"), Grace));
        Assert.Empty(ReportSchedule.Due(Plant, ReportKind.Day, U("2026-11-18T00:00:00Z"), U("2026-11-17T00:00:00Z"), Grace));
    }

    [Fact]
    public void Due_Range_IsNotScheduled()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ReportSchedule.Due(Plant, ReportKind.Range, U("2026-11-17T00:00:00Z"), U("2026-11-18T00:00:00Z"), Grace));
    }

    [Fact]
    public void Due_Shift_WithoutGrace_FallsDueAtTheShiftEnd()
    {
        var due = ReportSchedule.Due(Plant, ReportKind.Shift, U("2026-11-17T12:00:00Z"), U("2026-11-17T13:00:00Z"), TimeSpan.Zero);

        Assert.Equal(["2026-11-17 early 2026-11-17T13:00Z"], Show(due));
    }

    [Fact]
    public void Due_Shift_OnTheDstNight_FallsDueAfterTheNineHourShift()
    {
        var calendar = new ShiftCalendar(Some.Berlin, Plant.Shifts, Plant.Holidays)
        {
            ExtraWorkingDays = new Dictionary<DateOnly, IReadOnlySet<string>> { [D("2026-10-24")] = new HashSet<string> { "night" } },
        };

        var due = ReportSchedule.Due(calendar, ReportKind.Shift, U("2026-10-24T18:00:00Z"), U("2026-10-25T18:00:00Z"), Grace);

        Assert.Equal(["2026-10-24 late 2026-10-24T20:30Z", "2026-10-24 night 2026-10-25T05:30Z"], Show(due));
        Assert.Equal(TimeSpan.FromHours(9), due[1].Span.To - due[1].Span.From);
    }

    [Fact]
    public void Due_Day_AfterEachLocalMidnight_OnlyForDaysWithProduction()
    {
        // Thu 24th: normal. Fri 25th (holiday): Thursday's night shift runs until 06:00, so the day has production.
        // Sat 26th (holiday, and Friday's night shift starts on the holiday): no production, no report.
        // Sun 27th: the night shift from 22:00. Mon 28th: normal.
        var due = ReportSchedule.Due(Plant, ReportKind.Day, U("2026-12-24T00:00:00Z"), U("2026-12-29T00:00:00Z"), Grace);

        Assert.Equal(["2026-12-24 2026-12-24T23:30Z", "2026-12-25 2026-12-25T23:30Z", "2026-12-27 2026-12-27T23:30Z", "2026-12-28 2026-12-28T23:30Z"], Show(due));
        Assert.All(due, d => Assert.Equal(ReportKind.Day, d.Span.Kind));
        Assert.Equal(ReportPeriods.Day(Some.Berlin, D("2026-12-27")), due[2].Span);
    }

    [Fact]
    public void Due_Day_ASundayWithItsNightShiftHasAReport_ASundayWithoutAnyShiftHasNone()
    {
        // Sunday 2026-11-15: the night shift starts at 22:00, two hours of production on that calendar day.
        var withNight = ReportSchedule.Due(Plant, ReportKind.Day, U("2026-11-15T12:00:00Z"), U("2026-11-16T12:00:00Z"), Grace);
        // The same plant with Sunday 2026-11-15 a holiday: that Sunday has no production at all.
        var holidaySunday = ReportSchedule.Due(ReportPlant.With(D("2026-11-15")), ReportKind.Day, U("2026-11-15T12:00:00Z"), U("2026-11-16T12:00:00Z"), Grace);

        Assert.Equal(["2026-11-15 2026-11-15T23:30Z"], Show(withNight));
        Assert.Empty(holidaySunday);
    }

    [Fact]
    public void Due_Day_OnDstDays_FallsDueAfterThe23And25HourDays()
    {
        var spring = ReportSchedule.Due(Plant, ReportKind.Day, U("2026-03-29T12:00:00Z"), U("2026-03-30T12:00:00Z"), Grace);
        var autumn = ReportSchedule.Due(Plant, ReportKind.Day, U("2026-10-25T12:00:00Z"), U("2026-10-26T12:00:00Z"), Grace);

        Assert.Equal(["2026-03-29 2026-03-29T22:30Z"], Show(spring));
        Assert.Equal(["2026-10-25 2026-10-25T23:30Z"], Show(autumn));
        Assert.Equal(TimeSpan.FromHours(23), spring[0].Span.To - spring[0].Span.From);
        Assert.Equal(TimeSpan.FromHours(25), autumn[0].Span.To - autumn[0].Span.From);
    }

    [Fact]
    public void Due_Day_WindowBoundaries_AfterIsExclusiveUntilIsInclusive()
    {
        var at = U("2026-11-17T23:30:00Z");

        Assert.Equal(["2026-11-17 2026-11-17T23:30Z"], Show(ReportSchedule.Due(Plant, ReportKind.Day, at.AddHours(-1), at, Grace)));
        Assert.Empty(ReportSchedule.Due(Plant, ReportKind.Day, at, at.AddHours(23), Grace));
    }

    [Fact]
    public void Due_Week_OnTheMondayAfterAWeekWithProduction()
    {
        var due = ReportSchedule.Due(Plant, ReportKind.Week, U("2026-11-16T00:00:00Z"), U("2026-11-24T00:00:00Z"), Grace);

        var week = Assert.Single(due);
        Assert.Equal(U("2026-11-22T23:30:00Z"), week.DueAt);
        Assert.Equal(ReportPeriods.Week(Some.Berlin, D("2026-11-16")), week.Span);
    }

    [Fact]
    public void Due_Week_NoneForAWeekEntirelyOfHolidays()
    {
        // Closed Sunday 2026-12-20 to Sunday 2026-12-27: no night shift runs into Monday 21st, none starts on Sunday 27th.
        var calendar = ReportPlant.With(Enumerable.Range(0, 8).Select(i => D("2026-12-20").AddDays(i)).ToArray());

        var due = ReportSchedule.Due(calendar, ReportKind.Week, U("2026-12-20T00:00:00Z"), U("2027-01-05T00:00:00Z"), Grace);

        Assert.Equal(["2026-12-14 2026-12-20T23:30Z", "2026-12-28 2027-01-03T23:30Z"], Show(due));
    }

    [Fact]
    public void Due_Week_AHolidayWeekStillHasAReport_WhenTheSundayNightShiftBeforeRunsIntoItsMonday()
    {
        // Holidays Monday 21st to Sunday 27th only: the night shift of Sunday 20th runs Monday 00:00–06:00, in that week.
        var calendar = ReportPlant.With(Enumerable.Range(1, 7).Select(i => D("2026-12-20").AddDays(i)).ToArray());

        var due = ReportSchedule.Due(calendar, ReportKind.Week, U("2026-12-27T00:00:00Z"), U("2026-12-28T00:00:00Z"), Grace);

        Assert.Equal(["2026-12-21 2026-12-27T23:30Z"], Show(due));
    }

    [Theory]
    [InlineData("2026-11-17T10:00:00Z", "2026-11-17T13:30:00Z")] // during early
    [InlineData("2026-11-17T13:30:00Z", "2026-11-17T21:30:00Z")] // exactly at a due time: the next one
    [InlineData("2026-11-17T22:00:00Z", "2026-11-18T05:30:00Z")] // the night shift into the holiday
    [InlineData("2026-11-18T06:00:00Z", "2026-11-19T13:30:00Z")] // holiday: Thursday early is next
    [InlineData("2026-11-21T22:00:00Z", "2026-11-23T05:30:00Z")] // Saturday evening: Sunday night shift
    public void NextDue_Shift_IsTheNextOccurrencesEndPlusGrace(string after, string expected)
    {
        Assert.Equal(U(expected), ReportSchedule.NextDue(Plant, ReportKind.Shift, U(after), Grace));
    }

    [Fact]
    public void NextDue_DayAndWeek()
    {
        Assert.Equal(U("2026-11-17T23:30:00Z"), ReportSchedule.NextDue(Plant, ReportKind.Day, U("2026-11-17T10:00:00Z"), Grace));
        Assert.Equal(U("2026-11-22T23:30:00Z"), ReportSchedule.NextDue(Plant, ReportKind.Week, U("2026-11-17T10:00:00Z"), Grace));
        Assert.Equal(U("2026-11-29T23:30:00Z"), ReportSchedule.NextDue(Plant, ReportKind.Week, U("2026-11-22T23:30:00Z"), Grace));
    }

    [Fact]
    public void NextDue_AfterATwoWeekShutdown_IsFoundWithinTheHorizon()
    {
        // Closed Saturday 2026-12-19 to Sunday 2027-01-03: after Friday's night shift, Monday 2027-01-04 early is next.
        var calendar = ReportPlant.With(Enumerable.Range(0, 16).Select(i => D("2026-12-19").AddDays(i)).ToArray());

        Assert.Equal(U("2026-12-19T05:30:00Z"), ReportSchedule.NextDue(calendar, ReportKind.Shift, U("2026-12-19T00:00:00Z"), Grace));
        Assert.Equal(U("2027-01-04T13:30:00Z"), ReportSchedule.NextDue(calendar, ReportKind.Shift, U("2026-12-19T06:00:00Z"), Grace));
        Assert.Equal(U("2027-01-04T23:30:00Z"), ReportSchedule.NextDue(calendar, ReportKind.Day, U("2026-12-20T00:00:00Z"), Grace));
    }

    [Fact]
    public void NextDue_BeyondTheHorizon_IsNull()
    {
        var calendar = ReportPlant.With(Enumerable.Range(0, 40).Select(i => D("2026-12-19").AddDays(i)).ToArray());

        Assert.Null(ReportSchedule.NextDue(calendar, ReportKind.Shift, U("2026-12-19T06:00:00Z"), Grace));
    }

    [Fact]
    public void AlwaysOnPlant_HasADayReportEveryDay_AWeekReportEveryWeek_AndNoShiftReports()
    {
        var calendar = ShiftCalendar.AlwaysOn(Some.Berlin);
        var after = U("2026-11-14T00:00:00Z");
        var until = U("2026-11-18T00:00:00Z");

        Assert.Empty(ReportSchedule.Due(calendar, ReportKind.Shift, after, until, Grace));
        Assert.Null(ReportSchedule.NextDue(calendar, ReportKind.Shift, after, Grace));
        Assert.Equal(["2026-11-14 2026-11-14T23:30Z", "2026-11-15 2026-11-15T23:30Z", "2026-11-16 2026-11-16T23:30Z", "2026-11-17 2026-11-17T23:30Z"],
            Show(ReportSchedule.Due(calendar, ReportKind.Day, after, until, Grace)));
        Assert.Equal(["2026-11-09 2026-11-15T23:30Z"], Show(ReportSchedule.Due(calendar, ReportKind.Week, after, until, Grace)));
        Assert.Equal(U("2026-11-14T23:30:00Z"), ReportSchedule.NextDue(calendar, ReportKind.Day, after, Grace));
    }
}
