using Ms5.Analytics.Andon;
using Ms5.Analytics.Events;
using Ms5.Analytics.Oee;
using Ms5.Analytics.Plant;

namespace Ms5.Analytics.Tests;

public sealed class AndonTests
{
    private static readonly DateTimeOffset T = new(2026, 11, 26, 6, 0, 0, TimeSpan.Zero);

    private static readonly PlantConfig Plant = PlantConfigParser.Parse("""
        { "plantId": "p", "timeZone": "UTC",
          "reasonCodes": [ { "code": "jam", "category": "unplanned" } ],
          "andon": { "escalationMinutes": [5, 10], "rules": [
            { "id": "down-2m", "kind": "stop", "states": ["down"], "seconds": 120, "severity": "critical" },
            { "id": "idle-l2", "kind": "stop", "states": ["idle", "down"], "seconds": 60, "lines": ["l2"] },
            { "id": "no-parts", "kind": "no_counts", "seconds": 300, "machines": ["m1"] },
            { "id": "low-oee", "kind": "low_oee", "below": 0.5, "windowMinutes": 3 },
            { "id": "scrap", "kind": "reject_rate", "above": 0.1, "windowMinutes": 2, "minParts": 10, "severity": "info" } ] },
          "lines": [ { "id": "l1", "machines": [ { "id": "m1", "idealCycleSeconds": 1.0 } ] },
                     { "id": "l2", "machines": [ { "id": "m2", "idealCycleSeconds": 1.0 } ] } ] }
        """);

    private static readonly IReadOnlyList<AndonRule> Rules = Plant.Andon.Rules;

    private static MachineEvent State(string m, double minute, MachineState s, string? reason = null) =>
        MachineEvent.StateChange(Guid.NewGuid(), m, T.AddMinutes(minute), s, reason);

    private static MachineEvent Count(string m, double minute, long good) => MachineEvent.Counts(Guid.NewGuid(), m, T.AddMinutes(minute), good, 0);

    [Fact]
    public void Config_IsReadWithDefaultsAndAManualRule()
    {
        Assert.Equal(["down-2m", "idle-l2", "no-parts", "low-oee", "scrap", "manual"], Rules.Select(r => r.Id));
        var down = Plant.Andon.Find("down-2m")!;
        Assert.Equal((AndonKind.Stop, AndonSeverity.Critical, TimeSpan.FromMinutes(2)), (down.Kind, down.Severity, down.Threshold));
        Assert.Equal(AndonSeverity.Warning, Plant.Andon.Find("no-parts")!.Severity);
        Assert.Equal((0.1, TimeSpan.FromMinutes(2), 10L), (Plant.Andon.Find("scrap")!.Limit, Plant.Andon.Find("scrap")!.Window, Plant.Andon.Find("scrap")!.MinProduced));
        Assert.True(Plant.Andon.Find("idle-l2")!.AppliesTo("m2", "l2"));
        Assert.False(Plant.Andon.Find("idle-l2")!.AppliesTo("m1", "l1"));
        Assert.Equal(["down", "no-parts", "low-oee", "scrap", "manual", "unusual-stop"], Some.DemoPlant.Andon.Rules.Select(r => r.Id));
    }

    [Theory]
    [InlineData("""{ "rules": [ { "id": "x", "kind": "stop" } ] }""", "$.andon.rules[0].seconds: is required for a stop rule")]
    [InlineData("""{ "rules": [ { "id": "x", "kind": "blink", "seconds": 1 } ] }""", "$.andon.rules[0].kind: must be one of stop, no_counts, low_oee, reject_rate, manual, anomalous_stop; got 'blink'")]
    [InlineData("""{ "rules": [ { "id": "x", "kind": "stop", "seconds": 1, "states": ["running"] } ] }""", "$.andon.rules[0].states[0]: must be a stop state")]
    [InlineData("""{ "rules": [ { "id": "x", "kind": "low_oee" } ] }""", "$.andon.rules[0].below: is required for a low_oee rule")]
    [InlineData("""{ "rules": [ { "id": "x", "kind": "manual", "severity": "loud" } ] }""", "$.andon.rules[0].severity: must be info, warning or critical; got 'loud'")]
    [InlineData("""{ "rules": [ { "id": "x", "kind": "manual", "lines": ["nope"] } ] }""", "$.andon.rules[0].lines[0]: 'nope' is not a line of this plant")]
    [InlineData("""{ "rules": [ { "id": "x", "kind": "manual" }, { "id": "x", "kind": "manual" } ] }""", "$.andon.rules[1].id: rule 'x' is listed twice")]
    [InlineData("""{ "escalationMinutes": [0] }""", "$.andon.escalationMinutes[0]: must be minutes after the previous level")]
    [InlineData("""{ "escalationMinutes": [1, 2, 3] }""", "$.andon.escalationMinutes: at most two timers")]
    public void Config_Problems_AreNamed(string andon, string expected)
    {
        var json = Some.PlantJson(p => p["andon"] = System.Text.Json.Nodes.JsonNode.Parse(andon));

        Assert.Contains(Some.PlantProblems(json), p => p.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Escalation_LevelsFollowTheTimers()
    {
        Assert.Equal(1, Plant.Andon.LevelAt(T, T.AddMinutes(4.9)));
        Assert.Equal(2, Plant.Andon.LevelAt(T, T.AddMinutes(5)));
        Assert.Equal(2, Plant.Andon.LevelAt(T, T.AddMinutes(14.9)));
        Assert.Equal(3, Plant.Andon.LevelAt(T, T.AddMinutes(15)));
        Assert.Equal(3, Plant.Andon.LevelAt(T, T.AddHours(9)));
        Assert.Equal([(2, T.AddMinutes(5)), (3, T.AddMinutes(15))], Plant.Andon.EscalationTimes(T));
    }

    [Fact]
    public void Stop_RaisedAtThreshold_ClearedWhenTheMachineRunsAgain_ReasonChangesDoNotSplitIt()
    {
        List<MachineEvent> events =
        [
            State("m1", 0, MachineState.Running), State("m1", 1, MachineState.Down, "jam"), State("m1", 2, MachineState.Down, "electrical"),
            State("m1", 6, MachineState.Running),
            State("m1", 7, MachineState.Down, "jam"), State("m1", 8, MachineState.Running), // 1 minute: under the threshold
            State("m1", 10, MachineState.Down, "jam"),
        ];

        var (raised, pending) = AndonEvaluator.FromEvents(events, "m1", "l1", Rules.Where(r => r.Id == "down-2m"), T.AddMinutes(11));

        var a = Assert.Single(raised);
        Assert.Equal((T.AddMinutes(1), T.AddMinutes(3), (DateTimeOffset?)T.AddMinutes(6), "down: electrical"), (a.Since, a.RaisedAt, a.ClearedAt, a.Summary));
        Assert.Equal(AndonEpisode.IdFor("down-2m", "m1", T.AddMinutes(1)), a.Id);
        var p = Assert.Single(pending);
        Assert.Equal((T.AddMinutes(12), T.AddMinutes(10)), (p.RaiseAt, p.Episode.Since));

        // Later, still down: the same episode is now raised (same id).
        var later = AndonEvaluator.FromEvents(events, "m1", "l1", Rules.Where(r => r.Id == "down-2m"), T.AddMinutes(12)).Raised;
        Assert.Equal([a.Id, p.Episode.Id], later.Select(e => e.Id));
        Assert.Null(later[1].ClearedAt);
    }

    [Fact]
    public void Stop_EndedBeforeTheThreshold_IsReportedAsShort_SoAnAndonRaisedTooEarlyCanBeResolved()
    {
        List<MachineEvent> events = [State("m1", 0, MachineState.Running), State("m1", 1, MachineState.Down, "jam"), State("m1", 2.5, MachineState.Running)];

        var (raised, pending, tooShort) = AndonEvaluator.Evaluate(events, "m1", "l1", Rules.Where(r => r.Id == "down-2m"), T.AddMinutes(5));

        Assert.Empty(raised);
        Assert.Empty(pending);
        var s = Assert.Single(tooShort);
        Assert.Equal((AndonEpisode.IdFor("down-2m", "m1", T.AddMinutes(1)), (DateTimeOffset?)T.AddMinutes(2.5)), (s.Id, s.ClearedAt));
    }

    [Fact]
    public void Stop_SameEventsInAnyOrder_GiveTheSameEpisodes()
    {
        List<MachineEvent> events = [State("m2", 0, MachineState.Idle), State("m2", 0.5, MachineState.Down, "jam"), State("m2", 3, MachineState.Running), State("m2", 4, MachineState.Idle)];
        var expected = AndonEvaluator.FromEvents(events, "m2", "l2", Rules, T.AddMinutes(6)).Raised;

        var shuffled = AndonEvaluator.FromEvents(events.AsEnumerable().Reverse(), "m2", "l2", Rules, T.AddMinutes(6)).Raised;

        Assert.Equal(expected, shuffled);
        Assert.Equal(
            [("down-2m", T.AddMinutes(0.5), (DateTimeOffset?)T.AddMinutes(3)), ("idle-l2", T, T.AddMinutes(3)), ("idle-l2", T.AddMinutes(4), null)],
            expected.Select(e => (e.RuleId, e.Since, e.ClearedAt)));
        Assert.Equal(T.AddMinutes(0.5), expected.Single(e => e.RuleId == "down-2m").Since);
    }

    [Fact]
    public void NoCounts_GapsWhileRunning_FromTheRunStartOrTheLastParts()
    {
        List<MachineEvent> events =
        [
            State("m1", 0, MachineState.Running), Count("m1", 1, 5), Count("m1", 2, 0), // a zero count shows no parts
            Count("m1", 8, 3),                                                       // gap 1..8: 7 minutes
            State("m1", 9, MachineState.Down, "jam"), State("m1", 20, MachineState.Running), // no gap while down
            Count("m1", 22, 1),
        ];

        var (raised, pending) = AndonEvaluator.FromEvents(events, "m1", "l1", Rules.Where(r => r.Id == "no-parts"), T.AddMinutes(30));

        Assert.Equal([(T.AddMinutes(1), T.AddMinutes(6), (DateTimeOffset?)T.AddMinutes(8)), (T.AddMinutes(22), T.AddMinutes(27), null)], raised.Select(e => (e.Since, e.RaisedAt, e.ClearedAt)));
        Assert.Empty(pending);
        Assert.Empty(AndonEvaluator.FromEvents(events, "m2", "l2", Rules.Where(r => r.Id == "no-parts"), T.AddMinutes(30)).Raised);
    }

    [Fact]
    public void NoCounts_CounterReadingsThatDoNotMove_AreNoParts()
    {
        List<MachineEvent> events =
        [
            State("m1", 0, MachineState.Running),
            MachineEvent.Counters(Guid.NewGuid(), "m1", T.AddMinutes(1), 100, 1),
            MachineEvent.Counters(Guid.NewGuid(), "m1", T.AddMinutes(4), 100, 1),
            MachineEvent.Counters(Guid.NewGuid(), "m1", T.AddMinutes(7), 100, 1),
            MachineEvent.Counters(Guid.NewGuid(), "m1", T.AddMinutes(8), 110, 1),
        ];

        var raised = AndonEvaluator.FromEvents(events, "m1", "l1", Rules.Where(r => r.Id == "no-parts"), T.AddMinutes(9)).Raised;

        Assert.Equal((T.AddMinutes(1), (DateTimeOffset?)T.AddMinutes(8)), (Assert.Single(raised).Since, raised[0].ClearedAt));
    }

    [Fact]
    public void LowOeeAndRejectRate_AreJudgedAtMinuteEnds_OverTheirWindow()
    {
        static KeyValuePair<DateTimeOffset, OeeComponents> Minute(int m, double ideal, long good, long reject) =>
            new(T.AddMinutes(m), new OeeComponents { PlannedSeconds = 60, RunSeconds = 60, IdealSeconds = ideal, GoodCount = good, RejectCount = reject });

        List<KeyValuePair<DateTimeOffset, OeeComponents>> minutes =
            [Minute(0, 50, 50, 0), Minute(1, 50, 50, 0), Minute(2, 10, 10, 0), Minute(3, 10, 8, 2), Minute(4, 10, 5, 5), Minute(5, 60, 60, 0), Minute(6, 60, 60, 0), Minute(7, 60, 60, 0)];

        // OEE over 3 minutes at each minute end: 06:03 (61 %), 06:04 (70/180 × 68/70 = 37.8 %), 06:05, 06:06 (below 50 %), 06:07 (72 %).
        var low = AndonEvaluator.FromBuckets(minutes, "m1", Plant.Andon.Find("low-oee")!);
        var e = Assert.Single(low);
        Assert.Equal((T.AddMinutes(4), T.AddMinutes(4), (DateTimeOffset?)T.AddMinutes(7)), (e.Since, e.RaisedAt, e.ClearedAt));
        Assert.StartsWith("OEE 37.8 % over 3 min", e.Summary, StringComparison.Ordinal);

        // Reject rate over 2 minutes with at least 10 parts: 06:04 (2/20 = 10 %: not above), 06:05 (7/20 = 35 %), 06:06 (5/70), 06:07 (0/120).
        var scrap = Assert.Single(AndonEvaluator.FromBuckets(minutes, "m1", Plant.Andon.Find("scrap")!));
        Assert.Equal((T.AddMinutes(5), (DateTimeOffset?)T.AddMinutes(6)), (scrap.Since, scrap.ClearedAt));
    }

    [Fact]
    public void EpisodeIds_AreStableAndDistinct()
    {
        var a = AndonEpisode.IdFor("down", "m1", T);
        Assert.Equal(a, AndonEpisode.IdFor("down", "m1", T));
        Assert.NotEqual(a, AndonEpisode.IdFor("down", "m2", T));
        Assert.NotEqual(a, AndonEpisode.IdFor("down", "m1", T.AddTicks(1)));
        Assert.Equal(3, a.ToByteArray(bigEndian: true)[6] >> 4);
    }
}
