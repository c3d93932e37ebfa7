using Ms5.Ml.Patterns;
using Ms5.Ml.Reranking;
using static Ms5.Stream.Tests.Ml.SimulatedStops;

namespace Ms5.Stream.Tests.Ml;

/// <summary>
/// The re-ranker on synthetic labels: users confirm the flags of stops that lasted longer than 10 min and dismiss the
/// others, so the label depends on one feature the re-ranker sees (and on nothing the flag's score says).
/// </summary>
public sealed class DowntimeRerankerTests
{
    private static readonly Lazy<DowntimePatternModel> Pattern = new(() => DowntimePatternModel.Train(Plant.PlantId, Train, PatternOptions.Default, Seed)!);

    /// <summary>Every 5th held-out stop with its (unflagged) pattern score as the flag, labelled by duration.</summary>
    private static List<LabelledFlag> Labels(int skip, int take) =>
        [.. Held.Where((_, i) => i % 5 == 0).Skip(skip).Take(take).Select(s => new LabelledFlag(s, Pattern.Value.Score(s), s.Seconds > 600))];

    [Fact]
    public void Train_OnLabelsThatDependOnAFeature_RanksHeldOutConfirmedAboveDismissed()
    {
        var training = Labels(0, 200);
        var test = Labels(200, 200);

        var reranker = DowntimeReranker.Train(training, RerankerOptions.Default, Seed)!;
        var auc = DowntimeReranker.Auc([.. test.Select(l => (reranker.Probability(l.Stop, l.Flag), l.Confirmed))]);

        Assert.Equal(200, reranker.Metrics.Labels);
        Assert.Equal(training.Count(l => l.Confirmed), reranker.Metrics.Confirmed);
        Assert.Equal(5, reranker.Metrics.Folds);
        Assert.True(auc > 0.8, $"held-out AUC {auc}");
        Assert.True(reranker.Metrics.CrossValidatedAuc > 0.8, $"cross-validated AUC {reranker.Metrics.CrossValidatedAuc}");
        Assert.InRange(reranker.Metrics.TrainingAuc, reranker.Metrics.CrossValidatedAuc - 0.05, 1);
    }

    [Fact]
    public void Train_TooFewLabels_GivesNoModel_AndSaysWhy()
    {
        var few = Labels(0, 29);

        Assert.Null(DowntimeReranker.Train(few, RerankerOptions.Default, Seed, out var why));
        Assert.Equal($"needs at least 30 labelled flags, has 29 ({few.Count(l => l.Confirmed)} confirmed, {few.Count(l => !l.Confirmed)} dismissed)", why);
    }

    [Fact]
    public void Train_OnlyOneAnswer_GivesNoModel_AndSaysWhy()
    {
        var dismissed = Labels(0, 400).Where(l => !l.Confirmed).Take(40).ToList();
        var confirmed = Labels(0, 400).Where(l => l.Confirmed).Take(4).ToList();

        Assert.Null(DowntimeReranker.Train([.. dismissed, .. confirmed], RerankerOptions.Default, Seed, out var why));
        Assert.Equal("needs at least 5 confirmed and 5 dismissed flags, has 4 confirmed and 40 dismissed", why);
    }

    [Fact]
    public void SaveLoad_RoundTrip_GivesTheSameProbabilities_AndTrainingIsDeterministic()
    {
        var training = Labels(0, 60);
        var test = Labels(200, 50);
        var reranker = DowntimeReranker.Train(training, RerankerOptions.Default, Seed)!;
        var again = DowntimeReranker.Train(training, RerankerOptions.Default, Seed)!;
        var loaded = DowntimeReranker.Load(reranker.Save());

        var probabilities = test.Select(l => reranker.Probability(l.Stop, l.Flag)).ToList();

        Assert.Equal(probabilities, test.Select(l => loaded.Probability(l.Stop, l.Flag)));
        Assert.Equal(probabilities, test.Select(l => again.Probability(l.Stop, l.Flag)));
        Assert.Equal(reranker.Metrics with { TrainingMilliseconds = 0 }, again.Metrics with { TrainingMilliseconds = 0 });
        Assert.All(probabilities, p => Assert.InRange(p, 0, 1));
    }

    [Fact]
    public void Auc_CountsTiesAsHalf() =>
        Assert.Equal(0.875, DowntimeReranker.Auc([(0.9, true), (0.5, true), (0.5, false), (0.1, false)]));
}
