using Ms5.Analytics.Anomalies;

namespace Ms5.Analytics.Tests;

public sealed class AnomalyPatternTextTests
{
    [Fact]
    public void UnusualPattern_NamesTheDeviationsInOrder_WithTheUsualValues() =>
        Assert.Equal(
            "unusual stop on press-01: 9 stops in the hour before (usually about 1) and 4 min of running before it (usually about 35 min)",
            AnomalyText.UnusualPattern("press-01", [new(PatternAspect.StopsInHour, 9, 1.04), new(PatternAspect.RunBefore, 240, 2100)]));

    [Fact]
    public void UnusualPattern_WithoutDeviations_SaysTheCombinationIsRare() =>
        Assert.Equal("unusual stop on asm-03: a rare combination of its features", AnomalyText.UnusualPattern("asm-03", []));

    [Theory]
    [InlineData(PatternAspect.Duration, 2460, 180, "jam", "jam lasted 41 min (usually about 3 min)")]
    [InlineData(PatternAspect.StopsInHour, 1, 0.4, null, "1 stop in the hour before (usually about 0.4)")]
    [InlineData(PatternAspect.StopsInShift, 12, 3.2, null, "12 stops earlier in the shift (usually about 3)")]
    [InlineData(PatternAspect.RejectRate, 0.12, 0.008, null, "12 % rejects in the hour before (usually about 0.8 %)")]
    [InlineData(PatternAspect.TimeOfWeek, 3, 0, "Sunday", "at 03:00 on Sunday, a rare time for its stops")]
    [InlineData(PatternAspect.Reason, 0, 840, "electrical", "reason electrical, never seen on it in training")]
    [InlineData(PatternAspect.Reason, 2, 840, "electrical", "reason electrical, 2 of its 840 stops in training")]
    public void Deviation_ReadsForASupervisor(PatternAspect aspect, double value, double usual, string? detail, string expected) =>
        Assert.Equal(expected, AnomalyText.Deviation(new PatternDeviation(aspect, value, usual, detail)));
}
