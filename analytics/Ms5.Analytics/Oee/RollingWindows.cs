namespace Ms5.Analytics.Oee;

/// <summary>One rolling window's name and half-open time bounds.</summary>
public readonly record struct WindowBounds(string Name, DateTimeOffset From, DateTimeOffset To);

/// <summary>
/// The rolling OEE windows at a moment <c>now</c>: "15m" and "1h" hold the last 15 / 60 complete minutes plus
/// the current minute so far, "shift" the current shift so far. Each window sums whole minute buckets
/// (the current one partial), so the same definition serves the stored buckets and the engine's cache.
/// </summary>
public static class RollingWindows
{
    public static IReadOnlyList<WindowBounds> At(DateTimeOffset now, DateTimeOffset? shiftStart)
    {
        var minute = BucketCalculator.Floor(now);
        var windows = new List<WindowBounds>(3)
        {
            new("15m", minute.AddMinutes(-15), now),
            new("1h", minute.AddHours(-1), now),
        };
        if (shiftStart is { } s && s < now)
        {
            windows.Add(Shift(s, now));
        }

        return windows;
    }

    /// <summary>The current shift so far: from its start to <paramref name="now"/>.</summary>
    public static WindowBounds Shift(DateTimeOffset start, DateTimeOffset now) => new("shift", start, now);

    /// <summary>The sum of the buckets whose minute lies in [from, to).</summary>
    public static OeeComponents Sum(IEnumerable<KeyValuePair<DateTimeOffset, OeeComponents>> buckets, DateTimeOffset from, DateTimeOffset to)
    {
        ArgumentNullException.ThrowIfNull(buckets);
        var sum = default(OeeComponents);
        foreach (var (minute, c) in buckets)
        {
            if (minute >= from && minute < to)
            {
                sum += c;
            }
        }

        return sum;
    }
}
