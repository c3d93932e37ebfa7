namespace Ms5.Analytics.Plant;

/// <summary>A plant as configured: lines of machines, reason codes, time zone and shift calendar.</summary>
public sealed record PlantConfig(
    string PlantId,
    string Name,
    TimeZoneInfo TimeZone,
    IReadOnlyList<ReasonCode> ReasonCodes,
    ShiftCalendar Calendar,
    IReadOnlyList<Line> Lines)
{
    /// <summary>How this plant counts losses (micro-stop threshold, setup, offline silence).</summary>
    public Oee.OeeSettings Oee { get; init; } = Analytics.Oee.OeeSettings.Default;

    /// <summary>The plant's Andon rules and escalation timers.</summary>
    public Andon.AndonConfig Andon { get; init; } = Analytics.Andon.AndonConfig.Default;

    /// <summary>Whether reports are e-mailed, and the plant-level recipients (file section <c>reports</c>).</summary>
    public ReportDelivery Reports { get; init; } = ReportDelivery.None;

    public IEnumerable<Machine> Machines => Lines.SelectMany(l => l.Machines);

    public ReasonCode? FindReason(string code) => ReasonCodes.FirstOrDefault(r => r.Code == code);

    /// <summary>
    /// Who gets a report by e-mail: a line's shift report (<paramref name="lineId"/> set) goes to that line's
    /// <see cref="Line.ReportRecipients"/>; a plant report (<paramref name="lineId"/> null: day, week and plant shift
    /// reports) to <see cref="ReportDelivery.Recipients"/>. Empty while <see cref="ReportDelivery.Email"/> is off or
    /// for a line not in the plant.
    /// </summary>
    public IReadOnlyList<string> ReportRecipientsFor(string? lineId)
    {
        if (!Reports.Email)
        {
            return [];
        }

        return lineId is null ? Reports.Recipients : Lines.FirstOrDefault(l => l.Id == lineId)?.ReportRecipients ?? [];
    }
}

/// <summary>A line. <see cref="ReportRecipients"/>: who gets this line's shift reports by e-mail (when the plant's <see cref="ReportDelivery.Email"/> is on).</summary>
public sealed record Line(string Id, string Name, IReadOnlyList<Machine> Machines)
{
    public IReadOnlyList<string> ReportRecipients { get; init; } = [];

    /// <summary>The line's own OEE target (0..1); null: the plant's <see cref="Oee.OeeSettings.Target"/>.</summary>
    public double? OeeTarget { get; init; }
}

/// <summary>
/// The plant file's <c>reports</c> section: <see cref="Email"/> turns e-mail delivery of reports on;
/// <see cref="Recipients"/> get the plant reports (day, week and plant shift reports). Line shift reports go to
/// <see cref="Line.ReportRecipients"/>. Addresses are plain <c>local@domain</c>, checked by the parser.
/// </summary>
public sealed record ReportDelivery(bool Email, IReadOnlyList<string> Recipients)
{
    /// <summary>No e-mail: the default when the file has no <c>reports</c> section.</summary>
    public static ReportDelivery None { get; } = new(false, []);
}

/// <summary>
/// A machine. <see cref="IdealCycleTime"/> is the ISO 22400 ideal (fastest sustainable) time per part.
/// <see cref="ReasonCodes"/> limits the plant's list for this machine; empty means all apply.
/// <see cref="ProductCycleTimes"/> overrides the ideal cycle time for the products it names.
/// </summary>
public sealed record Machine(
    string Id,
    string Name,
    string LineId,
    TimeSpan IdealCycleTime,
    CountMode CountMode,
    IReadOnlyList<string> ReasonCodes)
{
    /// <summary>Ideal cycle time per product code, for machines that report the product they run (contract field <c>product</c>).</summary>
    public IReadOnlyDictionary<string, TimeSpan> ProductCycleTimes { get; init; } = Oee.IdealCycle.NoProducts;

    /// <summary>Ideal cycle times that applied before the current ones (plant file <c>idealCycleHistory</c>), ascending by <c>Until</c>.</summary>
    public IReadOnlyList<Oee.IdealCyclePeriod> IdealCycleHistory { get; init; } = [];

    /// <summary>
    /// False: the machine is taken out of service (plant file <c>"active": false</c>). It stays in the plant, its
    /// history stays and its events are still accepted; it leaves the live lists (board, live OEE) and accrues no
    /// silent time.
    /// </summary>
    public bool Active { get; init; } = true;

    /// <summary>The machine's ideal cycle times: by product where known, else <see cref="IdealCycleTime"/>; earlier values in the history.</summary>
    public Oee.IdealCycle IdealCycle => new(IdealCycleTime, ProductCycleTimes) { History = IdealCycleHistory };
}

/// <summary>How a machine reports parts: increments ("count" events) or cumulative PLC counters ("counter").</summary>
public enum CountMode
{
    Increment,
    Cumulative,
}

/// <summary>Which loss a reason code stands for. The mapping is plant configuration, not code.</summary>
public enum ReasonCategory
{
    Unplanned,
    MicroStop,
    Setup,
    Planned,
    Idle,
    Quality,

    /// <summary>On a <c>running</c> state event: the machine runs in a start-up period (warm-up after a changeover, maintenance or a cold start); its rejects are start-up rejects.</summary>
    Startup,
}

public sealed record ReasonCode(string Code, ReasonCategory Category, string Description);
