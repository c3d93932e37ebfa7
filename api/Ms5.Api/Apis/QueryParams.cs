using Ms5.Analytics.Events;

namespace Ms5.Api.Apis;

/// <summary>Query-string parsing shared by the APIs, adding a named error instead of throwing.</summary>
internal static class QueryParams
{
    /// <summary>A required ISO-8601 instant on a whole minute (the OEE bucket size).</summary>
    public static DateTimeOffset? Minute(string text, string name, Dictionary<string, string[]> errors)
    {
        if (text.Length == 0)
        {
            errors[name] = ["is required (ISO-8601 UTC, whole minutes)"];
            return null;
        }

        if (!Timestamps.TryParse(text, out var ts, out var error))
        {
            errors[name] = [error];
            return null;
        }

        if (ts.UtcTicks % TimeSpan.TicksPerMinute != 0)
        {
            errors[name] = ["must be a whole minute: OEE is kept in minute buckets"];
            return null;
        }

        return ts;
    }

    /// <summary>An ISO-8601 instant between the years 1970 and 9000 (calendar maths a day either side stays in range).</summary>
    public static DateTimeOffset? Instant(string text, string name, Dictionary<string, string[]> errors)
    {
        if (!Timestamps.TryParse(text, out var ts, out var error))
        {
            errors[name] = [error];
            return null;
        }

        return InRange(ts, name, errors);
    }

    /// <summary><paramref name="ts"/> when its year lies in 1970..9000, else null with an error on <paramref name="name"/>.</summary>
    public static DateTimeOffset? InRange(DateTimeOffset ts, string name, Dictionary<string, string[]> errors)
    {
        if (ts.Year is < 1970 or > 9000)
        {
            errors[name] = [$"'{ts:O}' is out of range: give an instant between 1970 and 9000"];
            return null;
        }

        return ts;
    }
}
