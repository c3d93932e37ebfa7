using Ms5.Analytics.Plant;

namespace Ms5.Analytics.Tests;

/// <summary>
/// The plant calendar the report tests share: Europe/Berlin, early 06–14 and late 14–22 Monday to Saturday, night
/// 22–06 Sunday to Friday (a shift belongs to the day it starts on), with breaks, and holidays on Wednesday 2026-11-18
/// and over Christmas (Friday 2026-12-25, Saturday 2026-12-26).
/// </summary>
internal static class ReportPlant
{
    public static readonly HashSet<DayOfWeek> MonToSat = [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday, DayOfWeek.Saturday];
    public static readonly HashSet<DayOfWeek> SunToFri = [DayOfWeek.Sunday, DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday];

    public static readonly ShiftPattern Early = new("early", MonToSat, new TimeOnly(6, 0), new TimeOnly(14, 0),
        [new ShiftBreak(new TimeOnly(9, 30), new TimeOnly(9, 45)), new ShiftBreak(new TimeOnly(12, 0), new TimeOnly(12, 30))]);

    public static readonly ShiftPattern Late = new("late", MonToSat, new TimeOnly(14, 0), new TimeOnly(22, 0),
        [new ShiftBreak(new TimeOnly(17, 30), new TimeOnly(17, 45)), new ShiftBreak(new TimeOnly(20, 0), new TimeOnly(20, 30))]);

    public static readonly ShiftPattern Night = new("night", SunToFri, new TimeOnly(22, 0), new TimeOnly(6, 0),
        [new ShiftBreak(new TimeOnly(2, 0), new TimeOnly(2, 30))]);

    public static readonly DateOnly Holiday = new(2026, 11, 18);

    public static ShiftCalendar Calendar { get; } = With(Holiday, new DateOnly(2026, 12, 25), new DateOnly(2026, 12, 26));

    /// <summary>The same shifts with other holidays.</summary>
    public static ShiftCalendar With(params DateOnly[] holidays) => new(Some.Berlin, [Early, Late, Night], holidays.ToHashSet());

    public static DateOnly Day(string iso) => DateOnly.ParseExact(iso, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
}
