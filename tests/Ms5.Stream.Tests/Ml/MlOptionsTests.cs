using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Ms5.Ml;

namespace Ms5.Stream.Tests.Ml;

/// <summary>A bad downtime-model setting stops the host at start, naming its configuration path.</summary>
public sealed class MlOptionsTests
{
    private static void Register(params (string Key, string Value)[] settings) =>
        new ServiceCollection().AddMs5DowntimeModels(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build());

    [Theory]
    [InlineData("Ms5:Ml:Downtime:Pattern:Rank", "0", "Ms5:Ml:Downtime:Pattern:Rank must be from 1 to 20; got 0")]
    [InlineData("Ms5:Ml:Downtime:Pattern:ThresholdMargin", "0.5", "Ms5:Ml:Downtime:Pattern:ThresholdMargin must be from 1 to 100; got 0.5")]
    [InlineData("Ms5:Ml:Downtime:Reranker:MinLabels", "1", "Ms5:Ml:Downtime:Reranker:MinLabels must be at least 2; got 1")]
    [InlineData("Ms5:Ml:Downtime:Reranker:LearningRate", "0", "Ms5:Ml:Downtime:Reranker:LearningRate must be in (0, 1]; got 0")]
    [InlineData("Ms5:Ml:Downtime:Baseline:TailProbability", "0.7", "BaselineOptions.TailProbability must be in (0, 0.5); got 0.7")]
    [InlineData("Ms5:Ml:Downtime:DefaultDays", "0", "Ms5:Ml:Downtime needs 1 <= DefaultDays <= MaxDays")]
    public void BadSetting_IsRefusedAtRegistration_NamingIt(string key, string value, string message)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => Register((key, value)));
        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GoodSettings_AreBound()
    {
        var services = new ServiceCollection();
        services.AddMs5DowntimeModels(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Ms5:Ml:Downtime:DefaultDays"] = "14",
            ["Ms5:Ml:Downtime:Pattern:MinStops"] = "500",
            ["Ms5:Ml:Downtime:Reranker:MinLabels"] = "40",
            ["Ms5:Ml:Downtime:Baseline:TailProbability"] = "0.002",
        }).Build());

        var o = (DowntimeTrainingOptions)services.Single(d => d.ServiceType == typeof(DowntimeTrainingOptions)).ImplementationInstance!;
        Assert.Equal((14, 500, 40, 0.002), (o.DefaultDays, o.Pattern.MinStops, o.Reranker.MinLabels, o.Baseline.TailProbability));
        Assert.Equal(0.001, new DowntimeTrainingOptions().Baseline.TailProbability);
    }
}
