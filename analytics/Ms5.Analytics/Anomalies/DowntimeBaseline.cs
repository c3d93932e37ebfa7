using System.Text.Json;
using System.Text.Json.Serialization;
using Ms5.Analytics.Plant;

namespace Ms5.Analytics.Anomalies;

/// <summary>
/// What is normal for a plant's stops, learnt from a training window [From, To): how long stops last per context
/// (<see cref="Durations"/>), how many stops an hour of the week has per machine (<see cref="Rates"/>) and which
/// reasons each machine has had (<see cref="Machines"/>). Plain data, stored as JSON as a model version
/// (<see cref="ToJson"/>); <see cref="DowntimeScorer"/> judges stops against it.
/// </summary>
public sealed record DowntimeBaseline(
    string PlantId,
    DateTimeOffset From,
    DateTimeOffset To,
    BaselineOptions Options,
    IReadOnlyList<DurationContext> Durations,
    IReadOnlyList<HourOfWeekRate> Rates,
    IReadOnlyList<MachineReasons> Machines,
    IReadOnlyList<TailShape> Shapes,
    string TimeZoneId = "UTC")
{
    public TimeSpan Window => To - From;

    /// <summary>The plant's time zone (<see cref="TimeZoneId"/>): hours of the week and shifts are on its clock.</summary>
    [JsonIgnore]
    public TimeZoneInfo TimeZone => TimeZoneInfo.FindSystemTimeZoneById(TimeZoneId);

    /// <summary>
    /// Fits the baseline (<paramref name="timeZone"/>: the plant's, which the features' hours are on; UTC when null). Durations come from the closed stops that started in [from, to) (an open stop's length is
    /// not known yet); rates from the machine hours that started in it; the reasons seen from every stop that started
    /// in it. Build the features as of <paramref name="to"/> so the window holds what was known then.
    /// </summary>
    public static DowntimeBaseline Fit(
        string plantId, DateTimeOffset from, DateTimeOffset to,
        IEnumerable<StopFeatures> stops, IEnumerable<MachineHourFeatures> hours, BaselineOptions? options = null, TimeZoneInfo? timeZone = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(plantId);
        ArgumentNullException.ThrowIfNull(stops);
        ArgumentNullException.ThrowIfNull(hours);
        if (to <= from)
        {
            throw new ArgumentException($"the training window [{from:O}, {to:O}) is empty", nameof(to));
        }

        options ??= BaselineOptions.Default;
        options.Validate();
        var inWindow = stops.Where(s => s.Start >= from && s.Start < to).ToList();
        var hoursIn = hours.Where(h => h.Start >= from && h.Start < to).ToList();
        var (durations, shapes) = BaselineFit.Durations(inWindow.Where(s => s.End is { } e && e <= to).ToList(), options);
        return new DowntimeBaseline(
            plantId, from, to, options, durations,
            BaselineFit.Rates(hoursIn, options),
            BaselineFit.Reasons(inWindow, hoursIn),
            shapes,
            (timeZone ?? TimeZoneInfo.Utc).Id);
    }

    public string ToJson() => JsonSerializer.Serialize(this, AnomalyJson.Default.DowntimeBaseline);

    /// <summary>Reads a stored baseline; throws <see cref="JsonException"/> when a required field is missing.</summary>
    public static DowntimeBaseline FromJson(string json) =>
        JsonSerializer.Deserialize(json, AnomalyJson.Default.DowntimeBaseline) ?? throw new JsonException("a baseline cannot be null");
}

/// <summary>Which stops a duration context pools, narrowest first: the fallback order when a context has too few stops.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ContextLevel>))]
public enum ContextLevel
{
    /// <summary>One machine, one reason.</summary>
    MachineReason,

    /// <summary>
    /// One machine, the reason's category (its jams, tool breaks and electrical faults are all unplanned). The machine's
    /// own stops narrowed to the category rather than all of them: those mix 30-second micro-stops with breakdowns and
    /// changeovers, a mixture whose median and MAD describe neither.
    /// </summary>
    MachineCategory,

    /// <summary>Every machine of the plant, the reason's category.</summary>
    PlantCategory,
}

/// <summary>
/// How long stops of one context last: <see cref="Count"/> closed stops; median, MAD and upper-half MAD of
/// ln(seconds); <see cref="Spread"/> = max(1.4826 · MAD used, <see cref="BaselineOptions.MinLogSpread"/>);
/// <see cref="LowSeconds"/> and <see cref="HighSeconds"/> the empirical 2.5 % and 97.5 % quantiles of the seconds
/// (type 7), the "normally" range of explanations; <see cref="ThresholdSeconds"/> = median seconds ×
/// (ln(1/α) / ln 2)^(1/<see cref="Shape"/>) (α = <see cref="BaselineOptions.TailProbability"/>, the shape its
/// category's <see cref="TailShape"/>), at least e^(3 · MinLogSpread) × the median, beyond which a stop is long. <see cref="MachineId"/> is null for a plant context, <see cref="Reason"/> null unless the
/// level is <see cref="ContextLevel.MachineReason"/>.
/// </summary>
public sealed record DurationContext(
    ContextLevel Level,
    string? MachineId,
    string? Reason,
    ReasonCategory Category,
    int Count,
    double MedianLog,
    double MadLog,
    double UpperMadLog,
    double Spread,
    double LowSeconds,
    double HighSeconds,
    double ThresholdSeconds,
    double Shape);

/// <summary>
/// How heavy the tail of a category's stop lengths is (<see cref="Category"/> null: all stops), measured on
/// <see cref="Count"/> closed stops as ln(seconds) over their context's median: <see cref="LogSpread"/> = its 95 %
/// point minus its median, <see cref="Shape"/> = ln(ln 20 / ln 2) / LogSpread, the shape of the Weibull through
/// those two points (1: exponential; below 1: heavier tail; clamped to [<see cref="MinShape"/>, <see cref="MaxShape"/>]).
/// </summary>
public sealed record TailShape(ReasonCategory? Category, int Count, double LogSpread, double Shape)
{
    public const double MinShape = 0.3;
    public const double MaxShape = 10;

    /// <summary>The shape of <paramref name="category"/>, else of all stops, else 1 (exponential).</summary>
    public static double For(IReadOnlyList<TailShape> shapes, ReasonCategory category) =>
        (shapes.FirstOrDefault(s => s.Category == category) ?? shapes.FirstOrDefault(s => s.Category is null))?.Shape ?? 1;
}

/// <summary>
/// Stops per hour of one machine in one hour of the week (0 = Monday 00:00): <see cref="Hours"/> observed and their
/// <see cref="Stops"/>, <see cref="Mean"/> = Stops / Hours, <see cref="Rate"/> the expected stops an hour after
/// shrinking toward the machine's rate at that hour of day; <see cref="UsualLow"/>–<see cref="UsualHigh"/> the
/// Poisson 2.5 %–97.5 % range of that rate; more than <see cref="Bound"/> stops in an hour is a burst. One rate per
/// group (<see cref="StopFeatures.MicroGroup"/>): the machine's other stops always, its micro-stops when it had any.
/// </summary>
public sealed record HourOfWeekRate(string MachineId, int HourOfWeek, int Hours, int Stops, double Mean, double Rate, int UsualLow, int UsualHigh, int Bound, bool MicroGroup = false);

/// <summary>A machine's stops in the window and how often each reason occurred (the reason as in <see cref="StopFeatures.Reason"/>).</summary>
public sealed record MachineReasons(string MachineId, int Stops, IReadOnlyList<ReasonCount> Reasons);

public sealed record ReasonCount(string Reason, int Count);

/// <summary>Source-generated JSON of the stored baseline: camelCase, enums as names, strict about required fields.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(DowntimeBaseline))]
internal sealed partial class AnomalyJson : JsonSerializerContext;
