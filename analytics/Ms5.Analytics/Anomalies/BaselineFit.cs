namespace Ms5.Analytics.Anomalies;

/// <summary>The three parts of <see cref="DowntimeBaseline.Fit"/>; every list comes out in a fixed order so equal input gives equal JSON.</summary>
internal static class BaselineFit
{
    public const double LowQuantile = 0.025;
    public const double HighQuantile = 0.975;

    public static IReadOnlyList<DurationContext> Durations(IReadOnlyList<StopFeatures> closed, BaselineOptions o)
    {
        var contexts = new List<DurationContext>();
        foreach (var g in closed.GroupBy(s => (s.MachineId, s.Reason)).OrderBy(g => g.Key.MachineId, StringComparer.Ordinal).ThenBy(g => g.Key.Reason, StringComparer.Ordinal))
        {
            Add(contexts, ContextLevel.MachineReason, g.Key.MachineId, g.Key.Reason, g.ToList(), o);
        }

        foreach (var g in closed.GroupBy(s => (s.MachineId, s.Category)).OrderBy(g => g.Key.MachineId, StringComparer.Ordinal).ThenBy(g => g.Key.Category))
        {
            Add(contexts, ContextLevel.MachineCategory, g.Key.MachineId, null, g.ToList(), o);
        }

        foreach (var g in closed.GroupBy(s => s.Category).OrderBy(g => g.Key))
        {
            Add(contexts, ContextLevel.PlantCategory, null, null, g.ToList(), o);
        }

        return contexts;
    }

    /// <summary>A context with its statistics, when it has at least <see cref="BaselineOptions.MinSamples"/> stops.</summary>
    private static void Add(List<DurationContext> contexts, ContextLevel level, string? machine, string? reason, List<StopFeatures> stops, BaselineOptions o)
    {
        if (stops.Count < o.MinSamples)
        {
            return;
        }

        var logs = stops.Select(s => s.LogSeconds).ToArray();
        var seconds = stops.Select(s => s.Seconds).ToArray();
        var median = RobustStats.Median(logs);
        var mad = RobustStats.Mad(logs);
        var upper = RobustStats.UpperMad(logs);
        var spread = Math.Max(RobustStats.MadToSigma * (o.UpperHalfMad ? upper : mad), o.MinLogSpread);

        // The most frequent category names the context (a reason code has one category; a code-less stop takes its state's).
        var category = stops.GroupBy(s => s.Category).OrderByDescending(c => c.Count()).ThenBy(c => c.Key).First().Key;
        contexts.Add(new DurationContext(
            level, machine, reason, category, stops.Count, median, mad, upper, spread,
            RobustStats.Quantile(seconds, LowQuantile), RobustStats.Quantile(seconds, HighQuantile),
            Math.Exp(median + (o.K * spread))));
    }

    public static IReadOnlyList<HourOfWeekRate> Rates(IReadOnlyList<MachineHourFeatures> hours, BaselineOptions o)
    {
        var rates = new List<HourOfWeekRate>();
        foreach (var machine in hours.GroupBy(h => h.MachineId).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var byHourOfDay = machine.GroupBy(h => h.HourOfWeek % 24).ToDictionary(g => g.Key, g => (double)g.Sum(h => h.Stops) / g.Count());
            foreach (var slot in machine.GroupBy(h => h.HourOfWeek).OrderBy(g => g.Key))
            {
                var n = slot.Count();
                var stops = slot.Sum(h => h.Stops);
                var rate = (stops + (o.RatePriorHours * byHourOfDay[slot.Key % 24])) / (n + o.RatePriorHours);
                rates.Add(new HourOfWeekRate(
                    machine.Key, slot.Key, n, stops, (double)stops / n, rate,
                    RobustStats.PoissonQuantile(rate, LowQuantile), RobustStats.PoissonQuantile(rate, HighQuantile),
                    Math.Max(o.MinBurstBound, RobustStats.PoissonQuantile(rate, o.BurstQuantile))));
            }
        }

        return rates;
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
