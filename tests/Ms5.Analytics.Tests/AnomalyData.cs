using Ms5.Analytics.Anomalies;
using Ms5.Analytics.Events;
using Ms5.Analytics.Plant;
using Ms5.Analytics.Reports;

namespace Ms5.Analytics.Tests;

/// <summary>
/// The anomaly tests' plant and data: Europe/Berlin with the report tests' shifts (early 06–14, late 14–22, night
/// 22–06 local), reasons jam and electrical (unplanned), micro_stop, changeover (setup) and break (planned), and
/// machines press-01, press-02 (line-1), weld-02 (line-2), asm-03 (line-3). Thursday 2026-11-26 is UTC+1.
/// </summary>
internal static class AnomalyData
{
    public static readonly DateTimeOffset Day = new(2026, 11, 26, 0, 0, 0, TimeSpan.Zero);

    /// <summary>A 28-day training window ending at the day's start.</summary>
    public static readonly DateTimeOffset WindowFrom = Day.AddDays(-28);

    public static PlantConfig TestPlant { get; } = new(
        "p1", "Plant 1", Some.Berlin,
        [
            new ReasonCode("jam", ReasonCategory.Unplanned, "Material jam"),
            new ReasonCode("electrical", ReasonCategory.Unplanned, "Electrical fault"),
            new ReasonCode("micro_stop", ReasonCategory.MicroStop, "Short stop"),
            new ReasonCode("changeover", ReasonCategory.Setup, "Changeover"),
            new ReasonCode("break", ReasonCategory.Planned, "Break"),
        ],
        ReportPlant.With(),
        [
            new Line("line-1", "Line 1", [M("press-01", "line-1"), M("press-02", "line-1")]),
            new Line("line-2", "Line 2", [M("weld-02", "line-2")]),
            new Line("line-3", "Line 3", [M("asm-03", "line-3")]),
        ]);

    /// <summary>The day at hh:mm UTC.</summary>
    public static DateTimeOffset Utc(string hhmm) =>
        Day + TimeSpan.ParseExact(hhmm, @"hh\:mm", System.Globalization.CultureInfo.InvariantCulture);

    public static StateSpan Span(MachineState state, string? reason, string from, string? to, string machine = "press-01") =>
        new(machine, state, reason, Utc(from), to is null ? null : Utc(to));

    /// <summary>A stop as features, for baseline and scorer tests (only what they read is meaningful).</summary>
    public static StopFeatures Stop(
        string machine, string reason, double seconds, DateTimeOffset start,
        ReasonCategory category = ReasonCategory.Unplanned, int preceding = 0, int hourOfWeek = 79, bool open = false,
        DateTimeOffset? shiftStart = null, int? inShift = null) => new()
        {
            MachineId = machine,
            LineId = TestPlant.Machines.First(m => m.Id == machine).LineId,
            State = MachineState.Down,
            Reason = reason,
            Category = category,
            Loss = "unplanned",
            Start = start,
            End = open ? null : start.AddSeconds(seconds),
            Seconds = seconds,
            LogSeconds = Math.Log(Math.Max(seconds, 1)),
            HourOfDay = hourOfWeek % 24,
            DayOfWeek = DayOfWeek.Thursday,
            HourOfWeek = hourOfWeek,
            StopsInPrecedingHour = preceding,
            Shift = shiftStart is null ? null : "early",
            ShiftStart = shiftStart,
            StopsInShiftBefore = inShift,
        };

    /// <summary>press-01 jams: 20 closed stops of these lengths, one a day in the window.</summary>
    public static readonly double[] JamSeconds = [100, 110, 120, 130, 140, 150, 160, 170, 180, 190, 200, 210, 220, 240, 260, 280, 300, 330, 360, 400];

    /// <summary>
    /// The training stops of the fallback tests: press-01 has 20 jams and 5 electrical stops, press-02 10 jams of 200 s,
    /// asm-03 3 micro-stops of 30 s (too few for any micro_stop context).
    /// </summary>
    public static List<StopFeatures> TrainingStops()
    {
        var stops = new List<StopFeatures>();
        stops.AddRange(JamSeconds.Select((s, i) => Stop("press-01", "jam", s, WindowFrom.AddDays(i).AddHours(7))));
        stops.AddRange(new double[] { 600, 900, 1200, 1500, 1800 }.Select((s, i) => Stop("press-01", "electrical", s, WindowFrom.AddDays(i).AddHours(9))));
        stops.AddRange(Enumerable.Range(0, 10).Select(i => Stop("press-02", "jam", 200, WindowFrom.AddDays(i).AddHours(8))));
        stops.AddRange(Enumerable.Range(0, 3).Select(i => Stop("asm-03", "micro_stop", 30, WindowFrom.AddDays(i).AddHours(10), ReasonCategory.MicroStop)));
        return stops;
    }

    public static DowntimeBaseline Baseline(IEnumerable<StopFeatures>? stops = null, IEnumerable<MachineHourFeatures>? hours = null, BaselineOptions? options = null) =>
        DowntimeBaseline.Fit("p1", WindowFrom, Day, stops ?? TrainingStops(), hours ?? [], options ?? Quantiles, TestPlant.TimeZone);

    /// <summary>The burst and shift quantiles these tests' numbers were worked out at (the defaults are 0.9999).</summary>
    public static BaselineOptions Quantiles { get; } = BaselineOptions.Default with { BurstQuantile = 0.999, ShiftQuantile = 0.9995 };

    private static Machine M(string id, string line) => new(id, id, line, TimeSpan.FromSeconds(2), CountMode.Increment, []);
}
