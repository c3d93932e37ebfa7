using Ms5.Analytics.Access;

namespace Ms5.Analytics.Tests;

public sealed class LockoutPolicyTests
{
    private static readonly LockoutPolicy Policy = LockoutPolicy.Default;
    private static readonly DateTimeOffset Now = Some.Ts;

    [Fact]
    public void Default_IsFiveAttemptsAndFifteenMinutes()
    {
        Assert.Equal(new LockoutPolicy(5, TimeSpan.FromMinutes(15)), Policy);
    }

    [Fact]
    public void AfterFailure_FourFailures_CountUpWithoutLocking()
    {
        var count = 0;
        for (var i = 1; i <= 4; i++)
        {
            var state = Policy.AfterFailure(count, Now);
            Assert.Equal(new LockoutState(i, null), state);
            count = state.FailedCount;
        }
        Assert.Equal(4, count);
    }

    [Fact]
    public void AfterFailure_FifthFailure_LocksForExactlyFifteenMinutes_AndResetsTheCount()
    {
        var state = Policy.AfterFailure(4, Now);

        Assert.Equal(new LockoutState(0, Now.AddMinutes(15)), state);
    }

    [Fact]
    public void AfterFailure_CountAboveTheMaximum_LocksToo()
    {
        Assert.Equal(new LockoutState(0, Now.AddMinutes(15)), Policy.AfterFailure(9, Now));
    }

    [Fact]
    public void AfterFailure_AfterALock_CountsFromOneAgain()
    {
        var locked = Policy.AfterFailure(4, Now);

        Assert.Equal(new LockoutState(1, null), Policy.AfterFailure(locked.FailedCount, Now.AddMinutes(16)));
    }

    [Fact]
    public void IsLockedOut_WhileNowIsBeforeTheEnd()
    {
        var end = Now.AddMinutes(15);

        Assert.True(Policy.IsLockedOut(end, Now));
        Assert.True(Policy.IsLockedOut(end, end.AddTicks(-1)));
        Assert.False(Policy.IsLockedOut(end, end));            // open again at exactly the end
        Assert.False(Policy.IsLockedOut(end, end.AddTicks(1)));
        Assert.False(Policy.IsLockedOut(null, Now));
    }

    [Fact]
    public void AfterFailure_NegativeCount_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Policy.AfterFailure(-1, Now));
    }

    [Fact]
    public void Policy_RejectsNoAttemptsOrNoDuration_AlsoThroughWith()
    {
        Assert.Equal("MaxFailedAttempts", Assert.Throws<ArgumentOutOfRangeException>(() => new LockoutPolicy(0, TimeSpan.FromMinutes(1))).ParamName);
        Assert.Equal("Duration", Assert.Throws<ArgumentOutOfRangeException>(() => new LockoutPolicy(3, TimeSpan.Zero)).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => Policy with { MaxFailedAttempts = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => Policy with { Duration = TimeSpan.FromSeconds(-1) });
        Assert.Equal(new LockoutPolicy(1, TimeSpan.FromSeconds(1)), Policy with { MaxFailedAttempts = 1, Duration = TimeSpan.FromSeconds(1) });
    }
}
