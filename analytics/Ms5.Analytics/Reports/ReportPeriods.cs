using System.Globalization;
using Ms5.Analytics.Plant;

namespace Ms5.Analytics.Reports;

/// <summary>A span of time, [From, To) in UTC.</summary>
public readonly record struct TimeRange(DateTimeOffset From, DateTimeOffset To);

/// <summary>
/// The span a report covers and its comparison spans: the span before it (previous shift occurrence of the plant,
/// previous day, previous week, the range just before) and the same span a week earlier (null when not defined:
/// a shift that did not run a week ago, or a week, whose previous span already is a week earlier).
/// </summary>
public sealed record ReportSpan(ReportKind Kind, DateTimeOffset From, DateTimeOffset To, DateOnly? Day, string? ShiftName, TimeRange? Previous, TimeRange? WeekAgo)
{
    /// <summary>The identity of a report series: every revision of the same scope and span shares it.</summary>
    public string SeriesKey(string plantId, string? lineId) => string.Join('|',
        Kind.ToString().ToLowerInvariant(), lineId is null ? "plant" : "line", lineId ?? plantId,
        From.UtcDateTime.ToString("yyyy-MM-ddTHH:mmZ", CultureInfo.InvariantCulture), To.UtcDateTime.ToString("yyyy-MM-ddTHH:mmZ", CultureInfo.InvariantCulture),
        ShiftName ?? "");

    /// <summary>A file name without extension: ms5-line-1-2026-11-17-early, ms5-demo-2026-11-17-day, ms5-demo-week-2026-11-16, ms5-line-1-20261117T0600Z-20261117T1400Z; "-r2" for later revisions.</summary>
    public string FileBase(string scopeId, int revision)
    {
        var scope = Safe(scopeId);
        // Invariant: the current culture's calendar would otherwise write 2569 (Thai) or 1448 (Umm al-Qura) for 2026.
        var inv = CultureInfo.InvariantCulture;
        var name = Kind switch
        {
            ReportKind.Shift => string.Create(inv, $"ms5-{scope}-{Day:yyyy-MM-dd}-{Safe(ShiftName ?? "shift")}"),
            ReportKind.Day => string.Create(inv, $"ms5-{scope}-{Day:yyyy-MM-dd}-day"),
            ReportKind.Week => string.Create(inv, $"ms5-{scope}-week-{Day:yyyy-MM-dd}"),
            _ => string.Create(inv, $"ms5-{scope}-{From.UtcDateTime:yyyyMMdd'T'HHmm'Z'}-{To.UtcDateTime:yyyyMMdd'T'HHmm'Z'}"),
        };
        return revision > 1 ? string.Create(inv, $"{name}-r{revision}") : name;
    }

    /// <summary>Letters, digits, '-', '_' and '.' kept; anything else becomes '_' (ids end up in file names and headers).</summary>
    private static string Safe(string s) => new(s.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray());
}

/// <summary>Why a report span could not be resolved.</summary>
public enum SpanProblem
{
    None,

    /// <summary>The plant has no shift of that name.</summary>
    UnknownShift,

    /// <summary>The shift does not run on that day (weekday not scheduled, or a holiday).</summary>
    ShiftNotOnDay,
}

/// <summary>Resolves report requests against a plant's calendar (pure; DST-aware through <see cref="ShiftCalendar"/>).</summary>
public static class ReportPeriods
{
    /// <summary>How far back "the previous shift" is looked for (a long weekend or holidays may lie between).</summary>
    public static readonly TimeSpan PreviousShiftSearch = TimeSpan.FromDays(14);

    /// <summary>The occurrence of shift <paramref name="shiftName"/> starting on local day <paramref name="day"/>.</summary>
    public static (ReportSpan? Span, SpanProblem Problem) Shift(ShiftCalendar calendar, DateOnly day, string shiftName)
    {
        ArgumentNullException.ThrowIfNull(calendar);
        if (calendar.Shifts.FirstOrDefault(s => s.Name == shiftName) is not { } pattern)
        {
            return (null, SpanProblem.UnknownShift);
        }

        if (!calendar.Runs(pattern, day))
        {
            return (null, SpanProblem.ShiftNotOnDay);
        }

        var tz = calendar.TimeZone;
        var dayStart = LocalMidnight(day, tz);
        var shift = calendar.Between(dayStart, LocalMidnight(day.AddDays(2), tz)).First(s => s.Name == shiftName && s.Day == day);
        return (ForShift(calendar, shift), SpanProblem.None);
    }

    /// <summary>The span of a shift occurrence, with the plant's previous shift and the same shift a week earlier.</summary>
    public static ReportSpan ForShift(ShiftCalendar calendar, ShiftInstance shift)
    {
        ArgumentNullException.ThrowIfNull(calendar);
        ArgumentNullException.ThrowIfNull(shift);
        var previous = calendar.Between(shift.Start - PreviousShiftSearch, shift.Start).LastOrDefault(s => s.Start < shift.Start);
        var weekAgoDay = shift.Day.AddDays(-7);
        var weekAgo = calendar.Between(shift.Start.AddDays(-8), shift.Start.AddDays(-6)).FirstOrDefault(s => s.Name == shift.Name && s.Day == weekAgoDay);
        return new ReportSpan(ReportKind.Shift, shift.Start, shift.End, shift.Day, shift.Name,
            previous is null ? null : new TimeRange(previous.Start, previous.End),
            weekAgo is null ? null : new TimeRange(weekAgo.Start, weekAgo.End));
    }

    /// <summary>The plant-local day [00:00, next 00:00) (23 or 25 hours on DST days).</summary>
    public static ReportSpan Day(TimeZoneInfo tz, DateOnly day)
    {
        ArgumentNullException.ThrowIfNull(tz);
        return new ReportSpan(ReportKind.Day, LocalMidnight(day, tz), LocalMidnight(day.AddDays(1), tz), day, null,
            new TimeRange(LocalMidnight(day.AddDays(-1), tz), LocalMidnight(day, tz)),
            new TimeRange(LocalMidnight(day.AddDays(-7), tz), LocalMidnight(day.AddDays(-6), tz)));
    }

    /// <summary>The plant-local week Monday 00:00 to the next Monday 00:00 containing <paramref name="anyDay"/>.</summary>
    public static ReportSpan Week(TimeZoneInfo tz, DateOnly anyDay)
    {
        ArgumentNullException.ThrowIfNull(tz);
        var monday = MondayOf(anyDay);
        return new ReportSpan(ReportKind.Week, LocalMidnight(monday, tz), LocalMidnight(monday.AddDays(7), tz), monday, null,
            new TimeRange(LocalMidnight(monday.AddDays(-7), tz), LocalMidnight(monday, tz)), null);
    }

    /// <summary>Any range; compared with the range just before it and the same range a week earlier.</summary>
    public static ReportSpan Range(DateTimeOffset from, DateTimeOffset to) =>
        new(ReportKind.Range, from, to, null, null, new TimeRange(from - (to - from), from), new TimeRange(from.AddDays(-7), to.AddDays(-7)));

    public static DateOnly MondayOf(DateOnly day) => day.AddDays(-(((int)day.DayOfWeek + 6) % 7));

    /// <summary>The first instant of a local day (the first valid minute if midnight is skipped by DST).</summary>
    public static DateTimeOffset LocalMidnight(DateOnly day, TimeZoneInfo tz) =>
        ShiftCalendarTimeline.UtcInstants(day.ToDateTime(TimeOnly.MinValue), tz).First();

    /// <summary>Whether [from, to) holds any planned production time in the calendar (holidays, Sundays without shifts: no).</summary>
    public static bool HasProduction(ShiftCalendar calendar, DateTimeOffset from, DateTimeOffset to)
    {
        ArgumentNullException.ThrowIfNull(calendar);
        return calendar.Timeline(from, to).Any(s => s.Status == PlannedStatus.Production);
    }
}
