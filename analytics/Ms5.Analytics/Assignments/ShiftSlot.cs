using Ms5.Analytics.Plant;

namespace Ms5.Analytics.Assignments;

/// <summary>
/// One occurrence of a shift as operator assignments are keyed: the plant's local production day the shift starts on
/// and the shift's name. An overnight shift keeps the day it began (02:00 on Tuesday is Monday's night shift), and the
/// autumn hour that the wall clock shows twice belongs to the one night shift running through it; both follow from
/// <see cref="ShiftInstances.At"/>, which reads the calendar on the wall clock.
/// </summary>
public readonly record struct ShiftSlot(DateOnly Day, string Shift)
{
    /// <summary>The shift running at <paramref name="instant"/>; none between shifts, on holidays or for a plant without shifts.</summary>
    public static ShiftSlot? At(ShiftCalendar calendar, DateTimeOffset instant)
    {
        ArgumentNullException.ThrowIfNull(calendar);
        return calendar.At(instant) is { } s ? new ShiftSlot(s.Day, s.Name) : null;
    }

    /// <summary>
    /// The production day at <paramref name="instant"/>: the start day of the shift running then, else the plant's
    /// local calendar date (between shifts, on a day without shifts).
    /// </summary>
    public static DateOnly ProductionDay(ShiftCalendar calendar, DateTimeOffset instant)
    {
        ArgumentNullException.ThrowIfNull(calendar);
        return At(calendar, instant)?.Day ?? DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, calendar.TimeZone).DateTime);
    }

    /// <summary>Why <paramref name="shift"/> cannot be assigned on <paramref name="day"/>, or null when it can (it is a shift of the plant and runs that day).</summary>
    public static string? Problem(ShiftCalendar calendar, DateOnly day, string shift)
    {
        ArgumentNullException.ThrowIfNull(calendar);
        if (calendar.Shifts.FirstOrDefault(s => s.Name == shift) is not { } pattern)
        {
            return calendar.Shifts.Count == 0
                ? "the plant has no shifts in its calendar (it runs around the clock): nothing to assign"
                : $"'{shift}' is not a shift of the plant; shifts: {string.Join(", ", calendar.Shifts.Select(s => s.Name))}";
        }

        return calendar.Runs(pattern, day) ? null : $"'{shift}' does not run on {day:yyyy-MM-dd} ({day.DayOfWeek}{(calendar.Holidays.Contains(day) ? ", a holiday" : "")})";
    }
}
