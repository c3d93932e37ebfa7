namespace Ms5.Analytics.Oee;

/// <summary>
/// The additive components OEE is built from, for one machine and one span of time (a minute bucket,
/// or any sum of them). Every KPI is a ratio of sums of these; ratios are never averaged.
/// Time is in seconds; <see cref="IdealSeconds"/> = ideal cycle time × produced quantity.
/// </summary>
public readonly record struct OeeComponents
{
    /// <summary>Calendar time covered (TEEP's denominator).</summary>
    public double CalendarSeconds { get; init; }

    /// <summary>Planned busy time (PBT, ISO 22400): calendar time minus planned stops.</summary>
    public double PlannedSeconds { get; init; }

    /// <summary>Actual production time (APT): planned time the machine ran (micro-stops included: they are a speed loss).</summary>
    public double RunSeconds { get; init; }

    /// <summary>Unplanned stops (breakdowns, waiting, offline) inside planned time.</summary>
    public double UnplannedStopSeconds { get; init; }

    /// <summary>Setup and changeover inside planned time.</summary>
    public double SetupSeconds { get; init; }

    /// <summary>Short stops (below the plant's micro-stop threshold), counted inside <see cref="RunSeconds"/>.</summary>
    public double MicroStopSeconds { get; init; }

    /// <summary>Planned stops (breaks, no shift, planned maintenance).</summary>
    public double PlannedStopSeconds { get; init; }

    public long GoodCount { get; init; }
    public long RejectCount { get; init; }

    /// <summary>Rejects made during a start-up period the plant marks (a separate quality loss).</summary>
    public long StartupRejectCount { get; init; }

    public double IdealSeconds { get; init; }

    /// <summary>Unplanned stops (not micro-stops) that began in this span: the basis of MTBF and MTTR.</summary>
    public long FailureCount { get; init; }

    public long ProducedCount => GoodCount + RejectCount;

    public static OeeComponents operator +(OeeComponents a, OeeComponents b) => new()
    {
        CalendarSeconds = a.CalendarSeconds + b.CalendarSeconds,
        PlannedSeconds = a.PlannedSeconds + b.PlannedSeconds,
        RunSeconds = a.RunSeconds + b.RunSeconds,
        UnplannedStopSeconds = a.UnplannedStopSeconds + b.UnplannedStopSeconds,
        SetupSeconds = a.SetupSeconds + b.SetupSeconds,
        MicroStopSeconds = a.MicroStopSeconds + b.MicroStopSeconds,
        PlannedStopSeconds = a.PlannedStopSeconds + b.PlannedStopSeconds,
        GoodCount = a.GoodCount + b.GoodCount,
        RejectCount = a.RejectCount + b.RejectCount,
        StartupRejectCount = a.StartupRejectCount + b.StartupRejectCount,
        IdealSeconds = a.IdealSeconds + b.IdealSeconds,
        FailureCount = a.FailureCount + b.FailureCount,
    };

    public static OeeComponents Sum(IEnumerable<OeeComponents> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var total = default(OeeComponents);
        foreach (var p in parts)
        {
            total += p;
        }

        return total;
    }
}
