using Ms5.Analytics.Events;
using Ms5.Analytics.Oee;
using Ms5.Analytics.Plant;

namespace Ms5.Analytics.Tests;

public sealed class BucketCalculatorTests
{
    private static readonly DateTimeOffset Day = new(2026, 11, 26, 0, 0, 0, TimeSpan.Zero);
    private static readonly HashSet<DayOfWeek> AllDays = [.. Enum.GetValues<DayOfWeek>()];

    private static readonly PlantConfig Plant = PlantConfigParser.Parse("""
        { "plantId": "p", "timeZone": "UTC",
          "reasonCodes": [ { "code": "jam", "category": "unplanned" }, { "code": "break", "category": "planned" },
                           { "code": "changeover", "category": "setup" }, { "code": "no_shift", "category": "planned" } ],
          "shifts": [ { "name": "early", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "06:00", "end": "14:00",
                        "breaks": [ { "start": "09:00", "end": "09:30" }, { "start": "12:00", "end": "12:30" } ] } ],
          "lines": [ { "id": "l1", "machines": [ { "id": "m1", "idealCycleSeconds": 1.0 } ] } ] }
        """);

    private static readonly LossClassifier Losses = LossClassifier.For(Plant);

    private static MachineEvent State(DateTimeOffset ts, MachineState s, string? reason = null) => MachineEvent.StateChange(Guid.NewGuid(), "m1", ts, s, reason);

    private static MachineEvent Count(DateTimeOffset ts, long good, long reject) => MachineEvent.Counts(Guid.NewGuid(), "m1", ts, good, reject);

    private static OeeComponents Total(IEnumerable<MachineEvent> events, DateTimeOffset from, DateTimeOffset to, ShiftCalendar? calendar = null, LossClassifier? losses = null) =>
        OeeComponents.Sum(BucketCalculator.MinuteBuckets(events, TimeSpan.FromSeconds(1), calendar ?? Plant.Calendar, losses ?? Losses, from, to).Values);

    /// <summary>480-minute shift, 60 minutes of breaks, 47 minutes down, ideal 1.0 s, 19,271 made, 423 rejected.</summary>
    internal static List<MachineEvent> WorkedExampleEvents()
    {
        var t = Day.AddHours(6);
        var events = new List<MachineEvent>
        {
            State(t, MachineState.Running),
            State(t.AddHours(1), MachineState.Down, "jam"),
            State(t.AddMinutes(107), MachineState.Running),
            State(t.AddHours(3), MachineState.PlannedStop, "break"),
            State(t.AddMinutes(210), MachineState.Running),
            State(t.AddHours(6), MachineState.PlannedStop, "break"),
            State(t.AddMinutes(390), MachineState.Running),
            State(t.AddHours(8), MachineState.PlannedStop, "no_shift"),
        };

        // One count per running minute: 373 minutes carry 19,271 parts, 423 of them rejects.
        var runningMinutes = Enumerable.Range(0, 480).Select(m => t.AddMinutes(m))
            .Where(m => !(m >= t.AddHours(1) && m < t.AddMinutes(107)) && !(m >= t.AddHours(3) && m < t.AddMinutes(210)) && !(m >= t.AddHours(6) && m < t.AddMinutes(390)))
            .ToList();
        Assert.Equal(373, runningMinutes.Count);
        for (var i = 0; i < runningMinutes.Count; i++)
        {
            var total = 51 + (i < 248 ? 1 : 0);
            var reject = 1 + (i < 50 ? 1 : 0);
            events.Add(Count(runningMinutes[i].AddSeconds(30), total - reject, reject));
        }

        return events;
    }

    [Fact]
    public void WorkedExample_FromRawEvents_GivesTheTextbookOee()
    {
        var c = Total(WorkedExampleEvents(), Day.AddHours(6), Day.AddHours(14));
        Assert.Equal(420 * 60, c.PlannedSeconds);
        Assert.Equal(373 * 60, c.RunSeconds);
        Assert.Equal(47 * 60, c.UnplannedStopSeconds);
        Assert.Equal(60 * 60, c.PlannedStopSeconds);
        Assert.Equal(19_271, c.ProducedCount);
        Assert.Equal(423, c.RejectCount);
        Assert.Equal(1, c.FailureCount);
        var k = OeeKpis.From(c);
        Assert.Equal(373 * 60, k.MtbfSeconds);
        Assert.Equal(47 * 60, k.MttrSeconds);
        Assert.Equal(88.81, Math.Round(k.Availability!.Value * 100, 2));
        Assert.Equal(86.11, Math.Round(k.Performance!.Value * 100, 2));
        Assert.Equal(97.80, Math.Round(k.Quality!.Value * 100, 2));
        Assert.Equal(74.79, Math.Round(k.Oee!.Value * 100, 2));
    }

    [Fact]
    public void AnyPermutationAndDuplicates_GiveIdenticalBuckets()
    {
        var events = WorkedExampleEvents();
        var expected = BucketCalculator.MinuteBuckets(events, TimeSpan.FromSeconds(1), Plant.Calendar, Losses, Day.AddHours(6), Day.AddHours(14));
        var rng = new Random(3);
        for (var round = 0; round < 5; round++)
        {
            var shuffled = events.Concat(events.Take(40)).OrderBy(_ => rng.Next()).ToList();
            var actual = BucketCalculator.MinuteBuckets(shuffled, TimeSpan.FromSeconds(1), Plant.Calendar, Losses, Day.AddHours(6), Day.AddHours(14));
            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public void EventsAlreadyInOrder_SkipTheSort_AndGiveTheSameEventsAndBuckets()
    {
        var events = WorkedExampleEvents();
        events.Sort((x, y) => x.Ts != y.Ts ? x.Ts.CompareTo(y.Ts) : x.EventId.CompareTo(y.EventId));
        var t = Day.AddHours(8);
        // A copy (same ts and id), and an id seen again at a later ts: the first one in order counts, as with the sort.
        var copy = events.First(e => e.Ts > t);
        var reused = events.First(e => e.Ts > t.AddMinutes(10));
        var sorted = events.Append(copy).Append(reused with { Ts = reused.Ts.AddSeconds(1), Good = 50 })
            .OrderBy(e => e.Ts).ThenBy(e => e.EventId).ToList();

        var reference = sorted.DistinctBy(e => e.EventId).OrderBy(e => e.Ts).ThenBy(e => e.EventId).ToList();
        Assert.Equal(reference, BucketCalculator.InOrder(sorted));
        Assert.Equal(events.Count, BucketCalculator.InOrder(sorted).Count);

        // The same events in (ts, id) order but not as a list (the sort's path): the same events. And the buckets of the
        // ordered list (no sort) equal those of a shuffled copy (sorted; its repeated id is not at the later ts first).
        Assert.Equal(reference, BucketCalculator.InOrder(sorted.Select(e => e)));
        var rng = new Random(11);
        var shuffled = sorted.OrderBy(_ => rng.Next()).ToList();
        shuffled.Remove(shuffled.First(e => e.EventId == reused.EventId && e.Ts != reused.Ts));
        shuffled.Add(sorted.First(e => e.EventId == reused.EventId && e.Ts != reused.Ts));
        Assert.NotEqual(sorted, shuffled);
        Assert.Equal(
            BucketCalculator.MinuteBuckets(shuffled, TimeSpan.FromSeconds(1), Plant.Calendar, Losses, Day.AddHours(6), Day.AddHours(14)),
            BucketCalculator.MinuteBuckets(sorted, TimeSpan.FromSeconds(1), Plant.Calendar, Losses, Day.AddHours(6), Day.AddHours(14)));
    }

    [Fact]
    public void SilenceInsideSeveralRunningStretches_IsOfflineInEachOfThem()
    {
        var t = Day.AddHours(7);
        var events = new List<MachineEvent>
        {
            // 07:00 running, counts until 07:02, silent until the stop at 07:20: offline from 07:07.
            State(t, MachineState.Running), Count(t.AddMinutes(1), 1, 0), Count(t.AddMinutes(2), 1, 0),
            State(t.AddMinutes(20), MachineState.Down, "jam"),
            // 07:30 running, a count at 07:31 and one at 07:40 (9 minutes: offline 07:36-07:40), then running to 08:00
            // with counts every 4 minutes (never silent for 5).
            State(t.AddMinutes(30), MachineState.Running), Count(t.AddMinutes(31), 1, 0), Count(t.AddMinutes(40), 1, 0),
        };
        events.AddRange(Enumerable.Range(1, 5).Select(i => Count(t.AddMinutes(40 + (4 * i)), 1, 0)));
        var c = Total(events, t, t.AddHours(1));
        // Run: 07:00-07:07 (7) + 07:30-07:36 (6) + 07:40-08:00 (20) = 33 minutes; down 10; offline 13 + 4 = 17.
        Assert.Equal(33 * 60, c.RunSeconds);
        Assert.Equal(27 * 60, c.UnplannedStopSeconds);
        Assert.Equal(8, c.GoodCount);
    }

    [Fact]
    public void MinuteBuckets_SplitAStateExactlyAtMinuteBoundaries()
    {
        var t = Day.AddHours(7);
        var buckets = BucketCalculator.MinuteBuckets(
            [State(t, MachineState.Running), State(t.AddSeconds(30), MachineState.Down, "jam"), State(t.AddSeconds(255), MachineState.Running), Count(t.AddSeconds(10), 9, 1)],
            TimeSpan.FromSeconds(1), Plant.Calendar, Losses, t, t.AddMinutes(5));
        Assert.Equal((30.0, 30.0), (buckets[t].RunSeconds, buckets[t].UnplannedStopSeconds));
        Assert.Equal((0.0, 60.0), (buckets[t.AddMinutes(1)].RunSeconds, buckets[t.AddMinutes(1)].UnplannedStopSeconds));
        Assert.Equal((0.0, 60.0), (buckets[t.AddMinutes(2)].RunSeconds, buckets[t.AddMinutes(2)].UnplannedStopSeconds));
        Assert.Equal((45.0, 15.0), (buckets[t.AddMinutes(4)].RunSeconds, buckets[t.AddMinutes(4)].UnplannedStopSeconds));
        Assert.Equal((9L, 1L, 10.0), (buckets[t].GoodCount, buckets[t].RejectCount, buckets[t].IdealSeconds));
        Assert.All(buckets.Values, b => Assert.Equal(60, b.CalendarSeconds));
    }

    [Fact]
    public void StopShorterThanThreshold_IsAMicroStop_CountedInRunTime()
    {
        var t = Day.AddHours(7);
        var c = Total([State(t, MachineState.Running), State(t.AddMinutes(1), MachineState.Down, "jam"), State(t.AddSeconds(150), MachineState.Running),
                       State(t.AddMinutes(5), MachineState.Idle), State(t.AddMinutes(8), MachineState.Running), Count(t.AddMinutes(9), 1, 0)], t, t.AddMinutes(10));
        Assert.Equal(90, c.MicroStopSeconds);
        Assert.Equal(180, c.UnplannedStopSeconds);
        Assert.Equal(1, c.FailureCount);
        Assert.Equal(420, c.RunSeconds);
        Assert.Equal(600, c.PlannedSeconds);
    }

    [Fact]
    public void DownSpanningTheShiftEnd_IsUnplannedInsideTheShift_AndPlannedStopAfter()
    {
        var t = Day.AddHours(13);
        var events = new List<MachineEvent> { State(t, MachineState.Running), State(t.AddMinutes(30), MachineState.Down, "jam"), State(t.AddMinutes(90), MachineState.Idle) };
        events.AddRange(Enumerable.Range(0, 30).Select(i => Count(t.AddMinutes(i), 5, 0)));
        var c = Total(events, t, t.AddHours(2));
        Assert.Equal(30 * 60, c.RunSeconds);
        Assert.Equal(30 * 60, c.UnplannedStopSeconds);
        Assert.Equal(60 * 60, c.PlannedStopSeconds);
        Assert.Equal(60 * 60, c.PlannedSeconds);
    }

    [Fact]
    public void RunningOutsideTheShift_CountsAsPlannedRunTime_SoPerformanceStaysHonest()
    {
        var t = Day.AddHours(15);
        var c = Total([State(t, MachineState.Running), Count(t.AddMinutes(1), 60, 0), Count(t.AddMinutes(4), 60, 0)], t, t.AddMinutes(5));
        Assert.Equal(300, c.PlannedSeconds);
        Assert.Equal(300, c.RunSeconds);
        Assert.Equal(0.4, OeeKpis.From(c).Performance!.Value, 12);
    }

    [Fact]
    public void SetupCanBePlannedTime_WhenThePlantSaysSo()
    {
        var t = Day.AddHours(7);
        var events = new[] { State(t, MachineState.Setup, "changeover"), State(t.AddMinutes(10), MachineState.Running), Count(t.AddMinutes(11), 1, 0) };
        var against = Total(events, t, t.AddMinutes(15));
        Assert.Equal((600.0, 900.0), (against.SetupSeconds, against.PlannedSeconds));
        var planned = Total(events, t, t.AddMinutes(15), losses: LossClassifier.For(Plant, new OeeSettings { SetupCountsAgainstAvailability = false }));
        Assert.Equal((0.0, 300.0, 600.0), (planned.SetupSeconds, planned.PlannedSeconds, planned.PlannedStopSeconds));
    }

    [Fact]
    public void RunningMachineThatGoesSilent_IsOfflineAfterTheSilenceLimit()
    {
        var t = Day.AddHours(7);
        var events = new List<MachineEvent> { State(t, MachineState.Running) };
        events.AddRange(Enumerable.Range(1, 10).Select(i => Count(t.AddMinutes(i), 1, 0)));
        var c = Total(events, t, t.AddHours(1));
        Assert.Equal(15 * 60, c.RunSeconds);
        Assert.Equal(45 * 60, c.UnplannedStopSeconds);
    }

    [Fact]
    public void BeforeTheFirstStateEvent_TheMachineIsOffline()
    {
        var t = Day.AddHours(7);
        var c = Total([State(t.AddMinutes(2), MachineState.Running), Count(t.AddMinutes(3), 1, 0)], t, t.AddMinutes(4));
        Assert.Equal(120, c.UnplannedStopSeconds);
        Assert.Equal(120, c.RunSeconds);
    }

    [Fact]
    public void CounterEvents_BecomeIncrements_WithResetAndABaselineBeforeTheRange()
    {
        var t = Day.AddHours(7);
        MachineEvent Counter(int min, long good, long reject) => MachineEvent.Counters(Guid.NewGuid(), "m1", t.AddMinutes(min), good, reject);
        var c = Total([State(t.AddMinutes(-5), MachineState.Running), Counter(-1, 1000, 10), Counter(1, 1100, 12), Counter(2, 50, 1), Counter(3, 80, 1)], t, t.AddMinutes(4));
        // 1000→1100: +100; reset to 50: +50; 50→80: +30. Rejects 10→12: +2; reset to 1: +1; then +0.
        Assert.Equal(180, c.GoodCount);
        Assert.Equal(3, c.RejectCount);
        Assert.Equal(183, c.IdealSeconds);
    }

    [Theory]
    [InlineData("2026-10-24", 9)]
    [InlineData("2026-03-28", 7)]
    public void NightShiftAcrossADstChange_HasItsRealLength(string startDay, int hours)
    {
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        var calendar = new ShiftCalendar(berlin, [new ShiftPattern("night", AllDays, new TimeOnly(22, 0), new TimeOnly(6, 0), [])], new HashSet<DateOnly>());
        var localStart = DateTime.Parse(startDay, System.Globalization.CultureInfo.InvariantCulture).AddHours(22);
        var from = new DateTimeOffset(localStart, berlin.GetUtcOffset(localStart)).ToUniversalTime();
        var to = from.AddHours(hours);
        var events = new List<MachineEvent> { State(from, MachineState.Running) };
        events.AddRange(Enumerable.Range(1, (hours * 60) - 1).Select(i => Count(from.AddMinutes(i), 1, 0)));
        var c = Total(events, from.AddHours(-1), to.AddHours(1), calendar);
        // The shift's real length, plus 4 minutes of running past its end until the silence limit made the machine offline.
        Assert.Equal((hours * 3600) + 240, c.PlannedSeconds);
        Assert.Equal(hours * 3600, calendar.Timeline(from.AddHours(-1), to.AddHours(1)).Where(s => s.Status == PlannedStatus.Production).Sum(s => s.Duration.TotalSeconds));
    }

    [Fact]
    public void SumOfMinuteBuckets_EqualsTheWholeRange_ForEverySplit()
    {
        var events = WorkedExampleEvents();
        var whole = Total(events, Day.AddHours(6), Day.AddHours(14));
        var parts = Total(events, Day.AddHours(6), Day.AddHours(9)) + Total(events, Day.AddHours(9), Day.AddHours(14));
        Assert.Equal(whole, parts);
    }

    [Fact]
    public void SixBigLosses_AddUpToPlannedTime()
    {
        var c = Total(WorkedExampleEvents(), Day.AddHours(6), Day.AddHours(14));
        var l = SixBigLosses.From(c);
        Assert.Equal(47 * 60, l.Breakdowns);
        Assert.Equal(c.PlannedSeconds, l.Breakdowns + l.Setup + l.MicroStops + l.ReducedSpeed + l.ProcessDefects + l.StartupRejects + l.ValueAdding, 6);
        Assert.Equal(423, l.ProcessDefects, 6);
    }
}

public sealed class PlantOeeSettingsTests
{
    [Fact]
    public void PlantFile_OeeSection_SetsThresholdsAndSetupRule_ThatTheClassifierUses()
    {
        var plant = PlantConfigParser.Parse("""
            { "plantId": "p", "timeZone": "UTC", "reasonCodes": [ { "code": "jam", "category": "unplanned" } ],
              "oee": { "microStopSeconds": 30, "offlineAfterSeconds": 600, "setupCountsAgainstAvailability": false },
              "lines": [ { "id": "l", "machines": [ { "id": "m", "idealCycleSeconds": 1 } ] } ] }
            """);
        Assert.Equal(TimeSpan.FromSeconds(30), plant.Oee.MicroStopThreshold);
        Assert.Equal(TimeSpan.FromMinutes(10), plant.Oee.OfflineAfterSilence);
        var losses = LossClassifier.For(plant);
        Assert.Equal(LossCategory.Unplanned, losses.Classify(MachineState.Down, "jam", TimeSpan.FromSeconds(45)));
        Assert.Equal(LossCategory.MicroStop, losses.Classify(MachineState.Down, "jam", TimeSpan.FromSeconds(20)));
        Assert.Equal(LossCategory.PlannedStop, losses.Classify(MachineState.Setup, null, null));
    }

    [Fact]
    public void PlantFile_BadOeeSection_IsReportedWithItsPath()
    {
        var problems = new List<string>();
        PlantConfigParser.TryParse("""
            { "plantId": "p", "timeZone": "UTC", "reasonCodes": [ { "code": "jam", "category": "unplanned" } ],
              "oee": { "microStopSeconds": -1, "setupCountsAgainstAvailability": "yes" },
              "lines": [ { "id": "l", "machines": [ { "id": "m", "idealCycleSeconds": 1 } ] } ] }
            """, problems);
        Assert.Contains(problems, p => p.StartsWith("$.oee.microStopSeconds:", StringComparison.Ordinal));
        Assert.Contains("$.oee.setupCountsAgainstAvailability: must be true or false", problems);
    }

    [Fact]
    public void PlantFile_WithoutOeeSection_UsesTheDefaults()
    {
        var plant = PlantConfigParser.Parse("""
            { "plantId": "p", "timeZone": "UTC", "reasonCodes": [ { "code": "jam", "category": "unplanned" } ],
              "lines": [ { "id": "l", "machines": [ { "id": "m", "idealCycleSeconds": 1 } ] } ] }
            """);
        Assert.Equal(OeeSettings.Default, plant.Oee);
    }
}

public sealed class ShiftInstanceTests
{
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
    private static readonly HashSet<DayOfWeek> AllDays = [.. Enum.GetValues<DayOfWeek>()];

    [Theory]
    [InlineData(2026, 10, 24, 9)]
    [InlineData(2026, 3, 28, 7)]
    [InlineData(2026, 11, 26, 8)]
    public void NightShift_HasItsRealLengthAcrossDst(int y, int m, int d, int hours)
    {
        var calendar = new ShiftCalendar(Berlin, [new ShiftPattern("night", AllDays, new TimeOnly(22, 0), new TimeOnly(6, 0), [])], new HashSet<DateOnly>());
        var local = new DateTime(y, m, d, 23, 0, 0);
        var at = new DateTimeOffset(local, Berlin.GetUtcOffset(local));
        var shift = calendar.At(at);
        Assert.NotNull(shift);
        Assert.Equal("night", shift.Name);
        Assert.Equal(new DateOnly(y, m, d), shift.Day);
        Assert.Equal(TimeSpan.FromHours(hours), shift.End - shift.Start);
    }

    [Fact]
    public void Between_ListsEachOccurrenceOnce_InOrder()
    {
        var calendar = new ShiftCalendar(TimeZoneInfo.Utc,
            [new ShiftPattern("early", AllDays, new TimeOnly(6, 0), new TimeOnly(14, 0), []), new ShiftPattern("late", AllDays, new TimeOnly(14, 0), new TimeOnly(22, 0), [])],
            new HashSet<DateOnly>());
        var from = new DateTimeOffset(2026, 11, 26, 0, 0, 0, TimeSpan.Zero);
        var shifts = calendar.Between(from, from.AddDays(1));
        Assert.Equal(["early", "late"], shifts.Select(s => s.Name).ToArray());
        Assert.Equal(from.AddHours(6), shifts[0].Start);
        Assert.Equal(from.AddHours(22), shifts[1].End);
        Assert.Null(calendar.At(from.AddHours(23)));
    }
}

public sealed class CalendarExceptionTests
{
    private const string Json = """
        { "plantId": "p", "timeZone": "Europe/Berlin", "reasonCodes": [ { "code": "jam", "category": "unplanned" } ],
          "shifts": [ { "name": "early", "days": ["Mon","Tue","Wed","Thu","Fri"], "start": "06:00", "end": "14:00" } ],
          "holidays": ["2026-12-24"],
          "extraWorkingDays": [ { "date": "2026-11-28", "shifts": ["early"] } ],
          "plannedMaintenance": [ { "start": "2026-11-26T08:00:00Z", "end": "2026-11-26T09:30:00Z", "note": "press overhaul" } ],
          "lines": [ { "id": "l", "machines": [ { "id": "m", "idealCycleSeconds": 1 } ] } ] }
        """;

    private static readonly ShiftCalendar Calendar = PlantConfigParser.Parse(Json).Calendar;

    [Fact]
    public void ExtraWorkingDay_RunsTheNamedShift_OnAWeekend()
    {
        var saturday = new DateTimeOffset(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);
        Assert.Equal(PlannedStatus.Production, Calendar.StatusAt(saturday));
        Assert.Equal(PlannedStatus.NoShift, Calendar.StatusAt(saturday.AddDays(1)));
        var shift = Calendar.At(saturday);
        Assert.NotNull(shift);
        Assert.Equal(new DateOnly(2026, 11, 28), shift.Day);
    }

    [Fact]
    public void MaintenanceWindow_IsPlannedStop_AndCutsTheTimeline()
    {
        Assert.Equal(PlannedStatus.Maintenance, Calendar.StatusAt(new DateTimeOffset(2026, 11, 26, 8, 30, 0, TimeSpan.Zero)));
        var day = new DateTimeOffset(2026, 11, 26, 0, 0, 0, TimeSpan.Zero);
        var production = Calendar.Timeline(day, day.AddDays(1)).Where(s => s.Status == PlannedStatus.Production).Sum(s => s.Duration.TotalMinutes);
        Assert.Equal((8 * 60) - 90, production);
    }

    [Fact]
    public void Holiday_HasNoShiftInstances()
    {
        var day = new DateTimeOffset(2026, 12, 24, 0, 0, 0, TimeSpan.Zero);
        Assert.Empty(Calendar.Between(day, day.AddDays(1)));
        Assert.Equal(PlannedStatus.Holiday, Calendar.StatusAt(day.AddHours(8)));
    }

    [Fact]
    public void BadExceptions_AreReportedWithTheirPaths()
    {
        var problems = new List<string>();
        PlantConfigParser.TryParse(Json.Replace("\"shifts\": [\"early\"]", "\"shifts\": [\"late\"]", StringComparison.Ordinal)
            .Replace("2026-11-26T09:30:00Z", "2026-11-26T07:30:00Z", StringComparison.Ordinal), problems);
        Assert.Contains("$.extraWorkingDays[0].shifts[0]: 'late' is not one of the plant's shifts", problems);
        Assert.Contains("$.plannedMaintenance[0].end: must be later than start", problems);
    }
}
