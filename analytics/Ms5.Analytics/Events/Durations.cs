using System.Globalization;

namespace Ms5.Analytics.Events;

/// <summary>Short human text for a duration, for error messages ("3d 4h", "2m 5s", "750ms").</summary>
public static class Durations
{
    public static string Describe(TimeSpan d)
    {
        if (d < TimeSpan.Zero)
        {
            return "-" + Describe(-d);
        }

        if (d < TimeSpan.FromSeconds(1))
        {
            return ((long)d.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms";
        }

        var parts = new List<string>(2);
        if (d.Days > 0)
        {
            parts.Add($"{d.Days}d");
        }

        if (d.Hours > 0)
        {
            parts.Add($"{d.Hours}h");
        }

        if (d.Minutes > 0 && parts.Count < 2)
        {
            parts.Add($"{d.Minutes}m");
        }

        if (d.Seconds > 0 && parts.Count < 2)
        {
            parts.Add($"{d.Seconds}s");
        }

        return string.Join(' ', parts);
    }
}
