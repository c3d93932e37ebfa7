using System.Globalization;
using System.Text.RegularExpressions;

namespace Ms5.Analytics.Events;

/// <summary>RFC 3339 timestamps as the contract requires: date, time and an explicit UTC offset ("Z" or ±hh:mm).</summary>
public static partial class Timestamps
{
    [GeneratedRegex(@"^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})\z", RegexOptions.CultureInvariant)]
    private static partial Regex Rfc3339();

    public static bool TryParse(string value, out DateTimeOffset ts, out string error)
    {
        ts = default;
        var m = Rfc3339().Match(value);
        if (!m.Success)
        {
            error = $"must be an ISO-8601 UTC timestamp like 2026-11-26T06:00:00.000Z, got '{EventParser.Truncate(value)}'";
            return false;
        }

        // .NET keeps 7 fractional digits (100 ns); finer digits are cut, not rounded, so order is kept.
        var fraction = m.Groups[3].Success ? m.Groups[3].Value : "0";
        if (fraction.Length > 7)
        {
            fraction = fraction[..7];
        }

        var offset = m.Groups[4].Value is "Z" or "z" ? "+00:00" : m.Groups[4].Value;
        var text = $"{m.Groups[1].Value}T{m.Groups[2].Value}.{fraction.PadRight(7, '0')}{offset}";
        if (!DateTimeOffset.TryParseExact(text, "yyyy-MM-dd'T'HH:mm:ss.fffffffzzz", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
        {
            error = $"is not a real date and time: '{EventParser.Truncate(value)}'";
            return false;
        }

        ts = parsed.ToUniversalTime();
        error = "";
        return true;
    }

    /// <summary>The contract's canonical form: UTC, millisecond precision when that loses nothing, else 100 ns.</summary>
    public static string Format(DateTimeOffset ts)
    {
        var utc = ts.ToUniversalTime();
        return utc.Ticks % TimeSpan.TicksPerMillisecond == 0
            ? utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)
            : utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
    }
}
