using System.Globalization;
using CsvHelper;
using Ms5.Analytics.Events;
using Ms5.Analytics.Reports;

namespace Ms5.Reports.Csv;

/// <summary>
/// The report's CSV files (RFC 4180, UTF-8 without BOM, CRLF, invariant culture; text that a spreadsheet would run as
/// a formula is escaped): one row per machine with the fixed leading columns of the README (a shift report's last column,
/// operator, names who was assigned to the machine), and one row per stop
/// (a shift report's stop flagged as unusual carries its anomaly kinds, the highest score and the explanations, joined
/// with ";" and " | " when a stop has more than one flag; empty otherwise).
/// Fractions are 0..1, empty where undefined; numbers are written exactly (round-trip), times as ISO 8601.
/// </summary>
internal static partial class ReportCsv
{
    /// <summary>The machine file's columns, in order; the first 23 are fixed (README "Reports"), later ones may be added.</summary>
    public static readonly string[] MachineColumns =
    [
        "machineId", "lineId", "plantId", "shift", "shiftStartUtc", "shiftEndUtc", "shiftStartLocal", "plannedSeconds", "runSeconds",
        "goodCount", "rejectCount", "idealSeconds", "availability", "performance", "quality", "oee", "teep",
        "unplannedStopSeconds", "setupSeconds", "microStopSeconds", "stopCount", "mtbfSeconds", "mttrSeconds",
        "machineName", "shiftEndLocal", "calendarSeconds", "plannedStopSeconds", "startupRejectCount", "kind", "revision",
        "operator",
    ];

    public static readonly string[] StopColumns =
    [
        "machineId", "lineId", "plantId", "reason", "category", "state", "startUtc", "endUtc", "startLocal", "endLocal", "seconds", "machineName",
        "anomalyKind", "anomalyScore", "anomalyExplanation",
    ];

    private static readonly CsvWriterOptions Options = CsvWriterOptions.Default with
    {
        Separator = ',',
        NewLine = "\r\n",
        Injection = CsvInjection.Escape,
        FormatProvider = CultureInfo.InvariantCulture,
        WriteByteOrderMark = false,
    };

    public static byte[] Machines(ReportDocument doc)
    {
        ArgumentNullException.ThrowIfNull(doc);
        var h = doc.Header;
        using var stream = new MemoryStream();
        using (var csv = CsvWriter.Create(stream, Options, leaveOpen: true))
        {
            csv.WriteHeader(MachineColumns);
            // Shift reports: the operator assigned to the machine for the shift (empty: nobody, or not a shift report).
            var operators = (doc.Operators ?? []).ToDictionary(o => o.MachineId, o => o.UserName, StringComparer.Ordinal);
            foreach (var m in doc.Machines)
            {
                var c = m.Components;
                var k = m.Kpis;
                csv.WriteField(m.MachineId);
                csv.WriteField(m.LineId);
                csv.WriteField(h.PlantId);
                csv.WriteField(h.ShiftName ?? "");
                csv.WriteField(Utc(h.From));
                csv.WriteField(Utc(h.To));
                csv.WriteField(Local(h, h.From));
                Number(csv, c.PlannedSeconds);
                Number(csv, c.RunSeconds);
                csv.WriteField(c.GoodCount, "");
                csv.WriteField(c.RejectCount, "");
                Number(csv, c.IdealSeconds);
                Number(csv, k.Availability);
                Number(csv, k.Performance);
                Number(csv, k.Quality);
                Number(csv, k.Oee);
                Number(csv, k.Teep);
                Number(csv, c.UnplannedStopSeconds);
                Number(csv, c.SetupSeconds);
                Number(csv, c.MicroStopSeconds);
                csv.WriteField(m.StopCount, "");
                Number(csv, k.MtbfSeconds);
                Number(csv, k.MttrSeconds);
                csv.WriteField(m.MachineName);
                csv.WriteField(Local(h, h.To));
                Number(csv, c.CalendarSeconds);
                Number(csv, c.PlannedStopSeconds);
                csv.WriteField(c.StartupRejectCount, "");
                csv.WriteField(h.Kind.ToString().ToLowerInvariant());
                csv.WriteField(h.Revision, "");
                csv.WriteField(operators.GetValueOrDefault(m.MachineId) ?? "");
                csv.EndRecord();
            }
        }

        return stream.ToArray();
    }

    public static byte[] Stops(ReportDocument doc)
    {
        ArgumentNullException.ThrowIfNull(doc);
        var h = doc.Header;
        var lines = doc.Machines.ToDictionary(m => m.MachineId, m => m.LineId, StringComparer.Ordinal);
        var unusual = doc.UnusualStops?.Rows ?? [];
        using var stream = new MemoryStream();
        using (var csv = CsvWriter.Create(stream, Options, leaveOpen: true))
        {
            csv.WriteHeader(StopColumns);
            foreach (var s in doc.Stops)
            {
                csv.WriteField(s.MachineId);
                csv.WriteField(lines.GetValueOrDefault(s.MachineId, h.LineId ?? ""));
                csv.WriteField(h.PlantId);
                csv.WriteField(s.Reason ?? "");
                csv.WriteField(s.Category);
                csv.WriteField(ContractNames.Of(s.State));
                csv.WriteField(Utc(s.Start));
                csv.WriteField(s.End is { } e ? Utc(e) : "");
                csv.WriteField(Local(h, s.Start));
                csv.WriteField(s.End is { } e2 ? Local(h, e2) : "");
                Number(csv, s.Seconds);
                csv.WriteField(s.MachineName);
                var flags = unusual.Where(f => f.MachineId == s.MachineId && f.Start >= s.Start && (s.End is not { } end || f.Start < end)).ToList();
                csv.WriteField(string.Join(';', flags.Select(f => f.Kind)));
                Number(csv, flags.Count > 0 ? flags.Max(f => f.Score) : null);
                csv.WriteField(string.Join(" | ", flags.Select(f => f.Explanation)));
                csv.EndRecord();
            }
        }

        return stream.ToArray();
    }

    private static void Number(CsvWriter csv, double? value)
    {
        if (value is { } v)
        {
            csv.WriteField(v, "R");
        }
        else
        {
            csv.WriteField("");
        }
    }

    private static string Utc(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Local(ReportHeader h, DateTimeOffset t) => h.Local(t).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
}
