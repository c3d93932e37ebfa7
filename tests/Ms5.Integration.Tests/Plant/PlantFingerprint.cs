using System.Globalization;
using System.Text;
using Ms5.Analytics.Plant;

namespace Ms5.Integration.Tests.Plant;

/// <summary>Everything a parsed plant configures, as text: two plant files mean the same plant when their fingerprints are equal.</summary>
internal static class PlantFingerprint
{
    public static string Of(PlantConfig p)
    {
        var s = new StringBuilder();
        s.AppendLine(CultureInfo.InvariantCulture, $"{p.PlantId}|{p.Name}|{p.TimeZone.Id}|{p.Oee}|reports {p.Reports.Email} {string.Join(",", p.Reports.Recipients)}");
        foreach (var r in p.ReasonCodes)
        {
            s.AppendLine(CultureInfo.InvariantCulture, $"reason {r}");
        }

        foreach (var sh in p.Calendar.Shifts)
        {
            s.AppendLine(CultureInfo.InvariantCulture, $"shift {sh.Name} {string.Join(",", sh.Days.Order())} {sh.Start}-{sh.End} breaks {string.Join(",", sh.Breaks)}");
        }

        s.AppendLine(CultureInfo.InvariantCulture, $"holidays {string.Join(",", p.Calendar.Holidays.Order())}");
        s.AppendLine(CultureInfo.InvariantCulture, $"extra {string.Join(",", p.Calendar.ExtraWorkingDays.OrderBy(d => d.Key).Select(d => $"{d.Key}:{string.Join("+", d.Value.Order())}"))}");
        s.AppendLine(CultureInfo.InvariantCulture, $"maintenance {string.Join(",", p.Calendar.Maintenance)}");
        s.AppendLine(CultureInfo.InvariantCulture, $"andon escalation {string.Join(",", p.Andon.Escalation)} rules {string.Join(";", p.Andon.Rules.Select(r => r.Id + ":" + r.Kind))}");
        foreach (var l in p.Lines)
        {
            s.AppendLine(CultureInfo.InvariantCulture, $"line {l.Id}|{l.Name}|{l.OeeTarget}|{string.Join(",", l.ReportRecipients)}");
            foreach (var m in l.Machines)
            {
                s.AppendLine(CultureInfo.InvariantCulture,
                    $"  machine {m.Id}|{m.Name}|{m.LineId}|{m.IdealCycleTime.TotalSeconds}|{m.CountMode}|{m.Active}|codes {string.Join(",", m.ReasonCodes)}|products {Products(m.ProductCycleTimes)}"
                    + $"|history {string.Join(";", m.IdealCycleHistory.Select(h => $"{h.Until:O}={h.Default.TotalSeconds}/{Products(h.ByProduct)}"))}");
            }
        }

        return s.ToString();
    }

    private static string Products(IReadOnlyDictionary<string, TimeSpan> products) =>
        string.Join(",", products.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value.TotalSeconds}"));
}
