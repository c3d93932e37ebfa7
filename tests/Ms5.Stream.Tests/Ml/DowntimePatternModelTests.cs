using Ms5.Analytics.Anomalies;
using Ms5.Analytics.Plant;
using Ms5.Ml.Patterns;
using static Ms5.Stream.Tests.Ml.SimulatedStops;

namespace Ms5.Stream.Tests.Ml;

/// <summary>The pattern model trained on 14 normal days of the simulated demo plant (seed 7), judged on the held-out week.</summary>
public sealed class DowntimePatternModelTests
{
    /// <summary>A 99.95 % threshold without margin (the default: 99.99 % and 1.5 × beyond it): on 7,055 training stops it lets a few normal ones pass, which the tests count.</summary>
    private static readonly PatternOptions Options = PatternOptions.Default with { ThresholdQuantile = 0.9995, ThresholdMargin = 1 };

    private static readonly Lazy<DowntimePatternModel> Trained = new(() => DowntimePatternModel.Train(Plant.PlantId, Train, Options, Seed)!);

    private static DowntimePatternModel Model => Trained.Value;

    /// <summary>Every 25th held-out stop of an unplanned reason: the stops the unusual combinations are made from.</summary>
    private static List<StopFeatures> Bases() => [.. Held.Where(s => s.Category == ReasonCategory.Unplanned).Where((_, i) => i % 25 == 0)];

    /// <summary>A burst-like hour (9 stops before it) right after 4 h of running: neither alone is rare, together they are.</summary>
    private static StopFeatures BurstAfterLongRun(StopFeatures s) => s with { StopsInPrecedingHour = 9, RunSecondsBefore = 4 * 3600 };

    [Fact]
    public void Train_OnNormalHistory_FlagsAtMostHalfAPercentOfNormalHeldOutStops()
    {
        var flagged = Model.Score(Held).Count(s => s.Flagged);

        Assert.Equal(3478, Held.Count);
        Assert.Equal(1, flagged);
        Assert.True(flagged <= Held.Count * 0.005);
        Assert.Equal(7055, Model.Metrics.TrainingStops);
        Assert.Equal(3, Model.Metrics.FlaggedTrainingStops); // at most 0.05 % of 7055 stops, the quantile's promise
    }

    [Fact]
    public void Score_UnusualCombinations_AreFlaggedFarMoreThanNormalStops()
    {
        var bases = Bases();
        var burstAfterLongRun = bases.Select(BurstAfterLongRun).ToList();
        var rejectSpike = bases.Select(s => s with { RejectRateBefore = 0.6 }).ToList();
        var foreignReason = bases.Select(s => s with { Reason = "quality_check", Category = ReasonCategory.Quality }).ToList();

        // Normal held-out stops: 3 of 3478 flagged (0.09 %, all with a time or run-time oddity); a burst-like hour after 4 h of running: 10 of 71 (14 %).
        Assert.Equal(71, bases.Count);
        Assert.Equal(0, Model.Score(bases).Count(s => s.Flagged));
        Assert.Equal(31, Model.Score(burstAfterLongRun).Count(s => s.Flagged));
        Assert.Equal(71, Model.Score(rejectSpike).Count(s => s.Flagged));
        Assert.Equal(71, Model.Score(foreignReason).Count(s => s.Flagged));
    }

    [Fact]
    public void Score_ScaleIsHalfAtTheThreshold_AndMonotoneInTheRawScore()
    {
        var scores = Model.Score(Held);

        Assert.All(scores, s => Assert.Equal(AnomalyKind.UnusualPattern, s.Kind));
        Assert.All(scores, s => Assert.Equal(s.Observed > Model.Threshold, s.Flagged));
        Assert.All(scores.Where(s => s.Flagged), s => Assert.True(s.Score > 0.5));
        Assert.All(scores.Where(s => !s.Flagged), s => Assert.True(s.Score <= 0.5));
        var ordered = scores.OrderBy(s => s.Observed).Select(s => s.Score).ToList();
        Assert.Equal(ordered.Order(), ordered);
    }

    [Fact]
    public void Score_ExplainsTheTwoAspectsFurthestFromNormal_InWords()
    {
        var scores = Model.Score(Bases().Select(BurstAfterLongRun).ToList());
        var score = scores.First(s => s.Flagged);

        Assert.Equal(AnomalyId.For(Plant.PlantId, score.MachineId, score.StopStart, AnomalyKind.UnusualPattern), score.Id);
        Assert.InRange(score.Score, 0.5, 1);
        Assert.Equal("unusual stop on asm-01: 4 h of running before it (usually about 16 min) and 9 stops in the hour before (usually about 1)", score.Explanation);
    }

    [Fact]
    public void Score_OneStopAtATime_EqualsTheBatch_AlsoFromManyThreads()
    {
        var batch = Model.Score(Held);
        var single = new AnomalyScore[Held.Count];

        Parallel.For(0, Held.Count, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => single[i] = Model.Score(Held[i]));

        Assert.Equal(batch, single);
    }

    [Fact]
    public void SaveLoad_RoundTrip_ScoresIdentically()
    {
        var loaded = DowntimePatternModel.Load(Model.Save());

        Assert.Equal(Model.Score(Held), loaded.Score(Held));
        Assert.Equal(Model.Metrics, loaded.Metrics);
        Assert.Equal(Model.FeatureNames, loaded.FeatureNames);
    }

    [Fact]
    public void Train_TwiceWithTheSameSeed_GivesTheSameScores()
    {
        var again = DowntimePatternModel.Train(Plant.PlantId, Train, Options, Seed)!;

        Assert.Equal(Model.Score(Held), again.Score(Held));
        Assert.Equal(Model.Threshold, again.Threshold);
    }

    [Fact]
    public void Train_WithPca_IsDeterministicToo_AndKeepsItsThresholdPromise()
    {
        var options = Options with { Algorithm = PatternAlgorithm.Pca };
        var pca = DowntimePatternModel.Train(Plant.PlantId, Train, options, Seed)!;
        var again = DowntimePatternModel.Train(Plant.PlantId, Train, options, Seed)!;

        Assert.Equal(pca.Score(Held), again.Score(Held));
        Assert.Equal(pca.Score(Held), DowntimePatternModel.Load(pca.Save()).Score(Held));
        Assert.True(pca.Metrics.FlaggedTrainingStops <= Train.Count * 0.0005);
    }

    [Fact]
    public void Train_TooFewClosedStops_GivesNoModel_AndSaysWhy()
    {
        var few = Train.Take(199).ToList();

        Assert.Null(DowntimePatternModel.Train(Plant.PlantId, few, PatternOptions.Default, Seed));
        Assert.Equal("needs at least 200 closed stops to learn the plant's stop patterns, has 199", PatternOptions.Default.WhyNot(few.Count));
        Assert.NotNull(DowntimePatternModel.Train(Plant.PlantId, Train.Take(200).ToList(), PatternOptions.Default, Seed));
    }

    [Fact]
    public void Features_NamesAndAspects_CoverEveryEntry()
    {
        Assert.Equal(PatternFeatures.Count, PatternFeatures.Names.Count);
        Assert.Equal(PatternFeatures.Count, PatternFeatures.Aspects.Count);
        Assert.Equal(PatternFeatures.Count, PatternFeatures.Raw(Held[0], PatternNorms.Fit(Train, 5)).Length);
    }
}
