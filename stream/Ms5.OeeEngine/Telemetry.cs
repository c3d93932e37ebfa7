using System.Globalization;
using Ms5.Analytics.Monitoring;
using Ms5.Analytics.Oee;
using Ms5.Analytics.Plant;
using Ms5.Kafka;
using Ms5.Postgres;
using Npgsql;
using Prometheus;

namespace Ms5.OeeEngine;

/// <summary>
/// Every metric of the OEE engine host that Prometheus rules and Grafana dashboards use (docs/metrics.md):
/// the additive OEE counters per machine (Prometheus computes OEE over any window as a ratio of their
/// increases), the live 15-minute KPIs, the floor's state (machine state, newest event, unacknowledged
/// downs, open Andons) and the pipeline's progress. Labels: plant, line, machine and small enums only.
/// </summary>
internal static class Telemetry
{
    public const string PlannedSeconds = "ms5_oee_planned_seconds_total";
    public const string RunSeconds = "ms5_oee_run_seconds_total";
    public const string IdealSeconds = "ms5_oee_ideal_seconds_total";
    public const string Parts = "ms5_parts_total";
    public const string StopSeconds = "ms5_stop_seconds_total";
    public const string MachineLive = "ms5_oee_live_15m_ratio";
    public const string LineLive = "ms5_oee_line_live_15m_ratio";
    public const string LineTarget = "ms5_oee_line_target_ratio";
    public const string MachineState = "ms5_machine_state";
    public const string LastEvent = "ms5_machine_last_event_timestamp_seconds";
    public const string DownUnacknowledged = "ms5_machine_down_unacknowledged";
    public const string AndonOpen = "ms5_andon_open";
    public const string AndonTransitions = "ms5_andon_transitions_total";
    public const string AlertmanagerFailures = "ms5_andon_alertmanager_failures_total";
    public const string AlertmanagerSyncsDeferred = "ms5_andon_alert_syncs_deferred_total";
    public const string LastTick = "ms5_oee_last_tick_timestamp_seconds";
    public const string Events = "ms5_oee_events_total";
    public const string BatchPhases = "ms5_oee_batch_phase_seconds";
    public const string BatchLanes = "ms5_oee_batches_total";
    public const string AnomalyFlags = "ms5_anomaly_flags_published_total";
    public const string OrderMessages = "ms5_orders_messages_published_total";
    public const string OrderPublishFailures = "ms5_orders_publish_failures_total";
    public const string OrderPublisherLeader = "ms5_orders_publisher_leader";
    public const string OrderAutoTransitions = "ms5_orders_auto_transitions_total";

    /// <summary>Pipeline metrics of the shared Kafka consumer and producers (this host's consumer group ms5.oee-engine).</summary>
    public static IReadOnlyList<string> Pipeline { get; } = [PipelineMetrics.ConsumerLag, PipelineMetrics.SinkMessages, PipelineMetrics.SinkWriteFailures, PipelineMetrics.SinkBatchSeconds, PipelineMetrics.SinkPrepareSeconds, PipelineMetrics.ProduceErrors];

    private static readonly string[] MachineLabels = ["plant", "line", "machine"];
    private static readonly Counter Planned = Metrics.CreateCounter(PlannedSeconds, "Planned busy time (ISO 22400 PBT) of the machine, seconds.", MachineLabels);
    private static readonly Counter Run = Metrics.CreateCounter(RunSeconds, "Run time (APT, micro-stops included) of the machine, seconds.", MachineLabels);
    private static readonly Counter Ideal = Metrics.CreateCounter(IdealSeconds, "Ideal cycle time × produced parts of the machine, seconds.", MachineLabels);
    private static readonly Counter PartsMade = Metrics.CreateCounter(Parts, "Parts made by the machine, by kind (good, reject).", [.. MachineLabels, "kind"]);
    private static readonly Counter Stops = Metrics.CreateCounter(StopSeconds, "Stop time of the machine by loss category (unplanned, setup, micro_stop, planned_stop), seconds.", [.. MachineLabels, "category"]);
    private static readonly Gauge MachineKpi = Metrics.CreateGauge(MachineLive, "Live rolling 15-minute KPI of a machine (oee, availability, performance, quality); absent while undefined.", [.. MachineLabels, "kpi"]);
    private static readonly Gauge LineKpi = Metrics.CreateGauge(LineLive, "Live rolling 15-minute KPI of a line from the line's summed components; absent while undefined.", "plant", "line", "kpi");
    private static readonly Gauge Target = Metrics.CreateGauge(LineTarget, "The line's OEE target (plant file: line oeeTarget, else oee.target).", "plant", "line");
    private static readonly Gauge States = Metrics.CreateGauge(MachineState, "1 for the machine's current state, 0 for the others (latest state event; offline once silent past the plant's offline limit).", [.. MachineLabels, "state"]);
    private static readonly Gauge LastEventAt = Metrics.CreateGauge(LastEvent, "Unix time of the newest event the engine has stored for the machine.", MachineLabels);
    private static readonly Gauge DownUnacked = Metrics.CreateGauge(DownUnacknowledged, "1 while the machine is down and no open Andon on it is acknowledged.", MachineLabels);
    private static readonly Gauge Andons = Metrics.CreateGauge(AndonOpen, "Open Andons by line, severity and level.", "plant", "line", "severity", "level");
    private static readonly Gauge Tick = Metrics.CreateGauge(LastTick, "Unix time of the engine's last successful tick.");

    private static readonly string[] StateNames = ["running", "idle", "down", "setup", "planned_stop", "offline"];
    private static readonly Lock CountersLock = new();
    private static readonly HashSet<(string, string, string, int)> SeenAndons = [];
    private static readonly HashSet<string> Created = new(StringComparer.Ordinal);
    private static OeeCounterLedger _ledger = new(DateTimeOffset.UtcNow, OeeCounterLedger.DefaultHorizon);

    /// <summary>Starts counting afresh from <paramref name="start"/> (the host's start; tests).</summary>
    public static void StartCounting(DateTimeOffset start)
    {
        lock (CountersLock)
        {
            _ledger = new OeeCounterLedger(BucketCalculator.Floor(start), OeeCounterLedger.DefaultHorizon);
        }
    }

    /// <summary>Raises the machine's OEE counters by what its newly computed buckets add.</summary>
    public static void Count(MachineOeeContext machine, IEnumerable<KeyValuePair<DateTimeOffset, OeeComponents>> buckets, DateTimeOffset now)
    {
        OeeCounterIncrements inc;
        bool created;
        lock (CountersLock)
        {
            inc = _ledger.Observe(machine.MachineId, buckets, now);
            created = Created.Add(machine.MachineId);
        }

        // A machine's series exist (at 0) from its first observation, its baseline: later growth is then an increase.
        if (inc.IsZero && !created)
        {
            return;
        }

        string[] labels = [machine.PlantId, machine.LineId, machine.MachineId];
        Planned.WithLabels(labels).Inc(inc.PlannedSeconds);
        Run.WithLabels(labels).Inc(inc.RunSeconds);
        Ideal.WithLabels(labels).Inc(inc.IdealSeconds);
        PartsMade.WithLabels([.. labels, "good"]).Inc(inc.GoodParts);
        PartsMade.WithLabels([.. labels, "reject"]).Inc(inc.RejectParts);
        Stops.WithLabels([.. labels, "unplanned"]).Inc(inc.UnplannedStopSeconds);
        Stops.WithLabels([.. labels, "setup"]).Inc(inc.SetupSeconds);
        Stops.WithLabels([.. labels, "micro_stop"]).Inc(inc.MicroStopSeconds);
        Stops.WithLabels([.. labels, "planned_stop"]).Inc(inc.PlannedStopSeconds);
    }

    /// <summary>The live 15-minute KPIs of machines and lines (and each line's target) from the rolling windows just published.</summary>
    public static void SetLive(IEnumerable<LiveScope> scopes, IReadOnlyCollection<MachineOeeContext> machines)
    {
        var byMachine = machines.ToDictionary(m => m.MachineId, StringComparer.Ordinal);
        var lines = machines.GroupBy(m => m.LineId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        foreach (var scope in scopes)
        {
            if (scope.Windows.FirstOrDefault(w => w.Window == "15m") is not { } w)
            {
                continue;
            }

            var kpis = OeeKpis.From(w.Components);
            if (scope.Scope == "machine" && byMachine.TryGetValue(scope.Id, out var m))
            {
                SetKpis(MachineKpi, [m.PlantId, m.LineId, m.MachineId], kpis);
            }
            else if (scope.Scope == "line" && lines.TryGetValue(scope.Id, out var any))
            {
                SetKpis(LineKpi, [any.PlantId, any.LineId], kpis);
                Target.WithLabels(any.PlantId, any.LineId).Set(any.OeeTarget);
            }
        }
    }

    private static void SetKpis(Gauge gauge, string[] labels, OeeKpis kpis)
    {
        foreach (var (kpi, value) in new[] { ("oee", kpis.Oee), ("availability", kpis.Availability), ("performance", kpis.Performance), ("quality", kpis.Quality) })
        {
            string[] all = [.. labels, kpi];
            if (value is { } v && double.IsFinite(v))
            {
                gauge.WithLabels(all).Set(v);
            }
            else
            {
                gauge.RemoveLabelled(all);
            }
        }
    }

    /// <summary>Machine states, newest events, unacknowledged downs and open Andons as stored now.</summary>
    public static void SetFloor(IReadOnlyList<MachineFloorStatus> machines, IReadOnlyList<OpenAndons> andons, Func<string, TimeSpan?> offlineAfter, DateTimeOffset now)
    {
        foreach (var m in machines)
        {
            string[] labels = [m.PlantId, m.LineId, m.MachineId];
            var state = m.State;
            if (m.LastEventAt is { } last)
            {
                LastEventAt.WithLabels(labels).Set(last.ToUnixTimeMilliseconds() / 1000.0);
                if (state == "running" && offlineAfter(m.MachineId) is { } limit && now - last > limit)
                {
                    state = "offline";
                }
            }

            foreach (var s in StateNames)
            {
                States.WithLabels([.. labels, s]).Set(s == state ? 1 : 0);
            }

            DownUnacked.WithLabels(labels).Set(state == "down" && !m.Acknowledged ? 1 : 0);
        }

        lock (SeenAndons)
        {
            var open = andons.Select(a => (a.PlantId, a.LineId, a.Severity, a.Level)).ToHashSet();
            foreach (var gone in SeenAndons.Where(k => !open.Contains(k)).ToList())
            {
                Andons.WithLabels(gone.Item1, gone.Item2, gone.Item3, gone.Item4.ToString(CultureInfo.InvariantCulture)).Set(0);
            }

            foreach (var a in andons)
            {
                Andons.WithLabels(a.PlantId, a.LineId, a.Severity, a.Level.ToString(CultureInfo.InvariantCulture)).Set(a.Count);
                SeenAndons.Add((a.PlantId, a.LineId, a.Severity, a.Level));
            }
        }
    }

    public static void Ticked() => Tick.SetToCurrentTimeUtc();
}

/// <summary>Every few seconds: the floor gauges of <see cref="Telemetry"/> from PostgreSQL.</summary>
internal sealed class FloorGauges(NpgsqlDataSource db, PlantDirectory plants, TimeProvider time, ILogger<FloorGauges> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                await plants.RefreshAsync(PlantDirectory.FreshEnough, stoppingToken);
                var contexts = plants.All.ToDictionary(c => c.MachineId, StringComparer.Ordinal);
                Telemetry.SetFloor(await FloorQueries.MachinesAsync(db, stoppingToken), await FloorQueries.OpenAndonsAsync(db, stoppingToken),
                    m => contexts.TryGetValue(m, out var c) ? c.Losses.Settings.OfflineAfterSilence : null, time.GetUtcNow());
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning("Could not read the floor status for the monitoring gauges: {Error}", ex.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
