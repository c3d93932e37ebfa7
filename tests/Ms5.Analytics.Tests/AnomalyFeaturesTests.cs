using Ms5.Analytics.Anomalies;
using Ms5.Analytics.Events;
using Ms5.Analytics.Plant;
using static Ms5.Analytics.Tests.AnomalyData;

namespace Ms5.Analytics.Tests;

/// <summary>
/// Stop and machine-hour features on a hand-made Thursday of press-01 (times UTC; Berlin is UTC+1, so the early shift
/// ends at 13:00 UTC): a jam, a micro-stop, a break, an electrical fault across the shift change, a 2-minute jam and a
/// jam still open at 14:10.
/// </summary>
public sealed class AnomalyFeaturesTests
{
    private static readonly DateTimeOffset AsOf = Utc("14:10");

    private static readonly MachineHistory Thursday = new("press-01",
    [
        Span(MachineState.Running, null, "05:00", "06:00"),
        Span(MachineState.Down, "jam", "06:00", "06:05"),
        Span(MachineState.Running, null, "06:05", "06:30"),
        Span(MachineState.Idle, "micro_stop", "06:30", "06:31"),
        Span(MachineState.Running, null, "06:31", "08:30"),
        Span(MachineState.PlannedStop, "break", "08:30", "08:45"),
        Span(MachineState.Running, null, "08:45", "12:50"),
        Span(MachineState.Down, "electrical", "12:50", "13:20"),
        Span(MachineState.Running, null, "13:20", "13:30"),
        Span(MachineState.Down, "jam", "13:30", "13:32"),
        Span(MachineState.Running, null, "13:32", "13:40"),
        Span(MachineState.Down, "jam", "13:40", null),
    ])
    {
        Products = [new ProductChange(Utc("05:00"), "A"), new ProductChange(Utc("12:00"), "B")],
        Counts =
        [
            new PartCount(Utc("05:30"), 100, 2), new PartCount(Utc("05:59"), 50, 3), new PartCount(Utc("06:10"), 20, 0),
            new PartCount(Utc("12:00"), 200, 10), new PartCount(Utc("12:45"), 100, 0), new PartCount(Utc("13:25"), 10, 1),
        ],
    };

    private static readonly StopFeatureExtractor Extractor = new(TestPlant);

    [Fact]
    public void Stops_OnAHandMadeDay_HaveExactFeatures()
    {
        var stops = Extractor.Stops(Thursday, AsOf);

        StopFeatures[] expected =
        [
            Expect("jam", "06:00", "06:05", 300, "unplanned", ReasonCategory.Unplanned, hour: 7, shift: "early", product: "A",
                runBefore: null, precedingHour: 0, inShift: 0, rejectRate: 5.0 / 155),
            // Counts are per group: the micro_stop counts micro-stops before it (none), the electrical fault the other stops.
            Expect("micro_stop", "06:30", "06:31", 60, "micro_stop", ReasonCategory.MicroStop, hour: 7, shift: "early", product: "A",
                runBefore: 1500, precedingHour: 0, inShift: 0, rejectRate: 5.0 / 175, state: MachineState.Idle),
            Expect("electrical", "12:50", "13:20", 1800, "unplanned", ReasonCategory.Unplanned, hour: 13, shift: "early", product: "B",
                runBefore: 14700, precedingHour: 0, inShift: 1, rejectRate: 10.0 / 310),
            Expect("jam", "13:30", "13:32", 120, "unplanned", ReasonCategory.Unplanned, hour: 14, shift: "late", product: "B",
                runBefore: 600, precedingHour: 1, inShift: 0, rejectRate: 1.0 / 111),
            Expect("jam", "13:40", null, 1800, "unplanned", ReasonCategory.Unplanned, hour: 14, shift: "late", product: "B",
                runBefore: 480, precedingHour: 2, inShift: 1, rejectRate: 1.0 / 111),
        ];
        Assert.Equal(expected, stops);
    }

    [Fact]
    public void Stops_AsOfAnEarlierInstant_SeeOnlyWhatWasKnownThen()
    {
        var stops = Extractor.Stops(Thursday, Utc("13:10"));

        Assert.Equal(3, stops.Count);
        var electrical = stops[^1];
        Assert.True(electrical.Open);
        Assert.Null(electrical.End);
        Assert.Equal(1200, electrical.Seconds);
        Assert.Equal(Math.Log(1200), electrical.LogSeconds);
    }

    [Fact]
    public void Stops_OpenShortStop_IsNotAMicroStopYet()
    {
        var history = new MachineHistory("press-01", [Span(MachineState.Down, "jam", "06:00", null)]);

        var stop = Assert.Single(Extractor.Stops(history, Utc("06:01")));

        Assert.Equal("unplanned", stop.Loss);
        Assert.Equal(60, stop.Seconds);
    }

    [Fact]
    public void Stops_PlannedReasonOrUnknownMachine_AreNotStops()
    {
        var planned = new MachineHistory("press-01", [Span(MachineState.Down, "break", "06:00", "06:20")]);
        var ghost = new MachineHistory("ghost", [Span(MachineState.Down, "jam", "06:00", "06:20", machine: "ghost")]);

        Assert.Empty(Extractor.Stops(planned, AsOf));
        Assert.Empty(Extractor.Stops(ghost, AsOf));
    }

    [Fact]
    public void Stops_WithoutReasonOrCounts_UseTheStateNameAndLeaveRejectRateUnknown()
    {
        var history = new MachineHistory("press-01",
        [
            Span(MachineState.Offline, null, "06:00", "06:10"),
            Span(MachineState.Setup, null, "06:10", "06:30"),
        ]);

        var stops = Extractor.Stops(history, AsOf);

        Assert.Equal(["offline", "setup"], stops.Select(s => s.Reason));
        Assert.Equal([ReasonCategory.Unplanned, ReasonCategory.Setup], stops.Select(s => s.Category));
        Assert.Equal(["unplanned", "setup"], stops.Select(s => s.Loss));
        Assert.All(stops, s => Assert.Null(s.RejectRateBefore));
        Assert.All(stops, s => Assert.Null(s.Product));
        Assert.Equal([null, 0.0], stops.Select(s => s.RunSecondsBefore));
    }

    [Fact]
    public void Stops_OutsideShifts_HaveNoShift()
    {
        // Sunday 2026-11-29 10:00 local: no early shift on Sundays.
        var sunday = new DateTimeOffset(2026, 11, 29, 9, 0, 0, TimeSpan.Zero);
        var history = new MachineHistory("press-01", [new("press-01", MachineState.Down, "jam", sunday, sunday.AddMinutes(5))]);

        var stop = Assert.Single(Extractor.Stops(history, sunday.AddHours(1)));

        Assert.Null(stop.Shift);
        Assert.Null(stop.StopsInShiftBefore);
        Assert.Equal(DayOfWeek.Sunday, stop.DayOfWeek);
        Assert.Equal((6 * 24) + 10, stop.HourOfWeek);
    }

    [Fact]
    public void Hours_OnAHandMadeDay_CountStopsDowntimeAndMicroStops()
    {
        var hours = Extractor.Hours(Thursday, Utc("05:00"), AsOf);

        // The 06:30 micro_stop (reason category micro_stop) is also the hour's one stop of the micro-stop group.
        MachineHourFeatures H(string start, int hourOfWeek, int stops, double seconds, int micro) => new("press-01", Utc(start), hourOfWeek, stops, seconds, micro, micro);
        MachineHourFeatures[] expected =
        [
            H("05:00", 78, 0, 0, 0),
            H("06:00", 79, 2, 360, 1),
            H("07:00", 80, 0, 0, 0),
            H("08:00", 81, 0, 0, 0),
            H("09:00", 82, 0, 0, 0),
            H("10:00", 83, 0, 0, 0),
            H("11:00", 84, 0, 0, 0),
            H("12:00", 85, 1, 600, 0),
            H("13:00", 86, 2, 1200 + 120 + 1200, 0),
            H("14:00", 87, 0, 600, 0),
        ];
        Assert.Equal(expected, hours);
    }

    [Fact]
    public void Hours_OverTheAutumnClockChange_ListTheRepeatedHourTwice()
    {
        // Sunday 2026-10-25 in Berlin: 02:00–03:00 local happens twice (00:00 and 01:00 UTC).
        var from = new DateTimeOffset(2026, 10, 24, 23, 0, 0, TimeSpan.Zero);
        var history = new MachineHistory("press-01", []);

        var hours = Extractor.Hours(history, from, from.AddHours(4));

        Assert.Equal([145, 146, 146, 147], hours.Select(h => h.HourOfWeek));
        Assert.Equal([from, from.AddHours(1), from.AddHours(2), from.AddHours(3)], hours.Select(h => h.Start));
    }

    [Fact]
    public void Hours_FromNotOnTheHourOfThePlantClock_Throws()
    {
        var kolkata = TestPlant with { TimeZone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata") };

        // 05:00 UTC is 10:30 in Kolkata.
        var e = Assert.Throws<ArgumentException>(() => new StopFeatureExtractor(kolkata).Hours(Thursday, Utc("05:00"), AsOf));

        Assert.Equal("from", e.ParamName);
        Assert.Equal(10, new StopFeatureExtractor(kolkata).Hours(Thursday, Utc("04:30"), Utc("14:30")).Count);
    }

    private static StopFeatures Expect(
        string reason, string start, string? end, double seconds, string loss, ReasonCategory category, int hour, string shift, string product,
        double? runBefore, int precedingHour, int inShift, double rejectRate, MachineState state = MachineState.Down) => new()
        {
            MachineId = "press-01",
            LineId = "line-1",
            State = state,
            Reason = reason,
            Category = category,
            Loss = loss,
            Start = Utc(start),
            End = end is null ? null : Utc(end),
            Seconds = seconds,
            LogSeconds = Math.Log(seconds),
            HourOfDay = hour,
            DayOfWeek = DayOfWeek.Thursday,
            HourOfWeek = (3 * 24) + hour,
            Shift = shift,
            // The test plant's early shift starts 06:00 local (05:00 UTC), the late one 14:00 (13:00 UTC).
            ShiftStart = Utc(shift == "early" ? "05:00" : "13:00"),
            Product = product,
            RunSecondsBefore = runBefore,
            StopsInPrecedingHour = precedingHour,
            StopsInShiftBefore = inShift,
            RejectRateBefore = rejectRate,
        };
}
