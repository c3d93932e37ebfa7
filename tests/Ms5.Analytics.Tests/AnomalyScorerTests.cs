using Ms5.Analytics.Anomalies;
using Ms5.Analytics.Events;
using Ms5.Analytics.Plant;
using static Ms5.Analytics.Tests.AnomalyData;

namespace Ms5.Analytics.Tests;

/// <summary>Scores, flags and ids against the fallback tests' baseline (press-01 jams: threshold 1942.69 s, the median 194.9 s × ln 1000 / ln 2) and weld-02's hours.</summary>
public sealed class AnomalyScorerTests
{
    private const double JamThreshold = 1942.6889981466093;

    private static readonly DowntimeScorer Scorer = new(Baseline(hours: AnomalyBaselineTests.WeldHours()));

    /// <summary>Thursday 2026-11-26 07:00 local.</summary>
    private static readonly DateTimeOffset Seven = Utc("06:00");

    [Theory]
    [InlineData(5000, 0.5852650943039639, true)]
    [InlineData(2460, 0.5244175162401694, true)]
    [InlineData(1000, 0.4156034302507419, false)]
    [InlineData(600, 0.3284026078005851, false)]
    [InlineData(150, 0, false)]
    public void LongStop_ScoreIsMonotoneAndHalfAtTheThreshold(double seconds, double score, bool flagged)
    {
        var s = Scorer.ScoreLongStop(Stop("press-01", "jam", seconds, Seven))!;

        Assert.Equal(AnomalyKind.LongStop, s.Kind);
        Assert.Equal(score, s.Score, 12);
        Assert.Equal(flagged, s.Flagged);
        Assert.Equal((seconds, seconds), (s.Seconds, s.Observed));
        Assert.Equal(JamThreshold, s.Threshold, 9);
    }

    [Fact]
    public void LongStop_JustAroundTheThreshold_FlagsOnlyBeyondIt()
    {
        var below = Scorer.ScoreLongStop(Stop("press-01", "jam", JamThreshold - 0.001, Seven))!;
        var above = Scorer.ScoreLongStop(Stop("press-01", "jam", JamThreshold + 0.001, Seven))!;

        Assert.False(below.Flagged);
        Assert.True(above.Flagged);
        Assert.Equal(0.5, below.Score, 5);
        Assert.Equal(0.5, above.Score, 5);
    }

    [Fact]
    public void OpenStop_IsFlaggedOnceItPassesTheThresholdAndNotBefore()
    {
        var open = Stop("press-01", "jam", 60, Seven, open: true);
        var due = Scorer.LongStopDue(open)!.Value;

        Assert.Equal(JamThreshold, (due - Seven).TotalSeconds, 6);
        Assert.False(Scorer.ScoreLongStop(open, due.AddSeconds(-1))!.Flagged);
        var flagged = Scorer.ScoreLongStop(open, due.AddSeconds(1))!;
        Assert.True(flagged.Flagged);
        Assert.True(flagged.Open);
        Assert.Equal(JamThreshold + 1, flagged.Seconds, 6);
        Assert.Equal(flagged.Id, Scorer.ScoreLongStop(Stop("press-01", "jam", 2460, Seven))!.Id);
    }

    [Fact]
    public void OpenStop_FromTheExtractor_IsFlaggedBeforeItEnds()
    {
        var extractor = new StopFeatureExtractor(TestPlant);
        var history = new MachineHistory("press-01", [Span(MachineState.Running, null, "05:00", "06:00"), Span(MachineState.Down, "jam", "06:00", "06:41")]);

        var at10 = Assert.Single(extractor.Stops(history, Utc("06:10")));
        var at35 = Assert.Single(extractor.Stops(history, Utc("06:35")));
        var closed = Assert.Single(extractor.Stops(history, Utc("07:00")));

        Assert.False(Scorer.ScoreLongStop(at10)!.Flagged);
        Assert.False(Scorer.ScoreLongStop(Assert.Single(extractor.Stops(history, Utc("06:32"))))!.Flagged);
        Assert.True(at35.Open);
        Assert.True(Scorer.ScoreLongStop(at35)!.Flagged);
        Assert.Equal("jam on press-01 has lasted 35 min so far; normally 105 s–6 min (95 % of 20 jams in 28 days)", Scorer.ScoreLongStop(at35)!.Explanation);
        Assert.Equal("jam on press-01 lasted 41 min; normally 105 s–6 min (95 % of 20 jams in 28 days)", Scorer.ScoreLongStop(closed)!.Explanation);
    }

    [Fact]
    public void LongStop_InAFallbackContext_SaysWhichStopsAreNormal()
    {
        Assert.Equal(
            "electrical on press-01 lasted 41 min; normally 106 s–27 min (95 % of 25 unplanned stops on press-01 in 28 days)",
            Scorer.ScoreLongStop(Stop("press-01", "electrical", 2460, Seven))!.Explanation);
        Assert.Equal(
            "jam on press-02 lasted 41 min; normally 109 s–26 min (95 % of 35 unplanned stops in the plant in 28 days)",
            Scorer.ScoreLongStop(Stop("press-02", "jam", 2460, Seven))!.Explanation);
        Assert.Null(Scorer.ScoreLongStop(Stop("asm-03", "micro_stop", 2460, Seven, ReasonCategory.MicroStop)));
    }

    [Fact]
    public void Burst_AboveTheHourOfWeekBound_IsFlagged()
    {
        var s = Scorer.ScoreBurst(Stop("weld-02", "jam", 60, Utc("06:40"), preceding: 6, hourOfWeek: 79))!;

        Assert.Equal((AnomalyKind.Burst, 7.0, 3.0, true), (s.Kind, s.Observed, s.Threshold, s.Flagged));

        // r = (7 − 2/7) / (3 − 2/7) = 47/19; score = r / (1 + r) = 47/66.
        Assert.Equal(47.0 / 66, s.Score, 12);
        Assert.Equal("7 stops on weld-02 in the last hour; usually 0–2 at this hour", s.Explanation);
    }

    [Fact]
    public void Burst_AtTheBound_IsNotFlagged()
    {
        var s = Scorer.ScoreBurst(Stop("weld-02", "jam", 60, Utc("06:40"), preceding: 2, hourOfWeek: 79))!;

        Assert.False(s.Flagged);
        Assert.Equal(0.5, s.Score, 12);
    }

    [Fact]
    public void Burst_EarlyInAnHour_IsJudgedByTheHigherBoundOfItAndTheHourBefore()
    {
        // Thursday 08:10 local: its own hour allows 2, the hour before (07, in the window) 3.
        var s = Scorer.ScoreBurst(Stop("weld-02", "jam", 60, Utc("07:10"), preceding: 2, hourOfWeek: 80))!;

        Assert.Equal((3.0, 3.0, false), (s.Observed, s.Threshold, s.Flagged));
        Assert.True(Scorer.ScoreBurst(Stop("weld-02", "jam", 60, Utc("05:10"), preceding: 2, hourOfWeek: 78))!.Flagged);
        Assert.Null(Scorer.ScoreBurst(Stop("asm-03", "jam", 60, Utc("05:10"), preceding: 9)));
    }

    [Fact]
    public void BurstEpisodes_FlagEachRunOfStopsOverTheBoundOnce()
    {
        // weld-02 on Thursday 07:xx local: a stop every 5 minutes (counts 1..7), a quiet spell, then 4 again.
        var stops = Enumerable.Range(0, 7).Select(i => Stop("weld-02", "jam", 60, Utc("06:00").AddMinutes(5 * i), preceding: i)).ToList();
        stops.Add(Stop("weld-02", "jam", 60, Utc("06:50"), preceding: 1));
        stops.Add(Stop("weld-02", "jam", 60, Utc("06:55"), preceding: 3));

        var episodes = Scorer.BurstEpisodes(stops);

        Assert.Equal(2, episodes.Count);
        Assert.Equal(Utc("06:15"), episodes[0].StopStart);
        Assert.Equal(AnomalyId.For("p1", "weld-02", Utc("06:15"), AnomalyKind.Burst), episodes[0].Id);
        Assert.Equal(7, episodes[0].Observed);
        Assert.Equal("7 stops on weld-02 in the last hour; usually 0–2 at this hour", episodes[0].Explanation);
        Assert.Equal((Utc("06:55"), 4.0), (episodes[1].StopStart, episodes[1].Observed));
    }

    [Fact]
    public void ShiftPileup_CountsAgainstTheRatesOfTheShiftSoFar()
    {
        // weld-02's early shift from 06:00 local (05:00 UTC); a stop at 07:30 local: Thursday 06–07 expects 0 stops,
        // 07–07:30 half of 2/7, so 1/7 in all; the bound is the floor MinShiftBound 6 (Poisson's 99.95 % point is 2).
        var seventh = Scorer.ScoreShift(Stop("weld-02", "jam", 60, Utc("06:30"), shiftStart: Utc("05:00"), inShift: 6))!;
        var sixth = Scorer.ScoreShift(Stop("weld-02", "jam", 60, Utc("06:30"), shiftStart: Utc("05:00"), inShift: 5))!;

        Assert.Equal((AnomalyKind.ShiftPileup, 7.0, 6.0, true), (seventh.Kind, seventh.Observed, seventh.Threshold, seventh.Flagged));
        Assert.Equal(48.0 / 89, seventh.Score, 12);
        Assert.Equal("7 stops on weld-02 so far this early shift (since 06:00); usually 0–1 by this time", seventh.Explanation);
        Assert.Equal((6.0, false, 0.5), (sixth.Observed, sixth.Flagged, Math.Round(sixth.Score, 12)));
        Assert.Null(Scorer.ScoreShift(Stop("weld-02", "jam", 60, Utc("06:30"))));
        Assert.Null(Scorer.ScoreShift(Stop("press-01", "jam", 60, Utc("06:30"), shiftStart: Utc("05:00"), inShift: 9)));
    }

    [Fact]
    public void ShiftPileups_FlagEachMachineShiftOnceWithItsPeak()
    {
        var early = Enumerable.Range(0, 9).Select(i => Stop("weld-02", "jam", 60, Utc("06:00").AddMinutes(3 * i), shiftStart: Utc("05:00"), inShift: i)).ToList();
        var late = Enumerable.Range(0, 3).Select(i => Stop("weld-02", "jam", 60, Utc("13:10").AddMinutes(3 * i), shiftStart: Utc("13:00"), inShift: i));

        var episodes = Scorer.ShiftPileups(early.Concat(late));

        var e = Assert.Single(episodes);
        Assert.Equal(AnomalyId.For("p1", "weld-02", Utc("06:18"), AnomalyKind.ShiftPileup), e.Id);
        Assert.Equal((Utc("06:18"), 9.0), (e.StopStart, e.Observed));
        Assert.StartsWith("9 stops on weld-02 so far this early shift", e.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void UnseenReason_OnAMachineWithEnoughStops_IsFlagged()
    {
        var training = TrainingStops();
        training.AddRange(Enumerable.Range(0, 30).Select(i => Stop("asm-03", "jam", 100, WindowFrom.AddDays(i % 28).AddHours(12))));
        var scorer = new DowntimeScorer(Baseline(training));

        var unseen = scorer.ScoreUnseenReason(Stop("asm-03", "electrical", 60, Seven))!;
        var seen = scorer.ScoreUnseenReason(Stop("asm-03", "jam", 60, Seven))!;

        // asm-03 had 33 stops: r = 33/20, score = 33/53.
        Assert.Equal((AnomalyKind.UnseenReason, true, 33.0, 20.0), (unseen.Kind, unseen.Flagged, unseen.Observed, unseen.Threshold));
        Assert.Equal(33.0 / 53, unseen.Score, 12);
        Assert.Equal("electrical on asm-03: never seen on this machine in 28 days", unseen.Explanation);
        Assert.Equal((false, 0.0), (seen.Flagged, seen.Score));
        Assert.Equal("jam on asm-03: seen 30 times on this machine in 28 days", seen.Explanation);
    }

    [Fact]
    public void UnseenReason_OnAMachineWithTooFewStopsOrUnknown_CannotBeJudged()
    {
        Assert.Null(Scorer.ScoreUnseenReason(Stop("press-02", "electrical", 60, Seven)));
        Assert.Null(Scorer.ScoreUnseenReason(Stop("asm-03", "electrical", 60, Seven)));
        Assert.NotNull(Scorer.ScoreUnseenReason(Stop("press-01", "micro_stop", 60, Seven)));
        Assert.Null(new DowntimeScorer(Baseline()).ScoreUnseenReason(Stop("weld-02", "jam", 60, Seven)));
    }

    [Fact]
    public void Ids_AreNameBasedUuidV5()
    {
        // RFC 9562's DNS namespace and "python.org", as Python's uuid.uuid5 gives it.
        Assert.Equal(Guid.Parse("886313e1-3b8a-5372-9b90-0c9aee199e5d"), AnomalyId.NameBased(Guid.Parse("6ba7b810-9dad-11d1-80b4-00c04fd430c8"), "python.org"));
        Assert.Equal(AnomalyId.Namespace, AnomalyId.NameBased(AnomalyId.UrlNamespace, "urn:ms5:downtime-anomaly"));
        Assert.Equal(Guid.Parse("45b1a7cc-5a52-53a7-b0c4-188281d57c92"), AnomalyId.For("p1", "press-01", Seven, AnomalyKind.LongStop));
        Assert.Equal(Guid.Parse("88d9acd6-c190-561e-aea0-0638e148d1e5"), AnomalyId.For("p1", "press-01", Seven, AnomalyKind.Burst));
        Assert.Equal(Guid.Parse("8165e54d-ab60-51fa-9d5f-f65e2c9a800d"), AnomalyId.For("p1", "press-01", Seven, AnomalyKind.UnseenReason));
    }

    [Fact]
    public void Ids_DependOnTheInstantNotItsOffset()
    {
        var local = Seven.ToOffset(TimeSpan.FromHours(1));

        Assert.Equal(AnomalyId.For("p1", "press-01", Seven, AnomalyKind.LongStop), AnomalyId.For("p1", "press-01", local, AnomalyKind.LongStop));
        Assert.NotEqual(AnomalyId.For("p1", "press-01", Seven, AnomalyKind.LongStop), AnomalyId.For("p2", "press-01", Seven, AnomalyKind.LongStop));
        Assert.NotEqual(AnomalyId.For("p1", "press-01", Seven, AnomalyKind.LongStop), AnomalyId.For("p1", "press-01", Seven.AddTicks(1), AnomalyKind.LongStop));
    }

    [Fact]
    public void Scores_OfTheSameStop_AreTheSameOnReplay()
    {
        var stop = Stop("press-01", "jam", 2460, Seven);
        var again = new DowntimeScorer(Baseline(hours: AnomalyBaselineTests.WeldHours()));

        Assert.Equal(Scorer.ScoreLongStop(stop), again.ScoreLongStop(stop));
        Assert.Equal(Scorer.ScoreUnseenReason(stop), again.ScoreUnseenReason(stop));
    }
}
