using Ms5.Analytics.Plant;

namespace Ms5.Analytics.Anomalies;

/// <summary>The three parts of <see cref="DowntimeBaseline.Fit"/>; every list comes out in a fixed order so equal input gives equal JSON.</summary>
internal static class BaselineFit
{
    public const double LowQuantile = 0.025;
    public const double HighQuantile = 0.975;

    /// <summary>The quantile whose ratio to the median measures a tail's shape (<see cref="TailShape"/>).</summary>
    public const double ShapeQuantile = 0.95;

    /// <summary>
    /// The duration contexts, narrowest first (machine × reason, machine × category, plant × category), each with at
    /// least <see cref="BaselineOptions.MinSamples"/> stops, and the tail shapes their thresholds use.
    /// </summary>
    public static (IReadOnlyList<DurationContext> Contexts, IReadOnlyList<TailShape> Shapes) Durations(IReadOnlyList<StopFeatures> closed, BaselineOptions o)
    {
        var groups = new List<(ContextLevel Level, string? Machine, string? Reason, List<StopFeatures> Stops)>();
        foreach (var g in closed.GroupBy(s => (s.MachineId, s.Reason)).OrderBy(g => g.Key.MachineId, StringComparer.Ordinal).ThenBy(g => g.Key.Reason, StringComparer.Ordinal))
        {
            groups.Add((ContextLevel.MachineReason, g.Key.MachineId, g.Key.Reason, g.ToList()));
        }

        foreach (var g in closed.GroupBy(s => (s.MachineId, s.Category)).OrderBy(g => g.Key.MachineId, StringComparer.Ordinal).ThenBy(g => g.Key.Category))
        {
            groups.Add((ContextLevel.MachineCategory, g.Key.MachineId, null, g.ToList()));
        }

        foreach (var g in closed.GroupBy(s => s.Category).OrderBy(g => g.Key))
        {
            groups.Add((ContextLevel.PlantCategory, null, null, g.ToList()));
        }

        groups.RemoveAll(g => g.Stops.Count < o.MinSamples);
        var shapes = Shapes(closed, groups.Select(g => (g.Level, g.Machine, g.Reason, g.Stops)).ToList(), o);
        var contexts = groups.Select(g => Context(g.Level, g.Machine, g.Reason, g.Stops, shapes, o)).ToList();
        return (contexts, shapes);
    }

    /// <summary>
    /// The tail shape of each category and of all stops: every closed stop's ln(seconds) over the median of the
    /// narrowest context it falls in, pooled; shape = ln(ln 20 / ln 2) / (its 95 % point − its median) (a Weibull
    /// through the pooled median and 95 % point; 1 for exponential stop lengths). A category with fewer than
    /// <see cref="BaselineOptions.MinShapeSamples"/> stops gets none (the scorer uses the all-stops shape, or 1).
    /// </summary>
    private static IReadOnlyList<TailShape> Shapes(
        IReadOnlyList<StopFeatures> closed, List<(ContextLevel Level, string? Machine, string? Reason, List<StopFeatures> Stops)> groups, BaselineOptions o)
    {
        var medians = groups.ToDictionary(g => (g.Level, g.Machine, g.Reason, g.Level == ContextLevel.MachineReason ? (ReasonCategory?)null : g.Stops[0].Category),
            g => RobustStats.Median(g.Stops.Select(s => s.LogSeconds).ToArray()));
        var ratios = new List<(ReasonCategory Category, double LogRatio)>();
        foreach (var s in closed)
        {
            if (medians.TryGetValue((ContextLevel.MachineReason, s.MachineId, s.Reason, null), out var m)
                || medians.TryGetValue((ContextLevel.MachineCategory, s.MachineId, null, s.Category), out m)
                || medians.TryGetValue((ContextLevel.PlantCategory, null, null, s.Category), out m))
            {
                ratios.Add((s.Category, s.LogSeconds - m));
            }
        }

        var shapes = new List<TailShape>();
        foreach (var g in ratios.GroupBy(r => (ReasonCategory?)r.Category).OrderBy(g => g.Key).Append(ratios.GroupBy(_ => (ReasonCategory?)null).FirstOrDefault()))
        {
            if (g is null || g.Count() < o.MinShapeSamples)
            {
                continue;
            }

            var logs = g.Select(r => r.LogRatio).ToArray();
            var spread = RobustStats.Quantile(logs, ShapeQuantile) - RobustStats.Median(logs);
            var shape = spread > 1e-9 ? Math.Log(Math.Log(20) / Math.Log(2)) / spread : TailShape.MaxShape;
            shapes.Add(new TailShape(g.Key, logs.Length, spread, Math.Clamp(shape, TailShape.MinShape, TailShape.MaxShape)));
        }

        return shapes;
    }

    /// <summary>A context with its statistics and threshold.</summary>
    private static DurationContext Context(ContextLevel level, string? machine, string? reason, List<StopFeatures> stops, IReadOnlyList<TailShape> shapes, BaselineOptions o)
    {
        var logs = stops.Select(s => s.LogSeconds).ToArray();
        var seconds = stops.Select(s => s.Seconds).ToArray();
        var median = RobustStats.Median(logs);
        var mad = RobustStats.Mad(logs);
        var upper = RobustStats.UpperMad(logs);
        var spread = Math.Max(RobustStats.MadToSigma * (o.UpperHalfMad ? upper : mad), o.MinLogSpread);

        // The most frequent category names the context (a reason code has one category; a code-less stop takes its state's).
        var category = stops.GroupBy(s => s.Category).OrderByDescending(c => c.Count()).ThenBy(c => c.Key).First().Key;
        var shape = TailShape.For(shapes, category);
        var threshold = Math.Max(
            median + (Math.Log(Math.Log(1 / o.TailProbability) / Math.Log(2)) / shape),
            median + (MinThresholdSpreads * o.MinLogSpread));
        return new DurationContext(
            level, machine, reason, category, stops.Count, median, mad, upper, spread,
            RobustStats.Quantile(seconds, LowQuantile), RobustStats.Quantile(seconds, HighQuantile),
            Math.Exp(threshold), shape);
    }

    /// <summary>No threshold is closer to the median than this many <see cref="BaselineOptions.MinLogSpread"/> (e^0.6 ≈ 1.8 ×).</summary>
    public const double MinThresholdSpreads = 3;

    public static IReadOnlyList<HourOfWeekRate> Rates(IReadOnlyList<MachineHourFeatures> hours, BaselineOptions o)
    {
        var rates = new List<HourOfWeekRate>();
        foreach (var machine in hours.GroupBy(h => h.MachineId).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            AddRates(rates, machine.Key, machine.ToList(), h => h.Stops - h.MicroGroupStops, false, o);
            if (machine.Any(h => h.MicroGroupStops > 0))
            {
                AddRates(rates, machine.Key, machine.ToList(), h => h.MicroGroupStops, true, o);
            }
        }

        return rates;
    }

    private static void AddRates(List<HourOfWeekRate> rates, string machine, List<MachineHourFeatures> hours, Func<MachineHourFeatures, int> count, bool micro, BaselineOptions o)
    {
        var byHourOfDay = hours.GroupBy(h => h.HourOfWeek % 24).ToDictionary(g => g.Key, g => (double)g.Sum(count) / g.Count());
        foreach (var slot in hours.GroupBy(h => h.HourOfWeek).OrderBy(g => g.Key))
        {
            var n = slot.Count();
            var stops = slot.Sum(count);
            var rate = (stops + (o.RatePriorHours * byHourOfDay[slot.Key % 24])) / (n + o.RatePriorHours);
            rates.Add(new HourOfWeekRate(
                machine, slot.Key, n, stops, (double)stops / n, rate,
                RobustStats.PoissonQuantile(rate, LowQuantile), RobustStats.PoissonQuantile(rate, HighQuantile),
                Math.Max(o.MinBurstBound, RobustStats.PoissonQuantile(rate, o.BurstQuantile)), micro));
        }
    }

    /// <summary>Every machine with stops or hours in the window, with its reasons by count (most first, then by name).</summary>
    public static IReadOnlyList<MachineReasons> Reasons(IReadOnlyList<StopFeatures> stops, IReadOnlyList<MachineHourFeatures> hours)
    {
        var byMachine = stops.GroupBy(s => s.MachineId).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        return stops.Select(s => s.MachineId).Concat(hours.Select(h => h.MachineId)).Distinct().Order(StringComparer.Ordinal)
            .Select(m =>
            {
                var own = byMachine.GetValueOrDefault(m) ?? [];
                var reasons = own.GroupBy(s => s.Reason)
                    .Select(g => new ReasonCount(g.Key, g.Count()))
                    .OrderByDescending(r => r.Count).ThenBy(r => r.Reason, StringComparer.Ordinal)
                    .ToList();
                return new MachineReasons(m, own.Count, reasons);
            })
            .ToList();
    }
}
