using Ms5.Analytics.Plant;

namespace Ms5.Analytics.Anomalies;

/// <summary>
/// Judges stops against a <see cref="DowntimeBaseline"/>. Each method answers null when the baseline cannot judge
/// (no context with enough stops, machine not in the window) and otherwise a score, flagged or not
/// (<see cref="AnomalyScore"/> documents the scores). Ids are <see cref="AnomalyId.For"/> the baseline's plant, the
/// machine, the stop's start and the kind: the same stop gets the same id whether scored open or closed.
/// </summary>
public sealed class DowntimeScorer
{
    private readonly Dictionary<(ContextLevel, string?, string?, ReasonCategory?), DurationContext> _durations;
    private readonly Dictionary<(string, int, bool), HourOfWeekRate> _rates;
    private readonly Dictionary<string, MachineReasons> _machines;

    public DowntimeScorer(DowntimeBaseline baseline)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        Baseline = baseline;
        _durations = baseline.Durations.ToDictionary(c => Key(c.Level, c.MachineId, c.Reason, c.Category));
        _rates = baseline.Rates.ToDictionary(r => (r.MachineId, r.HourOfWeek, r.MicroGroup));
        _machines = baseline.Machines.ToDictionary(m => m.MachineId, StringComparer.Ordinal);
        _machineRates = baseline.Rates.Select(r => (r.MachineId, r.MicroGroup)).ToHashSet();
    }

    private readonly HashSet<(string, bool)> _machineRates;

    public DowntimeBaseline Baseline { get; }

    /// <summary>The context a stop's length is judged in: its machine and reason, else its machine and reason category, else the plant's stops of that category; null when none has enough stops.</summary>
    public DurationContext? ContextFor(StopFeatures stop)
    {
        ArgumentNullException.ThrowIfNull(stop);
        return _durations.GetValueOrDefault(Key(ContextLevel.MachineReason, stop.MachineId, stop.Reason, stop.Category))
            ?? _durations.GetValueOrDefault(Key(ContextLevel.MachineCategory, stop.MachineId, null, stop.Category))
            ?? _durations.GetValueOrDefault(Key(ContextLevel.PlantCategory, null, null, stop.Category));
    }

    /// <summary>The instant after which the stop, while still open, is flagged as long (start + threshold); null when it cannot be judged.</summary>
    public DateTimeOffset? LongStopDue(StopFeatures stop) =>
        ContextFor(stop) is { } c ? stop.Start + TimeSpan.FromSeconds(c.ThresholdSeconds) : null;

    /// <summary>
    /// A closed stop by its length; an open one by the time it has lasted, up to <paramref name="asOf"/> when given
    /// (else up to when its features were built), so it is flagged as soon as that passes the threshold.
    /// </summary>
    public AnomalyScore? ScoreLongStop(StopFeatures stop, DateTimeOffset? asOf = null)
    {
        if (ContextFor(stop) is not { } c)
        {
            return null;
        }

        var seconds = stop.Open && asOf is { } t ? Math.Max(0, (t - stop.Start).TotalSeconds) : stop.Seconds;
        var r = (Math.Log(Math.Max(seconds, 1)) - c.MedianLog) / (Math.Log(c.ThresholdSeconds) - c.MedianLog);
        return new AnomalyScore(
            AnomalyId.For(Baseline.PlantId, stop.MachineId, stop.Start, AnomalyKind.LongStop), AnomalyKind.LongStop,
            stop.MachineId, stop.LineId, stop.Reason, stop.Start, stop.End, seconds, seconds, c.ThresholdSeconds,
            AnomalyScore.ScoreOf(r), seconds > c.ThresholdSeconds,
            AnomalyText.LongStop(stop, seconds, c, Baseline.Window));
    }

    /// <summary>
    /// The machine's stops in the hour up to this stop's start, itself included, against the bound of the hour of
    /// the week it starts in or of the hour before (the higher: the window spans both).
    /// </summary>
    public AnomalyScore? ScoreBurst(StopFeatures stop)
    {
        ArgumentNullException.ThrowIfNull(stop);
        var now = _rates.GetValueOrDefault((stop.MachineId, stop.HourOfWeek, stop.MicroGroup));
        var before = _rates.GetValueOrDefault((stop.MachineId, (stop.HourOfWeek + PlantTime.HoursPerWeek - 1) % PlantTime.HoursPerWeek, stop.MicroGroup));
        var rate = now is null ? before : before is null || now.Bound >= before.Bound ? now : before;
        if (rate is null)
        {
            return null;
        }

        var count = stop.StopsInPrecedingHour + 1;
        return new AnomalyScore(
            AnomalyId.For(Baseline.PlantId, stop.MachineId, stop.Start, AnomalyKind.Burst), AnomalyKind.Burst,
            stop.MachineId, stop.LineId, stop.Reason, stop.Start, stop.End, stop.Seconds, count, rate.Bound,
            AnomalyScore.ScoreOf((count - rate.Rate) / (rate.Bound - rate.Rate)), count > rate.Bound,
            AnomalyText.Burst(stop.MachineId, count, rate, stop.MicroGroup));
    }

    /// <summary>
    /// One flag per burst: the stops of a machine (start order) whose <see cref="ScoreBurst"/> is flagged, grouped into
    /// runs of consecutive flagged stops; each run is reported once with the id, start and end of its first stop and
    /// the count, score and explanation of its peak. Pass the history back to the last stop that was not over its
    /// bound, or a run's first stop (hence its id) is not the one a full replay finds.
    /// </summary>
    public IReadOnlyList<AnomalyScore> BurstEpisodes(IEnumerable<StopFeatures> stops)
    {
        ArgumentNullException.ThrowIfNull(stops);
        var episodes = new List<AnomalyScore>();
        foreach (var machine in stops.GroupBy(s => (s.MachineId, s.MicroGroup)).OrderBy(g => g.Key.MachineId, StringComparer.Ordinal).ThenBy(g => g.Key.MicroGroup))
        {
            AnomalyScore? open = null;
            foreach (var stop in machine.OrderBy(s => s.Start))
            {
                if (ScoreBurst(stop) is not { Flagged: true } b)
                {
                    open = null;
                    continue;
                }

                if (open is null)
                {
                    open = b;
                    episodes.Add(b);
                }
                else if (b.Observed > open.Observed)
                {
                    open = open with { Observed = b.Observed, Threshold = b.Threshold, Score = b.Score, Explanation = b.Explanation };
                    episodes[^1] = open;
                }
            }
        }

        return episodes;
    }

    /// <summary>
    /// The machine's stops in its shift so far, this one included, against the Poisson
    /// <see cref="BaselineOptions.ShiftQuantile"/> bound (at least <see cref="BaselineOptions.MinShiftBound"/>) of the
    /// stops its hour-of-week rates expect from the shift's start to this stop's start (partial hours pro rata); null
    /// outside shifts or for a machine without rates. <paramref name="excluded"/> earlier stops of the shift are not
    /// counted (those of bursts, flagged already: <see cref="ShiftPileups"/>).
    /// </summary>
    public AnomalyScore? ScoreShift(StopFeatures stop, int excluded = 0)
    {
        ArgumentNullException.ThrowIfNull(stop);
        if (stop.ShiftStart is not { } shiftStart || stop.StopsInShiftBefore is not { } before || !_machineRates.Contains((stop.MachineId, stop.MicroGroup)))
        {
            return null;
        }

        var tz = Baseline.TimeZone;
        var expected = 0.0;
        for (var h = PlantTime.HourStart(shiftStart, tz); h < stop.Start; h = h.AddHours(1))
        {
            var from = h < shiftStart ? shiftStart : h;
            var to = h.AddHours(1) > stop.Start ? stop.Start : h.AddHours(1);
            var rate = _rates.GetValueOrDefault((stop.MachineId, PlantTime.HourOfWeek(h, tz), stop.MicroGroup))?.Rate ?? 0;
            expected += rate * (to - from).TotalHours;
        }

        expected = Math.Min(expected, 400);
        var bound = Math.Max(Baseline.Options.MinShiftBound, RobustStats.PoissonQuantile(expected, Baseline.Options.ShiftQuantile));
        var count = Math.Max(1, before + 1 - excluded);
        return new AnomalyScore(
            AnomalyId.For(Baseline.PlantId, stop.MachineId, stop.Start, AnomalyKind.ShiftPileup), AnomalyKind.ShiftPileup,
            stop.MachineId, stop.LineId, stop.Reason, stop.Start, stop.End, stop.Seconds, count, bound,
            AnomalyScore.ScoreOf((count - expected) / (bound - expected)), count > bound,
            AnomalyText.ShiftPileup(stop, count, RobustStats.PoissonQuantile(expected, BaselineFit.LowQuantile), RobustStats.PoissonQuantile(expected, BaselineFit.HighQuantile), tz));
    }

    /// <summary>
    /// One flag per machine and shift whose stops pile up: the shift's first stop over its <see cref="ScoreShift"/>
    /// bound gives the id, start and end; the count, score and explanation are the highest of the shift's stops.
    /// Stops over their burst bound (<see cref="ScoreBurst"/>) are neither counted nor flagged here: a burst is flagged
    /// as a burst, and a pile-up is stops spread over the shift. Pass the shift's stops from its start.
    /// </summary>
    public IReadOnlyList<AnomalyScore> ShiftPileups(IEnumerable<StopFeatures> stops)
    {
        ArgumentNullException.ThrowIfNull(stops);
        var episodes = new List<AnomalyScore>();
        foreach (var shift in stops.Where(s => s.ShiftStart is not null).GroupBy(s => (s.MachineId, s.ShiftStart, s.MicroGroup))
                     .OrderBy(g => g.Key.MachineId, StringComparer.Ordinal).ThenBy(g => g.Key.ShiftStart).ThenBy(g => g.Key.MicroGroup))
        {
            AnomalyScore? open = null;
            var inBursts = 0;
            foreach (var stop in shift.OrderBy(s => s.Start))
            {
                if (ScoreBurst(stop) is { Flagged: true })
                {
                    inBursts++;
                    continue;
                }

                if (ScoreShift(stop, inBursts) is not { Flagged: true } p)
                {
                    continue;
                }

                if (open is null)
                {
                    open = p;
                    episodes.Add(p);
                }
                else if (p.Observed > open.Observed)
                {
                    open = open with { Observed = p.Observed, Threshold = p.Threshold, Score = p.Score, Explanation = p.Explanation };
                    episodes[^1] = open;
                }
            }
        }

        return episodes;
    }

    /// <summary>
    /// Whether the stop's reason occurred on its machine in the training window: flagged when it never did and the
    /// machine had at least <see cref="BaselineOptions.MinSamples"/> stops there; null when it had fewer or is not in
    /// the window (nothing to compare with).
    /// </summary>
    public AnomalyScore? ScoreUnseenReason(StopFeatures stop)
    {
        ArgumentNullException.ThrowIfNull(stop);
        if (!_machines.TryGetValue(stop.MachineId, out var m) || m.Stops < Baseline.Options.MinSamples)
        {
            return null;
        }

        var seen = m.Reasons.FirstOrDefault(r => r.Reason == stop.Reason)?.Count ?? 0;
        var r = seen == 0 ? (double)m.Stops / Baseline.Options.MinSamples : 0;
        return new AnomalyScore(
            AnomalyId.For(Baseline.PlantId, stop.MachineId, stop.Start, AnomalyKind.UnseenReason), AnomalyKind.UnseenReason,
            stop.MachineId, stop.LineId, stop.Reason, stop.Start, stop.End, stop.Seconds, m.Stops, Baseline.Options.MinSamples,
            AnomalyScore.ScoreOf(r), seen == 0,
            seen == 0 ? AnomalyText.UnseenReason(stop.Reason, stop.MachineId, Baseline.Window) : AnomalyText.SeenReason(stop.Reason, stop.MachineId, seen, Baseline.Window));
    }

    private static (ContextLevel, string?, string?, ReasonCategory?) Key(ContextLevel level, string? machine, string? reason, ReasonCategory category) =>
        level switch
        {
            ContextLevel.MachineReason => (level, machine, reason, null),
            ContextLevel.MachineCategory => (level, machine, null, category),
            _ => (level, null, null, category),
        };
}
