using System.CommandLine.Parsing;
using System.Globalization;

namespace Ms5.Ops.Cli;

/// <summary>Durations on the command line: 30s, 5m, 2h (a whole number and a unit).</summary>
internal static class DurationText
{
    public static TimeSpan? Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length < 2 || !int.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n <= 0)
        {
            return null;
        }

        return text[^1] switch
        {
            's' => TimeSpan.FromSeconds(n),
            'm' => TimeSpan.FromMinutes(n),
            'h' => TimeSpan.FromHours(n),
            _ => null,
        };
    }

    public static Func<ArgumentResult, TimeSpan> Parser(string option) => result =>
    {
        var text = result.Tokens.Single().Value;
        if (Parse(text) is { } d)
        {
            return d;
        }

        result.AddError($"{option} '{text}' must look like 30s, 5m or 2h");
        return TimeSpan.Zero;
    };
}
