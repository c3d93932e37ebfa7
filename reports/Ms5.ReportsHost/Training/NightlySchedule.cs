using Ms5.Analytics.Plant;

namespace Ms5.ReportsHost.Training;

/// <summary>
/// When a plant's nightly training falls due: a time of day on the plant's wall clock, resolved to UTC per local day.
/// On the spring-forward day a time inside the skipped hour means the end of the skipped hour; on the fall-back day a
/// repeated time means its first occurrence (once a night, never twice).
/// </summary>
internal static class NightlySchedule
{
    /// <summary>The instant <paramref name="at"/> falls on the plant-local <paramref name="day"/>.</summary>
    public static DateTimeOffset On(DateOnly day, TimeSpan at, TimeZoneInfo tz) =>
        ShiftCalendarTimeline.UtcInstants(day.ToDateTime(TimeOnly.MinValue) + at, tz).First();

    /// <summary>The first due time strictly after <paramref name="after"/>.</summary>
    public static DateTimeOffset Next(TimeZoneInfo tz, TimeSpan at, DateTimeOffset after)
    {
        ArgumentNullException.ThrowIfNull(tz);
        var day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(after, tz).DateTime).AddDays(-1);
        while (On(day, at, tz) <= after)
        {
            day = day.AddDays(1);
        }

        return On(day, at, tz);
    }

    /// <summary>The last due time at or before <paramref name="atOrBefore"/>.</summary>
    public static DateTimeOffset Previous(TimeZoneInfo tz, TimeSpan at, DateTimeOffset atOrBefore)
    {
        ArgumentNullException.ThrowIfNull(tz);
        var day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(atOrBefore, tz).DateTime).AddDays(1);
        while (On(day, at, tz) > atOrBefore)
        {
            day = day.AddDays(-1);
        }

        return On(day, at, tz);
    }
}
