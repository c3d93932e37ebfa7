using Microsoft.Extensions.Logging;
using System.Diagnostics;
using System.Text.Json;
using Ms5.Analytics.Anomalies;
using Ms5.Analytics.Plant;
using Ms5.Ml.Patterns;
using Ms5.Ml.Reranking;
using Ms5.Postgres;

namespace Ms5.Ml;

/// <summary>How downtime models are trained (configuration section Ms5:Ml:Downtime).</summary>
public sealed class DowntimeTrainingOptions
{
    public const string Section = "Ms5:Ml:Downtime";

    /// <summary>The history a model learns from when the request names none.</summary>
    public int DefaultDays { get; set; } = 28;

    /// <summary>The longest history a request may ask for.</summary>
    public int MaxDays { get; set; } = 366;

    /// <summary>
    /// The share of the plant's machines that need <see cref="BaselineOptions.MinSamples"/> stops in the window for a
    /// model to be ready. Not all of them: a machine that rarely stops is normal, and its stops are judged in the
    /// plant-wide context of their category meanwhile.
    /// </summary>
    public double MinMachineShare { get; set; } = 0.5;

    /// <summary>The baseline's settings (thresholds, least stops per context).</summary>
    public BaselineOptions Baseline { get; set; } = new();

    /// <summary>The ML.NET pattern model's settings (least stops, algorithm, threshold quantile).</summary>
    public PatternOptions Pattern { get; set; } = new();

    /// <summary>The re-ranker's settings; <see cref="RerankerOptions.MinLabels"/> is the N labels it needs.</summary>
    public RerankerOptions Reranker { get; set; } = new();

    /// <summary>
    /// Without an explicit end, a plant whose newest event is older than this is trained up to that event (a replayed
    /// past period; a plant shut down), not up to now: 15 minutes, as live scoring's LiveWithin.
    /// </summary>
    public TimeSpan StaleAfter { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>The ML.NET seed: equal history and labels give the equal models and flags.</summary>
    public int Seed { get; set; } = 5;
}

/// <summary>What a training run found: per kind, and in total, how many stops of the window were flagged.</summary>
public sealed record DowntimeModelMetrics(
    int Stops,
    int ClosedStops,
    int OpenStops,
    int ExcludedConfirmed,
    int Machines,
    int MachinesWithStops,
    int MachinesCovered,
    int MinStopsPerMachine,
    int DurationContexts,
    int MachineReasonContexts,
    int MachineCategoryContexts,
    int PlantCategoryContexts,
    int HourOfWeekRates,
    int Flags,
    int LongStopFlags,
    int BurstFlags,
    int UnseenReasonFlags,
    int ShiftPileupFlags,
    int UnusualPatternFlags,
    double FlagRate,
    long TrainingMilliseconds,
    object? Pattern = null,
    object? Reranker = null);

/// <summary>The result of <see cref="DowntimeTrainer.TrainAsync"/>: the stored model row, its metrics, and the flags stored by scoring its window.</summary>
public sealed record DowntimeTrainingResult(DowntimeModelRow Model, DowntimeModelMetrics Metrics, int Flags);

/// <summary>
/// Trains a plant's downtime model on its own history and scores that history with it:
/// <list type="number">
/// <item>Reads the plant's state intervals of the window [from, to) (to = the start of the current hour on the plant's
/// clock, or of the hour of the plant's newest event when that is older than <see cref="DowntimeTrainingOptions.StaleAfter"/>;
/// from = the hour <c>days</c> earlier; a day more before it, so the first stops know their preceding hour)
/// and builds stop and machine-hour features as of now (or as of the end the request names, for a past period).</item>
/// <item>Leaves out the stops with a flag users confirmed, then fits a <see cref="DowntimeBaseline"/>, then the ML.NET
/// pattern model on the closed stops the baseline does not flag, then, with enough labels, the re-ranker.</item>
/// <item>Checks the history: at least <see cref="DowntimeTrainingOptions.MinMachineShare"/> of the machines need
/// <see cref="BaselineOptions.MinSamples"/> stops; otherwise the run is stored with status insufficient_history and
/// a detail saying so, and nothing is scored.</item>
/// <item>Stores the version (baseline, options, feature list, metrics), then scores every stop that started in the
/// window up to now (closed ones, open ones as of now) for long stops, bursts and unseen reasons, and upserts the
/// flags, so GET /api/downtime/anomalies answers right after training. Flag ids are deterministic
/// (<see cref="AnomalyId"/>): training again updates the same rows.</item>
/// </list>
/// Unseen reasons in the training window itself are judged leave-one-out: a reason a machine had exactly once in the
/// window (that stop) counts as unseen for that stop, otherwise every reason of the window would be "seen".
/// </summary>
public sealed class DowntimeTrainer(PlantStore plants, AnomalyStore store, DowntimeTrainingOptions options, TimeProvider time, ILogger<DowntimeTrainer> logger)
{
    /// <summary>The features the model is built from (StopFeatures and MachineHourFeatures names), stored with each version.</summary>
    public static readonly IReadOnlyList<string> Features =
    [
        "machineId", "lineId", "reason", "category", "loss", "logSeconds", "hourOfDay", "dayOfWeek", "hourOfWeek", "shift",
        "product", "runSecondsBefore", "stopsInPrecedingHour", "stopsInShiftBefore", "rejectRateBefore",
        "hour.stops", "hour.downtimeSeconds", "hour.microStops",
    ];

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public DowntimeTrainingOptions Options => options;

    /// <summary>The plant's configuration, or null when it is not loaded.</summary>
    public async Task<PlantConfig?> PlantAsync(string plantId, CancellationToken ct = default) =>
        await plants.ConfigAsync(plantId, ct) is { } json ? PlantConfigParser.Parse(json) : null;

    /// <summary>
    /// Trains on the <paramref name="days"/> days of <paramref name="plant"/>'s history before now, or before
    /// <paramref name="until"/> when given (not later than now: a replayed or past period); see the class comment.
    /// </summary>
    public async Task<DowntimeTrainingResult> TrainAsync(PlantConfig plant, int days, DateTimeOffset? until = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(plant);
        var clock = Stopwatch.StartNew();
        // Microseconds, as PostgreSQL keeps it: the answer's trainedAt is the stored one.
        var now = time.GetUtcNow();
        now = now.AddTicks(-(now.UtcTicks % 10));
        var asOf = until is { } u && u < now ? u : now;
        if (until is null && await store.LatestEventAsync(plant.PlantId, ct) is { } last && last < now - options.StaleAfter)
        {
            // A plant whose history stopped (a replayed or imported past period, a plant shut down): learn the window
            // up to its newest event, as if trained then, and judge a stop still open at the end of that history as of
            // it, not as lasting until now; the same rule as live scoring (LiveScoringWindow).
            asOf = last.AddTicks(-(last.UtcTicks % 10));
        }

        var tz = plant.TimeZone;
        var to = HourStart(asOf, tz);
        var from = HourStart(to - TimeSpan.FromDays(days), tz);
        var baselineOptions = options.Baseline;
        var extractor = new StopFeatureExtractor(plant);
        var histories = await store.HistoryAsync(plant.PlantId, from - TimeSpan.FromDays(1), asOf, ct);
        var confirmed = await store.ConfirmedStopsAsync(plant.PlantId, from, asOf, ct);

        var allStops = new List<StopFeatures>();
        var hours = new List<MachineHourFeatures>();
        foreach (var history in histories)
        {
            allStops.AddRange(extractor.Stops(history, asOf));
            hours.AddRange(extractor.Hours(history, from, to));
        }

        var inWindow = allStops.Where(s => s.Start >= from && s.Start < to).ToList();
        var training = inWindow.Where(s => !confirmed.Contains((s.MachineId, s.Start))).ToList();
        var machines = plant.Machines.Select(m => m.Id).ToList();
        var perMachine = training.Where(s => s.End is { } e && e <= to).GroupBy(s => s.MachineId).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var covered = machines.Count(m => perMachine.GetValueOrDefault(m) >= baselineOptions.MinSamples);
        var needed = (int)Math.Ceiling(options.MinMachineShare * machines.Count);

        var optionsJson = JsonSerializer.Serialize(new { baseline = baselineOptions, options.MinMachineShare, days }, Json);
        var featuresJson = JsonSerializer.Serialize(Features, Json);
        if (machines.Count == 0 || covered < Math.Max(1, needed))
        {
            var detail = $"needs at least {baselineOptions.MinSamples} stops per machine in the {days}-day window on at least "
                + $"{needed} of the plant's {machines.Count} machines; {covered} of {machines.Count} machines have enough";
            var metrics0 = Metrics(inWindow, training, machines, perMachine, covered, baselineOptions, null, [], clock);
            var row0 = new DowntimeModelRow(plant.PlantId, 0, now, from, to, DowntimeModelStatus.InsufficientHistory, detail,
                featuresJson, optionsJson, JsonSerializer.Serialize(metrics0, Json), null);
            var v0 = await store.SaveModelAsync(row0, ct);
            logger.LogInformation("Downtime model of {Plant} not trained: {Detail}", plant.PlantId, detail);
            return new DowntimeTrainingResult(row0 with { Version = v0 }, metrics0, 0);
        }

        var baseline = DowntimeBaseline.Fit(plant.PlantId, from, to, training, hours, baselineOptions, plant.TimeZone);
        var closedTraining = training.Where(s => s.End is { } e && e <= to).ToList();
        // The pattern model learns the usual combinations from the stops the baseline finds normal: the already-flagged
        // ones (long, burst, pile-up, unseen reason) are left out, as are confirmed ones.
        var flaggedByRules = Score(baseline, allStops, from, to).Where(f => f.Flagged).Select(f => (f.MachineId, f.StopStart)).ToHashSet();
        var pattern = DowntimePatternModel.Train(plant.PlantId, closedTraining.Where(s => !flaggedByRules.Contains((s.MachineId, s.Start))).ToList(), options.Pattern, options.Seed);
        var (reranker, rerankerStatus) = await TrainRerankerAsync(plant.PlantId, baseline, pattern, allStops, from, asOf, ct);
        var provisional = new DowntimeModelRow(plant.PlantId, 0, now, from, to, DowntimeModelStatus.Ready, null, featuresJson, optionsJson, "{}", baseline.ToJson(), pattern?.Save(), reranker?.Save());
        var flags = DowntimeModel.Create(provisional, baseline, pattern, reranker).Score(allStops, from, asOf);
        var patternInfo = pattern is null ? (object)new { status = options.Pattern.WhyNot(closedTraining.Count) ?? "not trained" } : pattern.Metrics;
        var metrics = Metrics(inWindow, training, machines, perMachine, covered, baselineOptions, baseline, flags.Where(f => f.StopStart < to).ToList(), clock) with
        {
            Pattern = patternInfo,
            Reranker = reranker is null ? new { status = rerankerStatus } : reranker.Metrics,
        };
        var row = provisional with
        {
            StatusDetail = $"{covered} of {machines.Count} machines have at least {baselineOptions.MinSamples} stops",
            MetricsJson = JsonSerializer.Serialize(metrics, Json),
        };
        var version = await store.SaveModelAsync(row, ct);
        await store.UpsertAsync(plant.PlantId, version, flags, ct);
        await store.UnflagOthersAsync(plant.PlantId, version, from, asOf, flags.Select(f => f.Id), ct);
        logger.LogInformation("Downtime model {Version} of {Plant} trained on {Stops} stops in {Ms} ms; {Flags} flags; pattern model {Pattern}; re-ranker {Reranker}",
            version, plant.PlantId, training.Count, clock.ElapsedMilliseconds, flags.Count(f => f.Flagged), pattern is null ? "none" : "trained", reranker is null ? rerankerStatus : "trained");
        return new DowntimeTrainingResult(row with { Version = version }, metrics, flags.Count(f => f.Flagged));
    }

    /// <summary>
    /// The re-ranker from the plant's labelled flags in the window, each paired with its stop's features and the
    /// flag as this model scores it; null with the reason when there are too few labels.
    /// </summary>
    private async Task<(DowntimeReranker? Model, string Status)> TrainRerankerAsync(
        string plantId, DowntimeBaseline baseline, DowntimePatternModel? pattern, List<StopFeatures> stops, DateTimeOffset from, DateTimeOffset asOf, CancellationToken ct)
    {
        var labels = await store.LabelsAsync(plantId, from, asOf, ct);
        if (labels.Count == 0)
        {
            return (null, options.Reranker.WhyNot(0, 0) ?? "no labels");
        }

        var byStop = stops.GroupBy(s => (s.MachineId, s.Start)).ToDictionary(g => g.Key, g => g.First());
        var scored = DowntimeModel.Create(
                new DowntimeModelRow(plantId, 0, asOf, from, asOf, DowntimeModelStatus.Ready, null, "[]", "{}", "{}", null), baseline, pattern, null)
            .Score(stops, from, asOf)
            .GroupBy(f => (f.MachineId, f.StopStart, f.Kind)).ToDictionary(g => g.Key, g => g.First());
        var labelled = labels
            .Where(l => byStop.ContainsKey((l.MachineId, l.Start)) && scored.ContainsKey((l.MachineId, l.Start, l.Kind)))
            .Select(l => new LabelledFlag(byStop[(l.MachineId, l.Start)], scored[(l.MachineId, l.Start, l.Kind)], l.Confirmed))
            .ToList();
        var model = DowntimeReranker.Train(labelled, options.Reranker, options.Seed, out var whyNot);
        return (model, model is null ? whyNot ?? "not trained" : "trained");
    }

    /// <summary>
    /// Scores the stops that started in [from, asOf) against <paramref name="baseline"/>: long stops (open ones by the
    /// time they have lasted at <paramref name="asOf"/>), unseen reasons (leave-one-out, see the class comment) and
    /// burst episodes. Returns every flagged score and the unflagged long-stop and reason scores too (they update flags
    /// stored before, say by an older model; the store drops the others).
    /// </summary>
    public static IReadOnlyList<AnomalyScore> Score(DowntimeBaseline baseline, IReadOnlyList<StopFeatures> stops, DateTimeOffset from, DateTimeOffset asOf)
    {
        var scorer = new DowntimeScorer(baseline);
        var leaveOneOut = new DowntimeScorer(baseline with
        {
            Machines = baseline.Machines.Select(m => m with { Reasons = m.Reasons.Where(r => r.Count > 1).ToList() }).ToList(),
        });
        var result = new List<AnomalyScore>();
        foreach (var stop in stops.Where(s => s.Start >= from && s.Start < asOf))
        {
            if (scorer.ScoreLongStop(stop, asOf) is { } l)
            {
                result.Add(l);
            }

            var reasonScorer = stop.Start < baseline.To ? leaveOneOut : scorer;
            if (reasonScorer.ScoreUnseenReason(stop) is { } u)
            {
                result.Add(u);
            }
        }

        result.AddRange(scorer.BurstEpisodes(stops.Where(s => s.Start < asOf)).Where(b => b.StopStart >= from));
        result.AddRange(scorer.ShiftPileups(stops.Where(s => s.Start < asOf)).Where(b => b.StopStart >= from));
        return result;
    }

    private static DowntimeModelMetrics Metrics(
        List<StopFeatures> inWindow, List<StopFeatures> training, List<string> machines, Dictionary<string, int> perMachine, int covered,
        BaselineOptions baselineOptions, DowntimeBaseline? baseline, IReadOnlyList<AnomalyScore> flags, Stopwatch clock)
    {
        var flagged = flags.Where(f => f.Flagged).ToList();
        var flaggedStops = flagged.Select(f => (f.MachineId, f.StopStart)).Distinct().Count();
        return new DowntimeModelMetrics(
            Stops: inWindow.Count,
            ClosedStops: inWindow.Count(s => !s.Open),
            OpenStops: inWindow.Count(s => s.Open),
            ExcludedConfirmed: inWindow.Count - training.Count,
            Machines: machines.Count,
            MachinesWithStops: perMachine.Count,
            MachinesCovered: covered,
            MinStopsPerMachine: baselineOptions.MinSamples,
            DurationContexts: baseline?.Durations.Count ?? 0,
            MachineReasonContexts: baseline?.Durations.Count(c => c.Level == ContextLevel.MachineReason) ?? 0,
            MachineCategoryContexts: baseline?.Durations.Count(c => c.Level == ContextLevel.MachineCategory) ?? 0,
            PlantCategoryContexts: baseline?.Durations.Count(c => c.Level == ContextLevel.PlantCategory) ?? 0,
            HourOfWeekRates: baseline?.Rates.Count ?? 0,
            Flags: flagged.Count,
            LongStopFlags: flagged.Count(f => f.Kind == AnomalyKind.LongStop),
            BurstFlags: flagged.Count(f => f.Kind == AnomalyKind.Burst),
            UnseenReasonFlags: flagged.Count(f => f.Kind == AnomalyKind.UnseenReason),
            ShiftPileupFlags: flagged.Count(f => f.Kind == AnomalyKind.ShiftPileup),
            UnusualPatternFlags: flagged.Count(f => f.Kind == AnomalyKind.UnusualPattern),
            FlagRate: inWindow.Count == 0 ? 0 : Math.Round((double)flaggedStops / inWindow.Count, 6),
            TrainingMilliseconds: clock.ElapsedMilliseconds);
    }

    /// <summary>The start of the plant-clock hour <paramref name="instant"/> falls in.</summary>
    internal static DateTimeOffset HourStart(DateTimeOffset instant, TimeZoneInfo tz) =>
        instant.AddTicks(-(TimeZoneInfo.ConvertTime(instant, tz).DateTime.Ticks % TimeSpan.TicksPerHour));
}
