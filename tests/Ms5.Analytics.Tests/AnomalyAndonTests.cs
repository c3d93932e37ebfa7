using Ms5.Analytics.Andon;
using Ms5.Analytics.Contracts;
using Ms5.Analytics.Plant;

namespace Ms5.Analytics.Tests;

/// <summary>anomalous_stop rules: parsed from the plant file (minScore default 0.5), and what published flags make of them.</summary>
public sealed class AnomalyAndonTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 26, 6, 0, 0, TimeSpan.Zero);

    private static readonly PlantConfig Plant = PlantConfigParser.Parse("""
        { "plantId": "p", "timeZone": "UTC",
          "reasonCodes": [ { "code": "jam", "category": "unplanned" } ],
          "andon": { "rules": [
            { "id": "unusual", "kind": "anomalous_stop" },
            { "id": "very-unusual-l2", "kind": "anomalous_stop", "minScore": 0.8, "severity": "critical", "lines": ["l2"] } ] },
          "lines": [ { "id": "l1", "machines": [ { "id": "m1", "idealCycleSeconds": 1.0 } ] },
                     { "id": "l2", "machines": [ { "id": "m2", "idealCycleSeconds": 1.0 } ] } ] }
        """);

    private static AnomalyMessage Flag(string machine, string line, double score, bool flagged = true, DateTimeOffset? end = null, string kind = "long_stop") => new()
    {
        Id = Guid.NewGuid(), PlantId = "p", MachineId = machine, LineId = line, Kind = kind, Reason = "jam", Start = Start, End = end,
        Seconds = 1500, Score = score, Flagged = flagged, Open = end is null, Explanation = $"jam on {machine} has lasted 25 min so far",
        ModelVersion = 1, At = Start.AddMinutes(25),
    };

    [Fact]
    public void Rule_IsParsed_WithMinScoreDefaultingToEveryFlag()
    {
        var unusual = Plant.Andon.Find("unusual")!;
        var strict = Plant.Andon.Find("very-unusual-l2")!;

        Assert.Equal((AndonKind.AnomalousStop, AndonSeverity.Warning, 0.5), (unusual.Kind, unusual.Severity, unusual.Limit));
        Assert.Equal((AndonKind.AnomalousStop, AndonSeverity.Critical, 0.8), (strict.Kind, strict.Severity, strict.Limit));
        Assert.True(strict.AppliesTo("m2", "l2"));
        Assert.False(strict.AppliesTo("m1", "l1"));
        Assert.Equal("anomalous_stop", AndonNames.Of(AndonKind.AnomalousStop));
        Assert.Equal((AndonKind.AnomalousStop, AndonSeverity.Warning, 0.5), (Some.DemoPlant.Andon.Find("unusual-stop")!.Kind, Some.DemoPlant.Andon.Find("unusual-stop")!.Severity, Some.DemoPlant.Andon.Find("unusual-stop")!.Limit));
    }

    [Theory]
    [InlineData("""{ "rules": [ { "id": "x", "kind": "anomalous_stop", "minScore": 0.3 } ] }""", "$.andon.rules[0].minScore: must be a number from 0.5 to 1")]
    [InlineData("""{ "rules": [ { "id": "x", "kind": "anomalous_stop", "minScore": 1.2 } ] }""", "$.andon.rules[0].minScore: must be a number from 0.5 to 1")]
    [InlineData("""{ "rules": [ { "id": "x", "kind": "anomalous_stop", "machines": ["nope"] } ] }""", "$.andon.rules[0].machines[0]: 'nope' is not a machine of this plant")]
    public void Rule_Problems_AreNamed(string andon, string expected)
    {
        var json = Some.PlantJson(p => p["andon"] = System.Text.Json.Nodes.JsonNode.Parse(andon));

        Assert.Contains(Some.PlantProblems(json), p => p.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void OpenFlag_RaisesEveryRuleItPasses_AtTheInstantItWasJudged_UntilItEnds()
    {
        var findings = AnomalyAndons.Findings([Flag("m2", "l2", 0.85), Flag("m1", "l1", 0.6)], "p", Plant.Andon);

        Assert.Equal(3, findings.Count);
        var strict = Assert.Single(findings, f => f.Rule.Id == "very-unusual-l2");
        Assert.Equal(
            (AndonEpisode.IdFor("very-unusual-l2", "m2", Start), "m2", "l2", Start, Start.AddMinutes(25), (DateTimeOffset?)null, "jam on m2 has lasted 25 min so far", false),
            (strict.Episode.Id, strict.Episode.MachineId, strict.LineId, strict.Episode.Since, strict.Episode.RaisedAt, strict.Episode.ClearedAt, strict.Episode.Summary, strict.ResolveOnly));
        Assert.Equal(["m1", "m2"], findings.Where(f => f.Rule.Id == "unusual").Select(f => f.Episode.MachineId).Order());
        Assert.All(findings, f => Assert.Equal("p", f.PlantId));
    }

    [Fact]
    public void FlagBelowMinScore_RaisesNothingForThatRule()
    {
        var findings = AnomalyAndons.Findings([Flag("m2", "l2", 0.7)], "p", Plant.Andon);

        Assert.Equal("unusual", Assert.Single(findings).Rule.Id);
    }

    [Fact]
    public void EndedStop_ResolvesAtItsEnd_EvenWhenNoLongerFlagged()
    {
        var end = Start.AddMinutes(41);
        var stillFlagged = Assert.Single(AnomalyAndons.Findings([Flag("m1", "l1", 0.7, end: end) with { At = end.AddSeconds(10) }], "p", Plant.Andon));
        var unflagged = Assert.Single(AnomalyAndons.Findings([Flag("m1", "l1", 0.4, flagged: false, end: end) with { At = end.AddSeconds(10) }], "p", Plant.Andon));

        Assert.Equal((AndonEpisode.IdFor("unusual", "m1", Start), end, (DateTimeOffset?)end, false), (stillFlagged.Episode.Id, stillFlagged.Episode.RaisedAt, stillFlagged.Episode.ClearedAt, stillFlagged.ResolveOnly));
        Assert.Equal((stillFlagged.Episode.Id, (DateTimeOffset?)end, true), (unflagged.Episode.Id, unflagged.Episode.ClearedAt, unflagged.ResolveOnly));
    }

    [Fact]
    public void TwoKindsOfOneStop_AreOneAndon_AndARaiseWinsOverAResolution()
    {
        var end = Start.AddMinutes(41);
        var findings = AnomalyAndons.Findings(
            [Flag("m1", "l1", 0.3, flagged: false, end: end, kind: "unseen_reason"), Flag("m1", "l1", 0.7, end: end)], "p", Plant.Andon);

        var one = Assert.Single(findings);
        Assert.False(one.ResolveOnly);
        Assert.Equal(AndonEpisode.IdFor("unusual", "m1", Start), one.Episode.Id);
    }

    [Fact]
    public void UnflaggedOpenStop_OtherPlants_AndPlantsWithoutTheRule_FindNothing()
    {
        Assert.Empty(AnomalyAndons.Findings([Flag("m1", "l1", 0.4, flagged: false)], "p", Plant.Andon));
        Assert.Empty(AnomalyAndons.Findings([Flag("m1", "l1", 0.9) with { PlantId = "other" }], "p", Plant.Andon));
        Assert.Empty(AnomalyAndons.Findings([Flag("m1", "l1", 0.9)], "p", AndonConfig.Default));
    }
}
