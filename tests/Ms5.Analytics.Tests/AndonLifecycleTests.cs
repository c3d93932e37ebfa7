using Ms5.Analytics.Andon;

namespace Ms5.Analytics.Tests;

public sealed class AndonLifecycleTests
{
    private static readonly DateTimeOffset T = new(2026, 11, 26, 6, 0, 0, TimeSpan.Zero);
    private static readonly Guid Id = Guid.Parse("0193a6f0-0000-7000-8000-000000000001");

    // The default timers, each counted from the previous level: level 2 at 5 minutes, level 3 at 5 + 15 = 20 minutes.
    private static readonly AndonConfig Config = AndonConfig.Default;

    private static AndonEpisode Episode(DateTimeOffset raisedAt, DateTimeOffset? clearedAt) =>
        new(Id, "down", "m1", raisedAt.AddMinutes(-2), raisedAt, clearedAt, "down for 2 min");

    private static AndonRecord Record(int level = 1, DateTimeOffset? acked = null, DateTimeOffset? resolved = null) =>
        new(Id, "p", "l1", "m1", "down", "stop", "critical", "down for 2 min", T.AddMinutes(-2), T, "system", level,
            acked, acked is null ? null : "ann", resolved, resolved is null ? null : "bob", resolved is null ? null : "manual");

    [Theory]
    [InlineData(1, false, false, AndonStatus.Raised, "raised")]
    [InlineData(2, false, false, AndonStatus.Escalated, "escalated")]
    [InlineData(3, false, false, AndonStatus.Escalated, "escalated")]
    [InlineData(3, true, false, AndonStatus.Acknowledged, "acknowledged")]
    [InlineData(1, true, true, AndonStatus.Resolved, "resolved")]
    [InlineData(2, false, true, AndonStatus.Resolved, "resolved")]
    public void StatusOf_LevelAckAndResolution_GiveTheStatus(int level, bool acknowledged, bool resolved, AndonStatus expected, string name)
    {
        Assert.Equal(expected, AndonLifecycle.StatusOf(level, acknowledged, resolved));
        Assert.Equal(name, AndonLifecycle.Name(expected));
    }

    [Fact]
    public void Record_Status_FollowsItsTimestamps()
    {
        Assert.Equal("raised", Record().Status);
        Assert.Equal("escalated", Record(level: 2).Status);
        Assert.Equal("acknowledged", Record(level: 2, acked: T.AddMinutes(6)).Status);
        Assert.Equal("resolved", Record(level: 2, acked: T.AddMinutes(6), resolved: T.AddMinutes(9)).Status);
    }

    [Fact]
    public void AgeAt_Open_IsNowMinusRaised_Resolved_StopsAtResolution_NeverNegative()
    {
        Assert.Equal(TimeSpan.FromSeconds(90), Record().AgeAt(T.AddSeconds(90)));
        Assert.Equal(TimeSpan.FromMinutes(9), Record(resolved: T.AddMinutes(9)).AgeAt(T.AddHours(5)));
        Assert.Equal(TimeSpan.Zero, Record().AgeAt(T.AddSeconds(-3)));
    }

    [Theory]
    [InlineData(AndonAction.Acknowledge, false, false, AndonRefusal.None)]
    [InlineData(AndonAction.Acknowledge, true, false, AndonRefusal.AlreadyAcknowledged)]
    [InlineData(AndonAction.Acknowledge, false, true, AndonRefusal.AlreadyResolved)]
    [InlineData(AndonAction.Acknowledge, true, true, AndonRefusal.AlreadyResolved)]
    [InlineData(AndonAction.Resolve, false, false, AndonRefusal.None)]
    [InlineData(AndonAction.Resolve, true, false, AndonRefusal.None)]
    [InlineData(AndonAction.Resolve, false, true, AndonRefusal.AlreadyResolved)]
    [InlineData(AndonAction.Resolve, true, true, AndonRefusal.AlreadyResolved)]
    public void Check_ResolvedRefusesEverything_AcknowledgedRefusesOnlyASecondAck(AndonAction action, bool acknowledged, bool resolved, AndonRefusal expected) =>
        Assert.Equal(expected, AndonLifecycle.Check(action, acknowledged, resolved));

    [Theory]
    [InlineData(AndonRefusal.NotFound, AndonAction.Resolve, "Unknown Andon", "no Andon with id 0193a6f0-0000-7000-8000-000000000001")]
    [InlineData(AndonRefusal.AlreadyResolved, AndonAction.Acknowledge, "Cannot acknowledge a resolved Andon", "Andon 0193a6f0-0000-7000-8000-000000000001 is already resolved")]
    [InlineData(AndonRefusal.AlreadyResolved, AndonAction.Resolve, "Cannot resolve a resolved Andon", "Andon 0193a6f0-0000-7000-8000-000000000001 is already resolved")]
    [InlineData(AndonRefusal.AlreadyAcknowledged, AndonAction.Acknowledge, "Already acknowledged", "Andon 0193a6f0-0000-7000-8000-000000000001 is already acknowledged")]
    public void Explain_Refusal_SaysWhy(AndonRefusal refusal, AndonAction action, string title, string detail) =>
        Assert.Equal((title, detail), AndonLifecycle.Explain(refusal, action, Id));

    [Fact]
    public void Explain_None_IsNotARefusal() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => AndonLifecycle.Explain(AndonRefusal.None, AndonAction.Resolve, Id));

    [Fact]
    public void EscalationsDue_OnlyLevelsAboveTheCurrentOne_WhoseTimerRanOut()
    {
        Assert.Empty(AndonLifecycle.EscalationsDue(Config, T, 1, T.AddMinutes(4.99)));
        Assert.Equal([(2, T.AddMinutes(5))], AndonLifecycle.EscalationsDue(Config, T, 1, T.AddMinutes(19.99)));
        Assert.Equal([(2, T.AddMinutes(5))], AndonLifecycle.EscalationsDue(Config, T, 1, T.AddMinutes(5)));
        Assert.Equal([(2, T.AddMinutes(5)), (3, T.AddMinutes(20))], AndonLifecycle.EscalationsDue(Config, T, 1, T.AddHours(2)));
        Assert.Equal([(3, T.AddMinutes(20))], AndonLifecycle.EscalationsDue(Config, T, 2, T.AddHours(2)));
        Assert.Empty(AndonLifecycle.EscalationsDue(Config, T, 3, T.AddHours(2)));
    }

    [Fact]
    public void EscalationsOnRaise_StillOpen_TimersRunUntilNow()
    {
        Assert.Equal([(2, T.AddMinutes(5))], AndonLifecycle.EscalationsOnRaise(Config, Episode(T, null), T.AddMinutes(7)));
        Assert.Equal([(2, T.AddMinutes(5))], AndonLifecycle.EscalationsOnRaise(Config, Episode(T, T.AddMinutes(30)), T.AddMinutes(7)));
    }

    [Fact]
    public void EscalationsOnRaise_AReplayedAndonThatCleared_StopsEscalatingAtTheClearing()
    {
        // Replayed a day later: cleared after 10 minutes, so level 2 (at 5 min) happened and level 3 (at 20) never did.
        Assert.Equal([(2, T.AddMinutes(5))], AndonLifecycle.EscalationsOnRaise(Config, Episode(T, T.AddMinutes(10)), T.AddDays(1)));
        Assert.Empty(AndonLifecycle.EscalationsOnRaise(Config, Episode(T, T.AddMinutes(4)), T.AddDays(1)));
    }

    [Fact]
    public void IsCleared_OnlyOnceTheClearingIsNotInTheFuture()
    {
        Assert.False(AndonLifecycle.IsCleared(Episode(T, null), T.AddDays(1)));
        Assert.False(AndonLifecycle.IsCleared(Episode(T, T.AddMinutes(3)), T.AddMinutes(2)));
        Assert.True(AndonLifecycle.IsCleared(Episode(T, T.AddMinutes(3)), T.AddMinutes(3)));
    }

    [Fact]
    public void Transitions_NameStepLevelActorAndNote()
    {
        Assert.Equal(new AndonTransition(Id, "raised", 1, T, "system", null), AndonLifecycle.RaisedByRule(Episode(T, null)));
        Assert.Equal(new AndonTransition(Id, "raised", 1, T, "carol", "missing fixture"), AndonLifecycle.Pulled(Id, T, "carol", "missing fixture"));
        Assert.Equal(new AndonTransition(Id, "escalated", 3, T, "system", null), AndonLifecycle.Escalation(Id, 3, T));
        Assert.Equal(new AndonTransition(Id, "resolved", 2, T, "system", "condition cleared"), AndonLifecycle.Cleared(Id, 2, T));
        Assert.Equal(new AndonTransition(Id, "acknowledged", 2, T, "ann", "on my way"), AndonLifecycle.ByOperator(AndonAction.Acknowledge, Id, 2, T, "ann", "on my way"));
        Assert.Equal(new AndonTransition(Id, "resolved", 1, T, "bob", null), AndonLifecycle.ByOperator(AndonAction.Resolve, Id, 1, T, "bob", null));
    }

    [Fact]
    public void Names_AreThePlantFileWords()
    {
        Assert.Equal(["stop", "no_counts", "low_oee", "reject_rate", "manual", "anomalous_stop"], Enum.GetValues<AndonKind>().Select(AndonNames.Of));
        Assert.Equal(["info", "warning", "critical"], Enum.GetValues<AndonSeverity>().Select(AndonNames.Of));
    }
}
