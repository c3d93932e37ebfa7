namespace Ms5.Analytics.Plant;

/// <summary>A shift that repeats on the given weekdays; <c>End &lt;= Start</c> means it ends the next day.</summary>
public sealed record ShiftPattern(string Name, IReadOnlySet<DayOfWeek> Days, TimeOnly Start, TimeOnly End, IReadOnlyList<ShiftBreak> Breaks)
{
    public bool CrossesMidnight => End <= Start;
}

/// <summary>A break inside a shift, in the plant's wall-clock time.</summary>
public sealed record ShiftBreak(TimeOnly Start, TimeOnly End);

/// <summary>Why a moment is or is not planned production time.</summary>
public enum PlannedStatus
{
    Production,
    Break,
    NoShift,
    Holiday,
}

/// <summary>
/// Answers "is this instant planned production time?" in the plant's time zone. Comparison is on the
/// local wall clock, so DST is handled the way the plant lives it: the repeated autumn hour is worked
/// twice (a longer night shift) and the skipped spring hour does not exist.
/// </summary>
public sealed class ShiftCalendar
{
    public ShiftCalendar(TimeZoneInfo timeZone, IReadOnlyList<ShiftPattern> shifts, IReadOnlySet<DateOnly> holidays)
    {
        TimeZone = timeZone;
        Shifts = shifts;
        Holidays = holidays;
    }

    public TimeZoneInfo TimeZone { get; }
    public IReadOnlyList<ShiftPattern> Shifts { get; }
    public IReadOnlySet<DateOnly> Holidays { get; }

    /// <summary>A plant without shifts runs around the clock.</summary>
    public static ShiftCalendar AlwaysOn(TimeZoneInfo tz) => new(tz, [], new HashSet<DateOnly>());

    public PlannedStatus StatusAt(DateTimeOffset instant)
    {
        if (Shifts.Count == 0)
        {
            return PlannedStatus.Production;
        }

        var local = TimeZoneInfo.ConvertTime(instant, TimeZone).DateTime;
        var today = DateOnly.FromDateTime(local);
        var time = TimeOnly.FromDateTime(local);

        foreach (var shift in Shifts)
        {
            // A shift belongs to the day it starts on; an overnight shift may have started yesterday.
            DateOnly? startDay = null;
            if (shift.Days.Contains(today.DayOfWeek) && InShift(shift, time, startedToday: true))
            {
                startDay = today;
            }
            else if (shift.CrossesMidnight && shift.Days.Contains(today.AddDays(-1).DayOfWeek) && time < shift.End)
            {
                startDay = today.AddDays(-1);
            }

            if (startDay is null)
            {
                continue;
            }

            if (Holidays.Contains(startDay.Value))
            {
                return PlannedStatus.Holiday;
            }

            return shift.Breaks.Any(b => InWindow(b.Start, b.End, time)) ? PlannedStatus.Break : PlannedStatus.Production;
        }

        return PlannedStatus.NoShift;
    }

    private static bool InShift(ShiftPattern shift, TimeOnly time, bool startedToday) =>
        shift.CrossesMidnight ? startedToday && time >= shift.Start : time >= shift.Start && time < shift.End;

    private static bool InWindow(TimeOnly start, TimeOnly end, TimeOnly t) =>
        end > start ? t >= start && t < end : t >= start || t < end;
}
