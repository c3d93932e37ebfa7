using Ms5.Analytics.Contracts;

namespace Ms5.Analytics.Andon;

/// <summary>
/// Andons of <see cref="AndonKind.AnomalousStop"/> rules from published downtime flags (ms5.anomaly.v1). One Andon per
/// rule and flagged stop (id from rule, machine and stop start, so a long stop that is also an unseen reason is one
/// Andon, and a replay finds the same one):
/// <list type="bullet">
/// <item>raised when a flag of the machine with <c>flagged</c> and a score of at least the rule's minScore
/// (<see cref="AndonRule.Limit"/>) is published; its raise time is the instant the flag was judged as of
/// (<see cref="AnomalyMessage.At"/>), or the stop's end when that came first;</item>
/// <item>resolved (cleared) when the stop ends: the flag's end, whether the closing message is still flagged or not.
/// A flag first seen after its stop ended is raised and resolved at once (it stays on the Andon history).</item>
/// </list>
/// A flag that stops being flagged while its stop is still open (a newer model) leaves the Andon to the operator.
/// </summary>
public static class AnomalyAndons
{
    /// <summary>minScore when the plant file names none: every flag (the score is 0.5 at a context's threshold).</summary>
    public const double DefaultMinScore = 0.5;

    /// <summary>What the <paramref name="plantId"/> rules of <paramref name="config"/> make of published flags: raises, and resolutions of stops that ended.</summary>
    public static IReadOnlyList<AndonFinding> Findings(IEnumerable<AnomalyMessage> flags, string plantId, AndonConfig config)
    {
        ArgumentNullException.ThrowIfNull(flags);
        ArgumentNullException.ThrowIfNull(config);
        var rules = config.Rules.Where(r => r.Kind == AndonKind.AnomalousStop).ToList();
        var found = new Dictionary<Guid, AndonFinding>();
        if (rules.Count == 0)
        {
            return [];
        }

        foreach (var f in flags.Where(f => f.PlantId == plantId))
        {
            foreach (var rule in rules.Where(r => r.AppliesTo(f.MachineId, f.LineId)))
            {
                var id = AndonEpisode.IdFor(rule.Id, f.MachineId, f.Start);
                var raises = f.Flagged && f.Score >= rule.Limit;
                if (!raises && f.End is null)
                {
                    continue;
                }

                var raisedAt = f.End is { } end && end < f.At ? end : f.At;
                var finding = new AndonFinding(new AndonEpisode(id, rule.Id, f.MachineId, f.Start, raisedAt, f.End, f.Explanation), plantId, f.LineId, rule, config, ResolveOnly: !raises);

                // A raise wins over a resolution of the same Andon (another kind of flag of the stop that is not above minScore).
                if (!found.TryGetValue(id, out var before) || (before.ResolveOnly && !finding.ResolveOnly))
                {
                    found[id] = finding;
                }
            }
        }

        return found.Values.ToList();
    }
}
