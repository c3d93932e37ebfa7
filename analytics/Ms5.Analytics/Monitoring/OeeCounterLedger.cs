using Ms5.Analytics.Oee;

namespace Ms5.Analytics.Monitoring;

/// <summary>
/// Turns the minute buckets an engine computes (the current minute again and again as it grows, a minute again when
/// a late event revises it) into increments of monotonic counters, so Prometheus can compute OEE over any window as
/// a ratio of increases. Per machine it remembers what it counted for each recent minute and the exact running total;
/// a counter is raised to that total whenever the total passes it, so a revision that lowers a component (a late
/// stop lowers run time) is held back until the component has grown past it again — a counter never goes down.
/// Minutes before <see cref="Start"/> (computed before this process ran) and older than <see cref="Horizon"/> are
/// not counted, and a machine's first observation is only its baseline (what was computed before its counters existed:
/// Prometheus would not see it as an increase either); from then on every change counts. No I/O; one instance per
/// process, not thread-safe.
/// </summary>
public sealed class OeeCounterLedger(DateTimeOffset start, TimeSpan horizon)
{
    /// <summary>Revisions of minutes older than this are not counted (the API stays the exact record).</summary>
    public static readonly TimeSpan DefaultHorizon = TimeSpan.FromHours(3);

    private readonly Dictionary<string, MachineLedger> _machines = new(StringComparer.Ordinal);

    public DateTimeOffset Start { get; } = start;

    public TimeSpan Horizon { get; } = horizon;

    /// <summary>Takes a machine's computed buckets and returns how much each counter goes up (every field ≥ 0).</summary>
    public OeeCounterIncrements Observe(string machine, IEnumerable<KeyValuePair<DateTimeOffset, OeeComponents>> buckets, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(buckets);
        var first = false;
        if (!_machines.TryGetValue(machine, out var ledger))
        {
            _machines[machine] = ledger = new MachineLedger();
            first = true;
        }

        var oldest = now - Horizon;
        foreach (var (minute, value) in buckets)
        {
            if (minute < Start || minute < oldest)
            {
                continue;
            }

            var counted = OeeCounterIncrements.Of(value);
            if (!first)
            {
                ledger.Total += counted - ledger.Counted.GetValueOrDefault(minute);
            }

            ledger.Counted[minute] = counted;
        }

        foreach (var old in ledger.Counted.Keys.Where(m => m < oldest).ToList())
        {
            ledger.Counted.Remove(old);
        }

        var raise = OeeCounterIncrements.PositivePart(ledger.Total - ledger.Exported);
        ledger.Exported += raise;
        return raise;
    }

    /// <summary>Machines with a ledger (tests, diagnostics).</summary>
    public int MachineCount => _machines.Count;

    private sealed class MachineLedger
    {
        public Dictionary<DateTimeOffset, OeeCounterIncrements> Counted { get; } = [];
        public OeeCounterIncrements Total { get; set; }
        public OeeCounterIncrements Exported { get; set; }
    }
}

/// <summary>The counted components: seconds and parts; <see cref="IsZero"/> when nothing changes.</summary>
public readonly record struct OeeCounterIncrements(
    double PlannedSeconds,
    double RunSeconds,
    double IdealSeconds,
    double GoodParts,
    double RejectParts,
    double UnplannedStopSeconds,
    double SetupSeconds,
    double MicroStopSeconds,
    double PlannedStopSeconds)
{
    public bool IsZero => this == default;

    public static OeeCounterIncrements Of(OeeComponents c) => new(
        c.PlannedSeconds, c.RunSeconds, c.IdealSeconds, c.GoodCount, c.RejectCount,
        c.UnplannedStopSeconds, c.SetupSeconds, c.MicroStopSeconds, c.PlannedStopSeconds);

    public static OeeCounterIncrements operator +(OeeCounterIncrements a, OeeCounterIncrements b) => new(
        a.PlannedSeconds + b.PlannedSeconds, a.RunSeconds + b.RunSeconds, a.IdealSeconds + b.IdealSeconds,
        a.GoodParts + b.GoodParts, a.RejectParts + b.RejectParts, a.UnplannedStopSeconds + b.UnplannedStopSeconds,
        a.SetupSeconds + b.SetupSeconds, a.MicroStopSeconds + b.MicroStopSeconds, a.PlannedStopSeconds + b.PlannedStopSeconds);

    public static OeeCounterIncrements operator -(OeeCounterIncrements a, OeeCounterIncrements b) => new(
        a.PlannedSeconds - b.PlannedSeconds, a.RunSeconds - b.RunSeconds, a.IdealSeconds - b.IdealSeconds,
        a.GoodParts - b.GoodParts, a.RejectParts - b.RejectParts, a.UnplannedStopSeconds - b.UnplannedStopSeconds,
        a.SetupSeconds - b.SetupSeconds, a.MicroStopSeconds - b.MicroStopSeconds, a.PlannedStopSeconds - b.PlannedStopSeconds);

    /// <summary>Each field, or 0 where it is negative (tiny float residues below 1e-9 count as 0 too).</summary>
    public static OeeCounterIncrements PositivePart(OeeCounterIncrements d) => new(
        P(d.PlannedSeconds), P(d.RunSeconds), P(d.IdealSeconds), P(d.GoodParts), P(d.RejectParts),
        P(d.UnplannedStopSeconds), P(d.SetupSeconds), P(d.MicroStopSeconds), P(d.PlannedStopSeconds));

    private static double P(double x) => x > 1e-9 ? x : 0;
}
