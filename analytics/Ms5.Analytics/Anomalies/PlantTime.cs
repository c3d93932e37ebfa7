namespace Ms5.Analytics.Anomalies;

/// <summary>
/// The plant's wall clock for features. Hours are the local clock's hours: 60-minute spans in UTC (the repeated
/// autumn hour occurs twice, the skipped spring hour not at all), which holds for every zone whose offset changes
/// on a whole hour.
/// </summary>
internal static class PlantTime
{
    public const int HoursPerWeek = 168;

    public static DateTimeOffset Local(DateTimeOffset instant, TimeZoneInfo tz) => TimeZoneInfo.ConvertTime(instant, tz);

    /// <summary>The start of the local hour <paramref name="instant"/> falls in, as an instant.</summary>
    public static DateTimeOffset HourStart(DateTimeOffset instant, TimeZoneInfo tz) =>
        instant.AddTicks(-(Local(instant, tz).DateTime.Ticks % TimeSpan.TicksPerHour));

    /// <summary>0 = Monday 00:00–01:00 … 167 = Sunday 23:00–24:00 on the plant's wall clock.</summary>
    public static int HourOfWeek(DateTimeOffset instant, TimeZoneInfo tz)
    {
        var local = Local(instant, tz);
        return (((int)local.DayOfWeek + 6) % 7 * 24) + local.Hour;
    }
}
