using Ms5.Analytics.Events;
using Ms5.Analytics.Plant;

namespace Ms5.Analytics.Anomalies;

/// <summary>
/// One stop and its context, as of the instant the features were built. Times of day are the plant's wall clock.
/// A stop is what <see cref="Reports.StopAnalysis.StopCategory"/> says it is (down, idle, offline or setup, not
/// booked as planned), so flags, <c>/api/downtime</c> and the reports count the same stops.
/// </summary>
public sealed record StopFeatures
{
    public required string MachineId { get; init; }
    public required string LineId { get; init; }
    public required MachineState State { get; init; }

    /// <summary>The reason code, or the state's wire name when the machine gave none (as <c>/api/downtime</c> lists it).</summary>
    public required string Reason { get; init; }

    /// <summary>The reason code's category in the plant list; without a known code, setup for a setup state and unplanned otherwise.</summary>
    public required ReasonCategory Category { get; init; }

    /// <summary>The loss it counts as: unplanned, setup or micro_stop (<see cref="Reports.StopAnalysis.CategoryName"/>); an open stop is never a micro-stop yet.</summary>
    public required string Loss { get; init; }

    public required DateTimeOffset Start { get; init; }

    /// <summary>Null while the stop is open (as of the instant the features were built).</summary>
    public DateTimeOffset? End { get; init; }

    public bool Open => End is null;

    /// <summary>The stop's length; for an open stop the time it has lasted so far.</summary>
    public required double Seconds { get; init; }

    /// <summary>ln(max(Seconds, 1)): a stop under a second counts as one second.</summary>
    public required double LogSeconds { get; init; }

    public required int HourOfDay { get; init; }
    public required DayOfWeek DayOfWeek { get; init; }

    /// <summary>0 (Monday 00:00–01:00) to 167 (Sunday 23:00–24:00), plant wall clock.</summary>
    public required int HourOfWeek { get; init; }

    /// <summary>The shift running at the start (plant calendar), null outside shifts.</summary>
    public string? Shift { get; init; }

    /// <summary>When that shift started; null outside shifts.</summary>
    public DateTimeOffset? ShiftStart { get; init; }

    public string? Product { get; init; }

    /// <summary>Time since the machine last stopped (a stop or a planned stop) before this one; null when the history has no earlier stop.</summary>
    public double? RunSecondsBefore { get; init; }

    /// <summary>
    /// Whether the stop counts with the machine's micro-stops (its reason's category is micro_stop) rather than with its
    /// other stops: the two are counted apart (<see cref="StopsInPrecedingHour"/>, <see cref="StopsInShiftBefore"/>, the
    /// baseline's rates), so a pile-up of breakdowns is not drowned by a machine's many micro-stops, nor the reverse.
    /// </summary>
    public bool MicroGroup => Category == ReasonCategory.MicroStop;

    /// <summary>Stops of the machine in the same group (<see cref="MicroGroup"/>) that started in [Start − 1 h, Start).</summary>
    public required int StopsInPrecedingHour { get; init; }

    /// <summary>Stops of the machine in the same group that started in [shift start, Start); null outside shifts.</summary>
    public int? StopsInShiftBefore { get; init; }

    /// <summary>reject / (good + reject) counted in [Start − 1 h, Start); null when counts are unknown or none were made.</summary>
    public double? RejectRateBefore { get; init; }
}

/// <summary>
/// One machine in one hour of the plant's wall clock, [Start, Start + 1 h): stops that started in it, seconds of
/// stops inside it (open ones up to the instant the features were built), micro-stops (by length) that started in it,
/// and <see cref="MicroGroupStops"/>: the stops that started in it counted with the micro-stops
/// (<see cref="StopFeatures.MicroGroup"/>, by reason category).
/// </summary>
public sealed record MachineHourFeatures(string MachineId, DateTimeOffset Start, int HourOfWeek, int Stops, double DowntimeSeconds, int MicroStops, int MicroGroupStops = 0);
