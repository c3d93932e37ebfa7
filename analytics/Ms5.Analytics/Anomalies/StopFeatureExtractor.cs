using Ms5.Analytics.Events;
using Ms5.Analytics.Oee;
using Ms5.Analytics.Plant;
using Ms5.Analytics.Reports;

namespace Ms5.Analytics.Anomalies;

/// <summary>
/// Builds stop and machine-hour features from a machine's history, the same way for training and for live
/// scoring. Everything is as known at an instant <c>asOf</c>: intervals starting at or after it are not seen yet,
/// and one ending after it is still open (its <see cref="StopFeatures.Seconds"/> are the time it has lasted so
/// far), so replaying history up to an instant gives the features the live scorer saw then.
/// A machine that is not in the plant has no features (as <c>/api/downtime</c> leaves it out).
/// </summary>
public sealed class StopFeatureExtractor
{
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    private readonly PlantConfig _plant;
    private readonly LossClassifier _losses;
    private readonly Dictionary<string, Machine> _machines;
    private readonly Dictionary<string, ReasonCategory> _reasons;

    public StopFeatureExtractor(PlantConfig plant)
    {
        ArgumentNullException.ThrowIfNull(plant);
        _plant = plant;
        _losses = LossClassifier.For(plant);
        _machines = plant.Machines.ToDictionary(m => m.Id, StringComparer.Ordinal);
        _reasons = plant.ReasonCodes.ToDictionary(r => r.Code, r => r.Category, StringComparer.Ordinal);
    }

    /// <summary>Every stop of the machine that started before <paramref name="asOf"/>, in start order.</summary>
    public IReadOnlyList<StopFeatures> Stops(MachineHistory history, DateTimeOffset asOf)
    {
        ArgumentNullException.ThrowIfNull(history);
        if (!_machines.TryGetValue(history.MachineId, out var machine))
        {
            return [];
        }

        var intervals = Known(history, asOf);
        var stops = StopsOf(intervals);
        // Counts are kept per group: micro-stops with micro-stops, other stops with other stops (StopFeatures.MicroGroup).
        var microStarts = stops.Where(s => IsMicroGroup(s)).Select(s => s.Start).ToArray();
        var otherStarts = stops.Where(s => !IsMicroGroup(s)).Select(s => s.Start).ToArray();
        var counts = history.Counts?.OrderBy(c => c.Ts).ToArray();
        var products = history.Products.OrderBy(p => p.From).ToArray();
        var tz = _plant.TimeZone;
        var result = new List<StopFeatures>(stops.Count);
        var next = 0;
        DateTimeOffset? lastStopEnd = null;
        foreach (var stop in stops)
        {
            // The latest non-running interval (stop or planned stop) before this one ends the previous run.
            for (; next < intervals.Count && intervals[next].Start < stop.Start; next++)
            {
                if (intervals[next].State != MachineState.Running)
                {
                    lastStopEnd = intervals[next].End ?? stop.Start;
                }
            }

            var starts = IsMicroGroup(stop) ? microStarts : otherStarts;
            var local = PlantTime.Local(stop.Start, tz);
            var shift = _plant.Calendar.At(stop.Start);
            var seconds = ((stop.End ?? asOf) - stop.Start).TotalSeconds;
            result.Add(new StopFeatures
            {
                MachineId = machine.Id,
                LineId = machine.LineId,
                State = stop.State,
                Reason = stop.Reason ?? ContractNames.Of(stop.State),
                Category = CategoryOf(stop.State, stop.Reason),
                Loss = StopAnalysis.CategoryName(stop.Loss),
                Start = stop.Start,
                End = stop.End,
                Seconds = seconds,
                LogSeconds = Math.Log(Math.Max(seconds, 1)),
                HourOfDay = local.Hour,
                DayOfWeek = local.DayOfWeek,
                HourOfWeek = PlantTime.HourOfWeek(stop.Start, tz),
                Shift = shift?.Name,
                ShiftStart = shift?.Start,
                Product = ProductAt(products, stop.Start),
                RunSecondsBefore = lastStopEnd is { } e ? Math.Max(0, (stop.Start - e).TotalSeconds) : null,
                StopsInPrecedingHour = CountIn(starts, stop.Start - Hour, stop.Start),
                StopsInShiftBefore = shift is null ? null : CountIn(starts, shift.Start, stop.Start),
                RejectRateBefore = counts is null ? null : RejectRate(counts, stop.Start - Hour, stop.Start),
            });
        }

        return result;
    }

    /// <summary>
    /// The machine's hours [h, h + 1 h) from <paramref name="from"/> (a local hour start) until <paramref name="to"/>,
    /// every hour listed (hours without stops too: a rate needs them), as known at <paramref name="to"/>; the last
    /// hour is partial when <paramref name="to"/> falls inside it.
    /// </summary>
    public IReadOnlyList<MachineHourFeatures> Hours(MachineHistory history, DateTimeOffset from, DateTimeOffset to)
    {
        ArgumentNullException.ThrowIfNull(history);
        var tz = _plant.TimeZone;
        if (PlantTime.HourStart(from, tz) != from)
        {
            throw new ArgumentException($"from ({from:O}) must be the start of an hour on the plant's clock ({tz.Id})", nameof(from));
        }

        if (!_machines.ContainsKey(history.MachineId) || to <= from)
        {
            return [];
        }

        var n = (int)Math.Ceiling((to - from) / Hour);
        var stops = new int[n];
        var micro = new int[n];
        var microGroup = new int[n];
        var seconds = new double[n];
        foreach (var stop in StopsOf(Known(history, to)))
        {
            var end = stop.End ?? to;
            if (stop.Start >= from)
            {
                var i = (int)((stop.Start - from) / Hour);
                stops[i]++;
                micro[i] += stop.Loss == LossCategory.MicroStop ? 1 : 0;
                microGroup[i] += IsMicroGroup(stop) ? 1 : 0;
            }

            for (var i = Math.Max(0, (int)Math.Floor((stop.Start - from) / Hour)); i < n && from + (i * Hour) < end; i++)
            {
                var a = Max(stop.Start, from + (i * Hour));
                var b = Min(end, from + ((i + 1) * Hour));
                seconds[i] += Math.Max(0, (b - a).TotalSeconds);
            }
        }

        return Enumerable.Range(0, n)
            .Select(i => new MachineHourFeatures(history.MachineId, from + (i * Hour), PlantTime.HourOfWeek(from + (i * Hour), tz), stops[i], seconds[i], micro[i], microGroup[i]))
            .ToList();
    }

    private readonly record struct Interval(MachineState State, string? Reason, DateTimeOffset Start, DateTimeOffset? End);

    private readonly record struct Stop(MachineState State, string? Reason, DateTimeOffset Start, DateTimeOffset? End, LossCategory Loss);

    /// <summary>The intervals as known at <paramref name="asOf"/>, in start order.</summary>
    private static List<Interval> Known(MachineHistory history, DateTimeOffset asOf) =>
        history.Intervals
            .Where(s => s.Start < asOf)
            .OrderBy(s => s.Start)
            .Select(s => new Interval(s.State, s.Reason, s.Start, s.End is { } e && e <= asOf ? e : null))
            .ToList();

    private List<Stop> StopsOf(List<Interval> intervals)
    {
        var stops = new List<Stop>();
        foreach (var s in intervals)
        {
            if (StopAnalysis.StopCategory(s.State, s.Reason, s.End - s.Start, _losses) is { } loss)
            {
                stops.Add(new Stop(s.State, s.Reason, s.Start, s.End, loss));
            }
        }

        return stops;
    }

    private bool IsMicroGroup(Stop stop) => CategoryOf(stop.State, stop.Reason) == ReasonCategory.MicroStop;

    private ReasonCategory CategoryOf(MachineState state, string? reason) =>
        reason is not null && _reasons.TryGetValue(reason, out var c) ? c
        : state == MachineState.Setup ? ReasonCategory.Setup
        : ReasonCategory.Unplanned;

    /// <summary>The product of the latest change at or before <paramref name="t"/>.</summary>
    private static string? ProductAt(ProductChange[] products, DateTimeOffset t)
    {
        var i = LowerBound(products, p => p.From, t.AddTicks(1)) - 1;
        return i >= 0 ? products[i].Product : null;
    }

    private static double? RejectRate(PartCount[] counts, DateTimeOffset from, DateTimeOffset to)
    {
        long good = 0, reject = 0;
        for (var i = LowerBound(counts, c => c.Ts, from); i < counts.Length && counts[i].Ts < to; i++)
        {
            good += counts[i].Good;
            reject += counts[i].Reject;
        }

        return good + reject > 0 ? (double)reject / (good + reject) : null;
    }

    /// <summary>How many of the sorted <paramref name="starts"/> lie in [from, to).</summary>
    private static int CountIn(DateTimeOffset[] starts, DateTimeOffset from, DateTimeOffset to) =>
        LowerBound(starts, s => s, to) - LowerBound(starts, s => s, from);

    /// <summary>The first index whose key is not before <paramref name="t"/>.</summary>
    private static int LowerBound<T>(T[] sorted, Func<T, DateTimeOffset> key, DateTimeOffset t)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (key(sorted[mid]) < t)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
