using Ms5.Analytics.Reports;
using Ms5.Reports.Pdf;
using Ms5.Reports.Tests.Support;

namespace Ms5.Reports.Tests;

public sealed class ReportFormatTests
{
    [Theory]
    [InlineData(0.74794, "74.8 %")]
    [InlineData(1.0, "100.0 %")]
    [InlineData(0.0, "0.0 %")]
    [InlineData(null, "—")]
    [InlineData(double.NaN, "—")]
    public void Percent_HasOneDecimalInvariantAndDashWhenUndefined(double? ratio, string expected) =>
        Assert.Equal(expected, ReportFormat.Percent(ratio));

    [Theory]
    [InlineData(2_820.0, "47.0")]
    [InlineData(953_334.0, "15,888.9")]
    [InlineData(null, "—")]
    public void Minutes_HaveOneDecimal(double? seconds, string expected) => Assert.Equal(expected, ReportFormat.Minutes(seconds));

    [Theory]
    [InlineData(25_200.0, "7:00")]
    [InlineData(22_380.0, "6:13")]
    [InlineData(29.0, "0:00")]
    [InlineData(12_096_000.0, "3,360:00")]
    public void HoursMinutes_RoundToTheMinute(double seconds, string expected) => Assert.Equal(expected, ReportFormat.HoursMinutes(seconds));

    [Theory]
    [InlineData(1.0, "complete")]
    [InlineData(0.975, "97.5 % complete")]
    [InlineData(0.99996, "99.9 % complete")]
    public void Completeness_NeverRoundsUpToComplete(double share, string expected) => Assert.Equal(expected, ReportFormat.Completeness(share));

    [Fact]
    public void Bounds_OfAShift_AreLocalWithZoneAndUtc()
    {
        var h = SomeReport.WorkedExample().Header;

        Assert.Equal("2026-11-17 06:00 – 14:00 CET", ReportFormat.LocalBounds(h));
        Assert.Equal("UTC 2026-11-17 05:00 – 13:00", ReportFormat.UtcBounds(h));
        Assert.Equal("Shift “early”", ReportFormat.KindTitle(h));
    }

    [Fact]
    public void Bounds_OfANightShift_NameBothDates()
    {
        var h = Header(ReportKind.Shift, new DateTimeOffset(2026, 11, 17, 21, 0, 0, TimeSpan.Zero), TimeSpan.FromHours(8));

        Assert.Equal("2026-11-17 22:00 – 2026-11-18 06:00 CET", ReportFormat.LocalBounds(h));
        Assert.Equal("UTC 2026-11-17 21:00 – 2026-11-18 05:00", ReportFormat.UtcBounds(h));
        Assert.Equal("11-17 23:10", ReportFormat.LocalTime(h, new DateTimeOffset(2026, 11, 17, 22, 10, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void Bounds_AcrossTheSpringChange_NameEachEndsZone()
    {
        // Sunday 2026-03-29 in Berlin has 23 hours: CET until 02:00, CEST from 03:00.
        var h = Header(ReportKind.Day, new DateTimeOffset(2026, 3, 28, 23, 0, 0, TimeSpan.Zero), TimeSpan.FromHours(23));

        Assert.Equal("2026-03-29 00:00 CET – 2026-03-30 00:00 CEST", ReportFormat.LocalBounds(h));
    }

    [Fact]
    public void WeekReport_IsTitledByItsIsoWeek()
    {
        var h = Header(ReportKind.Week, new DateTimeOffset(2026, 11, 15, 23, 0, 0, TimeSpan.Zero), TimeSpan.FromDays(7)) with { Day = new DateOnly(2026, 11, 16) };

        Assert.Equal("Week 2026-W47", ReportFormat.KindTitle(h));
    }

    [Fact]
    public void ZoneWithoutAKnownName_PrintsItsOffset()
    {
        var kathmandu = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kathmandu");

        Assert.Equal("UTC+05:45", TimeZoneNames.Abbreviation(kathmandu, SomeReport.From));
        Assert.Equal("CEST", TimeZoneNames.Abbreviation(SomeReport.Berlin, new DateTimeOffset(2026, 7, 1, 0, 0, 0, TimeSpan.Zero)));
    }

    private static ReportHeader Header(ReportKind kind, DateTimeOffset from, TimeSpan length) =>
        SomeReport.WorkedExample().Header with { Kind = kind, From = from, To = from + length };
}
