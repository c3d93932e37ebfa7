using Ms5.Alertmanager;
using Ms5.Analytics.Andon;

namespace Ms5.Stream.Tests;

/// <summary>What Alertmanager is told about a stored Andon, at a moment the test chooses (no waiting for re-posts or lifetimes).</summary>
public sealed class AndonAlertsTests
{
    private static readonly DateTimeOffset Raised = new(2026, 11, 26, 10, 2, 0, TimeSpan.Zero);
    private static readonly Uri Api = new("http://ms5.plant.local:8080/");

    private static AndonRecord Open(int level = 1) => new(
        Guid.Parse("0d6c2b1e-5f7a-4c7e-9a7b-1f1e2d3c4b5a"), "demo", "line-1", "press-01", "down", "stop", "critical", "down for 2 min (jam)",
        Raised.AddMinutes(-2), Raised, "system", level, null, null, null, null, null);

    [Fact]
    public void For_OpenAndonNeverPosted_FiresItsLevelUntilNowPlusTheLifetime()
    {
        var now = Raised.AddSeconds(30);

        var alert = Assert.Single(AndonAlerts.For(Open(), postedLevel: null, now, Api));

        Assert.Equal(now + TimeSpan.FromMinutes(5), alert.EndsAt);
        Assert.Equal(Raised, alert.StartsAt);
        Assert.Equal("1", alert.Labels["level"]);
        Assert.Equal(("MS5Andon", "demo", "line-1", "press-01", "down", "critical", "machine"),
            (alert.Labels["alertname"], alert.Labels["plant"], alert.Labels["line"], alert.Labels["machine"], alert.Labels["rule"], alert.Labels["severity"], alert.Labels["scope"]));
        Assert.Equal("http://ms5.plant.local:8080/api/andon/0d6c2b1e-5f7a-4c7e-9a7b-1f1e2d3c4b5a", alert.Annotations["link"]);
        Assert.False(alert.Annotations.ContainsKey("acknowledged_by"));
    }

    [Fact]
    public void For_AndonWithAnAssignee_LabelsItAssignee_AtEveryLevel()
    {
        var andon = Open(level: 2) with { Assignee = "jane" };

        var alerts = AndonAlerts.For(andon, postedLevel: 1, Raised.AddMinutes(5), Api);

        Assert.Equal([("1", "jane"), ("2", "jane")], alerts.Select(a => (a.Labels["level"], a.Labels["assignee"])));
    }

    [Fact]
    public void For_AndonWithoutAssignee_HasNoAssigneeLabel_NotAnEmptyOne()
    {
        var unassigned = Assert.Single(AndonAlerts.For(Open(), postedLevel: null, Raised, Api));
        var empty = Assert.Single(AndonAlerts.For(Open() with { Assignee = "" }, postedLevel: null, Raised, Api));

        Assert.Equal((false, false), (unassigned.Labels.ContainsKey("assignee"), empty.Labels.ContainsKey("assignee")));
    }

    [Fact]
    public void For_RepostedAMinuteLater_ExtendsTheLifetimeFromThen()
    {
        var now = Raised.AddSeconds(30) + AndonAlerts.Repost;

        var alert = Assert.Single(AndonAlerts.For(Open(), postedLevel: 1, now, Api));

        Assert.Equal(Raised.AddSeconds(30).AddMinutes(6), alert.EndsAt);
    }

    [Fact]
    public void For_EscalatedSinceLastPost_ResolvesTheOldLevelNow_AndFiresTheNewOne()
    {
        var now = Raised.AddMinutes(5);

        var alerts = AndonAlerts.For(Open(level: 2), postedLevel: 1, now, Api);

        Assert.Equal([("1", now), ("2", now.AddMinutes(5))], alerts.Select(a => (a.Labels["level"], a.EndsAt)));
    }

    [Fact]
    public void For_ResolvedAfterBeingPosted_ResolvesThePostedLevelAtTheResolution()
    {
        var resolvedAt = Raised.AddMinutes(7);
        var andon = Open(level: 2) with { ResolvedAt = resolvedAt, ResolvedBy = "system", AckedAt = Raised.AddMinutes(6), AckedBy = "alice" };

        var alert = Assert.Single(AndonAlerts.For(andon, postedLevel: 2, Raised.AddMinutes(9), Api));

        Assert.Equal(("2", resolvedAt), (alert.Labels["level"], alert.EndsAt));
        Assert.Equal("alice", alert.Annotations["acknowledged_by"]);
    }

    [Fact]
    public void For_ResolvedBeforeItsRaiseTime_EndsAtTheRaise_NotBeforeItStarted()
    {
        var andon = Open() with { ResolvedAt = Raised.AddSeconds(-5), ResolvedBy = "system" };

        Assert.Equal(Raised, Assert.Single(AndonAlerts.For(andon, postedLevel: 1, Raised.AddMinutes(1), Api)).EndsAt);
    }

    [Fact]
    public void For_ResolvedButNeverPosted_SendsNothing()
    {
        var andon = Open() with { ResolvedAt = Raised.AddMinutes(1), ResolvedBy = "system" };

        Assert.Empty(AndonAlerts.For(andon, postedLevel: null, Raised.AddMinutes(2), Api));
    }

    [Fact]
    public void For_LineLevelAndon_HasLineScope()
    {
        var alert = Assert.Single(AndonAlerts.For(Open() with { MachineId = "" }, postedLevel: null, Raised, Api));

        Assert.Equal("line", alert.Labels["scope"]);
    }
}
