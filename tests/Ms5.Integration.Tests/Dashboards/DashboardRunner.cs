using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Ms5.Influx;
using Ms5.Integration.Tests.Support;
using Npgsql;

namespace Ms5.Integration.Tests.Dashboards;

/// <summary>One executed query: where it came from, what ran, how many rows/series/points came back, or the error.</summary>
internal sealed record QueryOutcome(string Dashboard, string Panel, string RefId, DatasourceKind Kind, string Query, int Rows, string? Error, string? Allowed = null)
{
    public string Describe() =>
        $"[{Dashboard}] panel '{Panel}' refId {RefId} ({Kind}): " + (Error is not null ? "ERROR " + Error : Rows == 0 ? "EMPTY" + (Allowed is null ? "" : $" (allowed: {Allowed})") : $"{Rows} row(s)") + $"\n    {Query.ReplaceLineEndings(" ")}";
}

/// <summary>Where and over which range the queries run, and which variable values the test's data has.</summary>
internal sealed class DashboardBackends
{
    public required NpgsqlDataSource Db { get; init; }

    public required InfluxWriter Influx { get; init; }

    public TestPrometheus? Prometheus { get; init; }

    /// <summary>The fixed range holding the test data (PostgreSQL and InfluxDB panels).</summary>
    public required DateTimeOffset From { get; init; }

    public required DateTimeOffset To { get; init; }

    /// <summary>Prometheus data is live: its panels run over [Prometheus start, now].</summary>
    public DateTimeOffset PromFrom { get; init; }

    public DateTimeOffset PromTo { get; init; }

    /// <summary>Values a variable should take when its options include them (e.g. plant = the test's plant).</summary>
    public IReadOnlyDictionary<string, string[]> Preferred { get; init; } = new Dictionary<string, string[]>();

    /// <summary>
    /// Panels that may legitimately return nothing: (dashboard uid or title, panel title) → why. Everything else
    /// must return rows.
    /// </summary>
    public IReadOnlyDictionary<(string Dashboard, string Panel), string> EmptyAllowed { get; init; } = new Dictionary<(string, string), string>();

    /// <summary>A Prometheus query whose every metric matches this may be empty (the test produces no such event), with the reason.</summary>
    public IReadOnlyList<(Regex Metric, string Why)> PromEmptyAllowed { get; init; } = [];
}

/// <summary>
/// Runs a Grafana dashboard's variable, panel and annotation queries the way Grafana would: variables resolved in
/// order by running their queries (chained), every target expanded by <see cref="GrafanaMacros"/> for its
/// datasource and executed: SQL on PostgreSQL, InfluxQL over HTTP, PromQL on the test's Prometheus.
/// </summary>
internal sealed class DashboardRunner(DashboardBackends backends)
{
    /// <summary>Panel types that run no query of their own.</summary>
    private static readonly HashSet<string> NoQueryPanels = ["row", "text", "news", "dashlist", "alertlist", "annolist", "welcome", "gettingstarted"];

    /// <summary>The provisioned datasources' minimum intervals (jsonData.timeInterval): PostgreSQL 1m, InfluxDB 1s, Prometheus 5s (the compose scrape interval).</summary>
    public static IReadOnlyDictionary<DatasourceKind, TimeSpan> MinIntervals { get; } = ReadMinIntervals();

    public List<QueryOutcome> Outcomes { get; } = [];

    /// <summary>
    /// Runs one dashboard file. Multi-value variables select "All" (or every option), single ones the test's value;
    /// with <paramref name="singleValues"/> every variable selects one value (the test's, else the first option).
    /// </summary>
    public async Task RunAsync(string file, bool singleValues = false)
    {
        var dashboard = JsonNode.Parse(await File.ReadAllTextAsync(file))!.AsObject();
        var title = $"{dashboard["title"]?.GetValue<string>() ?? Path.GetFileName(file)} ({Path.GetFileName(file)}{(singleValues ? ", one value per variable" : "")})";
        var uid = dashboard["uid"]?.GetValue<string>() ?? "";
        var variables = await ResolveVariablesAsync(title, dashboard, singleValues);

        foreach (var annotation in dashboard["annotations"]?["list"]?.AsArray() ?? [])
        {
            if (annotation is null || annotation["enable"]?.GetValue<bool>() == false || Kind(annotation["datasource"], null) is not { } kind)
            {
                continue;
            }

            var text = annotation["rawQuery"]?.GetValue<string>() ?? annotation["query"]?.GetValue<string>() ?? annotation["expr"]?.GetValue<string>() ?? annotation["target"]?["rawSql"]?.GetValue<string>() ?? annotation["target"]?["expr"]?.GetValue<string>();
            if (text is not null)
            {
                // Annotations may be empty (nothing happened); only errors count.
                var outcome = await ExecuteAsync(title, "annotation " + annotation["name"], "-", kind, text, null, Context(kind, variables, null), null);
                Outcomes.Add(outcome.Rows == 0 && outcome.Error is null ? outcome with { Allowed = "an annotation may be empty" } : outcome);
            }
        }

        foreach (var panel in Panels(dashboard["panels"]?.AsArray()))
        {
            var type = panel["type"]?.GetValue<string>() ?? "";
            var panelTitle = panel["title"]?.GetValue<string>() ?? $"#{panel["id"]}";
            if (NoQueryPanels.Contains(type))
            {
                continue;
            }

            // A repeated panel runs once per selected value of its variable.
            var repeats = new List<Dictionary<string, TemplateVariable>> { variables };
            if (panel["repeat"]?.GetValue<string>() is { Length: > 0 } repeat && variables.TryGetValue(repeat, out var rv))
            {
                repeats = rv.Values.Select(v => new Dictionary<string, TemplateVariable>(variables) { [repeat] = rv with { Selected = [v], IsAll = false } }).ToList();
            }

            var panelKind = Kind(panel["datasource"], null, out var panelMixed);
            var first = Outcomes.Count;
            foreach (var target in panel["targets"]?.AsArray() ?? [])
            {
                if (target is null || target["hide"]?.GetValue<bool>() == true)
                {
                    continue;
                }

                var refId = target["refId"]?.GetValue<string>() ?? "?";
                var kind = target["datasource"] is { } tds && Kind(tds, null) is { } k ? k : panelKind;
                if (kind is null)
                {
                    if (!panelMixed && IsGrafanaOrDashboardDatasource(panel["datasource"]))
                    {
                        continue;
                    }

                    Outcomes.Add(new QueryOutcome(title, panelTitle, refId, DatasourceKind.Postgres, target.ToJsonString(), 0, "no datasource the test knows (panel/target datasource): " + (target["datasource"] ?? panel["datasource"])?.ToJsonString()));
                    continue;
                }

                var text = kind switch
                {
                    DatasourceKind.Postgres => target["rawSql"]?.GetValue<string>(),
                    DatasourceKind.Influx => target["rawQuery"]?.GetValue<bool>() == true ? target["query"]?.GetValue<string>() : null,
                    _ => target["expr"]?.GetValue<string>(),
                };
                if (text is null)
                {
                    Outcomes.Add(new QueryOutcome(title, panelTitle, refId, kind.Value, target.ToJsonString(), 0, "the target has no raw query (rawSql / rawQuery+query / expr): builder-mode queries are not checked"));
                    continue;
                }

                foreach (var vars in repeats)
                {
                    var ctx = Context(kind.Value, vars, panel);
                    var outcome = await ExecuteAsync(title, panelTitle, refId, kind.Value, text, target, ctx, panel);
                    if (outcome is { Rows: 0, Error: null })
                    {
                        outcome = outcome with { Allowed = AllowedEmpty(uid, dashboard["title"]?.GetValue<string>() ?? "", panelTitle, kind.Value, outcome.Query) };
                    }

                    Outcomes.Add(outcome);
                }
            }

            // A panel shows data when any of its queries returns some: an empty one beside it is not a failure.
            var panelOutcomes = Outcomes.Skip(first).ToList();
            if (panelOutcomes.Any(o => o.Rows > 0))
            {
                for (var i = first; i < Outcomes.Count; i++)
                {
                    if (Outcomes[i] is { Rows: 0, Error: null, Allowed: null })
                    {
                        Outcomes[i] = Outcomes[i] with { Allowed = "another query of the panel returns data" };
                    }
                }
            }
        }
    }

    private string? AllowedEmpty(string uid, string title, string panel, DatasourceKind kind, string query)
    {
        if (backends.EmptyAllowed.TryGetValue((uid, panel), out var why) || backends.EmptyAllowed.TryGetValue((title, panel), out why))
        {
            return why;
        }

        if (kind == DatasourceKind.Prometheus)
        {
            var metrics = Regex.Matches(query, @"\b(ms5_[a-z0-9_]+|ALERTS)\b").Select(m => m.Value).Distinct().ToList();
            var reasons = metrics.Select(m => backends.PromEmptyAllowed.FirstOrDefault(a => a.Metric.IsMatch(m)).Why).ToList();
            if (metrics.Count > 0 && reasons.All(r => r is not null))
            {
                return string.Join("; ", reasons.Distinct());
            }
        }

        return null;
    }

    private static IEnumerable<JsonNode> Panels(JsonArray? panels)
    {
        foreach (var p in panels ?? [])
        {
            if (p is null)
            {
                continue;
            }

            yield return p;
            foreach (var inner in Panels(p["panels"]?.AsArray()))
            {
                yield return inner;
            }
        }
    }

    private GrafanaContext Context(DatasourceKind kind, IReadOnlyDictionary<string, TemplateVariable> vars, JsonNode? panel)
    {
        var (from, to) = Range(kind);
        var min = MinIntervals[kind];
        if (panel?["interval"]?.GetValue<string>() is { Length: > 0 } panelInterval)
        {
            min = GrafanaMacros.ParseInterval(GrafanaMacros.Interpolate(panelInterval, new GrafanaContext(from, to, min, vars), kind).TrimStart('>'));
        }

        // Grafana's resolution is the panel's max data points, else its width in pixels (a 24-column grid on ~1900 px).
        var width = panel?["gridPos"]?["w"]?.GetValue<int>() ?? 24;
        var resolution = panel?["maxDataPoints"]?.GetValue<int>() ?? Math.Max(100, width * 1900 / 24);
        return new GrafanaContext(from, to, GrafanaMacros.CalculateInterval(from, to, resolution, min), vars) { ScrapeInterval = MinIntervals[DatasourceKind.Prometheus] };
    }

    private (DateTimeOffset From, DateTimeOffset To) Range(DatasourceKind kind) =>
        kind == DatasourceKind.Prometheus ? (backends.PromFrom, backends.PromTo) : (backends.From, backends.To);

    private async Task<Dictionary<string, TemplateVariable>> ResolveVariablesAsync(string title, JsonObject dashboard, bool singleValues)
    {
        var vars = new Dictionary<string, TemplateVariable>();
        foreach (var v in dashboard["templating"]?["list"]?.AsArray() ?? [])
        {
            if (v is null)
            {
                continue;
            }

            var name = v["name"]!.GetValue<string>();
            var type = v["type"]?.GetValue<string>() ?? "query";
            var multi = v["multi"]?.GetValue<bool>() ?? false;
            var includeAll = v["includeAll"]?.GetValue<bool>() ?? false;
            var allValue = v["allValue"]?.GetValue<string>() is { Length: > 0 } a ? a : null;
            List<string> options;
            switch (type)
            {
                case "query":
                {
                    var kind = Kind(v["datasource"], null);
                    var query = v["query"] is JsonObject q ? q["query"]?.GetValue<string>() ?? q["rawSql"]?.GetValue<string>() : v["query"]?.GetValue<string>();
                    query ??= v["definition"]?.GetValue<string>();
                    if (kind is null || query is null)
                    {
                        Outcomes.Add(new QueryOutcome(title, $"variable ${name}", "-", kind ?? DatasourceKind.Postgres, v.ToJsonString(), 0, "variable without a datasource or query the test knows"));
                        options = [];
                        break;
                    }

                    var (values, outcome) = await VariableQueryAsync(title, name, kind.Value, query, Context(kind.Value, vars, null));
                    options = ApplyRegex(v["regex"]?.GetValue<string>(), values);
                    Outcomes.Add(outcome.Error is null && options.Count == 0 ? outcome with { Rows = 0 } : outcome with { Rows = options.Count });
                    break;
                }

                case "custom" or "interval":
                    options = (v["query"]?.GetValue<string>() ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                        .Select(o => o.Contains(" : ", StringComparison.Ordinal) ? o[(o.IndexOf(" : ", StringComparison.Ordinal) + 3)..] : o).ToList();
                    break;
                case "constant" or "textbox":
                    options = [v["query"]?.GetValue<string>() ?? ""];
                    break;
                case "datasource":
                    options = [v["current"]?["value"]?.GetValue<string>() ?? ""];
                    break;
                default:
                    continue; // adhoc filters: none applied
            }

            var current = CurrentValues(v);
            var preferred = backends.Preferred.TryGetValue(name, out var p) ? options.Intersect(p).ToList() : [];
            TemplateVariable variable;
            if (singleValues && (multi || includeAll) && options.Count > 0)
            {
                variable = new TemplateVariable(name, [preferred.FirstOrDefault() ?? options[0]], multi, includeAll, allValue, false, options);
            }
            else if (preferred.Count > 0 && !includeAll)
            {
                variable = new TemplateVariable(name, multi ? preferred : [preferred[0]], multi, includeAll, allValue, false, options);
            }
            else if (includeAll)
            {
                variable = new TemplateVariable(name, [], multi, includeAll, allValue, true, options);
            }
            else if (multi)
            {
                variable = new TemplateVariable(name, options, multi, includeAll, allValue, false, options);
            }
            else
            {
                var pick = current.FirstOrDefault(options.Contains) ?? options.FirstOrDefault() ?? current.FirstOrDefault() ?? "";
                variable = new TemplateVariable(name, [pick], multi, includeAll, allValue, false, options);
            }

            vars[name] = variable;
        }

        return vars;
    }

    private static List<string> CurrentValues(JsonNode v) => v["current"]?["value"] switch
    {
        JsonArray arr => arr.Select(x => x?.GetValue<string>() ?? "").ToList(),
        JsonValue val when val.TryGetValue<string>(out var s) => [s],
        _ => [],
    };

    /// <summary>Grafana's variable regex: filter, and a capture group (or the named group "value") picks the value.</summary>
    private static List<string> ApplyRegex(string? regex, List<string> values)
    {
        if (regex is not { Length: > 2 } || regex[0] != '/')
        {
            return values;
        }

        var end = regex.LastIndexOf('/');
        var re = new Regex(regex[1..end], regex[(end + 1)..].Contains('i', StringComparison.Ordinal) ? RegexOptions.IgnoreCase : RegexOptions.None);
        return values.Select(x => re.Match(x)).Where(m => m.Success)
            .Select(m => m.Groups["value"].Success ? m.Groups["value"].Value : m.Groups.Count > 1 ? m.Groups[1].Value : m.Value).Distinct().ToList();
    }

    private async Task<(List<string> Values, QueryOutcome Outcome)> VariableQueryAsync(string title, string name, DatasourceKind kind, string query, GrafanaContext ctx)
    {
        string expanded;
        try
        {
            expanded = GrafanaMacros.Expand(query, ctx, kind);
        }
        catch (FormatException ex)
        {
            return ([], new QueryOutcome(title, $"variable ${name}", "-", kind, query, 0, ex.Message));
        }

        try
        {
            var values = kind switch
            {
                DatasourceKind.Postgres => await SqlValuesAsync(expanded),
                DatasourceKind.Influx => await InfluxValuesAsync(expanded),
                _ => await PromValuesAsync(expanded, ctx),
            };
            return (values, new QueryOutcome(title, $"variable ${name}", "-", kind, expanded, values.Count, null));
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or InfluxWriteException or HttpRequestException or FormatException)
        {
            return ([], new QueryOutcome(title, $"variable ${name}", "-", kind, expanded, 0, ex.Message));
        }
    }

    private async Task<List<string>> SqlValuesAsync(string sql)
    {
        await using var cmd = backends.Db.CreateCommand(sql);
        await using var r = await cmd.ExecuteReaderAsync();
        var valueColumn = Enumerable.Range(0, r.FieldCount).FirstOrDefault(i => r.GetName(i) == "__value", -1);
        var values = new List<string>();
        while (await r.ReadAsync())
        {
            if (valueColumn >= 0)
            {
                values.Add(Convert.ToString(r.GetValue(valueColumn), CultureInfo.InvariantCulture) ?? "");
            }
            else
            {
                // Without __text/__value Grafana takes every column's values.
                for (var i = 0; i < r.FieldCount; i++)
                {
                    values.Add(Convert.ToString(r.GetValue(i), CultureInfo.InvariantCulture) ?? "");
                }
            }
        }

        return values.Distinct().ToList();
    }

    private async Task<List<string>> InfluxValuesAsync(string q)
    {
        using var doc = JsonDocument.Parse(await backends.Influx.QueryAsync(q));
        var column = q.Contains("SHOW TAG VALUES", StringComparison.OrdinalIgnoreCase) ? 1 : 0;
        var values = new List<string>();
        foreach (var result in doc.RootElement.GetProperty("results").EnumerateArray())
        {
            if (result.TryGetProperty("error", out var err))
            {
                throw new InvalidOperationException(err.GetString());
            }

            foreach (var series in result.TryGetProperty("series", out var s) ? s.EnumerateArray() : default)
            {
                values.AddRange(series.GetProperty("values").EnumerateArray().Select(row => row[column].ToString()));
            }
        }

        return values.Distinct().ToList();
    }

    private async Task<List<string>> PromValuesAsync(string q, GrafanaContext ctx)
    {
        var prom = backends.Prometheus ?? throw new InvalidOperationException("no Prometheus in this test");
        var range = $"&start={ctx.From.ToUnixTimeSeconds()}&end={ctx.To.ToUnixTimeSeconds()}";
        var m = Regex.Match(q.Trim(), @"^label_values\((?:(.+),\s*)?(\w+)\)$");
        if (m.Success)
        {
            var match = m.Groups[1].Success ? "&match[]=" + Uri.EscapeDataString(m.Groups[1].Value) : "";
            var data = await prom.ApiAsync($"label/{m.Groups[2].Value}/values?{match.TrimStart('&')}{range}");
            return data.EnumerateArray().Select(x => x.GetString()!).ToList();
        }

        if (Regex.Match(q.Trim(), @"^query_result\((.+)\)$") is { Success: true } qr)
        {
            var result = (await prom.QueryAsync(qr.Groups[1].Value, ctx.To)).GetProperty("result");
            return result.EnumerateArray().Select(r => r.GetProperty("metric").ToString() + " " + r.GetProperty("value")[1].GetString()).ToList();
        }

        if (q.Trim() == "label_names()")
        {
            return (await prom.ApiAsync("labels?" + range.TrimStart('&'))).EnumerateArray().Select(x => x.GetString()!).ToList();
        }

        if (Regex.Match(q.Trim(), @"^metrics\((.+)\)$") is { Success: true } mm)
        {
            var re = new Regex(mm.Groups[1].Value);
            return (await prom.ApiAsync("label/__name__/values")).EnumerateArray().Select(x => x.GetString()!).Where(x => re.IsMatch(x)).ToList();
        }

        throw new FormatException($"Prometheus variable query not understood by the test: {q}");
    }

    private async Task<QueryOutcome> ExecuteAsync(string dashboard, string panel, string refId, DatasourceKind kind, string query, JsonNode? target, GrafanaContext ctx, JsonNode? panelNode)
    {
        string expanded;
        try
        {
            expanded = GrafanaMacros.Expand(query, ctx, kind);
        }
        catch (FormatException ex)
        {
            return new QueryOutcome(dashboard, panel, refId, kind, query, 0, "expansion: " + ex.Message);
        }

        try
        {
            var rows = kind switch
            {
                DatasourceKind.Postgres => await SqlAsync(expanded, target?["format"]?.GetValue<string>()),
                DatasourceKind.Influx => await InfluxAsync(expanded),
                _ => await PromAsync(expanded, target, ctx),
            };
            return new QueryOutcome(dashboard, panel, refId, kind, expanded, rows, null);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or InfluxWriteException or HttpRequestException or FormatException or TaskCanceledException)
        {
            return new QueryOutcome(dashboard, panel, refId, kind, expanded, 0, ex.GetType().Name + ": " + ex.Message);
        }
    }

    private async Task<int> SqlAsync(string sql, string? format)
    {
        await using var conn = await backends.Db.OpenConnectionAsync();
        // Like Grafana's datasource: a session in UTC, a read-only transaction.
        await using (var set = new NpgsqlCommand("SET TIME ZONE 'UTC'; SET statement_timeout = '30s'", conn))
        {
            await set.ExecuteNonQueryAsync();
        }

        await using var tx = await conn.BeginTransactionAsync();
        await using (var ro = new NpgsqlCommand("SET TRANSACTION READ ONLY", conn, tx))
        {
            await ro.ExecuteNonQueryAsync();
        }

        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        await using var r = await cmd.ExecuteReaderAsync();
        var columns = Enumerable.Range(0, r.FieldCount).Select(r.GetName).ToList();
        if (format == "time_series" && !columns.Contains("time") && !columns.Contains("time_sec"))
        {
            throw new InvalidOperationException($"format time_series needs a column named time; got {string.Join(", ", columns)}");
        }

        var rows = 0;
        while (await r.ReadAsync())
        {
            rows++;
        }

        return rows;
    }

    private async Task<int> InfluxAsync(string q)
    {
        using var doc = JsonDocument.Parse(await backends.Influx.QueryAsync(q));
        var points = 0;
        foreach (var result in doc.RootElement.GetProperty("results").EnumerateArray())
        {
            if (result.TryGetProperty("error", out var err))
            {
                throw new InvalidOperationException("InfluxDB: " + err.GetString());
            }

            foreach (var series in result.TryGetProperty("series", out var s) ? s.EnumerateArray() : default)
            {
                points += series.GetProperty("values").GetArrayLength();
            }
        }

        return points;
    }

    private async Task<int> PromAsync(string expr, JsonNode? target, GrafanaContext ctx)
    {
        var prom = backends.Prometheus ?? throw new InvalidOperationException("no Prometheus in this test");
        var instant = target?["instant"]?.GetValue<bool>() == true && target["range"]?.GetValue<bool>() != true;
        if (instant)
        {
            return (await prom.QueryAsync(expr, ctx.To)).GetProperty("result").GetArrayLength();
        }

        // Grafana's step: the interval, at least range / 11000 (Prometheus' points limit).
        var step = TimeSpan.FromSeconds(Math.Max(Math.Max(1, Math.Round(ctx.Interval.TotalSeconds)), Math.Ceiling((ctx.To - ctx.From).TotalSeconds / 11000)));
        var data = await prom.QueryRangeAsync(expr, ctx.From, ctx.To, step);
        return data.GetProperty("result").EnumerateArray().Sum(s => s.TryGetProperty("values", out var v) ? v.GetArrayLength() : 1);
    }

    private static bool IsGrafanaOrDashboardDatasource(JsonNode? ds) =>
        ds?.ToJsonString() is { } s && (s.Contains("-- Grafana --", StringComparison.Ordinal) || s.Contains("-- Dashboard --", StringComparison.Ordinal) || s.Contains("\"grafana\"", StringComparison.Ordinal) || s.Contains("\"datasource\"", StringComparison.Ordinal));

    private static DatasourceKind? Kind(JsonNode? ds, DatasourceKind? fallback) => Kind(ds, fallback, out _);

    /// <summary>A datasource reference (object with uid/type, a uid or name string, or null for the default: MS5 PostgreSQL).</summary>
    private static DatasourceKind? Kind(JsonNode? ds, DatasourceKind? fallback, out bool mixed)
    {
        mixed = false;
        string uid = "", type = "";
        switch (ds)
        {
            case null:
                return fallback ?? DatasourceKind.Postgres; // the provisioned default (isDefault: true)
            case JsonObject o:
                uid = o["uid"]?.GetValue<string>() ?? "";
                type = o["type"]?.GetValue<string>() ?? "";
                break;
            case JsonValue v:
                uid = v.GetValue<string>();
                break;
        }

        if (uid is "-- Mixed --" || type == "datasource" && uid.Contains("Mixed", StringComparison.Ordinal))
        {
            mixed = true;
            return null;
        }

        if (uid is "-- Grafana --" or "-- Dashboard --" or "grafana" || type is "grafana" or "datasource")
        {
            return null;
        }

        return (uid, type) switch
        {
            _ when uid == "ms5-postgres" || uid == "MS5 PostgreSQL" || type is "grafana-postgresql-datasource" or "postgres" => DatasourceKind.Postgres,
            _ when uid == "ms5-influxdb" || uid == "MS5 InfluxDB" || type == "influxdb" => DatasourceKind.Influx,
            _ when uid == "ms5-prometheus" || uid == "MS5 Prometheus" || type == "prometheus" => DatasourceKind.Prometheus,
            _ => fallback,
        };
    }

    private static Dictionary<DatasourceKind, TimeSpan> ReadMinIntervals()
    {
        // Grafana's defaults when the provisioning does not say: SQL 1m, InfluxDB none (1 ms), Prometheus 15s.
        var result = new Dictionary<DatasourceKind, TimeSpan>
        {
            [DatasourceKind.Postgres] = TimeSpan.FromMinutes(1),
            [DatasourceKind.Influx] = TimeSpan.FromMilliseconds(1),
            [DatasourceKind.Prometheus] = TimeSpan.FromSeconds(15),
        };
        var dir = Path.Combine(Repo.Root, "infra", "grafana", "provisioning", "datasources");
        if (!Directory.Exists(dir))
        {
            return result;
        }

        foreach (var file in Directory.GetFiles(dir, "*.y*ml"))
        {
            // Each "- name:" entry: its uid and jsonData.timeInterval.
            foreach (var entry in Regex.Split(File.ReadAllText(file), @"(?m)^\s*-\s+name:").Skip(1))
            {
                var uid = Regex.Match(entry, @"(?m)^\s*uid:\s*""?([\w-]+)").Groups[1].Value;
                var interval = Regex.Match(entry, @"(?m)^\s*timeInterval:\s*""?(\w+)");
                DatasourceKind? kind = uid switch { "ms5-postgres" => DatasourceKind.Postgres, "ms5-influxdb" => DatasourceKind.Influx, "ms5-prometheus" => DatasourceKind.Prometheus, _ => null };
                if (kind is { } k && interval.Success)
                {
                    result[k] = GrafanaMacros.ParseInterval(interval.Groups[1].Value);
                }
            }
        }

        return result;
    }
}
