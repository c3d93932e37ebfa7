using Ms5.Analytics.Events;
using Ms5.Analytics.Oee;
using Ms5.Analytics.Plant;
using Ms5.Analytics.Reports;

namespace Ms5.Analytics.Tests;

public sealed class ReportBuilderTests
{
    /// <summary>The early shift of Tuesday 2026-11-17: 06:00–14:00 Berlin.</summary>
    private static readonly DateTimeOffset From = Some.Utc("2026-11-17T05:00:00Z");

    private static readonly DateTimeOffset To = Some.Utc("2026-11-17T13:00:00Z");

    /// <summary>After the shift: nothing is clipped to "now".</summary>
    private static readonly DateTimeOffset Later = Some.Utc("2026-11-17T14:00:00Z");

    private static readonly LossClassifier Losses = new(new Dictionary<string, ReasonCategory>
    {
        ["jam"] = ReasonCategory.Unplanned,
        ["tool_break"] = ReasonCategory.Unplanned,
        ["changeover"] = ReasonCategory.Setup,
        ["break"] = ReasonCategory.Planned,
        ["ms"] = ReasonCategory.MicroStop,
    }, OeeSettings.Default);

    private static readonly ReportMachine P1 = new("press-01", "Presse 1", "line-1");
    private static readonly ReportMachine P2 = new("press-02", "Presse 2", "line-1");

    /// <summary>The standard worked example: 480-minute shift, 60 minutes of breaks, 47 minutes down, 1.0 s ideal, 19,271 made, 423 rejected.</summary>
    private static readonly OeeComponents WorkedExample = new()
    {
        CalendarSeconds = 480 * 60,
        PlannedSeconds = 420 * 60,
        PlannedStopSeconds = 60 * 60,
        UnplannedStopSeconds = 47 * 60,
        RunSeconds = 373 * 60,
        GoodCount = 19_271 - 423,
        RejectCount = 423,
        IdealSeconds = 19_271 * 1.0,
        FailureCount = 3,
    };

    private static DateTimeOffset T(string hhmmss) => Some.Utc($"2026-11-17T{hhmmss}Z");

    private static StateSpan S(ReportMachine m, MachineState state, string? reason, string start, string? end) =>
        new(m.MachineId, state, reason, T(start), end is null ? null : T(end));

    private static ReportHeader Header(DateTimeOffset? from = null, DateTimeOffset? to = null) =>
        new(ReportKind.Shift, "demo", "MS5 Demo Plant", "line-1", "Stamping", "early", new DateOnly(2026, 11, 17), from ?? From, to ?? To,
            Some.Berlin, Later, 1, 1.0, []);

    private static ReportInputs Inputs(
        IReadOnlyList<ReportMachine> machines,
        IReadOnlyDictionary<string, OeeComponents>? byMachine = null,
        IReadOnlyList<StateSpan>? states = null,
        DateTimeOffset? now = null,
        LossClassifier? losses = null) =>
        new(Header(), machines, byMachine ?? new Dictionary<string, OeeComponents>(), [], null, null, states ?? [], losses ?? Losses, [], [], now ?? Later);

    [Fact]
    public void Build_WorkedExample_GivesTheTextbookFigures()
    {
        var doc = ReportBuilder.Build(Inputs([P1], new Dictionary<string, OeeComponents> { [P1.MachineId] = WorkedExample }));

        var m = Assert.Single(doc.Machines);
        Assert.Equal(("press-01", "Presse 1", "line-1"), (m.MachineId, m.MachineName, m.LineId));
        Assert.Equal(WorkedExample, m.Components);
        Assert.Equal(25_200, m.Components.PlannedSeconds);
        Assert.Equal(22_380, m.Components.RunSeconds);
        Assert.Equal(22_380.0 / 25_200.0, m.Kpis.Availability);
        Assert.Equal(19_271.0 / 22_380.0, m.Kpis.Performance);
        Assert.Equal(18_848.0 / 19_271.0, m.Kpis.Quality);
        Assert.Equal(22_380.0 / 25_200.0 * (19_271.0 / 22_380.0) * (18_848.0 / 19_271.0), m.Kpis.Oee);
        Assert.Equal(18_848.0 / 25_200.0, m.Kpis.Oee!.Value, 15);
        Assert.Equal("74.8 %", ReportSummary.Percent(m.Kpis.Oee));
        Assert.Equal("88.8 %", ReportSummary.Percent(m.Kpis.Availability));
        Assert.Equal("86.1 %", ReportSummary.Percent(m.Kpis.Performance));
        Assert.Equal("97.8 %", ReportSummary.Percent(m.Kpis.Quality));
        Assert.Equal(3, m.StopCount);
        Assert.Equal(22_380.0 / 3, m.Kpis.MtbfSeconds);
        Assert.Equal(940, m.Kpis.MttrSeconds);

        Assert.Equal(KpiSet.Of(From, To, WorkedExample), doc.Tiles.Current);
        Assert.Equal(new SixBigLosses(Breakdowns: 2_820, Setup: 0, MicroStops: 0, ReducedSpeed: 3_109, ProcessDefects: 423, StartupRejects: 0, ValueAdding: 18_848), doc.Losses);
        var l = doc.Losses;
        Assert.Equal(25_200, l.Breakdowns + l.Setup + l.MicroStops + l.ReducedSpeed + l.ProcessDefects + l.StartupRejects + l.ValueAdding);
    }

    [Fact]
    public void Build_Totals_AreRatiosOfSumsAcrossMachines_NotTheAverageOfTheirRatios()
    {
        var small = new OeeComponents { CalendarSeconds = 3_600, PlannedSeconds = 3_600, RunSeconds = 1_800, UnplannedStopSeconds = 1_800, IdealSeconds = 900, GoodCount = 900, FailureCount = 1 };
        var doc = ReportBuilder.Build(Inputs([P1, P2], new Dictionary<string, OeeComponents> { [P1.MachineId] = WorkedExample, [P2.MachineId] = small }));

        Assert.Equal(0.25, doc.Machines[1].Kpis.Oee);
        var total = doc.Tiles.Current;
        Assert.Equal(WorkedExample + small, total.Components);
        Assert.Equal(28_800, total.Components.PlannedSeconds);
        Assert.Equal(24_180.0 / 28_800.0, total.Kpis.Availability);
        Assert.Equal(20_171.0 / 24_180.0, total.Kpis.Performance);
        Assert.Equal(19_748.0 / 20_171.0, total.Kpis.Quality);
        Assert.Equal(19_748.0 / 28_800.0, total.Kpis.Oee!.Value, 15);
        Assert.Equal("68.6 %", ReportSummary.Percent(total.Kpis.Oee));
        // The average of the machines' OEE would say 49.9 %.
        Assert.Equal("49.9 %", ReportSummary.Percent((doc.Machines[0].Kpis.Oee + doc.Machines[1].Kpis.Oee) / 2));
        Assert.Equal(SixBigLosses.From(WorkedExample + small), doc.Losses);
    }

    [Fact]
    public void Build_Machines_OrderedByLineThenId_WithoutDataTheyAreEmptyWithUndefinedKpis()
    {
        var z = new ReportMachine("a-9", "Z", "line-0");
        var doc = ReportBuilder.Build(Inputs([P2, P1, z], new Dictionary<string, OeeComponents> { [P1.MachineId] = WorkedExample, ["retired"] = WorkedExample }));

        Assert.Equal(["a-9", "press-01", "press-02"], doc.Machines.Select(m => m.MachineId));
        var empty = doc.Machines[2];
        Assert.Equal(default, empty.Components);
        Assert.Equal(new OeeKpis(null, null, null, null, null, null, null, null, null), empty.Kpis);
        Assert.Equal(0, empty.StopCount);
        // Components of a machine not in the report's list are not in its totals.
        Assert.Equal(WorkedExample, doc.Tiles.Current.Components);
    }

    /// <summary>A shift's states: every kind of stop, some at the span's edges, some left out; "now" after the shift.</summary>
    private static List<StateSpan> ShiftStates() =>
    [
        S(P1, MachineState.Running, null, "04:00:00", "04:50:00"),
        S(P1, MachineState.Down, "jam", "04:50:00", "05:10:00"), // a: began before the shift, 600 s inside
        S(P2, MachineState.Down, "jam", "04:30:00", "05:00:00"), // ended at the shift start: left out
        S(P1, MachineState.Down, "jam", "06:00:00", "06:01:00"), // b: micro-stop
        S(P1, MachineState.Idle, null, "06:10:00", "06:11:30"), // c: idle micro-stop, no reason
        S(P1, MachineState.Setup, "changeover", "07:00:00", "07:25:00"), // d: changeover
        S(P1, MachineState.Down, "break", "08:30:00", "08:45:00"), // planned reason: left out
        S(P1, MachineState.PlannedStop, null, "09:00:00", "09:30:00"), // planned stop state: left out
        S(P1, MachineState.Offline, null, "10:00:00", "10:01:00"), // g: offline is never a micro-stop
        S(P1, MachineState.Down, "tool_break", "12:50:00", "13:20:00"), // h: clipped at the shift end, 600 s
        S(P1, MachineState.Down, "jam", "13:00:00", "13:10:00"), // began at the shift end: left out
        S(P2, MachineState.Running, null, "05:00:00", "06:00:00"),
        S(P2, MachineState.Down, "jam", "06:00:00", "06:01:59"), // l: 119 s, micro-stop
        S(P2, MachineState.Down, "jam", "06:30:00", "06:32:00"), // m: exactly the 2 min threshold: not a micro-stop
        S(P2, MachineState.Idle, "ms", "07:00:00", "07:05:00"), // n: micro-stop by its reason's category
        S(P2, MachineState.Down, null, "08:00:00", "08:20:00"), // o: no reason, "down" in the Pareto
        S(P2, MachineState.Setup, null, "09:00:00", "09:10:00"), // p: setup without a reason
        S(P2, MachineState.Down, "jam", "09:15:00", "09:15:30"), // q: micro-stop
        new StateSpan("ghost", MachineState.Down, "jam", T("07:00:00"), T("08:00:00")), // not one of the report's machines
    ];

    private static StopRow Row(ReportMachine m, MachineState state, string? reason, string category, string start, string? end, double seconds) =>
        new(m.MachineId, m.MachineName, state, reason, category, T(start), end is null ? null : T(end), seconds);

    private static readonly StopRow A = Row(P1, MachineState.Down, "jam", "unplanned", "04:50:00", "05:10:00", 600);
    private static readonly StopRow B = Row(P1, MachineState.Down, "jam", "micro_stop", "06:00:00", "06:01:00", 60);
    private static readonly StopRow C = Row(P1, MachineState.Idle, null, "micro_stop", "06:10:00", "06:11:30", 90);
    private static readonly StopRow D = Row(P1, MachineState.Setup, "changeover", "setup", "07:00:00", "07:25:00", 1_500);
    private static readonly StopRow G = Row(P1, MachineState.Offline, null, "unplanned", "10:00:00", "10:01:00", 60);
    private static readonly StopRow H = Row(P1, MachineState.Down, "tool_break", "unplanned", "12:50:00", "13:20:00", 600);
    private static readonly StopRow L = Row(P2, MachineState.Down, "jam", "micro_stop", "06:00:00", "06:01:59", 119);
    private static readonly StopRow M = Row(P2, MachineState.Down, "jam", "unplanned", "06:30:00", "06:32:00", 120);
    private static readonly StopRow N = Row(P2, MachineState.Idle, "ms", "micro_stop", "07:00:00", "07:05:00", 300);
    private static readonly StopRow O = Row(P2, MachineState.Down, null, "unplanned", "08:00:00", "08:20:00", 1_200);
    private static readonly StopRow P = Row(P2, MachineState.Setup, null, "setup", "09:00:00", "09:10:00", 600);
    private static readonly StopRow Q = Row(P2, MachineState.Down, "jam", "micro_stop", "09:15:00", "09:15:30", 30);

    [Fact]
    public void Build_Stops_AreTheUnplannedSetupAndMicroStopsClippedToTheSpan_InTimeOrder()
    {
        var doc = ReportBuilder.Build(Inputs([P1, P2], states: ShiftStates()));

        Assert.Equal([A, B, L, C, M, D, N, O, P, Q, G, H], doc.Stops);
        Assert.Equal(5_279, doc.Stops.Sum(s => s.Seconds));
    }

    [Fact]
    public void Build_LongestStops_AreTheNonMicroStopsLongestFirst_TiesByStartThenMachine()
    {
        var doc = ReportBuilder.Build(Inputs([P1, P2], states: ShiftStates()));

        Assert.Equal([D, O, A, P, H, M, G], doc.LongestStops);
    }

    [Fact]
    public void Build_MicroStops_PerMachine_MostFirst()
    {
        var doc = ReportBuilder.Build(Inputs([P1, P2], states: ShiftStates()));

        Assert.Equal([new MicroStopRow("press-02", "Presse 2", 3, 449), new MicroStopRow("press-01", "Presse 1", 2, 150)], doc.MicroStops);
    }

    [Fact]
    public void Build_Changeovers_AreTheSetupStops_InTimeOrder()
    {
        var doc = ReportBuilder.Build(Inputs([P1, P2], states: ShiftStates()));

        Assert.Equal([D, P], doc.Changeovers);
    }

    [Fact]
    public void Build_Changeovers_WhenThePlantBooksSetupAsPlannedTime_AreLeftOut()
    {
        var planned = new LossClassifier(new Dictionary<string, ReasonCategory> { ["jam"] = ReasonCategory.Unplanned, ["changeover"] = ReasonCategory.Setup },
            new OeeSettings { SetupCountsAgainstAvailability = false });

        var doc = ReportBuilder.Build(Inputs([P1, P2], states: ShiftStates(), losses: planned));

        Assert.Empty(doc.Changeovers);
        Assert.DoesNotContain(doc.Stops, s => s.State == MachineState.Setup);
    }

    [Fact]
    public void Build_Pareto_ByReasonAndCategory_LongestFirstTiesByReason()
    {
        var doc = ReportBuilder.Build(Inputs([P1, P2], states: ShiftStates()));

        const double total = 5_279;
        Assert.Equal(
        [
            new ParetoRow("changeover", "setup", 1, 1_500, 1_500 / total),
            new ParetoRow("down", "unplanned", 1, 1_200, 1_200 / total),
            new ParetoRow("jam", "unplanned", 2, 720, 720 / total),
            new ParetoRow("setup", "setup", 1, 600, 600 / total),
            new ParetoRow("tool_break", "unplanned", 1, 600, 600 / total),
            new ParetoRow("ms", "micro_stop", 1, 300, 300 / total),
            new ParetoRow("jam", "micro_stop", 3, 209, 209 / total),
            new ParetoRow("idle", "micro_stop", 1, 90, 90 / total),
            new ParetoRow("offline", "unplanned", 1, 60, 60 / total),
        ], doc.Pareto);
        Assert.Equal(1.0, doc.Pareto.Sum(p => p.Share), 12);
    }

    [Fact]
    public void Build_Pareto_IsWhatStopAnalysisGivesForTheDowntimeApi()
    {
        var states = ShiftStates();
        var doc = ReportBuilder.Build(Inputs([P1, P2], states: states));

        // GET /api/downtime's call: every known machine's classifier, names as ids.
        var known = new Dictionary<string, LossClassifier> { [P1.MachineId] = Losses, [P2.MachineId] = Losses };
        var api = StopAnalysis.Stops(states, id => known.GetValueOrDefault(id), id => id, From, To, Later);

        Assert.Equal(StopAnalysis.Pareto(api), doc.Pareto);
        Assert.Equal(api.Select(s => (s.MachineId, s.Start, s.Seconds, s.Category)).OrderBy(s => s.Start).ThenBy(s => s.MachineId, StringComparer.Ordinal),
            doc.Stops.Select(s => (s.MachineId, s.Start, s.Seconds, s.Category)));
    }

    [Fact]
    public void Pareto_OfNoStops_IsEmpty_AndOfZeroSecondsHasZeroShares()
    {
        Assert.Empty(StopAnalysis.Pareto([]));
        var zero = Row(P1, MachineState.Down, "jam", "unplanned", "05:00:00", null, 0);

        Assert.Equal([new ParetoRow("jam", "unplanned", 1, 0, 0)], StopAnalysis.Pareto([zero]));
    }

    [Fact]
    public void Build_LongestStops_AreCutAtTen()
    {
        // Twelve unplanned stops of press-01, one every 30 min from 05:10, lasting these minutes; press-02 ties with one at 05:40.
        int[] minutes = [5, 9, 3, 9, 7, 11, 4, 9, 6, 8, 10, 12];
        var states = minutes.Select((m, i) => new StateSpan(P1.MachineId, MachineState.Down, "jam", T("05:10:00").AddMinutes(30 * i), T("05:10:00").AddMinutes((30 * i) + m))).ToList();
        states.Add(new StateSpan(P2.MachineId, MachineState.Down, "jam", T("05:40:00"), T("05:49:00")));
        // A 20-minute idle with a micro-stop reason: a micro-stop by category, never among the longest stops.
        states.Add(new StateSpan(P2.MachineId, MachineState.Idle, "ms", T("11:00:00"), T("11:20:00")));

        var doc = ReportBuilder.Build(Inputs([P1, P2], states: states));

        Assert.Equal(ReportBuilder.LongestStopCount, doc.LongestStops.Count);
        Assert.Equal(
        [
            ("press-01", "10:40", 720.0), ("press-01", "07:40", 660.0), ("press-01", "10:10", 600.0),
            ("press-01", "05:40", 540.0), ("press-02", "05:40", 540.0), ("press-01", "06:40", 540.0), ("press-01", "08:40", 540.0),
            ("press-01", "09:40", 480.0), ("press-01", "07:10", 420.0), ("press-01", "09:10", 360.0),
        ], doc.LongestStops.Select(s => (s.MachineId, s.Start.UtcDateTime.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture), s.Seconds)));
        Assert.Equal(14, doc.Stops.Count);
        Assert.Equal([new MicroStopRow("press-02", "Presse 2", 1, 1_200)], doc.MicroStops);
    }

    [Fact]
    public void Build_DuringTheShift_OpenStopsAreClippedToNow_AndNotMicroStopsYet()
    {
        var now = T("12:00:00");
        List<StateSpan> states =
        [
            S(P2, MachineState.Down, null, "04:00:00", null), // down since before the shift, still down
            S(P1, MachineState.Down, "jam", "11:00:00", "11:30:00"),
            S(P1, MachineState.Down, "jam", "11:59:00", null), // 60 s so far: under the micro-stop threshold, but still going on
        ];

        var doc = ReportBuilder.Build(Inputs([P1, P2], states: states, now: now));

        var open2 = Row(P2, MachineState.Down, null, "unplanned", "04:00:00", null, 25_200);
        var closed = Row(P1, MachineState.Down, "jam", "unplanned", "11:00:00", "11:30:00", 1_800);
        var open1 = Row(P1, MachineState.Down, "jam", "unplanned", "11:59:00", null, 60);
        Assert.Equal([open2, closed, open1], doc.Stops);
        Assert.Equal([open2, closed, open1], doc.LongestStops);
        Assert.Empty(doc.MicroStops);
        Assert.Equal([new ParetoRow("down", "unplanned", 1, 25_200, 25_200 / 27_060.0), new ParetoRow("jam", "unplanned", 2, 1_860, 1_860 / 27_060.0)], doc.Pareto);
    }

    [Fact]
    public void Build_AClosedStopEndingAfterNow_IsCountedUntilNow()
    {
        var doc = ReportBuilder.Build(Inputs([P1], states: [S(P1, MachineState.Down, "jam", "11:50:00", "12:10:00")], now: T("12:00:00")));

        Assert.Equal([Row(P1, MachineState.Down, "jam", "unplanned", "11:50:00", "12:10:00", 600)], doc.Stops);
    }

    [Fact]
    public void Build_Timelines_AreEachMachinesStatesClippedToTheSpan()
    {
        var idle = new ReportMachine("a-0", "Idle one", "line-0");
        List<StateSpan> states =
        [
            S(P1, MachineState.Running, null, "13:20:00", null),
            S(P1, MachineState.Running, null, "05:10:00", "12:50:00"),
            S(P1, MachineState.Down, "jam", "04:50:00", "05:10:00"),
            S(P1, MachineState.Running, null, "04:00:00", "04:50:00"),
            S(P1, MachineState.Down, "tool_break", "12:50:00", "13:20:00"),
            S(P2, MachineState.PlannedStop, null, "08:30:00", "08:45:00"),
            new StateSpan("ghost", MachineState.Down, null, T("05:00:00"), null),
        ];

        var doc = ReportBuilder.Build(Inputs([P2, P1, idle], states: states));

        Assert.Equal(["a-0", "press-01", "press-02"], doc.Timelines.Select(t => t.MachineId));
        Assert.Empty(doc.Timelines[0].Segments);
        Assert.Equal("Presse 1", doc.Timelines[1].MachineName);
        Assert.Equal(
        [
            new TimelineSegment(T("05:00:00"), T("05:10:00"), MachineState.Down),
            new TimelineSegment(T("05:10:00"), T("12:50:00"), MachineState.Running),
            new TimelineSegment(T("12:50:00"), T("13:00:00"), MachineState.Down),
        ], doc.Timelines[1].Segments);
        Assert.Equal([new TimelineSegment(T("08:30:00"), T("08:45:00"), MachineState.PlannedStop)], doc.Timelines[2].Segments);
    }

    [Fact]
    public void Build_Timelines_DuringTheShift_EndAtNow()
    {
        List<StateSpan> states =
        [
            S(P1, MachineState.Down, "jam", "04:50:00", "05:10:00"),
            S(P1, MachineState.Running, null, "05:10:00", null),
            S(P2, MachineState.Running, null, "09:30:00", null), // began after "now": not drawn
        ];

        var doc = ReportBuilder.Build(Inputs([P1, P2], states: states, now: T("09:00:00")));

        Assert.Equal(
        [
            new TimelineSegment(T("05:00:00"), T("05:10:00"), MachineState.Down),
            new TimelineSegment(T("05:10:00"), T("09:00:00"), MachineState.Running),
        ], doc.Timelines[0].Segments);
        Assert.Empty(doc.Timelines[1].Segments);
    }

    [Fact]
    public void Hours_OneRowPerHour_TheLastShorter_MissingHoursEmpty()
    {
        var c0 = new OeeComponents { CalendarSeconds = 3_600, PlannedSeconds = 3_600, RunSeconds = 3_000, IdealSeconds = 2_400, GoodCount = 2_000, RejectCount = 400 };
        var c2 = new OeeComponents { CalendarSeconds = 1_800, PlannedSeconds = 1_800, RunSeconds = 1_800, IdealSeconds = 1_800, GoodCount = 1_800 };

        var rows = ReportBuilder.Hours(T("05:00:00"), T("07:30:00"), new Dictionary<int, OeeComponents> { [0] = c0, [2] = c2, [3] = c0 });

        Assert.Equal(
        [
            new HourRow(T("05:00:00"), T("06:00:00"), c0, OeeKpis.From(c0)),
            new HourRow(T("06:00:00"), T("07:00:00"), default, new OeeKpis(null, null, null, null, null, null, null, null, null)),
            new HourRow(T("07:00:00"), T("07:30:00"), c2, OeeKpis.From(c2)),
        ], rows);
        Assert.Equal(3_000.0 / 3_600 * (2_400.0 / 3_000) * (2_000.0 / 2_400), rows[0].Kpis.Oee);
        Assert.Equal(1.0, rows[2].Kpis.Oee);
    }

    [Fact]
    public void Hours_OfTheAutumnDstDay_Are25_OfAnEmptySpanNone()
    {
        var day = ReportPeriods.Day(Some.Berlin, new DateOnly(2026, 10, 25));

        var rows = ReportBuilder.Hours(day.From, day.To, new Dictionary<int, OeeComponents>());

        Assert.Equal(25, rows.Count);
        Assert.Equal(day.To, rows[^1].To);
        Assert.All(rows, r => Assert.Equal(TimeSpan.FromHours(1), r.To - r.From));
        Assert.Empty(ReportBuilder.Hours(From, From, new Dictionary<int, OeeComponents>()));
    }

    [Fact]
    public void Build_PassesHourlyAndComparisonTilesThrough_AndOrdersProductsAndAndons()
    {
        var hourly = ReportBuilder.Hours(From, To, new Dictionary<int, OeeComponents> { [1] = WorkedExample });
        var previous = KpiSet.Of(T("04:00:00"), T("05:00:00"), WorkedExample);
        var andonLate = new AndonRow("down", "press-01", "critical", "press-01 down", T("09:00:00"), TimeSpan.FromMinutes(2), null, 1);
        var andonEarly2 = new AndonRow("manual", "press-02", "warning", "help", T("06:00:00"), null, null, 0);
        var andonEarly1 = new AndonRow("scrap", "press-01", "info", "scrap", T("06:00:00"), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), 0);
        var input = Inputs([P1]) with
        {
            Hourly = hourly,
            Previous = previous,
            Products = [new ProductRow(null, 10, 0), new ProductRow("B", 100, 5), new ProductRow("A", 100, 5), new ProductRow("C", 50, 60)],
            Andons = [andonLate, andonEarly2, andonEarly1],
        };

        var doc = ReportBuilder.Build(input);

        Assert.Same(hourly, doc.Hourly);
        Assert.Equal(8, doc.Hourly.Count);
        Assert.Equal(previous, doc.Tiles.Previous);
        Assert.Null(doc.Tiles.WeekAgo);
        Assert.Equal(["C", "A", "B", null], doc.Products.Select(p => p.Product));
        Assert.Equal([andonEarly1, andonEarly2, andonLate], doc.Andons);
        Assert.Same(input.Header, doc.Header);
    }

    [Fact]
    public void Summary_Of_TakesTheHeadlineFigures()
    {
        var s = ReportSummary.Of(WorkedExample);

        var k = OeeKpis.From(WorkedExample);
        Assert.Equal(new ReportSummary(k.Oee, k.Availability, k.Performance, k.Quality, k.Teep, 18_848, 423, 25_200, 22_380, 2_820, 3), s);
    }

    [Theory]
    [InlineData(0.7479365079365079, "74.8 %")]
    [InlineData(0.742, "74.2 %")]
    [InlineData(1.0, "100.0 %")]
    [InlineData(0.0, "0.0 %")]
    [InlineData(0.12345, "12.3 %")]
    [InlineData(null, "—")]
    public void Summary_Percent_HasOneDecimalInvariant(double? fraction, string expected)
    {
        var saved = System.Globalization.CultureInfo.CurrentCulture;
        try
        {
            System.Globalization.CultureInfo.CurrentCulture = System.Globalization.CultureInfo.GetCultureInfo("de-DE");
            Assert.Equal(expected, ReportSummary.Percent(fraction));
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = saved;
        }
    }

    private static readonly ReportSummary Before = new(0.742, 0.9, 0.85, 0.97, 0.6, 19_000, 400, 25_200, 22_380, 2_820, 4);

    [Fact]
    public void Summary_Changes_OneLinePerChangedFigure_InReadingOrder()
    {
        var after = Before with { Oee = 0.748, Performance = 0.86, Teep = 0.61, GoodCount = 19_271, RejectCount = 423, StopCount = 5 };

        Assert.Equal(["OEE 74.2 % → 74.8 %", "performance 85.0 % → 86.0 %", "good 19,000 → 19,271", "reject 400 → 423", "stops 4 → 5"],
            ReportSummary.Changes(Before, after));
    }

    [Fact]
    public void Summary_Changes_ShowMinutesWithOneDecimal_AndUndefinedRatiosAsDash()
    {
        var after = Before with { Availability = null, Quality = 0.5, UnplannedStopSeconds = 3_000, PlannedSeconds = 25_260, RunSeconds = 22_350 };

        Assert.Equal(["availability 90.0 % → —", "quality 97.0 % → 50.0 %", "unplanned stop min 47.0 → 50.0", "planned min 420.0 → 421.0", "run min 373.0 → 372.5"],
            ReportSummary.Changes(Before, after));
    }

    [Fact]
    public void Summary_Changes_WhenTwoOeesRoundToTheSameText_ShowMoreDecimals()
    {
        var before = Before with { Oee = 0.74791 };
        var after = Before with { Oee = 0.74812 };

        Assert.Equal("74.8 %", ReportSummary.Percent(before.Oee));
        Assert.Equal("74.8 %", ReportSummary.Percent(after.Oee));
        Assert.Equal(["OEE 74.791 % → 74.812 %"], ReportSummary.Changes(before, after));
    }

    [Fact]
    public void Summary_Changes_OfAPlantWeek_WhereOnePartMoreChangesRatiosBelowAThousandthOfAPercent_StillTellsThemApart()
    {
        // A week of a plant: one late part more (good, 1.0 s ideal) moves OEE from 78 % by a ten-thousandth of a percent.
        var week = new OeeComponents { PlannedSeconds = 1_000_000, RunSeconds = 900_000, IdealSeconds = 792_000, GoodCount = 780_000, RejectCount = 12_000, CalendarSeconds = 1_200_000 };
        var revised = week with { IdealSeconds = 792_001, GoodCount = 780_001 };

        var changes = ReportSummary.Changes(ReportSummary.Of(week), ReportSummary.Of(revised));

        Assert.Equal(["OEE 78.0000 % → 78.0001 %", "performance 88.0000 % → 88.0001 %", "quality 98.4848 % → 98.4849 %", "good 780,000 → 780,001"], changes);
    }

    [Fact]
    public void Summary_Changes_WhenMinutesRoundToTheSameText_ShowMoreDecimals()
    {
        // One second more of a stop, one less of running: the same text with one decimal.
        var after = Before with { UnplannedStopSeconds = 2_821, RunSeconds = 22_379 };

        Assert.Equal(["unplanned stop min 47.00 → 47.02", "run min 373.00 → 372.98"], ReportSummary.Changes(Before, after));
    }

    [Fact]
    public void Summary_Changes_WhenTheFiguresAreEqual_SaysOnlyStopDetailsChanged()
    {
        Assert.Equal(["stop details changed (figures unchanged)"], ReportSummary.Changes(Before, Before with { }));
        // Differences below floating-point noise are no change either.
        Assert.Equal(["stop details changed (figures unchanged)"], ReportSummary.Changes(Before, Before with { Oee = 0.742 + 1e-15 }));
    }
}
