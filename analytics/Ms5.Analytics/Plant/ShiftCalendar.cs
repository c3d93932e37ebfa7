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

    /// <summary>Inside a planned maintenance window.</summary>
    Maintenance,
}

/// <summary>A planned maintenance window for the whole plant, [Start, End) in UTC: planned stop time.</summary>
public sealed record MaintenanceWindow(DateTimeOffset Start, DateTimeOffset End, string? Note);

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

    /// <summary>Single dates that work shifts their weekday normally has not (date → shift names).</summary>
    public IReadOnlyDictionary<DateOnly, IReadOnlySet<string>> ExtraWorkingDays { get; init; } = new Dictionary<DateOnly, IReadOnlySet<string>>();

    public IReadOnlyList<MaintenanceWindow> Maintenance { get; init; } = [];

    /// <summary>Whether <paramref name="shift"/> runs on the local day <paramref name="day"/> (pattern or single-date exception; holidays excluded).</summary>
    public bool Runs(ShiftPattern shift, DateOnly day)
    {
        ArgumentNullException.ThrowIfNull(shift);
        return !Holidays.Contains(day)
            && (shift.Days.Contains(day.DayOfWeek) || (ExtraWorkingDays.TryGetValue(day, out var names) && names.Contains(shift.Name)));
    }

    /// <summary>A plant without shifts runs around the clock.</summary>
    public static ShiftCalendar AlwaysOn(TimeZoneInfo tz) => new(tz, [], new HashSet<DateOnly>());

    public PlannedStatus StatusAt(DateTimeOffset instant)
    {
        if (Maintenance.Any(m => m.Start <= instant && instant < m.End))
        {
            return PlannedStatus.Maintenance;
        }

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
            if (Scheduled(shift, today) && InShift(shift, time, startedToday: true))
            {
                startDay = today;
            }
            else if (shift.CrossesMidnight && Scheduled(shift, today.AddDays(-1)) && time < shift.End)
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

    /// <summary>Scheduled by pattern or exception (a holiday is decided by the caller, to report it as such).</summary>
    private bool Scheduled(ShiftPattern shift, DateOnly day) =>
        shift.Days.Contains(day.DayOfWeek) || (ExtraWorkingDays.TryGetValue(day, out var names) && names.Contains(shift.Name));

    private static bool InShift(ShiftPattern shift, TimeOnly time, bool startedToday) =>
        shift.CrossesMidnight ? startedToday && time >= shift.Start : time >= shift.Start && time < shift.End;

    private static bool InWindow(TimeOnly start, TimeOnly end, TimeOnly t) =>
        end > start ? t >= start && t < end : t >= start || t < end;
}

/// <summary>A stretch of time with one planned status, [Start, End).</summary>
public readonly record struct CalendarSegment(DateTimeOffset Start, DateTimeOffset End, PlannedStatus Status)
{
    public TimeSpan Duration => End - Start;
}

public static class ShiftCalendarTimeline
{
    /// <summary>
    /// The calendar over [from, to) as consecutive segments of one status each. Every wall-clock
    /// boundary (shift and break starts and ends) is turned into every UTC instant it can mean —
    /// both for an hour repeated in autumn, the first valid instant for one skipped in spring — and
    /// the status of each piece is read with <see cref="ShiftCalendar.StatusAt"/>, so DST needs no
    /// special case here. Adjacent pieces with the same status are merged.
    /// </summary>
    public static IReadOnlyList<CalendarSegment> Timeline(this ShiftCalendar calendar, DateTimeOffset from, DateTimeOffset to)
    {
        ArgumentNullException.ThrowIfNull(calendar);
        if (to <= from)
        {
            return [];
        }

        var cuts = new SortedSet<DateTimeOffset> { from, to };
        var tz = calendar.TimeZone;
        var firstDay = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(from, tz).DateTime).AddDays(-1);
        var lastDay = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(to, tz).DateTime).AddDays(1);
        var times = calendar.Shifts.SelectMany(s => new[] { s.Start, s.End }.Concat(s.Breaks.SelectMany(b => new[] { b.Start, b.End }))).Distinct().ToList();
        for (var day = firstDay; day <= lastDay; day = day.AddDays(1))
        {
            foreach (var t in times)
            {
                foreach (var instant in UtcInstants(day.ToDateTime(t), tz))
                {
                    if (instant > from && instant < to)
                    {
                        cuts.Add(instant);
                    }
                }
            }

            // Midnight matters too: holidays and weekdays change there.
            foreach (var instant in UtcInstants(day.ToDateTime(TimeOnly.MinValue), tz))
            {
                if (instant > from && instant < to)
                {
                    cuts.Add(instant);
                }
            }
        }

        foreach (var m in calendar.Maintenance)
        {
            foreach (var instant in new[] { m.Start, m.End })
            {
                if (instant > from && instant < to)
                {
                    cuts.Add(instant);
                }
            }
        }

        var segments = new List<CalendarSegment>();
        DateTimeOffset? prev = null;
        foreach (var cut in cuts)
        {
            if (prev is { } start)
            {
                var status = calendar.StatusAt(start);
                if (segments.Count > 0 && segments[^1].Status == status && segments[^1].End == start)
                {
                    segments[^1] = segments[^1] with { End = cut };
                }
                else
                {
                    segments.Add(new CalendarSegment(start, cut, status));
                }
            }

            prev = cut;
        }

        return segments;
    }

    /// <summary>
    /// Every UTC instant a local wall-clock time can mean, earliest first: one, two (repeated hour) or the end of a skipped hour.
    /// Callers rely on the order: <c>First()</c> is the first time the wall clock shows it, <c>Last()</c> the last.
    /// </summary>
    public static IEnumerable<DateTimeOffset> UtcInstants(DateTime local, TimeZoneInfo tz)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        if (tz.IsInvalidTime(local))
        {
            // Skipped by the spring change: the wall clock jumps past it; the first valid minute after it.
            var probe = local;
            while (tz.IsInvalidTime(probe))
            {
                probe = probe.AddMinutes(1);
            }

            yield return new DateTimeOffset(probe, tz.GetUtcOffset(probe)).ToUniversalTime();
            yield break;
        }

        if (tz.IsAmbiguousTime(local))
        {
            // GetAmbiguousTimeOffsets sorts the offsets ascending, which is the later instant first: the larger offset comes first in time.
            foreach (var offset in tz.GetAmbiguousTimeOffsets(local).OrderDescending())
            {
                yield return new DateTimeOffset(local, offset).ToUniversalTime();
            }

            yield break;
        }

        yield return new DateTimeOffset(local, tz.GetUtcOffset(local)).ToUniversalTime();
    }
}

/// <summary>One occurrence of a shift pattern: its name, the local day it starts on, and its UTC bounds [Start, End).</summary>
public sealed record ShiftInstance(string Name, DateOnly Day, DateTimeOffset Start, DateTimeOffset End);

public static class ShiftInstances
{
    /// <summary>The shift occurrences overlapping [from, to), in start order, with real (DST-aware) UTC bounds.</summary>
    public static IReadOnlyList<ShiftInstance> Between(this ShiftCalendar calendar, DateTimeOffset from, DateTimeOffset to)
    {
        ArgumentNullException.ThrowIfNull(calendar);
        var tz = calendar.TimeZone;
        var first = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(from, tz).DateTime).AddDays(-1);
        var last = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(to, tz).DateTime);
        var result = new List<ShiftInstance>();
        for (var day = first; day <= last; day = day.AddDays(1))
        {
            foreach (var shift in calendar.Shifts.Where(s => calendar.Runs(s, day)))
            {
                var start = ShiftCalendarTimeline.UtcInstants(day.ToDateTime(shift.Start), tz).First();
                var endDay = shift.CrossesMidnight ? day.AddDays(1) : day;
                var end = ShiftCalendarTimeline.UtcInstants(endDay.ToDateTime(shift.End), tz).Last();
                if (start < to && end > from)
                {
                    result.Add(new ShiftInstance(shift.Name, day, start, end));
                }
            }
        }

        return result.OrderBy(s => s.Start).ToList();
    }

    /// <summary>The shift running at <paramref name="instant"/>, if any.</summary>
    public static ShiftInstance? At(this ShiftCalendar calendar, DateTimeOffset instant) =>
        calendar.Between(instant, instant.AddTicks(1)).FirstOrDefault(s => s.Start <= instant && instant < s.End);
}
