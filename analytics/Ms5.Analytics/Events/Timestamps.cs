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
        ArgumentNullException.ThrowIfNull(value);
        if (TryParseFast(value, out ts))
        {
            error = "";
            return true;
        }

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

    /// <summary>
    /// The common shape "yyyy-MM-ddTHH:mm:ss[.fraction]Z" parsed digit by digit (the historian parses
    /// every event's ts; the event parser hands it the message's own characters, without a string); anything else,
    /// offsets included, takes the general path above.
    /// </summary>
    internal static bool TryParseFast(ReadOnlySpan<char> v, out DateTimeOffset ts)
    {
        ts = default;
        if (v.Length < 20 || v[4] != '-' || v[7] != '-' || v[10] != 'T' || v[13] != ':' || v[16] != ':' || v[^1] != 'Z')
        {
            return false;
        }

        if (!Digits(v, 0, 4, out var year) || !Digits(v, 5, 2, out var month) || !Digits(v, 8, 2, out var day)
            || !Digits(v, 11, 2, out var hour) || !Digits(v, 14, 2, out var minute) || !Digits(v, 17, 2, out var second))
        {
            return false;
        }

        long fractionTicks = 0;
        var end = v.Length - 1;
        if (end > 19)
        {
            if (v[19] != '.' || end - 20 is < 1 or > 9)
            {
                return false;
            }

            var scale = 1_000_000L;
            for (var i = 20; i < end; i++)
            {
                var d = v[i] - '0';
                if ((uint)d > 9)
                {
                    return false;
                }

                fractionTicks += d * scale;
                scale /= 10;
            }
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        ts = new DateTimeOffset(new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc).AddTicks(fractionTicks));
        return true;
    }

    private static bool Digits(ReadOnlySpan<char> s, int start, int count, out int value)
    {
        value = 0;
        for (var i = start; i < start + count; i++)
        {
            var d = s[i] - '0';
            if ((uint)d > 9)
            {
                return false;
            }

            value = (value * 10) + d;
        }

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
