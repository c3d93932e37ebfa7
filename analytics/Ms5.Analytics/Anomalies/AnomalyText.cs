using System.Globalization;
using Ms5.Analytics.Plant;

namespace Ms5.Analytics.Anomalies;

/// <summary>
/// The sentences a supervisor reads, invariant culture, an en dash without spaces in ranges:
/// "jam on press-01 lasted 41 min; normally 2–6 min (95 % of 312 jams in 28 days)",
/// "7 stops on weld-02 in the last hour; usually 0–2 at this hour",
/// "electrical on asm-03: never seen on this machine in 28 days".
/// Durations: whole seconds under 2 min, whole minutes up to 2 h, hours with one decimal above.
/// </summary>
public static class AnomalyText
{
    private const char EnDash = '\u2013';
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string LongStop(StopFeatures stop, double seconds, DurationContext context, TimeSpan window)
    {
        ArgumentNullException.ThrowIfNull(stop);
        ArgumentNullException.ThrowIfNull(context);
        var lasted = stop.Open ? $"has lasted {Duration(seconds)} so far" : $"lasted {Duration(seconds)}";
        return $"{stop.Reason} on {stop.MachineId} {lasted}; normally {Range(context.LowSeconds, context.HighSeconds)} (95 % of {Pool(context)} in {Window(window)})";
    }

    public static string Burst(string machineId, int stops, HourOfWeekRate rate, bool micro = false)
    {
        ArgumentNullException.ThrowIfNull(rate);
        var usual = rate.UsualLow == rate.UsualHigh ? Count(rate.UsualHigh) : $"{Count(rate.UsualLow)}{EnDash}{Count(rate.UsualHigh)}";
        return $"{Count(stops)} {Stops(stops, micro)} on {machineId} in the last hour; usually {usual} at this hour";
    }

    private static string Stops(int n, bool micro) => (micro ? "micro-" : "") + (n == 1 ? "stop" : "stops");

    public static string ShiftPileup(StopFeatures stop, int stops, int usualLow, int usualHigh, TimeZoneInfo tz)
    {
        ArgumentNullException.ThrowIfNull(stop);
        ArgumentNullException.ThrowIfNull(tz);
        var since = stop.ShiftStart is { } s ? $" (since {TimeZoneInfo.ConvertTime(s, tz):HH:mm})" : "";
        var usual = usualLow == usualHigh ? Count(usualHigh) : $"{Count(usualLow)}{EnDash}{Count(usualHigh)}";
        return $"{Count(stops)} {Stops(stops, stop.MicroGroup)} on {stop.MachineId} so far this {stop.Shift} shift{since}; usually {usual} by this time";
    }

    public static string UnseenReason(string reason, string machineId, TimeSpan window) =>
        $"{reason} on {machineId}: never seen on this machine in {Window(window)}";

    public static string SeenReason(string reason, string machineId, int times, TimeSpan window) =>
        $"{reason} on {machineId}: seen {Count(times)} {(times == 1 ? "time" : "times")} on this machine in {Window(window)}";

    /// <summary>
    /// "unusual stop on press-01: 9 stops in the hour before (usually about 1) and 4 min of running before it (usually
    /// about 35 min)": the deviations in the order given (the model puts the furthest from normal first).
    /// </summary>
    public static string UnusualPattern(string machineId, IReadOnlyList<PatternDeviation> deviations)
    {
        ArgumentNullException.ThrowIfNull(deviations);
        var parts = deviations.Select(Deviation).ToList();
        return parts.Count == 0
            ? $"unusual stop on {machineId}: a rare combination of its features"
            : $"unusual stop on {machineId}: {string.Join(" and ", parts)}";
    }

    /// <summary>One deviation in words, e.g. "4 min of running before it (usually about 35 min)".</summary>
    public static string Deviation(PatternDeviation d)
    {
        ArgumentNullException.ThrowIfNull(d);
        return d.Aspect switch
        {
            PatternAspect.Duration => $"{d.Detail ?? "it"} lasted {Duration(d.Value)} (usually about {Duration(d.Usual)})",
            PatternAspect.RunBefore => $"{Duration(d.Value)} of running before it (usually about {Duration(d.Usual)})",
            PatternAspect.StopsInHour => $"{Count((int)Math.Round(d.Value))} {Stops(d.Value)} in the hour before (usually about {About(d.Usual)})",
            PatternAspect.StopsInShift => $"{Count((int)Math.Round(d.Value))} {Stops(d.Value)} earlier in the shift (usually about {About(d.Usual)})",
            PatternAspect.RejectRate => $"{Percent(d.Value)} rejects in the hour before (usually about {Percent(d.Usual)})",
            PatternAspect.TimeOfWeek => $"at {((int)d.Value).ToString("00", Inv)}:00{(d.Detail is null ? string.Empty : " on " + d.Detail)}, a rare time for its stops",
            PatternAspect.Reason => d.Value == 0
                ? $"reason {d.Detail}, never seen on it in training"
                : $"reason {d.Detail}, {Count((int)d.Value)} of its {Count((int)d.Usual)} stops in training",
            _ => throw new ArgumentOutOfRangeException(nameof(d), d.Aspect, null),
        };
    }

    /// <summary>"45 s", "41 min", "2.5 h" (rounded half away from zero).</summary>
    public static string Duration(double seconds)
    {
        var (value, unit) = Split(seconds);
        return $"{value} {unit}";
    }

    /// <summary>"2–6 min" when both ends have the same unit, "45 s–6 min" when not, "3 min" when both read the same.</summary>
    public static string Range(double lowSeconds, double highSeconds)
    {
        var (lo, loUnit) = Split(lowSeconds);
        var (hi, hiUnit) = Split(highSeconds);
        if (loUnit != hiUnit)
        {
            return $"{lo} {loUnit}{EnDash}{hi} {hiUnit}";
        }

        return lo == hi ? $"{hi} {hiUnit}" : $"{lo}{EnDash}{hi} {hiUnit}";
    }

    /// <summary>"28 days", "1 day"; a window that is not whole days as a duration ("36 h").</summary>
    public static string Window(TimeSpan window)
    {
        var days = window.TotalDays;
        return days >= 1 && days == Math.Floor(days)
            ? $"{Count((int)days)} {(days == 1 ? "day" : "days")}"
            : Duration(window.TotalSeconds);
    }

    /// <summary>The English plural of a reason code, good enough for codes that are nouns: jam → jams, glass → glasses, battery → batteries.</summary>
    public static string Plural(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        if (word.EndsWith('s') || word.EndsWith('x') || word.EndsWith('z') || word.EndsWith("ch", StringComparison.Ordinal) || word.EndsWith("sh", StringComparison.Ordinal))
        {
            return word + "es";
        }

        return word.Length > 1 && word[^1] == 'y' && !"aeiou".Contains(word[^2], StringComparison.Ordinal) ? word[..^1] + "ies" : word + "s";
    }

    /// <summary>The plant file's name of a reason category: unplanned, micro_stop, setup, planned, idle, quality, startup.</summary>
    public static string CategoryName(ReasonCategory category) => category switch
    {
        ReasonCategory.MicroStop => "micro_stop",
        _ => category.ToString().ToLowerInvariant(),
    };

    /// <summary>What the "normally" range was learnt from: "312 jams", "84 unplanned stops on press-01", "2310 unplanned stops in the plant".</summary>
    private static string Pool(DurationContext c) => c.Level switch
    {
        ContextLevel.MachineReason => $"{Count(c.Count)} {(c.Count == 1 ? c.Reason : Plural(c.Reason ?? "stop"))}",
        ContextLevel.MachineCategory => $"{Count(c.Count)} {CategoryName(c.Category)} stops on {c.MachineId}",
        _ => $"{Count(c.Count)} {CategoryName(c.Category)} stops in the plant",
    };

    private static (string Value, string Unit) Split(double seconds)
    {
        if (seconds < 120)
        {
            return (Round(seconds, 0), "s");
        }

        return seconds <= 7200 ? (Round(seconds / 60, 0), "min") : (Round(seconds / 3600, 1), "h");
    }

    private static string Round(double v, int digits) => Math.Round(v, digits, MidpointRounding.AwayFromZero).ToString(digits == 0 ? "0" : "0.#", Inv);

    private static string Stops(double n) => Math.Round(n) == 1 ? "stop" : "stops";

    /// <summary>A usual count: one decimal under 3 ("0.4"), whole above ("7").</summary>
    private static string About(double n) => n < 3 ? Round(n, 1) : Round(n, 0);

    /// <summary>"12 %", "0.5 %" (one decimal under 10 %).</summary>
    private static string Percent(double rate) => $"{Round(rate * 100, rate < 0.1 ? 1 : 0)} %";

    private static string Count(int n) => n.ToString(Inv);
}
