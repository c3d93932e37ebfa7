using Ms5.OeeEngine;

namespace Ms5.Stream.Tests;

/// <summary>The engine's start-up settings: the catch-up publication interval's bounds, and the batch path compiled ahead.</summary>
public sealed class EngineStartTests
{
    [Fact]
    public void CatchUpPublishEvery_DefaultsToThreeSeconds_AndIsValid()
    {
        var options = new EngineOptions();

        Assert.Equal(TimeSpan.FromSeconds(3), options.CatchUpPublishEvery);
        Assert.DoesNotContain(options.Validate(), p => p.Contains("CatchUpPublishEvery", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(61)]
    public void CatchUpPublishEvery_OutsideZeroToAMinute_IsRejectedByName(int seconds)
    {
        var options = new EngineOptions { CatchUpPublishEvery = TimeSpan.FromSeconds(seconds) };

        var problem = Assert.Single(options.Validate(), p => p.Contains("CatchUpPublishEvery", StringComparison.Ordinal));
        Assert.Contains($"was {TimeSpan.FromSeconds(seconds)}", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void CatchUpPublishEvery_Zero_PublishesEveryBatch_AndIsValid()
    {
        var options = new EngineOptions { CatchUpPublishEvery = TimeSpan.Zero };

        Assert.DoesNotContain(options.Validate(), p => p.Contains("CatchUpPublishEvery", StringComparison.Ordinal));
    }

    [Fact]
    public void CompileAhead_FindsTheBatchPath_AndTheRuntimeRefusesNoneOfIt()
    {
        var (compiled, failed) = JitWarmUp.CompileAhead(CancellationToken.None);

        // Thousands of methods (engine, Kafka, PostgreSQL, the OEE and Andon domain); a renamed assembly would drop them.
        Assert.True(compiled > 2_000, $"only {compiled} methods compiled ahead");
        Assert.Equal(0, failed);
    }

    [Fact]
    public void CompileAhead_Cancelled_StopsAtOnce()
    {
        var (compiled, failed) = JitWarmUp.CompileAhead(new CancellationToken(canceled: true));

        Assert.Equal((0, 0), (compiled, failed));
    }

    [Theory]
    [InlineData("0", false)]
    [InlineData("00", false)]
    [InlineData("0x0", false)]
    [InlineData("1", true)]
    [InlineData("false", true)] // not a number: the runtime ignores it, and a test process tiers by default
    public void TieredCompilation_ReadsTheEnvironmentAsTheRuntimeDoes(string value, bool tiered)
    {
        var (dotnet, complus) = (Environment.GetEnvironmentVariable("DOTNET_TieredCompilation"), Environment.GetEnvironmentVariable("COMPlus_TieredCompilation"));
        try
        {
            Environment.SetEnvironmentVariable("COMPlus_TieredCompilation", null);
            Environment.SetEnvironmentVariable("DOTNET_TieredCompilation", value);

            Assert.Equal(tiered, JitWarmUp.TieredCompilation());
        }
        finally
        {
            Environment.SetEnvironmentVariable("DOTNET_TieredCompilation", dotnet);
            Environment.SetEnvironmentVariable("COMPlus_TieredCompilation", complus);
        }
    }
}
