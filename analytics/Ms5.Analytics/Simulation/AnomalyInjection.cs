using Ms5.Analytics.Plant;

namespace Ms5.Analytics.Simulation;

/// <summary>
/// Labelled anomalies the simulator injects into otherwise normal history during [<see cref="From"/>, <see cref="To"/>),
/// so an evaluator knows the truth (<see cref="PlantSimulator.InjectedAnomalies"/>). Counts are per machine and week of
/// the window (rounded over the plant: 48 machines, 1 week and 0.5 give 24 labels). Planned from
/// <see cref="SimulatorOptions.Seed"/> alone, with a random stream of its own: the same seed, plant, start and options
/// give the same labels, and the history before the first injected stop is the one the simulator makes without them.
/// Every injected stop is a forced stop (state down with a reason, as an <see cref="Incident"/>) starting on the
/// simulator's tick grid inside production time (not a break, holiday or no-shift time), so its state event has
/// exactly the labelled start; injections on one machine are kept at least an hour apart.
/// </summary>
public sealed record AnomalyInjection
{
    public required DateTimeOffset From { get; init; }
    public required DateTimeOffset To { get; init; }

    /// <summary>One stop of one of the machine's own unplanned reasons lasting <see cref="LongStopFactor"/> × the machine's median repair time.</summary>
    public double LongStopsPerMachineWeek { get; init; } = 1;

    /// <summary>Low and high end (uniform) of a long stop's length as a multiple of the machine's median repair time: max(30 s, ln 2 × MTTR), the median of the simulator's exponential repairs.</summary>
    public (double Low, double High) LongStopFactor { get; init; } = (8, 20);

    /// <summary><see cref="BurstStops"/> short stops (30–150 s, the machine's own unplanned reasons) inside one hour.</summary>
    public double BurstsPerMachineWeek { get; init; } = 0.5;

    /// <summary>How many stops a burst adds to its hour (uniform, both ends included).</summary>
    public (int Low, int High) BurstStops { get; init; } = (8, 12);

    /// <summary>One stop (a repair-like length) with an unplanned or quality reason of the plant the machine never has in normal history; machines without such a reason get none.</summary>
    public double UnusualReasonsPerMachineWeek { get; init; } = 0.25;

    /// <summary>Machines (over the whole plant, not per machine) whose stops pile up on the night shift over <see cref="DriftNights"/> consecutive nights.</summary>
    public int DriftMachines { get; init; } = 4;

    public int DriftNights { get; init; } = 3;

    /// <summary>Short stops (1–4 min) added on the n-th drifting night (1-based): n × this, spread evenly over the shift with jitter.</summary>
    public int DriftStopsPerNight { get; init; } = 6;

    /// <summary>The shift the drift happens on (the plant calendar's name).</summary>
    public string NightShift { get; init; } = "night";
}

/// <summary>What an injected anomaly is.</summary>
public enum InjectedKind
{
    LongStop,
    Burst,
    UnusualReason,
    NightDrift,
}

/// <summary>One injected stop: state down with <see cref="Reason"/> during [Start, Start + Duration) (the end rounded up to the tick).</summary>
public sealed record InjectedStop(DateTimeOffset Start, TimeSpan Duration, string Reason);

/// <summary>
/// One label: the machine, its kind and the injected stops in start order. <see cref="Start"/> is the first stop's start;
/// the window [<see cref="Start"/>, <see cref="End"/>) is the stop itself for a long stop and an unusual reason, the
/// hour from the first stop for a burst, and first stop start to last stop end for a night of drift.
/// </summary>
public sealed record InjectedAnomaly(InjectedKind Kind, string MachineId, DateTimeOffset End, IReadOnlyList<InjectedStop> Stops)
{
    public DateTimeOffset Start => Stops[0].Start;

    public string Reason => Stops[0].Reason;
}

/// <summary>Plans <see cref="AnomalyInjection"/> for <see cref="PlantSimulator"/>.</summary>
internal sealed class AnomalyPlanner
{
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);
    private readonly PlantConfig _plant;
    private readonly AnomalyInjection _o;
    private readonly DateTimeOffset _origin;
    private readonly TimeSpan _tick;
    private readonly Random _rng;
    private readonly Dictionary<string, List<(DateTimeOffset From, DateTimeOffset To)>> _taken = new(StringComparer.Ordinal);

    public AnomalyPlanner(PlantConfig plant, AnomalyInjection injection, DateTimeOffset origin, TimeSpan tick, int seed)
    {
        _plant = plant;
        _o = injection;
        _origin = origin;
        _tick = tick;
        _rng = new Random(seed ^ 0x3A5E_11ED);
    }

    /// <summary>The machine's simulated repertoire: what <see cref="PlantSimulator"/> uses in normal history.</summary>
    public sealed record MachinePlan(string MachineId, string[] FailureReasons, IReadOnlySet<string> NormalReasons, TimeSpan Mttr);

    public List<InjectedAnomaly> Plan(IReadOnlyList<MachinePlan> machines)
    {
        if (_o.To <= _o.From)
        {
            throw new ArgumentException("AnomalyInjection.To must be after From.");
        }

        var labels = new List<InjectedAnomaly>();
        var weeks = (_o.To - _o.From).TotalDays / 7;
        var withFailures = machines.Where(m => m.FailureReasons.Length > 0).ToList();
        if (withFailures.Count == 0)
        {
            return labels;
        }

        // Drift first: it needs whole nights free; then the one-hour kinds fill the rest.
        var nights = _plant.Calendar.Between(_o.From, _o.To).Where(s => s.Name == _o.NightShift && s.Start >= _o.From && s.End <= _o.To).OrderBy(s => s.Start).ToList();
        if (nights.Count >= _o.DriftNights && _o.DriftNights > 0)
        {
            foreach (var m in Pick(withFailures, Math.Min(_o.DriftMachines, withFailures.Count)))
            {
                var first = _rng.Next(nights.Count - _o.DriftNights + 1);
                for (var n = 0; n < _o.DriftNights; n++)
                {
                    var night = nights[first + n];
                    var stops = new List<InjectedStop>();
                    var count = (n + 1) * _o.DriftStopsPerNight;
                    var slot = (night.End - night.Start) / count;
                    for (var i = 0; i < count; i++)
                    {
                        var duration = TimeSpan.FromSeconds(_rng.Next(60, 241));
                        // In its slot of the shift; a slot inside a break falls back to anywhere in the shift.
                        for (var attempt = 0; attempt < 50; attempt++)
                        {
                            var start = Grid(attempt < 10 ? night.Start + (slot * i) + (slot * _rng.NextDouble()) : night.Start + ((night.End - night.Start - duration) * _rng.NextDouble()));
                            if (Production(start, start + duration + TimeSpan.FromMinutes(1)) && Free(m.MachineId, start - TimeSpan.FromMinutes(2), start + duration + TimeSpan.FromMinutes(2)))
                            {
                                stops.Add(new InjectedStop(start, duration, Of(m.FailureReasons)));
                                Take(m.MachineId, start - TimeSpan.FromMinutes(2), start + duration + TimeSpan.FromMinutes(2));
                                break;
                            }
                        }
                    }

                    if (stops.Count > 0)
                    {
                        stops.Sort((a, b) => a.Start.CompareTo(b.Start));
                        labels.Add(new InjectedAnomaly(InjectedKind.NightDrift, m.MachineId, stops[^1].Start + stops[^1].Duration, stops));
                    }
                }

                Take(m.MachineId, nights[first].Start - Hour, nights[first + _o.DriftNights - 1].End + Hour);
            }
        }

        for (var i = Count(_o.LongStopsPerMachineWeek, machines.Count, weeks); i > 0; i--)
        {
            var m = Of(withFailures);
            var median = Math.Max(30, Math.Log(2) * m.Mttr.TotalSeconds);
            var factor = _o.LongStopFactor.Low + (_rng.NextDouble() * (_o.LongStopFactor.High - _o.LongStopFactor.Low));
            var duration = TimeSpan.FromSeconds(Math.Round(median * factor));
            if (Place(m.MachineId, duration) is { } start)
            {
                labels.Add(new InjectedAnomaly(InjectedKind.LongStop, m.MachineId, start + duration, [new InjectedStop(start, duration, Of(m.FailureReasons))]));
            }
        }

        for (var i = Count(_o.BurstsPerMachineWeek, machines.Count, weeks); i > 0; i--)
        {
            var m = Of(withFailures);
            if (Place(m.MachineId, Hour) is not { } start)
            {
                continue;
            }

            var count = _rng.Next(_o.BurstStops.Low, _o.BurstStops.High + 1);
            var slot = Hour / count;
            var stops = new List<InjectedStop>();
            for (var k = 0; k < count; k++)
            {
                // The first stop opens the hour; the others sit in their slot, leaving at least a minute of running between stops.
                var duration = TimeSpan.FromSeconds(_rng.Next(30, Math.Min(151, (int)(slot.TotalSeconds / 2))));
                var at = k == 0 ? start : Grid(start + (slot * k) + ((slot - duration - TimeSpan.FromMinutes(1)) * _rng.NextDouble()));
                stops.Add(new InjectedStop(at, duration, Of(m.FailureReasons)));
            }

            labels.Add(new InjectedAnomaly(InjectedKind.Burst, m.MachineId, start + Hour, stops));
        }

        var unusual = withFailures
            .Select(m => (Machine: m, Reasons: _plant.ReasonCodes.Where(r => r.Category is ReasonCategory.Unplanned or ReasonCategory.Quality && !m.NormalReasons.Contains(r.Code)).Select(r => r.Code).ToArray()))
            .Where(x => x.Reasons.Length > 0)
            .ToList();
        for (var i = Count(_o.UnusualReasonsPerMachineWeek, machines.Count, weeks); i > 0 && unusual.Count > 0; i--)
        {
            var (m, reasons) = unusual[_rng.Next(unusual.Count)];
            var duration = TimeSpan.FromSeconds(Math.Round(Math.Max(60, -Math.Log(1 - _rng.NextDouble()) * m.Mttr.TotalSeconds)));
            if (Place(m.MachineId, duration) is { } start)
            {
                labels.Add(new InjectedAnomaly(InjectedKind.UnusualReason, m.MachineId, start + duration, [new InjectedStop(start, duration, Of(reasons))]));
            }
        }

        return labels.OrderBy(l => l.Start).ThenBy(l => l.MachineId, StringComparer.Ordinal).ToList();
    }

    private static int Count(double perMachineWeek, int machines, double weeks) => (int)Math.Round(perMachineWeek * machines * weeks, MidpointRounding.AwayFromZero);

    /// <summary>A start on the tick grid where [start, start + length) is production time and the machine has nothing injected within an hour.</summary>
    private DateTimeOffset? Place(string machine, TimeSpan length)
    {
        var span = (_o.To - _o.From - length).TotalSeconds;
        for (var attempt = 0; attempt < 200 && span > 0; attempt++)
        {
            var start = Grid(_o.From + TimeSpan.FromSeconds(_rng.NextDouble() * span));
            if (start >= _o.From && Production(start, start + length) && Free(machine, start - Hour, start + length + Hour))
            {
                Take(machine, start, start + length);
                return start;
            }
        }

        return null;
    }

    /// <summary>The first tick at or after <paramref name="t"/>, whole seconds.</summary>
    private DateTimeOffset Grid(DateTimeOffset t)
    {
        var ticks = Math.Max(_tick.Ticks, TimeSpan.TicksPerSecond);
        var k = (long)Math.Ceiling((t - _origin).Ticks / (double)ticks);
        return _origin + TimeSpan.FromTicks(k * ticks);
    }

    /// <summary>Production the whole span (checked every minute and at the end).</summary>
    private bool Production(DateTimeOffset from, DateTimeOffset to)
    {
        for (var t = from; t < to; t += TimeSpan.FromMinutes(1))
        {
            if (_plant.Calendar.StatusAt(t) != PlannedStatus.Production)
            {
                return false;
            }
        }

        return _plant.Calendar.StatusAt(to) == PlannedStatus.Production;
    }

    private bool Free(string machine, DateTimeOffset from, DateTimeOffset to) =>
        !_taken.TryGetValue(machine, out var spans) || spans.All(s => s.To <= from || s.From >= to);

    private void Take(string machine, DateTimeOffset from, DateTimeOffset to)
    {
        if (!_taken.TryGetValue(machine, out var spans))
        {
            _taken[machine] = spans = [];
        }

        spans.Add((from, to));
    }

    private T Of<T>(IReadOnlyList<T> items) => items[_rng.Next(items.Count)];

    private List<T> Pick<T>(List<T> items, int n) => items.OrderBy(_ => _rng.Next()).Take(n).ToList();
}
