using System.Text.Json;
using Ms5.Analytics.Anomalies;
using Ms5.Analytics.Plant;
using static Ms5.Analytics.Tests.AnomalyData;

namespace Ms5.Analytics.Tests;

/// <summary>The baseline's statistics and contexts, with numbers worked out independently (Python, numpy definitions).</summary>
public sealed class AnomalyBaselineTests
{
    [Theory]
    [InlineData(new double[] { 5 }, 5, 0, 0)]
    [InlineData(new double[] { 1, 2, 3, 10, 20 }, 3, 2, 7)]
    [InlineData(new double[] { 20, 3, 1, 10, 2 }, 3, 2, 7)]
    [InlineData(new double[] { 1, 2, 3, 4 }, 2.5, 1, 1)]
    [InlineData(new double[] { 1, 2, 3, 4, 100 }, 3, 1, 1)]
    public void MedianMadAndUpperMad_OfSmallSamples(double[] values, double median, double mad, double upperMad)
    {
        Assert.Equal(median, RobustStats.Median(values));
        Assert.Equal(mad, RobustStats.Mad(values));
        Assert.Equal(upperMad, RobustStats.UpperMad(values));
    }

    [Theory]
    [InlineData(0.025, 1.225)]
    [InlineData(0.5, 5.5)]
    [InlineData(0.975, 9.775)]
    [InlineData(0, 1)]
    [InlineData(1, 10)]
    public void Quantile_InterpolatesBetweenOrderStatistics(double p, double expected)
    {
        double[] oneToTen = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1];

        Assert.Equal(expected, RobustStats.Quantile(oneToTen, p), 12);
    }

    [Theory]
    [InlineData(0, 0.999, 0)]
    [InlineData(0.5, 0.025, 0)]
    [InlineData(0.5, 0.975, 2)]
    [InlineData(0.5, 0.999, 4)]
    [InlineData(3, 0.025, 0)]
    [InlineData(3, 0.975, 7)]
    [InlineData(3, 0.999, 10)]
    [InlineData(2.0 / 7, 0.999, 3)]
    public void PoissonQuantile_IsTheSmallestCountReachingTheProbability(double mean, double p, int expected) =>
        Assert.Equal(expected, RobustStats.PoissonQuantile(mean, p));

    [Fact]
    public void Fit_MachineReasonContext_HasMedianMadQuantilesAndThreshold()
    {
        var c = Assert.Single(Baseline().Durations, d => d.Level == ContextLevel.MachineReason);

        Assert.Equal(("press-01", "jam", ReasonCategory.Unplanned, 20), (c.MachineId, c.Reason, c.Category, c.Count));
        Assert.Equal(5.272670719354261, c.MedianLog, 12);
        Assert.Equal(0.30951960420311186, c.MadLog, 12);
        Assert.Equal(0.3250648977381272, c.UpperMadLog, 12);
        Assert.Equal(0.4819412173865473, c.Spread, 12);
        Assert.Equal(104.75, c.LowSeconds, 9);
        Assert.Equal(381, c.HighSeconds, 9);
        // 45 stops in all, under MinShapeSamples (200): shape 1, so the threshold is the median × ln(1000) / ln 2.
        Assert.Equal(1.0, c.Shape);
        Assert.Empty(Baseline().Shapes);
        Assert.Equal(1942.6889981466093, c.ThresholdSeconds, 9);
    }

    [Fact]
    public void Fit_WithThePlainMad_HasALowerSpreadForThisSample()
    {
        var c = Baseline(options: new BaselineOptions { UpperHalfMad = false }).Durations.First(d => d.Level == ContextLevel.MachineReason);

        Assert.Equal(1.4826 * 0.30951960420311186, c.Spread, 12);
        Assert.Equal(1942.6889981466093, c.ThresholdSeconds, 9);
    }

    [Fact]
    public void Fit_TailShape_IsMeasuredOnThePooledStopsOverTheirContextMedian()
    {
        // 200 unplanned stops on one machine and reason: 100 of 60 s, 90 of 120 s, 10 of 600 s. The median of ln
        // seconds is (ln 60 + ln 120) / 2; the 95 % point (type 7, h = 199 · 0.95 = 189.05) ln 120 + 0.05 · ln 5; so the
        // pooled spread is ln 2 / 2 + 0.05 · ln 5 = 0.427: a light tail (shape 3.43), and the threshold only 1.95 × the
        // median: the 10 stops of 600 s (7 × the median) would all be long.
        var stops = Enumerable.Range(0, 200)
            .Select(i => Stop("press-01", "jam", i < 100 ? 60 : i < 190 ? 120 : 600, Day.AddDays(-27).AddMinutes(10 * i)))
            .ToList();

        var b = DowntimeBaseline.Fit("p1", WindowFrom, Day, stops, [], new BaselineOptions { MinShapeSamples = 200 });

        var spread = (Math.Log(2) / 2) + (0.05 * Math.Log(5));
        var shape = Math.Log(Math.Log(20) / Math.Log(2)) / spread;
        Assert.Equal([ReasonCategory.Unplanned, null], b.Shapes.Select(t => t.Category));
        Assert.All(b.Shapes, t => Assert.Equal(200, t.Count));
        Assert.All(b.Shapes, t => Assert.Equal(spread, t.LogSpread, 12));
        Assert.All(b.Shapes, t => Assert.Equal(shape, t.Shape, 12));
        Assert.Equal(3.4275, Math.Round(shape, 4));
        var c = b.Durations.First(d => d.Level == ContextLevel.MachineReason);
        Assert.Equal(Math.Sqrt(60 * 120) * Math.Pow(Math.Log(1000) / Math.Log(2), 1 / shape), c.ThresholdSeconds, 9);
        Assert.Equal(166.0, Math.Round(c.ThresholdSeconds));
    }

    [Fact]
    public void Fit_ContextsWithTooFewStops_AreLeftOut()
    {
        var b = Baseline();

        // press-01 electrical (5), press-02 jam and unplanned (10 each), every micro_stop context (3): under 20.
        Assert.Equal(
            [(ContextLevel.MachineReason, "press-01", "jam"), (ContextLevel.MachineCategory, "press-01", null), (ContextLevel.PlantCategory, null, null)],
            b.Durations.Select(d => (d.Level, d.MachineId, d.Reason)));
    }

    [Fact]
    public void Fit_MachineAndPlantCategoryContexts_PoolTheirStops()
    {
        var b = Baseline();
        var machine = b.Durations.Single(d => d.Level == ContextLevel.MachineCategory);
        var plant = b.Durations.Single(d => d.Level == ContextLevel.PlantCategory);

        Assert.Equal((25, ReasonCategory.Unplanned), (machine.Count, machine.Category));
        Assert.Equal(5.393627546352362, machine.MedianLog, 12);
        Assert.Equal(0.49247648509779385, machine.UpperMadLog, 12);
        Assert.Equal(2192.47254262566, machine.ThresholdSeconds, 9);
        Assert.Equal((106, 1620), (machine.LowSeconds, Math.Round(machine.HighSeconds, 9)));

        // The plant's 35 unplanned stops are mostly 200 s: the upper spread (1.4826 · 0.0953) is under the 0.2 floor.
        Assert.Equal(35, plant.Count);
        Assert.Equal(Math.Log(200), plant.MedianLog, 12);
        Assert.Equal(0.2, plant.Spread);
        Assert.Equal(1993.1568569324174, plant.ThresholdSeconds, 9);
    }

    [Fact]
    public void ContextFor_FallsBackFromMachineReasonToMachineCategoryToPlantCategory()
    {
        var scorer = new DowntimeScorer(Baseline());

        Assert.Equal(ContextLevel.MachineReason, scorer.ContextFor(Stop("press-01", "jam", 60, Day))!.Level);
        Assert.Equal(ContextLevel.MachineCategory, scorer.ContextFor(Stop("press-01", "electrical", 60, Day))!.Level);
        Assert.Equal(ContextLevel.PlantCategory, scorer.ContextFor(Stop("press-02", "jam", 60, Day))!.Level);
        Assert.Equal(ContextLevel.PlantCategory, scorer.ContextFor(Stop("asm-03", "electrical", 60, Day))!.Level);
        Assert.Null(scorer.ContextFor(Stop("asm-03", "micro_stop", 60, Day, ReasonCategory.MicroStop)));
    }

    [Fact]
    public void Fit_MinSamples_IsConfigurable()
    {
        var b = Baseline(options: new BaselineOptions { MinSamples = 5 });

        Assert.Contains(b.Durations, d => d is { Level: ContextLevel.MachineReason, MachineId: "press-01", Reason: "electrical", Count: 5 });
        Assert.Contains(b.Durations, d => d is { Level: ContextLevel.MachineReason, MachineId: "press-02", Reason: "jam", Count: 10 });
        Assert.DoesNotContain(b.Durations, d => d.Category == ReasonCategory.MicroStop);
    }

    [Fact]
    public void Fit_OpenStopsAndStopsOutsideTheWindow_DoNotShapeDurations()
    {
        var stops = TrainingStops();
        stops.Add(Stop("press-01", "jam", 99_999, Day.AddHours(-1), open: true));
        stops.Add(Stop("press-01", "jam", 99_999, Day.AddHours(1)));
        stops.Add(Stop("press-01", "jam", 99_999, WindowFrom.AddHours(-1)));

        var c = Baseline(stops).Durations.First(d => d.Level == ContextLevel.MachineReason);

        Assert.Equal(20, c.Count);
        Assert.Equal(1942.6889981466093, c.ThresholdSeconds, 9);
    }

    [Fact]
    public void Fit_Machines_ListReasonsSeenWithCounts()
    {
        var b = Baseline();

        Assert.Equal(["asm-03", "press-01", "press-02"], b.Machines.Select(m => m.MachineId));
        var press = b.Machines.Single(m => m.MachineId == "press-01");
        Assert.Equal(25, press.Stops);
        Assert.Equal([new ReasonCount("jam", 20), new ReasonCount("electrical", 5)], press.Reasons);
    }

    [Fact]
    public void Fit_HourOfWeekRate_IsShrunkTowardTheHourOfDayAndBoundedByAPoissonQuantile()
    {
        var b = Baseline(hours: WeldHours());
        var thursday7 = b.Rates.Single(r => r.MachineId == "weld-02" && r.HourOfWeek == 79);
        var thursday6 = b.Rates.Single(r => r.MachineId == "weld-02" && r.HourOfWeek == 78);

        // Hour of day 7: 2 stops in 28 hours. Thursday 07: (2 + 4 · 2/28) / (4 + 4) = 2/7.
        Assert.Equal((4, 2, 0.5), (thursday7.Hours, thursday7.Stops, thursday7.Mean));
        Assert.Equal(2.0 / 7, thursday7.Rate, 12);
        Assert.Equal((0, 2, 3), (thursday7.UsualLow, thursday7.UsualHigh, thursday7.Bound));
        Assert.Equal((0, 0, 0, 2), (thursday6.Rate, thursday6.UsualLow, thursday6.UsualHigh, thursday6.Bound));
        Assert.Equal(168, b.Rates.Count);
    }

    [Fact]
    public void Fit_WithoutRatePrior_UsesTheHourOfWeekMean()
    {
        var thursday7 = Baseline(hours: WeldHours(), options: Quantiles with { RatePriorHours = 0 }).Rates.Single(r => r.HourOfWeek == 79);

        Assert.Equal(0.5, thursday7.Rate);
        Assert.Equal(4, thursday7.Bound);
    }

    [Fact]
    public void Options_OutOfRange_AreRefusedNamingTheSetting()
    {
        var e = Assert.Throws<ArgumentException>(() => Baseline(options: new BaselineOptions { TailProbability = 0 }));
        Assert.Equal("TailProbability", e.ParamName);
        Assert.StartsWith("BaselineOptions.TailProbability must be in (0, 0.5); got 0", e.Message, StringComparison.Ordinal);
        Assert.Equal("ShiftQuantile", Assert.Throws<ArgumentException>(() => Baseline(options: new BaselineOptions { ShiftQuantile = 0.4 })).ParamName);
        Assert.Equal("MinBurstBound", Assert.Throws<ArgumentException>(() => Baseline(options: new BaselineOptions { MinBurstBound = 0 })).ParamName);
        Assert.Equal("MinSamples", Assert.Throws<ArgumentException>(() => Baseline(options: new BaselineOptions { MinSamples = 0 })).ParamName);
    }

    [Fact]
    public void Json_RoundTrip_KeepsEveryNumberAndScoresAlike()
    {
        var b = Baseline(hours: WeldHours(), options: new BaselineOptions { TailProbability = 0.002 });

        var json = b.ToJson();
        var back = DowntimeBaseline.FromJson(json);

        Assert.Equal(json, back.ToJson());
        Assert.Equal(0.002, back.Options.TailProbability);
        Assert.Contains("\"level\":\"MachineReason\"", json, StringComparison.Ordinal);
        Assert.Contains("\"category\":\"Unplanned\"", json, StringComparison.Ordinal);
        var stop = Stop("press-01", "jam", 2460, Day.AddHours(7));
        Assert.Equal(new DowntimeScorer(b).ScoreLongStop(stop), new DowntimeScorer(back).ScoreLongStop(stop));
    }

    [Fact]
    public void Json_WithoutARequiredField_IsRefused()
    {
        var json = Baseline().ToJson().Replace("\"plantId\":\"p1\",", "", StringComparison.Ordinal);

        Assert.ThrowsAny<JsonException>(() => DowntimeBaseline.FromJson(json));
    }

    /// <summary>weld-02 over the 28-day window: every hour without stops except Thursday 07–08 local, with 1, 0, 1, 0 stops.</summary>
    internal static List<MachineHourFeatures> WeldHours()
    {
        var hours = new List<MachineHourFeatures>();
        var thursdays = 0;
        for (var h = WindowFrom; h < Day; h = h.AddHours(1))
        {
            var local = TimeZoneInfo.ConvertTime(h, Some.Berlin);
            var how = (((int)local.DayOfWeek + 6) % 7 * 24) + local.Hour;
            var stops = how == 79 ? (thursdays++ % 2 == 0 ? 1 : 0) : 0;
            hours.Add(new MachineHourFeatures("weld-02", h, how, stops, stops * 60, 0));
        }

        return hours;
    }
}
