using Ms5.Analytics.Anomalies;
using Ms5.Analytics.Plant;
using static Ms5.Analytics.Tests.AnomalyData;

namespace Ms5.Analytics.Tests;

public sealed class AnomalyTextTests
{
    private static readonly TimeSpan FourWeeks = TimeSpan.FromDays(28);

    private static readonly DurationContext Jams = new(ContextLevel.MachineReason, "press-01", "jam", ReasonCategory.Unplanned, 312, 5.3, 0.2, 0.2, 0.3, 125, 350, 1200, 1);

    [Fact]
    public void LongStop_Closed_ReadsAsInTheIssue() =>
        Assert.Equal(
            "jam on press-01 lasted 41 min; normally 2–6 min (95 % of 312 jams in 28 days)",
            AnomalyText.LongStop(Stop("press-01", "jam", 2460, Day), 2460, Jams, FourWeeks));

    [Fact]
    public void LongStop_Open_SaysSoFar() =>
        Assert.Equal(
            "jam on press-01 has lasted 41 min so far; normally 2–6 min (95 % of 312 jams in 28 days)",
            AnomalyText.LongStop(Stop("press-01", "jam", 2460, Day, open: true), 2460, Jams, FourWeeks));

    [Fact]
    public void Burst_ReadsAsInTheIssue() =>
        Assert.Equal(
            "7 stops on weld-02 in the last hour; usually 0–2 at this hour",
            AnomalyText.Burst("weld-02", 7, new HourOfWeekRate("weld-02", 79, 4, 2, 0.5, 2.0 / 7, 0, 2, 3)));

    [Fact]
    public void Burst_WithASingleUsualCount_NamesIt() =>
        Assert.Equal(
            "3 stops on weld-02 in the last hour; usually 0 at this hour",
            AnomalyText.Burst("weld-02", 3, new HourOfWeekRate("weld-02", 78, 4, 0, 0, 0, 0, 0, 2)));

    [Fact]
    public void UnseenReason_ReadsAsInTheIssue() =>
        Assert.Equal("electrical on asm-03: never seen on this machine in 28 days", AnomalyText.UnseenReason("electrical", "asm-03", FourWeeks));

    [Theory]
    [InlineData(0, "0 s")]
    [InlineData(59.5, "60 s")]
    [InlineData(119.4, "119 s")]
    [InlineData(120, "2 min")]
    [InlineData(2460, "41 min")]
    [InlineData(2490, "42 min")]
    [InlineData(7200, "120 min")]
    [InlineData(7201, "2 h")]
    [InlineData(9000, "2.5 h")]
    [InlineData(36000, "10 h")]
    public void Duration_UsesSecondsMinutesOrHours(double seconds, string expected) =>
        Assert.Equal(expected, AnomalyText.Duration(seconds));

    [Theory]
    [InlineData(125, 350, "2–6 min")]
    [InlineData(45, 360, "45 s–6 min")]
    [InlineData(170, 190, "3 min")]
    [InlineData(3600, 9000, "60 min–2.5 h")]
    public void Range_SharesTheUnitWhenItCan(double low, double high, string expected) =>
        Assert.Equal(expected, AnomalyText.Range(low, high));

    [Theory]
    [InlineData(28 * 24, "28 days")]
    [InlineData(24, "1 day")]
    [InlineData(36, "36 h")]
    public void Window_InDaysWhenWhole(double hours, string expected) =>
        Assert.Equal(expected, AnomalyText.Window(TimeSpan.FromHours(hours)));

    [Theory]
    [InlineData("jam", "jams")]
    [InlineData("tool_break", "tool_breaks")]
    [InlineData("glass", "glasses")]
    [InlineData("battery", "batteries")]
    [InlineData("relay", "relays")]
    public void Plural_OfReasonCodes(string word, string expected) =>
        Assert.Equal(expected, AnomalyText.Plural(word));

    [Fact]
    public void Texts_DoNotDependOnTheCurrentCulture()
    {
        var before = Thread.CurrentThread.CurrentCulture;
        try
        {
            Thread.CurrentThread.CurrentCulture = new System.Globalization.CultureInfo("de-DE");
            Assert.Equal("2.5 h", AnomalyText.Duration(9000));
        }
        finally
        {
            Thread.CurrentThread.CurrentCulture = before;
        }
    }
}
