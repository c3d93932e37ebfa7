using Ms5.Analytics.Reports;
using Ms5.Reports.Delivery;

namespace Ms5.Reports.Tests;

/// <summary>Short test data.</summary>
internal static class Some
{
    public static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    /// <summary>The early shift of line-1 "Stamping" in the demo plant on Tuesday 2026-11-17 (06:00-14:00 Berlin), OEE 74.8 %.</summary>
    public static ReportMailFacts ShiftFacts() => new(
        ReportKind.Shift,
        "demo",
        "MS5 Demo Plant",
        "line-1",
        "Stamping",
        "early",
        new DateOnly(2026, 11, 17),
        new DateTimeOffset(2026, 11, 17, 5, 0, 0, TimeSpan.Zero),
        new DateTimeOffset(2026, 11, 17, 13, 0, 0, TimeSpan.Zero),
        Berlin,
        Revision: 1,
        Oee: 0.748,
        Availability: 0.88,
        Performance: 0.9012,
        Quality: 0.9432);
}
