using System.Globalization;
using Ms5.Analytics.Andon;

namespace Ms5.Alertmanager;

/// <summary>
/// The Alertmanager side of one stored Andon, decided without I/O: an open Andon is a firing alert at its level
/// that lives <see cref="Lifetime"/> unless posted again; an escalation also resolves the previously posted level;
/// a resolved Andon resolves the level last posted (nothing, if none was ever posted).
/// </summary>
public static class AndonAlerts
{
    /// <summary>How long a posted alert lives in Alertmanager without being re-posted.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    /// <summary>How often an open Andon's alert is posted again (well inside its lifetime).</summary>
    public static readonly TimeSpan Repost = TimeSpan.FromMinutes(1);

    public static IReadOnlyList<Alert> For(AndonRecord andon, int? postedLevel, DateTimeOffset now, Uri apiBase)
    {
        ArgumentNullException.ThrowIfNull(andon);
        if (andon.ResolvedAt is { } resolved)
        {
            return postedLevel is { } l ? [ToAlert(andon, l, resolved < andon.RaisedAt ? andon.RaisedAt : resolved, apiBase)] : [];
        }

        var alerts = new List<Alert>(2);
        if (postedLevel is { } old && old != andon.Level)
        {
            alerts.Add(ToAlert(andon, old, now, apiBase));
        }

        alerts.Add(ToAlert(andon, andon.Level, now + Lifetime, apiBase));
        return alerts;
    }

    private static Alert ToAlert(AndonRecord a, int level, DateTimeOffset endsAt, Uri apiBase)
    {
        var link = new Uri(apiBase, $"api/andon/{a.Id}").ToString();
        var annotations = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["summary"] = $"{a.MachineId}: {a.Summary}",
            ["description"] = $"Andon '{a.RuleId}' ({a.Severity}) on {a.MachineId}, line {a.LineId}: {a.Summary}; condition since {a.Since:O}, raised {a.RaisedAt:O}",
            ["since"] = a.Since.ToString("O"),
            ["raised_at"] = a.RaisedAt.ToString("O"),
            ["andon_id"] = a.Id.ToString(),
            ["status"] = a.Status,
            ["link"] = link,
        };
        if (a.AckedBy is not null)
        {
            annotations["acknowledged_by"] = a.AckedBy;
        }

        var labels = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["alertname"] = "MS5Andon",
            ["plant"] = a.PlantId,
            ["line"] = a.LineId,
            ["machine"] = a.MachineId,
            ["rule"] = a.RuleId,
            ["severity"] = a.Severity,
            ["level"] = level.ToString(CultureInfo.InvariantCulture),
            ["scope"] = a.MachineId.Length == 0 ? "line" : "machine",
        };

        // Alertmanager drops a label with an empty value, so an Andon without an assigned operator simply has none.
        if (a.Assignee is { Length: > 0 } assignee)
        {
            labels["assignee"] = assignee;
        }

        return new Alert(
            labels,
            annotations,
            a.RaisedAt,
            endsAt,
            link);
    }
}
