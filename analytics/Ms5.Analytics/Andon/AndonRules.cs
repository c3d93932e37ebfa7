using System.Security.Cryptography;
using System.Text;
using Ms5.Analytics.Events;

namespace Ms5.Analytics.Andon;

/// <summary>What a rule watches.</summary>
public enum AndonKind
{
    /// <summary>The machine is in one of the rule's states (e.g. down) for at least the threshold.</summary>
    Stop,

    /// <summary>The machine runs without reporting parts for at least the threshold.</summary>
    NoCounts,

    /// <summary>The rolling OEE over the rule's window is below a threshold.</summary>
    LowOee,

    /// <summary>Rejects / produced over the rule's window is above a threshold.</summary>
    RejectRate,

    /// <summary>Pulled by an operator (the API's POST /api/andon).</summary>
    Manual,

    /// <summary>
    /// The live downtime scorer flagged a stop of the machine (ms5.anomaly.v1) with a score of at least the rule's
    /// <see cref="AndonRule.Limit"/> (plant file "minScore", default 0.5: every flag). Raised when the flag is
    /// published, resolved (cleared) when the flagged stop ends; see <see cref="AnomalyAndons"/>.
    /// </summary>
    AnomalousStop,
}

public enum AndonSeverity
{
    Info,
    Warning,
    Critical,
}

/// <summary>
/// One Andon rule of a plant. <see cref="Lines"/> and <see cref="Machines"/> limit where it applies (both
/// empty: every machine). Stop: <see cref="States"/> for <see cref="Threshold"/>. NoCounts: running without
/// parts for <see cref="Threshold"/>. LowOee / RejectRate: the ratio over the last <see cref="Window"/>
/// (whole minutes) crosses <see cref="Limit"/>, judged at each minute's end, with at least
/// <see cref="MinProduced"/> parts for reject rates. AnomalousStop: a downtime flag with a score of at least
/// <see cref="Limit"/>.
/// </summary>
public sealed record AndonRule(
    string Id,
    AndonKind Kind,
    AndonSeverity Severity,
    TimeSpan Threshold,
    IReadOnlySet<MachineState> States,
    double Limit,
    TimeSpan Window,
    IReadOnlySet<string> Lines,
    IReadOnlySet<string> Machines,
    long MinProduced = 1)
{
    public bool AppliesTo(string machineId, string lineId) =>
        (Lines.Count == 0 && Machines.Count == 0) || Machines.Contains(machineId) || Lines.Contains(lineId);
}

/// <summary>A plant's Andon configuration: its rules and the escalation timers (level 2, level 3) while unacknowledged.</summary>
public sealed record AndonConfig(IReadOnlyList<AndonRule> Rules, IReadOnlyList<TimeSpan> Escalation)
{
    public static readonly IReadOnlyList<TimeSpan> DefaultEscalation = [TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15)];

    /// <summary>Without an "andon" section: machine down for 2 minutes (critical), running without parts for 5 minutes (warning), manual pulls.</summary>
    public static AndonConfig Default { get; } = new(
        [
            new AndonRule("down", AndonKind.Stop, AndonSeverity.Critical, TimeSpan.FromMinutes(2), new HashSet<MachineState> { MachineState.Down }, 0, TimeSpan.Zero, new HashSet<string>(), new HashSet<string>()),
            new AndonRule("no-parts", AndonKind.NoCounts, AndonSeverity.Warning, TimeSpan.FromMinutes(5), new HashSet<MachineState>(), 0, TimeSpan.Zero, new HashSet<string>(), new HashSet<string>()),
            new AndonRule("manual", AndonKind.Manual, AndonSeverity.Warning, TimeSpan.Zero, new HashSet<MachineState>(), 0, TimeSpan.Zero, new HashSet<string>(), new HashSet<string>()),
        ],
        DefaultEscalation);

    public AndonRule? Find(string id) => Rules.FirstOrDefault(r => r.Id == id);

    /// <summary>The escalation level (1..3) an Andon raised at <paramref name="raisedAt"/> has reached at <paramref name="at"/> while unacknowledged.</summary>
    public int LevelAt(DateTimeOffset raisedAt, DateTimeOffset at)
    {
        var level = 1;
        var due = raisedAt;
        foreach (var step in Escalation)
        {
            due += step;
            if (at < due)
            {
                break;
            }

            level++;
        }

        return level;
    }

    /// <summary>When each escalation level above 1 is due for an Andon raised at <paramref name="raisedAt"/>.</summary>
    public IEnumerable<(int Level, DateTimeOffset At)> EscalationTimes(DateTimeOffset raisedAt)
    {
        var due = raisedAt;
        var level = 1;
        foreach (var step in Escalation)
        {
            due += step;
            yield return (++level, due);
        }
    }
}

/// <summary>
/// One occurrence of a rule's condition on a machine, in event time: raised when the condition has held for
/// the threshold, cleared when it stops holding (null while it holds). The id is derived from rule, machine
/// and the condition's start, so evaluating the same events again — live, after a restart, or replaying
/// history — finds the same Andon instead of a new one.
/// </summary>
public sealed record AndonEpisode(Guid Id, string RuleId, string MachineId, DateTimeOffset Since, DateTimeOffset RaisedAt, DateTimeOffset? ClearedAt, string Summary)
{
    public static Guid IdFor(string ruleId, string machineId, DateTimeOffset since)
    {
        var bytes = MD5.HashData(Encoding.UTF8.GetBytes($"ms5.andon|{ruleId}|{machineId}|{since.UtcTicks}"));
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x30); // version 3 (name-based, MD5)
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }
}
