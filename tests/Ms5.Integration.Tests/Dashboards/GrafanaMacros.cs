using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Ms5.Integration.Tests.Dashboards;

/// <summary>The kind of datasource a query runs against: it decides macros and how multi-value variables are formatted.</summary>
internal enum DatasourceKind
{
    Postgres,
    Influx,
    Prometheus,
}

/// <summary>
/// A dashboard template variable with its current selection. <see cref="IsAll"/>: "All" is selected, which means
/// <see cref="AllValue"/> when the variable has a custom one, else every option (<see cref="Options"/>).
/// </summary>
internal sealed record TemplateVariable(string Name, IReadOnlyList<string> Selected, bool Multi = false, bool IncludeAll = false, string? AllValue = null, bool IsAll = false, IReadOnlyList<string>? Options = null)
{
    public IReadOnlyList<string> Values => IsAll ? Options ?? Selected : Selected;
}

/// <summary>What Grafana knows when it sends a query: the time range, the interval it computed, the variables.</summary>
internal sealed record GrafanaContext(DateTimeOffset From, DateTimeOffset To, TimeSpan Interval, IReadOnlyDictionary<string, TemplateVariable> Variables)
{
    /// <summary>The Prometheus datasource's scrape interval (its "timeInterval" setting; Grafana's default is 15 s).</summary>
    public TimeSpan ScrapeInterval { get; init; } = TimeSpan.FromSeconds(15);
}

/// <summary>
/// Grafana's expansion of template variables and datasource macros, as Grafana 10/11 does it: the frontend replaces
/// variables and the global ones ($__interval, $__range, $__rate_interval, $__from ...) formatting multi-value
/// selections per datasource, then the PostgreSQL datasource expands its SQL macros ($__timeFilter, $__timeGroup ...),
/// and InfluxQL gets $timeFilter.
/// </summary>
internal static partial class GrafanaMacros
{
    /// <summary>Grafana's variable syntax: $var, [[var:fmt]], ${var.field:fmt}.</summary>
    [GeneratedRegex(@"\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^\}]+))?(?::([^\}]+))?\}")]
    private static partial Regex VariableRegex();

    /// <summary>Variables then macros: the query Grafana's backend sends to the database.</summary>
    public static string Expand(string query, GrafanaContext ctx, DatasourceKind kind)
    {
        var interpolated = Interpolate(query, ctx, kind);
        return kind == DatasourceKind.Postgres ? ExpandSqlMacros(interpolated, ctx) : interpolated;
    }

    /// <summary>Template and global variables; names Grafana does not know are left as they are (e.g. $__timeFilter for the SQL backend).</summary>
    public static string Interpolate(string text, GrafanaContext ctx, DatasourceKind kind) =>
        VariableRegex().Replace(text, m =>
        {
            var name = m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Success ? m.Groups[2].Value : m.Groups[4].Value;
            var format = m.Groups[3].Success ? m.Groups[3].Value : m.Groups[6].Success ? m.Groups[6].Value : null;
            return Builtin(name, format, ctx, kind) ?? (ctx.Variables.TryGetValue(name, out var v) ? Format(v, format, ctx, kind) : m.Value);
        });

    /// <summary>$__interval for a panel: the range over the resolution (max data points), rounded, at least the minimum interval.</summary>
    public static TimeSpan CalculateInterval(DateTimeOffset from, DateTimeOffset to, int resolution, TimeSpan? minInterval)
    {
        var ms = RoundIntervalMs((to - from).TotalMilliseconds / Math.Max(1, resolution));
        var low = minInterval?.TotalMilliseconds ?? 1;
        return TimeSpan.FromMilliseconds(Math.Max(ms, low));
    }

    /// <summary>Grafana's rangeutil.roundInterval (milliseconds).</summary>
    public static double RoundIntervalMs(double interval) => interval switch
    {
        < 15 => 10,
        < 35 => 20,
        < 75 => 50,
        < 150 => 100,
        < 350 => 200,
        < 750 => 500,
        < 1500 => 1000,
        < 3500 => 2000,
        < 7500 => 5000,
        < 12500 => 10000,
        < 17500 => 15000,
        < 25000 => 20000,
        < 45000 => 30000,
        < 90000 => 60000,
        < 210000 => 120000,
        < 450000 => 300000,
        < 750000 => 600000,
        < 1050000 => 900000,
        < 1500000 => 1200000,
        < 2700000 => 1800000,
        < 5400000 => 3600000,
        < 9000000 => 7200000,
        < 16200000 => 10800000,
        < 32400000 => 21600000,
        < 86400000 => 43200000,
        < 604800000 => 86400000,
        < 1814400000 => 604800000,
        < 3628800000 => 2592000000,
        _ => 31536000000,
    };

    /// <summary>Grafana's secondsToHms: the largest whole unit (90 s is "1m"; 500 ms is "500ms").</summary>
    public static string FormatInterval(TimeSpan interval)
    {
        var seconds = interval.TotalSeconds;
        static string I(double v) => ((long)v).ToString(CultureInfo.InvariantCulture);
        if (Math.Floor(seconds / 31536000) is var y and > 0)
        {
            return I(y) + "y";
        }

        if (Math.Floor(seconds % 31536000 / 86400) is var d and > 0)
        {
            return I(d) + "d";
        }

        if (Math.Floor(seconds % 31536000 % 86400 / 3600) is var h and > 0)
        {
            return I(h) + "h";
        }

        if (Math.Floor(seconds % 31536000 % 86400 % 3600 / 60) is var mi and > 0)
        {
            return I(mi) + "m";
        }

        if (Math.Floor(seconds % 31536000 % 86400 % 3600 % 60) is var s and > 0)
        {
            return I(s) + "s";
        }

        var ms = Math.Floor(interval.TotalMilliseconds % 1000);
        return ms > 0 ? I(ms) + "ms" : "less than a millisecond";
    }

    /// <summary>A Grafana/Prometheus duration: 500ms, 30s, 5m, 1h, 1d, 1w, 1y (or a plain number of seconds).</summary>
    public static TimeSpan ParseInterval(string text)
    {
        var t = text.Trim().Trim('\'', '"').Trim();
        var m = Regex.Match(t, @"^(\d+(?:\.\d+)?)(ms|s|m|h|d|w|M|y)?$");
        if (!m.Success)
        {
            throw new FormatException($"'{text}' is not an interval (e.g. 5m)");
        }

        var n = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        return m.Groups[2].Value switch
        {
            "ms" => TimeSpan.FromMilliseconds(n),
            "" or "s" => TimeSpan.FromSeconds(n),
            "m" => TimeSpan.FromMinutes(n),
            "h" => TimeSpan.FromHours(n),
            "d" => TimeSpan.FromDays(n),
            "w" => TimeSpan.FromDays(7 * n),
            "M" => TimeSpan.FromDays(30 * n),
            _ => TimeSpan.FromDays(365 * n),
        };
    }

    /// <summary>$__rate_interval: max($__interval + scrape interval, 4 × scrape interval).</summary>
    public static TimeSpan RateInterval(GrafanaContext ctx)
    {
        var a = ctx.Interval + ctx.ScrapeInterval;
        var b = 4 * ctx.ScrapeInterval;
        return a > b ? a : b;
    }

    private static string? Builtin(string name, string? format, GrafanaContext ctx, DatasourceKind kind)
    {
        var rangeMs = (long)(ctx.To - ctx.From).TotalMilliseconds;
        var rangeS = (long)Math.Round(rangeMs / 1000.0);
        return name switch
        {
            "__interval" or "interval" => FormatInterval(ctx.Interval),
            "__interval_ms" => ((long)ctx.Interval.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
            "__rate_interval" => FormatInterval(RateInterval(ctx)),
            "__rate_interval_ms" => ((long)RateInterval(ctx).TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
            "__range" => kind == DatasourceKind.Prometheus ? rangeS.ToString(CultureInfo.InvariantCulture) + "s" : FormatInterval(ctx.To - ctx.From),
            "__range_s" => rangeS.ToString(CultureInfo.InvariantCulture),
            "__range_ms" => rangeMs.ToString(CultureInfo.InvariantCulture),
            "__from" => TimeVariable(ctx.From, format),
            "__to" => TimeVariable(ctx.To, format),
            "timeFilter" or "__timeFilter" when kind == DatasourceKind.Influx =>
                $"time >= {ctx.From.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)}ms and time <= {ctx.To.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)}ms",
            "__dashboard" => "ms5",
            "__org" => "1",
            "__user" => "admin",
            _ => null,
        };
    }

    /// <summary>${__from}: epoch ms; ${__from:date} or :date:iso: ISO 8601; :date:seconds: epoch seconds.</summary>
    private static string TimeVariable(DateTimeOffset t, string? format) => format switch
    {
        null => t.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
        "date" or "date:iso" => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        "date:seconds" => t.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
        _ => throw new FormatException($"time variable format '{format}' is not supported by the test's expander"),
    };

    /// <summary>A variable's value as Grafana's templateSrv formats it for a datasource.</summary>
    public static string Format(TemplateVariable v, string? format, GrafanaContext ctx, DatasourceKind kind)
    {
        if (v.IsAll && v.AllValue is { } all)
        {
            // A custom all value goes in as written (its own variables replaced), never quoted or escaped,
            // whatever the format, except these three.
            return format switch
            {
                "text" => "All",
                "percentencode" => Uri.EscapeDataString(all),
                "queryparam" => $"var-{v.Name}=$__all",
                _ => Interpolate(all, ctx, kind),
            };
        }

        var values = v.Values;
        var multi = v.Multi || v.IncludeAll;
        switch (format)
        {
            case null:
                return kind switch
                {
                    DatasourceKind.Postgres => !multi && values.Count == 1 ? values[0].Replace("'", "''", StringComparison.Ordinal) : string.Join(',', values.Select(SqlQuote)),
                    DatasourceKind.Prometheus => !multi && values.Count == 1 ? PromEscape(values[0]) : RegexAlternatives(values.Select(PromRegexEscape).ToList()),
                    _ => !multi && values.Count == 1 ? values[0].Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) : RegexAlternatives(values.Select(RegexEscape).ToList()),
                };
            case "csv" or "raw":
                return string.Join(',', values);
            case "sqlstring":
                return string.Join(',', values.Select(SqlQuote));
            case "singlequote":
                return string.Join(',', values.Select(x => "'" + x.Replace("'", "\\'", StringComparison.Ordinal) + "'"));
            case "doublequote":
                return string.Join(',', values.Select(x => "\"" + x.Replace("\"", "\\\"", StringComparison.Ordinal) + "\""));
            case "regex":
                return RegexAlternatives(values.Select(RegexEscape).ToList());
            case "pipe":
                return string.Join('|', values);
            case "json":
                return JsonSerializer.Serialize(values);
            case "text":
                return v.IsAll ? "All" : string.Join(" + ", values);
            case "glob":
                return values.Count == 1 ? values[0] : "{" + string.Join(',', values) + "}";
            case "distributed":
                return string.Join(',', values.Select((x, i) => i == 0 ? x : $"{v.Name}={x}"));
            case "lucene":
                return values.Count == 1 ? "\"" + values[0] + "\"" : "(" + string.Join(" OR ", values.Select(x => "\"" + x + "\"")) + ")";
            case "percentencode":
                return Uri.EscapeDataString(string.Join(',', values));
            case "queryparam":
                return string.Join('&', (v.IsAll ? ["All"] : values).Select(x => $"var-{v.Name}={Uri.EscapeDataString(x)}"));
            default:
                throw new FormatException($"variable format '{format}' (${{{v.Name}:{format}}}) is not supported by the test's expander");
        }
    }

    private static string SqlQuote(string s) => "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static string RegexAlternatives(IReadOnlyList<string> escaped) => escaped.Count == 1 ? escaped[0] : "(" + string.Join('|', escaped) + ")";

    /// <summary>Grafana's kbn.regexEscape (also influxSpecialRegexEscape).</summary>
    private static string RegexEscape(string s) => Regex.Replace(s, @"[\\^$*+?.()|\[\]{}/]", @"\$0");

    /// <summary>prometheusRegularEscape: inside a PromQL string literal.</summary>
    private static string PromEscape(string s) => s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\\\'", StringComparison.Ordinal);

    /// <summary>prometheusSpecialRegexEscape: a regex metacharacter needs a double backslash in a PromQL string.</summary>
    private static string PromRegexEscape(string s) => PromEscape(Regex.Replace(s.Replace("\\", "\\\\", StringComparison.Ordinal), @"[$^*{}\[\]'+?.()|]", @"\\$0"));

    private static string Rfc3339(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    /// <summary>The grafana-postgresql-datasource macros (pkg/tsdb/grafana-postgresql-datasource/macros.go).</summary>
    public static string ExpandSqlMacros(string sql, GrafanaContext ctx)
    {
        var sb = new StringBuilder();
        var i = 0;
        while (i < sql.Length)
        {
            var at = sql.IndexOf("$__", i, StringComparison.Ordinal);
            if (at < 0)
            {
                sb.Append(sql, i, sql.Length - i);
                break;
            }

            sb.Append(sql, i, at - i);
            var nameEnd = at + 3;
            while (nameEnd < sql.Length && (char.IsLetterOrDigit(sql[nameEnd]) || sql[nameEnd] == '_'))
            {
                nameEnd++;
            }

            var name = sql[(at + 3)..nameEnd];
            List<string> args = [];
            var end = nameEnd;
            if (nameEnd < sql.Length && sql[nameEnd] == '(')
            {
                (args, end) = Arguments(sql, nameEnd);
            }

            sb.Append(SqlMacro(name, args, ctx, sql));
            i = end;
        }

        return sb.ToString();
    }

    private static string SqlMacro(string name, List<string> args, GrafanaContext ctx, string sql)
    {
        var from = ctx.From.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var to = ctx.To.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        string Arg(int n) => args.Count > n && args[n].Length > 0 ? args[n] : throw new FormatException($"macro $__{name} needs {n + 1} argument(s) in: {sql}");
        string Secs(string interval) => ((long)ParseInterval(interval).TotalSeconds).ToString(CultureInfo.InvariantCulture);
        return name switch
        {
            "time" => $"{Arg(0)} AS \"time\"",
            "timeEpoch" => $"extract(epoch from {Arg(0)}) as \"time\"",
            "timeFilter" => $"{Arg(0)} BETWEEN '{Rfc3339(ctx.From)}' AND '{Rfc3339(ctx.To)}'",
            "timeFrom" => $"'{Rfc3339(ctx.From)}'",
            "timeTo" => $"'{Rfc3339(ctx.To)}'",
            "timeGroup" => $"floor(extract(epoch from {Arg(0)})/{Secs(Arg(1))})*{Secs(Arg(1))}",
            "timeGroupAlias" => $"floor(extract(epoch from {Arg(0)})/{Secs(Arg(1))})*{Secs(Arg(1))} AS \"time\"",
            "unixEpochFilter" => $"{Arg(0)} >= {from} AND {Arg(0)} <= {to}",
            "unixEpochFrom" => from,
            "unixEpochTo" => to,
            "unixEpochNanoFilter" => $"{Arg(0)} >= {Nanos(ctx.From)} AND {Arg(0)} <= {Nanos(ctx.To)}",
            "unixEpochNanoFrom" => Nanos(ctx.From),
            "unixEpochNanoTo" => Nanos(ctx.To),
            "unixEpochGroup" => $"floor({Arg(0)}/{Secs(Arg(1))})*{Secs(Arg(1))}",
            "unixEpochGroupAlias" => $"floor({Arg(0)}/{Secs(Arg(1))})*{Secs(Arg(1))} AS \"time\"",
            "interval" => FormatInterval(ctx.Interval),
            "interval_ms" => ((long)ctx.Interval.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
            _ => throw new FormatException($"undefined macro: $__{name} (Grafana fails the query) in: {sql}"),
        };
    }

    private static string Nanos(DateTimeOffset t) => (t.ToUnixTimeMilliseconds() * 1_000_000L).ToString(CultureInfo.InvariantCulture);

    /// <summary>A macro's arguments from the '(' at <paramref name="open"/>: split on top-level commas, quotes and nested parentheses respected.</summary>
    private static (List<string> Args, int End) Arguments(string s, int open)
    {
        var args = new List<string>();
        var depth = 0;
        var start = open + 1;
        char? quote = null;
        for (var i = open; i < s.Length; i++)
        {
            var c = s[i];
            if (quote is { } q)
            {
                if (c == q)
                {
                    quote = null;
                }

                continue;
            }

            switch (c)
            {
                case '\'' or '"':
                    quote = c;
                    break;
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    if (depth == 0)
                    {
                        var last = s[start..i].Trim();
                        if (last.Length > 0 || args.Count > 0)
                        {
                            args.Add(last);
                        }

                        return (args, i + 1);
                    }

                    break;
                case ',' when depth == 1:
                    args.Add(s[start..i].Trim());
                    start = i + 1;
                    break;
            }
        }

        throw new FormatException($"unbalanced parentheses in macro call: {s[open..]}");
    }
}
