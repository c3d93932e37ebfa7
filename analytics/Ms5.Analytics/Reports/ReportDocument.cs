using Ms5.Analytics.Events;
using Ms5.Analytics.Oee;

namespace Ms5.Analytics.Reports;

/// <summary>What a report covers in time: one shift occurrence, a plant-local day, a Monday-to-Monday week, or any range.</summary>
public enum ReportKind
{
    Shift,
    Day,
    Week,
    Range,
}

/// <summary>
/// Everything a shift (or day, week, range) report shows, every number already computed: the PDF and CSV
/// renderers only lay it out. Built by <see cref="ReportBuilder"/> from the same minute buckets and stop
/// intervals as <c>GET /api/oee</c> and <c>GET /api/downtime</c>, so the numbers are the same.
/// Times are UTC instants; <see cref="ReportHeader.TimeZone"/> converts them for display.
/// </summary>
public sealed record ReportDocument(
    ReportHeader Header,
    ReportTiles Tiles,
    IReadOnlyList<MachineRow> Machines,
    SixBigLosses Losses,
    IReadOnlyList<ParetoRow> Pareto,
    IReadOnlyList<HourRow> Hourly,
    IReadOnlyList<MachineTimeline> Timelines,
    IReadOnlyList<StopRow> LongestStops,
    IReadOnlyList<MicroStopRow> MicroStops,
    IReadOnlyList<StopRow> Changeovers,
    IReadOnlyList<ProductRow> Products,
    IReadOnlyList<AndonRow> Andons,
    IReadOnlyList<StopRow> Stops)
{
    /// <summary>The shift's flagged downtime anomalies; null where the report has no such section (day, week, range).</summary>
    public UnusualStops? UnusualStops { get; init; }

    /// <summary>Who was assigned to run each machine in the shift; null where the report has no such section (day, week, range).</summary>
    public IReadOnlyList<OperatorRow>? Operators { get; init; }

    /// <summary>The orders that ran during the shift, by actual start; null where the report has no such section (day, week, range).</summary>
    public IReadOnlyList<ShiftOrderRow>? Orders { get; init; }
}

/// <summary>
/// The report's identity and provenance. <see cref="LineId"/> null: a plant report. <see cref="ShiftName"/> and
/// <see cref="Day"/> are set for shift reports (Day = the shift's local start day) and Day for day/week reports.
/// <see cref="Completeness"/> is the share of the range the engine had computed for every machine (0..1);
/// <see cref="Changes"/> says what a revision changed against the previous one (empty for revision 1).
/// </summary>
public sealed record ReportHeader(
    ReportKind Kind,
    string PlantId,
    string PlantName,
    string? LineId,
    string? LineName,
    string? ShiftName,
    DateOnly? Day,
    DateTimeOffset From,
    DateTimeOffset To,
    TimeZoneInfo TimeZone,
    DateTimeOffset GeneratedAt,
    int Revision,
    double Completeness,
    IReadOnlyList<string> Changes)
{
    /// <summary>"line-1" or the plant id: what the report is about, for titles and file names.</summary>
    public string ScopeId => LineId ?? PlantId;

    public string ScopeName => LineName ?? PlantName;

    /// <summary>An instant on the plant's wall clock.</summary>
    public DateTimeOffset Local(DateTimeOffset utc) => TimeZoneInfo.ConvertTime(utc, TimeZone);
}

/// <summary>The KPIs of one span: the summed components and the ratios from them.</summary>
public sealed record KpiSet(DateTimeOffset From, DateTimeOffset To, OeeComponents Components, OeeKpis Kpis)
{
    public static KpiSet Of(DateTimeOffset from, DateTimeOffset to, OeeComponents c) => new(from, to, c, OeeKpis.From(c));
}

/// <summary>The KPI tiles: this report's span, the span before it (previous shift, day, week) and the same span a week earlier; null when that span had no planned time or is not known.</summary>
public sealed record ReportTiles(KpiSet Current, KpiSet? Previous, KpiSet? WeekAgo);

/// <summary>
/// One machine's figures. <see cref="StopCount"/> is the number of unplanned stops (failures) that began in the span,
/// the basis of MTBF (run seconds / stops) and MTTR (unplanned stop seconds / stops), as in <c>GET /api/oee</c>.
/// </summary>
public sealed record MachineRow(string MachineId, string MachineName, string LineId, OeeComponents Components, OeeKpis Kpis)
{
    public long StopCount => Components.FailureCount;
}

/// <summary>A reason's share of the stops: count and seconds inside the span (as <c>GET /api/downtime</c>'s pareto).</summary>
public sealed record ParetoRow(string Reason, string Category, int Count, double Seconds, double Share);

/// <summary>One hour of the span (the last may be shorter) with its KPIs.</summary>
public sealed record HourRow(DateTimeOffset From, DateTimeOffset To, OeeComponents Components, OeeKpis Kpis);

/// <summary>A machine's reported states across the span, clipped to it, in time order; gaps are times with no state known.</summary>
public sealed record MachineTimeline(string MachineId, string MachineName, IReadOnlyList<TimelineSegment> Segments);

public sealed record TimelineSegment(DateTimeOffset From, DateTimeOffset To, MachineState State);

/// <summary>
/// A stop (down, idle, offline or setup; planned stops left out), its loss category name as in <c>GET /api/downtime</c>
/// (unplanned, micro_stop, setup), its whole bounds (End null while it lasts) and its seconds inside the span.
/// </summary>
public sealed record StopRow(string MachineId, string MachineName, MachineState State, string? Reason, string Category, DateTimeOffset Start, DateTimeOffset? End, double Seconds)
{
    /// <summary>The reason, or the state when the machine gave none.</summary>
    public string ReasonOrState => Reason ?? ContractNames.Of(State);
}

public sealed record MicroStopRow(string MachineId, string MachineName, int Count, double Seconds);

/// <summary>Parts made per product in the span (counts before the first product-naming state event are under null).</summary>
public sealed record ProductRow(string? Product, long Good, long Reject);

/// <summary>An Andon raised in the span; times to acknowledge and resolve are null while it has not been.</summary>
public sealed record AndonRow(string RuleId, string MachineId, string Severity, string Summary, DateTimeOffset RaisedAt, TimeSpan? TimeToAcknowledge, TimeSpan? TimeToResolve, int Level);
