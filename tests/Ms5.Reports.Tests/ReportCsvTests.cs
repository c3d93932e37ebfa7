using System.Globalization;
using System.Text;
using CsvHelper;
using Ms5.Analytics.Events;
using Ms5.Analytics.Oee;
using Ms5.Analytics.Plant;
using Ms5.Analytics.Reports;
using Ms5.Reports.Csv;

namespace Ms5.Reports.Tests;

public sealed class ReportCsvTests
{
    private static readonly string[] FixedMachineColumns =
    [
        "machineId", "lineId", "plantId", "shift", "shiftStartUtc", "shiftEndUtc", "shiftStartLocal", "plannedSeconds", "runSeconds",
        "goodCount", "rejectCount", "idealSeconds", "availability", "performance", "quality", "oee", "teep",
        "unplannedStopSeconds", "setupSeconds", "microStopSeconds", "stopCount", "mtbfSeconds", "mttrSeconds",
    ];

    private static readonly DateTimeOffset From = new(2026, 11, 17, 5, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset To = new(2026, 11, 17, 13, 0, 0, TimeSpan.Zero);

    /// <summary>The standard worked example: 480-minute shift, 60 minutes of breaks, 47 minutes down in 3 stops, 1.0 s ideal, 19,271 made, 423 rejected.</summary>
    private static readonly OeeComponents WorkedExample = new()
    {
        CalendarSeconds = 480 * 60,
        PlannedSeconds = 420 * 60,
        PlannedStopSeconds = 60 * 60,
        UnplannedStopSeconds = 47 * 60,
        RunSeconds = 373 * 60,
        GoodCount = 19_271 - 423,
        RejectCount = 423,
        IdealSeconds = 19_271 * 1.0,
        FailureCount = 3,
    };

    /// <summary>Half the time running at half speed: every fraction 0.5 or 0.25, and a fractional setup time.</summary>
    private static readonly OeeComponents Half = new()
    {
        CalendarSeconds = 3_600,
        PlannedSeconds = 3_600,
        RunSeconds = 1_800,
        UnplannedStopSeconds = 1_800,
        SetupSeconds = 1_234.5,
        IdealSeconds = 900,
        GoodCount = 900,
        FailureCount = 1,
    };

    private static readonly LossClassifier Losses = new(new Dictionary<string, ReasonCategory> { ["jam"] = ReasonCategory.Unplanned }, OeeSettings.Default);

    private static ReportHeader Header(ReportKind kind = ReportKind.Shift, DateTimeOffset? from = null, DateTimeOffset? to = null) =>
        new(kind, "demo", "MS5 Demo Plant", "line-1", "Stamping", kind == ReportKind.Shift ? "early" : null, kind == ReportKind.Range ? null : new DateOnly(2026, 11, 17),
            from ?? From, to ?? To, Some.Berlin, To.AddHours(1), 2, 1.0, ["OEE 74.2 % → 74.8 %"]);

    /// <summary>A shift report of five machines, with awkward names, and three stops (one still going on at "now", 12:40Z).</summary>
    private static ReportDocument Document(params string[] names)
    {
        names = names.Length > 0 ? names : ["Presse Süd", "=HYPERLINK(\"x\")", "+1", "-2", "@cmd"];
        var machines = names.Select((n, i) => new ReportMachine($"press-0{i + 1}", n, "line-1")).ToList();
        var byMachine = new Dictionary<string, OeeComponents> { ["press-01"] = WorkedExample, ["press-03"] = Half };
        List<StateSpan> states =
        [
            new("press-01", MachineState.Down, "jam", From.AddMinutes(30), From.AddMinutes(50)),
            new("press-01", MachineState.Idle, null, From.AddMinutes(60), From.AddMinutes(61)),
            new("press-03", MachineState.Down, "=cmd|' /C calc'!A0", To.AddMinutes(-30), null),
        ];
        return ReportBuilder.Build(new ReportInputs(Header(), machines, byMachine, [], null, null, states, Losses, [], [], To.AddMinutes(-20)));
    }

    private static string Text(byte[] bytes) => new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes);

    /// <summary>A minimal RFC 4180 reader: CRLF-terminated records, quoted fields with doubled quotes.</summary>
    private static List<string[]> Parse(string text)
    {
        var records = new List<string[]>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] == '"' && field.Length == 0)
            {
                i++;
                while (true)
                {
                    Assert.True(i < text.Length, "unterminated quoted field");
                    if (text[i] == '"')
                    {
                        if (i + 1 < text.Length && text[i + 1] == '"')
                        {
                            field.Append('"');
                            i += 2;
                            continue;
                        }

                        i++;
                        break;
                    }

                    field.Append(text[i++]);
                }

                Assert.True(i == text.Length || text[i] == ',' || text[i] == '\r', $"text after a closing quote at {i}");
            }
            else if (text[i] == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
                i++;
            }
            else if (text[i] == '\r')
            {
                Assert.True(i + 1 < text.Length && text[i + 1] == '\n', $"CR without LF at {i}");
                fields.Add(field.ToString());
                field.Clear();
                records.Add([.. fields]);
                fields.Clear();
                i += 2;
            }
            else
            {
                Assert.NotEqual('\n', text[i]);
                Assert.NotEqual('"', text[i]);
                field.Append(text[i++]);
            }
        }

        Assert.True(fields.Count == 0 && field.Length == 0, "the last record does not end with CRLF");
        return records;
    }

    private static Dictionary<string, string> Row(List<string[]> records, int index) =>
        records[0].Zip(records[index]).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal);

    [Fact]
    public void Machines_Header_IsTheFixedColumnsFirstInOrder_ThenTheExtras()
    {
        var records = Parse(Text(ReportCsv.Machines(Document())));

        Assert.Equal(FixedMachineColumns, records[0].Take(23));
        Assert.Equal(
            [.. FixedMachineColumns, "machineName", "shiftEndLocal", "calendarSeconds", "plannedStopSeconds", "startupRejectCount", "kind", "revision", "operator"],
            records[0]);
        Assert.Equal(ReportCsv.MachineColumns, records[0]);
    }

    [Fact]
    public void Machines_OneRowPerMachine_WithTheWorkedExamplesExactFigures()
    {
        var records = Parse(Text(ReportCsv.Machines(Document())));

        Assert.Equal(6, records.Count);
        Assert.All(records, r => Assert.Equal(31, r.Length));
        Assert.Equal(["press-01", "press-02", "press-03", "press-04", "press-05"], records.Skip(1).Select(r => r[0]));
        Assert.Equal(
        [
            "press-01", "line-1", "demo", "early", "2026-11-17T05:00:00Z", "2026-11-17T13:00:00Z", "2026-11-17T06:00:00+01:00",
            "25200", "22380", "18848", "423", "19271",
            "0.888095238095238", "0.8610813226094728", "0.9780499195682631", "0.7479365079365079", "0.6544444444444444",
            "2820", "0", "0", "3", "7460", "940",
            "Presse Süd", "2026-11-17T14:00:00+01:00", "28800", "3600", "0", "shift", "2", "",
        ], records[1]);
        // The fractions are the KPIs exactly (round-trip text).
        var k = OeeKpis.From(WorkedExample);
        var row = Row(records, 1);
        Assert.Equal(k.Availability, double.Parse(row["availability"], CultureInfo.InvariantCulture));
        Assert.Equal(k.Oee, double.Parse(row["oee"], CultureInfo.InvariantCulture));
        Assert.Equal(k.Teep, double.Parse(row["teep"], CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Machines_UndefinedKpis_AreEmptyFields()
    {
        var row = Row(Parse(Text(ReportCsv.Machines(Document()))), 2);

        Assert.Equal("press-02", row["machineId"]);
        foreach (var column in new[] { "availability", "performance", "quality", "oee", "teep", "mtbfSeconds", "mttrSeconds" })
        {
            Assert.Equal("", row[column]);
        }

        foreach (var column in new[] { "plannedSeconds", "runSeconds", "goodCount", "rejectCount", "idealSeconds", "unplannedStopSeconds", "stopCount", "calendarSeconds" })
        {
            Assert.Equal("0", row[column]);
        }
    }

    [Theory]
    [InlineData("de-DE")]
    [InlineData("fr-FR")]
    [InlineData("ar-SA")]
    public void Machines_NumbersAndTimes_AreInvariant_WhateverTheCurrentCulture(string culture)
    {
        var saved = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo(culture);
            CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(culture);

            var bytes = ReportCsv.Machines(Document());
            var records = Parse(Text(bytes));
            var half = Row(records, 3);

            Assert.Equal("0.5", half["availability"]);
            Assert.Equal("0.5", half["performance"]);
            Assert.Equal("1", half["quality"]);
            Assert.Equal("0.25", half["oee"]);
            Assert.Equal("0.25", half["teep"]);
            Assert.Equal("1234.5", half["setupSeconds"]);
            Assert.Equal("1800", half["mtbfSeconds"]);
            Assert.Equal("2026-11-17T06:00:00+01:00", half["shiftStartLocal"]);
            Assert.Equal("2026-11-17T05:00:00Z", half["shiftStartUtc"]);
            Assert.Equal(Text(bytes), Text(InvariantRender()));
        }
        finally
        {
            (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = saved;
        }
    }

    private static byte[] InvariantRender()
    {
        var saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
            return ReportCsv.Machines(Document());
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }

    [Fact]
    public void InjectionEscape_IsCsvHelpersDocumentedApostrophe()
    {
        Assert.Equal("'", CsvWriterOptions.Default.InjectionEscape.ToString());
        Assert.Equal(CsvInjection.None, CsvWriterOptions.Default.Injection);
    }

    [Theory]
    [InlineData("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\"")]
    [InlineData("+1", "'+1", "\"'+1\"")]
    [InlineData("-2", "'-2", "\"'-2\"")]
    [InlineData("@cmd", "'@cmd", "\"'@cmd\"")]
    [InlineData("\tx", "'\tx", "\"'\tx\"")]
    [InlineData("Presse Süd", "Presse Süd", "Presse Süd")]
    [InlineData("a,b", "a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("1+1=2", "1+1=2", "1+1=2")]
    public void Machines_TextThatASpreadsheetWouldRunAsAFormula_IsEscaped(string name, string field, string raw)
    {
        var text = Text(ReportCsv.Machines(Document(name)));

        Assert.Equal(field, Row(Parse(text), 1)["machineName"]);
        Assert.Contains("," + raw + ",", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Machines_File_IsCrlfUtf8WithoutBom()
    {
        var bytes = ReportCsv.Machines(Document());
        var text = Text(bytes);

        Assert.Equal((byte)'m', bytes[0]);
        Assert.StartsWith("machineId,lineId,plantId,shift,", text, StringComparison.Ordinal);
        Assert.EndsWith("\r\n", text, StringComparison.Ordinal);
        Assert.Equal(6, text.Split("\r\n").Length - 1);
        Assert.DoesNotContain('\n', text.Replace("\r\n", "", StringComparison.Ordinal));
        Assert.DoesNotContain('\r', text.Replace("\r\n", "", StringComparison.Ordinal));
        // "Presse Süd": ü as the two UTF-8 bytes C3 BC.
        var sued = "Presse S\u00fcd"u8.ToArray();
        Assert.Equal(new byte[] { 0x53, 0xC3, 0xBC, 0x64 }, sued[^4..]);
        Assert.True(bytes.AsSpan().IndexOf(sued) > 0);
    }

    [Fact]
    public void Machines_OfAReportWithoutMachines_IsTheHeaderOnly()
    {
        var doc = ReportBuilder.Build(new ReportInputs(Header(), [], new Dictionary<string, OeeComponents>(), [], null, null, [], Losses, [], [], To));

        Assert.Equal(string.Join(',', ReportCsv.MachineColumns) + "\r\n", Text(ReportCsv.Machines(doc)));
        Assert.Equal(string.Join(',', ReportCsv.StopColumns) + "\r\n", Text(ReportCsv.Stops(doc)));
    }

    [Fact]
    public void Machines_OfADayReport_HasAnEmptyShiftAndItsKind()
    {
        var day = ReportPeriods.Day(Some.Berlin, new DateOnly(2026, 11, 17));
        var doc = ReportBuilder.Build(new ReportInputs(Header(ReportKind.Day, day.From, day.To), [new ReportMachine("press-01", "P1", "line-1")],
            new Dictionary<string, OeeComponents>(), [], null, null, [], Losses, [], [], day.To));

        var row = Row(Parse(Text(ReportCsv.Machines(doc))), 1);

        Assert.Equal("", row["shift"]);
        Assert.Equal("day", row["kind"]);
        Assert.Equal("2026-11-16T23:00:00Z", row["shiftStartUtc"]);
        Assert.Equal("2026-11-17T00:00:00+01:00", row["shiftStartLocal"]);
        Assert.Equal("2026-11-18T00:00:00+01:00", row["shiftEndLocal"]);
    }

    [Fact]
    public void Stops_OneRowPerStop_WithReasonCategoryStateUtcAndLocalTimesAndSeconds()
    {
        var bytes = ReportCsv.Stops(Document());
        var text = Text(bytes);
        var records = Parse(text);

        Assert.Equal(["machineId", "lineId", "plantId", "reason", "category", "state", "startUtc", "endUtc", "startLocal", "endLocal", "seconds", "machineName", "anomalyKind", "anomalyScore", "anomalyExplanation"], records[0]);
        string[][] expected =
        [
            ["press-01", "line-1", "demo", "jam", "unplanned", "down", "2026-11-17T05:30:00Z", "2026-11-17T05:50:00Z", "2026-11-17T06:30:00+01:00", "2026-11-17T06:50:00+01:00", "1200", "Presse Süd", "", "", ""],
            ["press-01", "line-1", "demo", "", "micro_stop", "idle", "2026-11-17T06:00:00Z", "2026-11-17T06:01:00Z", "2026-11-17T07:00:00+01:00", "2026-11-17T07:01:00+01:00", "60", "Presse Süd", "", "", ""],
            // Still going on at "now" (12:40Z): no end, its seconds so far; its reason would be a formula, so it is escaped.
            ["press-03", "line-1", "demo", "'=cmd|' /C calc'!A0", "unplanned", "down", "2026-11-17T12:30:00Z", "", "2026-11-17T13:30:00+01:00", "", "600", "'+1", "", "", ""],
        ];
        Assert.Equal(expected, records.Skip(1));
        Assert.Equal((byte)'m', bytes[0]);
        Assert.EndsWith("\r\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', text.Replace("\r\n", "", StringComparison.Ordinal));
    }

    [Fact]
    public void Stops_AcrossTheAutumnDstChange_LocalTimesCarryTheirOwnOffsets()
    {
        var from = new DateTimeOffset(2026, 10, 25, 0, 0, 0, TimeSpan.Zero);
        var to = from.AddHours(2);
        var states = new List<StateSpan> { new("press-01", MachineState.Down, "jam", from.AddMinutes(50), from.AddMinutes(70)) };
        var doc = ReportBuilder.Build(new ReportInputs(Header(ReportKind.Range, from, to), [new ReportMachine("press-01", "P1", "line-1")],
            new Dictionary<string, OeeComponents>(), [], null, null, states, Losses, [], [], to));

        var row = Parse(Text(ReportCsv.Stops(doc)))[1];

        // 02:50 summer time, then the clocks went back: the stop ended at 02:10 winter time.
        Assert.Equal(["press-01", "line-1", "demo", "jam", "unplanned", "down", "2026-10-25T00:50:00Z", "2026-10-25T01:10:00Z", "2026-10-25T02:50:00+02:00", "2026-10-25T02:10:00+01:00", "1200", "P1", "", "", ""], row);
    }
}
