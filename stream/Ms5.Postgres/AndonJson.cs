using Ms5.Analytics.Andon;
using System.Text.Json;
using Ms5.Analytics.Contracts;

namespace Ms5.Postgres;

/// <summary>The ms5.andon.v1 messages of stored Andons (analytics/contract/andon.v1.schema.json).</summary>
public static class AndonJson
{
    /// <summary>The ms5.andon.v1 message of a transition: the transition and the Andon as it is after it. Key = machine id.</summary>
    public static byte[] Message(AndonRecord a, AndonTransition t) =>
        JsonSerializer.SerializeToUtf8Bytes(Contract(a, t), ContractJson.Default.AndonMessage);

    public static AndonMessage Contract(AndonRecord a, AndonTransition t)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(t);
        return new AndonMessage
        {
            Transition = t.Transition,
            TransitionLevel = t.Level,
            At = t.At,
            Actor = t.Actor,
            Note = t.Note,
            Andon = Snapshot(a),
        };
    }

    public static AndonSnapshot Snapshot(AndonRecord a)
    {
        ArgumentNullException.ThrowIfNull(a);
        return new AndonSnapshot
        {
            Id = a.Id,
            Status = a.Status,
            PlantId = a.PlantId,
            LineId = a.LineId,
            MachineId = a.MachineId,
            Rule = a.RuleId,
            Kind = a.Kind,
            Severity = a.Severity,
            Level = a.Level,
            Summary = a.Summary,
            Since = a.Since,
            RaisedAt = a.RaisedAt,
            RaisedBy = a.RaisedBy,
            AcknowledgedAt = a.AckedAt,
            AcknowledgedBy = a.AckedBy,
            ResolvedAt = a.ResolvedAt,
            ResolvedBy = a.ResolvedBy,
            Resolution = a.Resolution,
            Assignee = a.Assignee,
        };
    }
}
