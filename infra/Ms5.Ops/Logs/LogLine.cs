using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Ms5.Ops.Logs;

/// <summary>A log line's time and whether its level is an error (Error/Critical, error/crit/fatal/panic, ERROR/FATAL/PANIC).</summary>
internal readonly record struct LogEntry(DateTimeOffset Timestamp, bool IsError);

/// <summary>
/// Reads the log formats of an MS5 deployment:
/// <list type="bullet">
/// <item>MS5 hosts (and the dev broker): JSON lines of the console JSON formatter, {"Timestamp":"…Z","LogLevel":"Error",…}; errors are Error and Critical.</item>
/// <item>Go services (Prometheus, Alertmanager, exporters, InfluxDB): logfmt, <c>ts=… level=error</c> (InfluxDB: <c>lvl=</c>); errors are error, crit, fatal, panic.</item>
/// <item>PostgreSQL: <c>2026-11-30 23:32:21.990 UTC [pid] … ERROR:  …</c>; errors are ERROR, FATAL and PANIC.</item>
/// </list>
/// Other lines (continuations, build output) have no time of their own and are not entries.
/// </summary>
internal static partial class LogLine
{
    public static LogEntry? Parse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (line.StartsWith('{'))
        {
            return Json(line);
        }

        if (Postgres().Match(line) is { Success: true } pg)
        {
            var zone = pg.Groups["zone"].Value;
            var offset = zone is "UTC" or "GMT" ? "+00:00" : zone.Length == 3 && zone[0] is '+' or '-' ? zone + ":00" : null;
            return offset is not null && DateTimeOffset.TryParse(pg.Groups["ts"].Value + offset, CultureInfo.InvariantCulture, DateTimeStyles.None, out var at)
                ? new LogEntry(at, pg.Groups["level"].Value is "ERROR" or "FATAL" or "PANIC")
                : null;
        }

        if (LogfmtTime().Match(line) is { Success: true } ts
            && DateTimeOffset.TryParse(ts.Groups[1].Value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            var level = LogfmtLevel().Match(line);
            var error = level.Success && level.Groups[1].Value.ToLowerInvariant() is "error" or "err" or "crit" or "critical" or "fatal" or "panic";
            return new LogEntry(time, error);
        }

        return null;
    }

    private static LogEntry? Json(string line)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("Timestamp", out var ts) && ts.ValueKind == JsonValueKind.String
                && DateTimeOffset.TryParse(ts.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            {
                var level = root.TryGetProperty("LogLevel", out var l) ? l.GetString() : null;
                return new LogEntry(at, level is "Error" or "Critical");
            }
        }
        catch (JsonException)
        {
            // A line cut at the end of a file being written: not an entry yet.
        }

        return null;
    }

    [GeneratedRegex(@"^(?<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?) (?<zone>[A-Z]{2,5}|[+-]\d\d)\b.*?\b(?<level>DEBUG\d?|LOG|INFO|NOTICE|WARNING|ERROR|FATAL|PANIC|STATEMENT|DETAIL|HINT|CONTEXT|QUERY):  ")]
    private static partial Regex Postgres();

    [GeneratedRegex(@"(?:^|\s)ts=""?(\d{4}-\d\d-\d\dT[0-9:.]+(?:Z|[+-]\d\d:\d\d))")]
    private static partial Regex LogfmtTime();

    [GeneratedRegex(@"(?:^|\s)(?:level|lvl)=""?([A-Za-z]+)")]
    private static partial Regex LogfmtLevel();
}
