using Ms5.Analytics.Plant;

namespace Ms5.Analytics.Reports;

/// <summary>A scheduled report's span and when it falls due (end of the span plus the grace period).</summary>
public sealed record DueReport(ReportSpan Span, DateTimeOffset DueAt);

/// <summary>
/// When the scheduled reports of a plant fall due, from its calendar (pure): a shift report when each shift occurrence
/// ends plus the grace period; a day report after each local midnight ending a day with planned production; a week
/// report after the Monday midnight ending a week with planned production. Holidays and days without shifts have no
/// shift occurrences; a shift entirely inside planned maintenance has no production: neither gets an (empty) report.
/// </summary>
public static class ReportSchedule
{
    /// <summary>How far ahead the next due time is looked for (a plant may stop for two weeks over the holidays).</summary>
    public static readonly TimeSpan Horizon = TimeSpan.FromDays(21);

    /// <summary>The reports of <paramref name="kind"/> (shift, day or week) falling due in (after, until], oldest first.</summary>
    public static IReadOnlyList<DueReport> Due(ShiftCalendar calendar, ReportKind kind, DateTimeOffset after, DateTimeOffset until, TimeSpan grace)
    {
        ArgumentNullException.ThrowIfNull(calendar);
        if (until <= after)
        {
            return [];
        }

        var tz = calendar.TimeZone;
        var due = new List<DueReport>();
        switch (kind)
        {
            case ReportKind.Shift:
                foreach (var s in calendar.Between(after - grace - TimeSpan.FromDays(2), until - grace))
                {
                    var at = s.End + grace;
                    if (at > after && at <= until && ReportPeriods.HasProduction(calendar, s.Start, s.End))
                    {
                        due.Add(new DueReport(ReportPeriods.ForShift(calendar, s), at));
                    }
                }

                break;
            case ReportKind.Day:
                for (var day = LocalDay(after - grace, tz).AddDays(-1); ReportPeriods.LocalMidnight(day, tz) + grace <= until; day = day.AddDays(1))
                {
                    var span = ReportPeriods.Day(tz, day);
                    var at = span.To + grace;
                    if (at > after && at <= until && ReportPeriods.HasProduction(calendar, span.From, span.To))
                    {
                        due.Add(new DueReport(span, at));
                    }
                }

                break;
            case ReportKind.Week:
                for (var monday = ReportPeriods.MondayOf(LocalDay(after - grace, tz)).AddDays(-7); ReportPeriods.LocalMidnight(monday, tz) + grace <= until; monday = monday.AddDays(7))
                {
                    var span = ReportPeriods.Week(tz, monday);
                    var at = span.To + grace;
                    if (at > after && at <= until && ReportPeriods.HasProduction(calendar, span.From, span.To))
                    {
                        due.Add(new DueReport(span, at));
                    }
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "only shift, day and week reports are scheduled");
        }

        return due.OrderBy(d => d.DueAt).ToList();
    }

    /// <summary>The next time after <paramref name="after"/> a report of <paramref name="kind"/> falls due, within <see cref="Horizon"/>.</summary>
    public static DateTimeOffset? NextDue(ShiftCalendar calendar, ReportKind kind, DateTimeOffset after, TimeSpan grace)
    {
        // Look a day ahead first: nearly always enough, and cheap.
        foreach (var ahead in new[] { TimeSpan.FromDays(1), TimeSpan.FromDays(8), Horizon })
        {
            if (Due(calendar, kind, after, after + ahead, grace) is { Count: > 0 } due)
            {
                return due[0].DueAt;
            }
        }

        return null;
    }

    private static DateOnly LocalDay(DateTimeOffset instant, TimeZoneInfo tz) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, tz).DateTime);
}
