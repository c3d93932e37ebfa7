using Ms5.Analytics.Oee;

namespace Ms5.Analytics.Reports;

/// <summary>A machine the report covers.</summary>
public sealed record ReportMachine(string MachineId, string MachineName, string LineId);

/// <summary>
/// What a report is built from, all read for the report's machines and span: the summed minute buckets per machine,
/// per hour of the span and for the comparison spans, the historian's state intervals, products and Andons.
/// </summary>
public sealed record ReportInputs(
    ReportHeader Header,
    IReadOnlyList<ReportMachine> Machines,
    IReadOnlyDictionary<string, OeeComponents> ByMachine,
    IReadOnlyList<HourRow> Hourly,
    KpiSet? Previous,
    KpiSet? WeekAgo,
    IReadOnlyList<StateSpan> States,
    LossClassifier Losses,
    IReadOnlyList<ProductRow> Products,
    IReadOnlyList<AndonRow> Andons,
    DateTimeOffset Now)
{
    /// <summary>The shift's anomaly flags (the generator reads them for shift reports only); null: no such section.</summary>
    public UnusualStops? UnusualStops { get; init; }

    /// <summary>The shift's operator assignments, machine → user name (shift reports only); null: no such section.</summary>
    public IReadOnlyDictionary<string, string>? Operators { get; init; }
}

/// <summary>Builds a <see cref="ReportDocument"/>: pure, every figure a sum of minute components or of clipped stop intervals.</summary>
public static class ReportBuilder
{
    /// <summary>How many rows "the longest stops" shows.</summary>
    public const int LongestStopCount = 10;

    public static ReportDocument Build(ReportInputs input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var h = input.Header;
        var names = input.Machines.ToDictionary(m => m.MachineId, m => m.MachineName, StringComparer.Ordinal);
        var machines = input.Machines
            .OrderBy(m => m.LineId, StringComparer.Ordinal).ThenBy(m => m.MachineId, StringComparer.Ordinal)
            .Select(m =>
            {
                var c = input.ByMachine.TryGetValue(m.MachineId, out var x) ? x : default;
                return new MachineRow(m.MachineId, m.MachineName, m.LineId, c, OeeKpis.From(c));
            })
            .ToList();
        var total = OeeComponents.Sum(machines.Select(m => m.Components));

        var stops = StopAnalysis.Stops(input.States, id => names.ContainsKey(id) ? input.Losses : null, id => names[id], h.From, h.To, input.Now)
            .OrderBy(s => s.Start).ThenBy(s => s.MachineId, StringComparer.Ordinal).ToList();
        var longest = stops.Where(s => s.Category != "micro_stop")
            .OrderByDescending(s => s.Seconds).ThenBy(s => s.Start).ThenBy(s => s.MachineId, StringComparer.Ordinal)
            .Take(LongestStopCount).ToList();
        var micro = stops.Where(s => s.Category == "micro_stop")
            .GroupBy(s => s.MachineId)
            .Select(g => new MicroStopRow(g.Key, names[g.Key], g.Count(), g.Sum(s => s.Seconds)))
            .OrderByDescending(m => m.Count).ThenBy(m => m.MachineId, StringComparer.Ordinal)
            .ToList();
        var changeovers = stops.Where(s => s.Category == "setup").ToList();

        return new ReportDocument(
            h,
            new ReportTiles(KpiSet.Of(h.From, h.To, total), input.Previous, input.WeekAgo),
            machines,
            SixBigLosses.From(total),
            StopAnalysis.Pareto(stops),
            input.Hourly,
            Timelines(input.Machines, input.States, h.From, h.To < input.Now ? h.To : input.Now),
            longest,
            micro,
            changeovers,
            input.Products.OrderByDescending(p => p.Good + p.Reject).ThenBy(p => p.Product, StringComparer.Ordinal).ToList(),
            input.Andons.OrderBy(a => a.RaisedAt).ThenBy(a => a.MachineId, StringComparer.Ordinal).ToList(),
            stops)
        {
            UnusualStops = input.UnusualStops is { } u
                ? u with
                {
                    Rows = u.Rows.OrderBy(r => r.Start).ThenBy(r => r.MachineId, StringComparer.Ordinal).ThenBy(r => r.Kind, StringComparer.Ordinal).ToList(),
                }
                : null,
            Operators = input.Operators is { } assigned ? ShiftOperators.Rows(input.Machines, assigned) : null,
        };
    }

    /// <summary>Each machine's states clipped to [from, end): what the timeline chart draws.</summary>
    public static IReadOnlyList<MachineTimeline> Timelines(IReadOnlyList<ReportMachine> machines, IReadOnlyList<StateSpan> states, DateTimeOffset from, DateTimeOffset end)
    {
        ArgumentNullException.ThrowIfNull(machines);
        ArgumentNullException.ThrowIfNull(states);
        var byMachine = states.ToLookup(s => s.MachineId, StringComparer.Ordinal);
        return machines
            .OrderBy(m => m.LineId, StringComparer.Ordinal).ThenBy(m => m.MachineId, StringComparer.Ordinal)
            .Select(m => new MachineTimeline(m.MachineId, m.MachineName, byMachine[m.MachineId]
                .Where(s => s.Start < end && (s.End ?? DateTimeOffset.MaxValue) > from)
                .OrderBy(s => s.Start)
                .Select(s => new TimelineSegment(s.Start > from ? s.Start : from, s.End is { } e && e < end ? e : end, s.State))
                .Where(s => s.To > s.From)
                .ToList()))
            .ToList();
    }

    /// <summary>One row per hour from <paramref name="from"/> (the last may be shorter), from components per hour index (missing hours are empty).</summary>
    public static IReadOnlyList<HourRow> Hours(DateTimeOffset from, DateTimeOffset to, IReadOnlyDictionary<int, OeeComponents> byHourIndex)
    {
        ArgumentNullException.ThrowIfNull(byHourIndex);
        var rows = new List<HourRow>();
        var i = 0;
        for (var a = from; a < to; a = a.AddHours(1), i++)
        {
            var b = a.AddHours(1) < to ? a.AddHours(1) : to;
            var c = byHourIndex.TryGetValue(i, out var x) ? x : default;
            rows.Add(new HourRow(a, b, c, OeeKpis.From(c)));
        }

        return rows;
    }
}
