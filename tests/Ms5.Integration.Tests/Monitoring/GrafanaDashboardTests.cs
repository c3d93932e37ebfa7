using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;
using Ms5.Integration.Tests.Support;

namespace Ms5.Integration.Tests.Monitoring;

/// <summary>
/// Static checks of infra/grafana without a Grafana (issue 14, part 6): every dashboard validates against the JSON
/// Schema generated from @grafana/schema (infra/grafana/schema), uids and panel ids are unique, every datasource a
/// panel, query or variable names is provisioned (infra/grafana/provisioning/datasources), every template variable
/// a query uses is defined (or a Grafana builtin), numbers have units, and compose mounts what exists. Running the
/// queries against the stack is the job of the Dashboards tests.
/// </summary>
public sealed partial class GrafanaDashboardTests
{
    private static readonly string GrafanaDir = Path.Combine(Repo.Root, "infra", "grafana");
    private static readonly string DashboardsDir = Path.Combine(GrafanaDir, "dashboards");

    private static readonly string[] ExpectedUids = ["ms5-plant-overview", "ms5-machine", "ms5-shift", "ms5-system", "ms5-data-quality"];

    /// <summary>Variables Grafana defines itself (global variables and the SQL, InfluxQL and Prometheus macros).</summary>
    private static readonly HashSet<string> Builtins = new(StringComparer.Ordinal)
    {
        "__timeFilter", "__timeGroup", "__timeGroupAlias", "__timeFrom", "__timeTo", "__time", "__timeEpoch",
        "__unixEpochFilter", "__unixEpochFrom", "__unixEpochTo", "__unixEpochGroup", "__unixEpochGroupAlias",
        "__unixEpochNanoFilter", "__unixEpochNanoFrom", "__unixEpochNanoTo",
        "__interval", "__interval_ms", "__rate_interval", "__rate_interval_ms", "__range", "__range_s", "__range_ms",
        "__from", "__to", "__now", "__dashboard", "__user", "__org", "__name", "__timezone", "__schema", "__table", "__column",
        "timeFilter", "interval",
    };

    private static readonly EvaluationOptions SchemaOptions = new() { OutputFormat = OutputFormat.List };

    private static readonly Lazy<JsonSchema> Schema = new(() =>
        JsonSchema.FromText(File.ReadAllText(Path.Combine(GrafanaDir, "schema", "dashboard.schema.json")), new BuildOptions()));

    public static TheoryData<string> DashboardFiles()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(DashboardsDir, "*.json").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(f));
        }

        return data;
    }

    private static JsonObject Load(string file) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(DashboardsDir, file)))!.AsObject();

    private static IEnumerable<JsonObject> AllDashboards() =>
        Directory.GetFiles(DashboardsDir, "*.json").Order(StringComparer.Ordinal).Select(f => Load(Path.GetFileName(f)));

    /// <summary>Every panel, those inside rows included.</summary>
    private static IEnumerable<JsonObject> Panels(JsonObject dashboard)
    {
        foreach (var p in dashboard["panels"]?.AsArray() ?? [])
        {
            var panel = p!.AsObject();
            yield return panel;
            foreach (var inner in panel["panels"]?.AsArray() ?? [])
            {
                yield return inner!.AsObject();
            }
        }
    }

    private static IEnumerable<JsonObject> Targets(JsonObject panel) =>
        (panel["targets"]?.AsArray() ?? []).Select(t => t!.AsObject());

    private static string Type(JsonObject panel) => (string?)panel["type"] ?? "";

    private static bool ShowsData(JsonObject panel) => Type(panel) is not ("row" or "text");

    /// <summary>The schema's errors for <paramref name="instance"/> as "instance path: keyword: message".</summary>
    private static List<string> SchemaErrors(JsonNode instance)
    {
        using var doc = JsonDocument.Parse(instance.ToJsonString());
        var result = Schema.Value.Evaluate(doc.RootElement, SchemaOptions);
        if (result.IsValid)
        {
            return [];
        }

        return new[] { result }.Concat(result.Details ?? [])
            .SelectMany(d => (d.Errors ?? new Dictionary<string, string>()).Select(e => $"{d.InstanceLocation}: {e.Key}: {e.Value}"))
            .Distinct(StringComparer.Ordinal)
            .ToList();
    }

    [Theory]
    [MemberData(nameof(DashboardFiles))]
    public void Dashboard_ValidatesAgainstGrafanasSchema(string file)
    {
        var errors = SchemaErrors(Load(file));
        Assert.True(errors.Count == 0, $"{file} does not match infra/grafana/schema/dashboard.schema.json:\n" + string.Join('\n', errors.Take(30)));
    }

    /// <summary>
    /// Field config the state timeline registers in its module outside its generated types ("Connect null values",
    /// "Disconnect values": SpanNullsEditor and InsertNullsEditor in Grafana's state-timeline module.tsx).
    /// </summary>
    private static readonly Dictionary<string, string[]> CustomOutsideTypes = new(StringComparer.Ordinal)
    {
        ["state-timeline"] = ["spanNulls", "insertNulls"],
    };

    [Theory]
    [MemberData(nameof(DashboardFiles))]
    public void PanelOptions_ValidateAgainstTheirPluginsSchema(string file)
    {
        // infra/grafana/schema/panels: each panel plugin's Options and FieldConfig (the "custom" field config) types.
        var dir = Path.Combine(GrafanaDir, "schema", "panels");
        var errors = new List<string>();
        foreach (var p in Panels(Load(file)).Where(p => Type(p) != "row"))
        {
            var type = Type(p);
            var optionsSchema = Path.Combine(dir, type + ".options.schema.json");
            Assert.True(File.Exists(optionsSchema), $"{file}: panel '{p["title"]}' has type {type}, which has no schema in {dir} (add it to generate.sh)");
            errors.AddRange(PanelSchemaErrors(optionsSchema, p["options"] ?? new JsonObject()).Select(e => $"panel '{p["title"]}' options{e}"));

            var customSchema = Path.Combine(dir, type + ".fieldconfig.schema.json");
            if (File.Exists(customSchema) && p["fieldConfig"]?["defaults"]?["custom"] is JsonObject custom)
            {
                var copy = custom.DeepClone().AsObject();
                foreach (var extra in CustomOutsideTypes.GetValueOrDefault(type, []))
                {
                    copy.Remove(extra);
                }

                errors.AddRange(PanelSchemaErrors(customSchema, copy).Select(e => $"panel '{p["title"]}' fieldConfig.defaults.custom{e}"));
            }
        }

        Assert.True(errors.Count == 0, $"{file}:\n" + string.Join('\n', errors.Take(30)));
    }

    [Fact]
    public void PanelSchemas_RejectOptionsGrafanaDropped()
    {
        // Table panels lost options.footer (now per field: fieldConfig.defaults.custom.footer.reducers).
        var table = Path.Combine(GrafanaDir, "schema", "panels", "table.options.schema.json");
        Assert.Empty(PanelSchemaErrors(table, JsonNode.Parse("""{"showHeader": true, "frameIndex": 0}""")!));
        Assert.NotEmpty(PanelSchemaErrors(table, JsonNode.Parse("""{"showHeader": true, "frameIndex": 0, "footer": {"show": true}}""")!));
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, JsonSchema> PanelSchemas = new(StringComparer.Ordinal);

    private static IEnumerable<string> PanelSchemaErrors(string schemaPath, JsonNode instance)
    {
        var schema = PanelSchemas.GetOrAdd(schemaPath, path => JsonSchema.FromText(File.ReadAllText(path), new BuildOptions()));
        using var doc = JsonDocument.Parse(instance.ToJsonString());
        var result = schema.Evaluate(doc.RootElement, SchemaOptions);
        return result.IsValid
            ? []
            : new[] { result }.Concat(result.Details ?? [])
                .SelectMany(d => (d.Errors ?? new Dictionary<string, string>()).Select(e => $"{d.InstanceLocation}: {e.Key}: {e.Value}"))
                .Distinct(StringComparer.Ordinal);
    }

    [Fact]
    public void Schema_RejectsWhatGrafanaWouldNot()
    {
        // The generated schema is strict (no unknown properties, required fields): a broken copy must fail, at the right path.
        var d = Load("machine.json");
        d["panels"]![0]!.AsObject()["gridPos"]!.AsObject().Remove("h");
        d["panels"]![1]!.AsObject()["notAPanelProperty"] = 1;
        d["schemaVersion"] = "42";
        var errors = SchemaErrors(d);
        Assert.Contains(errors, e => e.StartsWith("/panels/0/gridPos", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("/panels/1", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("/schemaVersion", StringComparison.Ordinal));
    }

    [Fact]
    public void Dashboards_AreTheFiveWithUniqueUids_AndTheSchemaVersionOfTheSchema()
    {
        var dashboards = AllDashboards().ToList();
        var uids = dashboards.Select(d => (string?)d["uid"]).ToList();
        Assert.Equal(uids.Count, uids.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(ExpectedUids.Order(StringComparer.Ordinal), uids.Order(StringComparer.Ordinal));
        Assert.All(uids, u => Assert.InRange(u!.Length, 1, 40));
        var titles = dashboards.Select(d => (string?)d["title"]).ToList();
        Assert.Equal(titles.Count, titles.Distinct(StringComparer.Ordinal).Count());

        // schemaVersion as @grafana/schema's default dashboard of the version the schema was generated from.
        var version = File.ReadAllText(Path.Combine(GrafanaDir, "schema", "VERSION"));
        var m = SchemaVersionRegex().Match(version);
        Assert.True(m.Success, "infra/grafana/schema/VERSION names the dashboard schemaVersion");
        Assert.All(dashboards, d => Assert.Equal(int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), (int)d["schemaVersion"]!));
    }

    [Theory]
    [MemberData(nameof(DashboardFiles))]
    public void PanelIds_AreUnique_AndPanelsHaveTitlesAndPositions(string file)
    {
        var panels = Panels(Load(file)).ToList();
        Assert.NotEmpty(panels);
        var ids = panels.Select(p => (int?)p["id"]).ToList();
        Assert.DoesNotContain(null, ids);
        Assert.True(ids.Count == ids.Distinct().Count(), $"{file}: duplicate panel ids " + string.Join(", ", ids.GroupBy(i => i).Where(g => g.Count() > 1).Select(g => g.Key)));
        Assert.All(panels, p =>
        {
            Assert.False(string.IsNullOrWhiteSpace((string?)p["title"]), $"{file}: panel {p["id"]} has no title");
            var pos = p["gridPos"]!.AsObject();
            Assert.InRange((int)pos["x"]! + (int)pos["w"]!, 1, 24);
        });

        // No two panels share grid cells (Grafana would push one down, not what the layout meant).
        var boxes = panels.Select(p => (Title: (string?)p["title"], X: (int)p["gridPos"]!["x"]!, Y: (int)p["gridPos"]!["y"]!, W: (int)p["gridPos"]!["w"]!, H: (int)p["gridPos"]!["h"]!)).ToList();
        var overlaps = boxes.SelectMany((a, i) => boxes.Skip(i + 1)
                .Where(b => a.X < b.X + b.W && b.X < a.X + a.W && a.Y < b.Y + b.H && b.Y < a.Y + a.H)
                .Select(b => $"'{a.Title}' and '{b.Title}'"))
            .ToList();
        Assert.True(overlaps.Count == 0, $"{file}: overlapping panels: " + string.Join(", ", overlaps));
    }

    [Theory]
    [MemberData(nameof(DashboardFiles))]
    public void EveryDatasourceUid_IsAProvisionedDatasourceOfTheSameType(string file)
    {
        var provisioned = ProvisionedDatasources().ToDictionary(d => d.Uid, d => d.Type, StringComparer.Ordinal);
        var d = Load(file);
        var problems = new List<string>();

        void Check(JsonNode? ds, string where, bool required)
        {
            if (ds is null)
            {
                if (required)
                {
                    problems.Add($"{where}: no datasource");
                }

                return;
            }

            var uid = (string?)ds["uid"];
            var type = (string?)ds["type"];
            if (uid is null || !provisioned.TryGetValue(uid, out var provisionedType))
            {
                problems.Add($"{where}: datasource uid '{uid}' is not provisioned ({string.Join(", ", provisioned.Keys)})");
            }
            else if (type != provisionedType)
            {
                problems.Add($"{where}: datasource '{uid}' has type '{type}', provisioned as '{provisionedType}'");
            }
        }

        foreach (var p in Panels(d).Where(ShowsData))
        {
            Check(p["datasource"], $"panel '{p["title"]}'", required: true);
            var targets = Targets(p).ToList();
            if (targets.Count == 0)
            {
                problems.Add($"panel '{p["title"]}': no targets");
            }

            foreach (var t in targets)
            {
                Check(t["datasource"], $"panel '{p["title"]}' target {t["refId"]}", required: true);
            }

            var refIds = targets.Select(t => (string?)t["refId"]).ToList();
            if (refIds.Any(string.IsNullOrEmpty) || refIds.Distinct(StringComparer.Ordinal).Count() != refIds.Count)
            {
                problems.Add($"panel '{p["title"]}': refIds missing or repeated ({string.Join(", ", refIds)})");
            }
        }

        foreach (var v in Variables(d).Where(v => (string?)v["type"] == "query"))
        {
            Check(v["datasource"], $"variable ${v["name"]}", required: true);
        }

        Assert.True(problems.Count == 0, $"{file}:\n" + string.Join('\n', problems));
    }

    [Theory]
    [MemberData(nameof(DashboardFiles))]
    public void EveryVariableUsed_IsDefined_OrAGrafanaBuiltin(string file)
    {
        var d = Load(file);
        var defined = new List<string>();
        var problems = new List<string>();

        // A variable's query may use only the variables defined before it (Grafana resolves them in order).
        foreach (var v in Variables(d))
        {
            var name = (string)v["name"]!;
            foreach (var used in UsedVariables(VariableQueryText(v)))
            {
                if (!Builtins.Contains(used) && !defined.Contains(used, StringComparer.Ordinal))
                {
                    problems.Add($"variable ${name} uses ${used}, not defined before it");
                }
            }

            defined.Add(name);
        }

        foreach (var p in Panels(d))
        {
            var texts = new List<(string Where, string Text)> { ($"panel {p["id"]} title", (string?)p["title"] ?? "") };
            texts.AddRange(Targets(p).Select(t => ($"panel '{p["title"]}' target {t["refId"]}", QueryText(t))));
            foreach (var (where, text) in texts)
            {
                foreach (var used in UsedVariables(text))
                {
                    if (!Builtins.Contains(used) && !defined.Contains(used, StringComparer.Ordinal))
                    {
                        problems.Add($"{where}: ${used} is not a template variable ({string.Join(", ", defined)}) nor a Grafana builtin");
                    }
                }
            }
        }

        Assert.True(problems.Count == 0, $"{file}:\n" + string.Join('\n', problems));
    }

    [Fact]
    public void VariableScanner_FindsGrafanasSyntaxes()
    {
        Assert.Equal(["a", "b", "c", "__timeFilter", "d"],
            UsedVariables("SELECT $a, ${b:csv}, [[c]] WHERE $__timeFilter(ts) AND x ~ /^$d$/ AND $$dollar quoted$$"));
    }

    [Theory]
    [MemberData(nameof(DashboardFiles))]
    public void Queries_FollowEachDatasourcesConventions(string file)
    {
        var problems = new List<string>();
        foreach (var p in Panels(Load(file)).Where(ShowsData))
        {
            foreach (var t in Targets(p))
            {
                var where = $"panel '{p["title"]}' target {t["refId"]}";
                switch ((string?)t["datasource"]?["uid"])
                {
                    case "ms5-postgres":
                        var sql = (string?)t["rawSql"] ?? "";
                        if (sql.Length == 0 || t["rawQuery"]?.GetValue<bool>() != true || (string?)t["format"] is not ("table" or "time_series"))
                        {
                            problems.Add($"{where}: PostgreSQL targets need rawSql, rawQuery true and format table or time_series");
                        }

                        if ((string?)t["format"] == "time_series" && !sql.Contains("AS time", StringComparison.OrdinalIgnoreCase)
                            && !sql.Contains("$__timeGroupAlias(", StringComparison.Ordinal))
                        {
                            problems.Add($"{where}: a time_series query needs a time column");
                        }

                        // OEE over a window is a ratio of sums of the minute components, never an average of ratios.
                        if (AvgRegex().IsMatch(sql))
                        {
                            problems.Add($"{where}: avg() in a dashboard query (OEE must be a ratio of sums)");
                        }

                        break;
                    case "ms5-influxdb":
                        var q = (string?)t["query"] ?? "";
                        if (t["rawQuery"]?.GetValue<bool>() != true || !q.Contains("$timeFilter", StringComparison.Ordinal)
                            || !q.Contains("GROUP BY time($__interval)", StringComparison.Ordinal))
                        {
                            problems.Add($"{where}: InfluxQL targets need rawQuery true, $timeFilter and GROUP BY time($__interval)");
                        }

                        break;
                    case "ms5-prometheus":
                        var expr = (string?)t["expr"] ?? "";
                        if (expr.Length == 0)
                        {
                            problems.Add($"{where}: no expr");
                        }

                        // Range functions take Grafana's windows, never a hard-coded one.
                        foreach (Match m in RangeSelectorRegex().Matches(expr))
                        {
                            if (m.Groups[1].Value is not ("$__rate_interval" or "$__range" or "$__interval"))
                            {
                                problems.Add($"{where}: range [{m.Groups[1].Value}] instead of $__rate_interval");
                            }
                        }

                        break;
                }
            }
        }

        Assert.True(problems.Count == 0, $"{file}:\n" + string.Join('\n', problems));
    }

    [Theory]
    [MemberData(nameof(DashboardFiles))]
    public void EveryPanelShowingNumbers_HasAUnit_AndThresholds(string file)
    {
        var problems = new List<string>();
        foreach (var p in Panels(Load(file)).Where(ShowsData))
        {
            var defaults = p["fieldConfig"]?["defaults"];
            if (string.IsNullOrWhiteSpace((string?)defaults?["unit"]))
            {
                problems.Add($"panel '{p["title"]}' has no unit");
            }

            if (defaults?["thresholds"]?["steps"]?.AsArray() is not { Count: > 0 })
            {
                problems.Add($"panel '{p["title"]}' has no thresholds");
            }
        }

        Assert.True(problems.Count == 0, $"{file}:\n" + string.Join('\n', problems));
    }

    [Fact]
    public void OeeStats_ArePercentages_WithTheOeeThresholds()
    {
        var stats = AllDashboards().SelectMany(Panels).Where(p => Type(p) == "stat" && (string?)p["title"] == "OEE").ToList();
        Assert.True(stats.Count >= 2, "the plant overview and machine dashboards show an OEE stat");
        (string?, double?)[] expected = [("red", null), ("yellow", 0.65), ("green", 0.85)];
        Assert.All(stats, oee =>
        {
            var defaults = oee["fieldConfig"]!["defaults"]!;
            Assert.Equal("percentunit", (string?)defaults["unit"]);
            Assert.Equal(expected, defaults["thresholds"]!["steps"]!.AsArray().Select(s => ((string?)s!["color"], (double?)s["value"])));
        });
    }

    [Fact]
    public void MetricNames_AreInTheMetricCatalog()
    {
        // docs/metrics.md is the catalog of ms5_* names and recording rules that dashboards may use.
        var catalog = File.ReadAllText(Path.Combine(Repo.Root, "docs", "metrics.md"));
        var missing = AllDashboards().SelectMany(Panels).SelectMany(Targets)
            .Select(t => (string?)t["expr"] ?? "")
            .SelectMany(e => MetricRegex().Matches(e).Select(m => m.Value))
            .Select(n => n.StartsWith("ms5:", StringComparison.Ordinal) ? n : HistogramSuffixRegex().Replace(n, ""))
            .Distinct(StringComparer.Ordinal)
            .Where(n => !catalog.Contains(n, StringComparison.Ordinal))
            .ToList();
        Assert.True(missing.Count == 0, "not in docs/metrics.md: " + string.Join(", ", missing));
    }

    [Fact]
    public void DatasourceProvisioning_Parses_WithTheThreeFixedUids()
    {
        var text = File.ReadAllText(Path.Combine(GrafanaDir, "provisioning", "datasources", "ms5.yml"));
        Assert.Matches(ApiVersionRegex(), text);
        var ds = ProvisionedDatasources().ToList();
        (string, string)[] expected = [("ms5-influxdb", "influxdb"), ("ms5-postgres", "grafana-postgresql-datasource"), ("ms5-prometheus", "prometheus")];
        Assert.Equal(expected, ds.Select(d => (d.Uid, d.Type)).Order());
        Assert.All(ds, d =>
        {
            Assert.False(string.IsNullOrEmpty(d.Name));
            Assert.StartsWith("${MS5_", d.Settings["url"], StringComparison.Ordinal); // from the environment, not hard-coded
        });
        var pg = ds.Single(d => d.Uid == "ms5-postgres");
        Assert.Equal("ms5", pg.Settings["database"]);
        Assert.Equal("${MS5_PG_READER_USER}", pg.Settings["user"]);
        var influx = ds.Single(d => d.Uid == "ms5-influxdb");
        Assert.Equal("InfluxQL", influx.Settings["version"]);
        Assert.Equal("ms5", influx.Settings["dbName"]);
    }

    [Fact]
    public void DashboardProvisioning_AndCompose_MountWhatExists()
    {
        var provider = File.ReadAllText(Path.Combine(GrafanaDir, "provisioning", "dashboards", "ms5.yml"));
        Assert.Matches(ApiVersionRegex(), provider);
        Assert.Matches(new Regex(@"^\s+type:\s*file\s*$", RegexOptions.Multiline), provider);
        var path = new Regex(@"^\s+path:\s*(\S+)\s*$", RegexOptions.Multiline).Match(provider);
        Assert.True(path.Success, "the dashboard provider has options.path");

        var composeDir = Path.Combine(Repo.Root, "infra", "compose");
        var service = ComposeService(File.ReadAllText(Path.Combine(composeDir, "compose.yaml")), "grafana");
        Assert.Matches(new Regex(@"^\s+image:\s*grafana/grafana(-oss)?:\d+\.\d+\.\d+\s*$", RegexOptions.Multiline), service);
        var mounts = new Regex(@"^\s+-\s*(\.\.?/[^:\s]+):([^:\s]+)(:ro)?\s*$", RegexOptions.Multiline).Matches(service)
            .Select(m => (Source: Path.GetFullPath(Path.Combine(composeDir, m.Groups[1].Value)), Target: m.Groups[2].Value, ReadOnly: m.Groups[3].Success))
            .ToList();
        Assert.All(mounts, m =>
        {
            Assert.True(Directory.Exists(m.Source) || File.Exists(m.Source), $"compose mounts {m.Source}, which does not exist");
            Assert.True(m.ReadOnly, $"{m.Source} is mounted read-only");
        });
        Assert.Contains(mounts, m => m.Source == Path.Combine(GrafanaDir, "provisioning") && m.Target == "/etc/grafana/provisioning");
        Assert.Contains(mounts, m => m.Source == DashboardsDir && m.Target == path.Groups[1].Value);

        // Every environment variable the data sources read is set for the container.
        var datasourceYaml = File.ReadAllText(Path.Combine(GrafanaDir, "provisioning", "datasources", "ms5.yml"));
        var needed = new Regex(@"\$\{?(MS5_[A-Z0-9_]+)").Matches(string.Join('\n', datasourceYaml.Split('\n').Where(l => !l.TrimStart().StartsWith('#'))))
            .Select(m => m.Groups[1].Value).Distinct(StringComparer.Ordinal);
        Assert.All(needed, n => Assert.Matches(new Regex(@"^\s+" + n + ":", RegexOptions.Multiline), service));
    }

    // ------------------------------------------------------------------ helpers

    private static IEnumerable<JsonObject> Variables(JsonObject dashboard) =>
        (dashboard["templating"]?["list"]?.AsArray() ?? []).Select(v => v!.AsObject());

    private static string VariableQueryText(JsonObject v) => v["query"] switch
    {
        JsonValue s => (string?)s ?? "",
        JsonObject o => string.Join('\n', o.Select(kv => kv.Value is JsonValue jv && jv.TryGetValue<string>(out var str) ? str : "")),
        _ => "",
    };

    private static string QueryText(JsonObject target) =>
        string.Join('\n', new[] { "rawSql", "query", "expr", "legendFormat", "alias" }.Select(k => target[k] is JsonValue v && v.TryGetValue<string>(out var s) ? s : ""));

    /// <summary>Names after $, ${ or [[ (Grafana's variable syntaxes); $$ (SQL dollar quoting) is not a variable.</summary>
    private static IEnumerable<string> UsedVariables(string text) =>
        VariableRegex().Matches(text.Replace("$$", "", StringComparison.Ordinal))
            .Select(m => m.Groups["a"].Success ? m.Groups["a"].Value : m.Groups["b"].Success ? m.Groups["b"].Value : m.Groups["c"].Value);

    private sealed record Datasource(string Name, string Uid, string Type, Dictionary<string, string> Settings);

    /// <summary>
    /// The data sources of infra/grafana/provisioning/datasources/*.yml, read line by line (the repository has no YAML
    /// library): list items under "datasources:", their scalar keys at any depth (flattened).
    /// </summary>
    private static IEnumerable<Datasource> ProvisionedDatasources()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(GrafanaDir, "provisioning", "datasources"), "*.y*ml"))
        {
            Dictionary<string, string>? current = null;
            var inList = false;
            var items = new List<Dictionary<string, string>>();
            foreach (var raw in File.ReadAllLines(file))
            {
                var line = raw.TrimEnd();
                if (line.TrimStart().StartsWith('#') || line.Length == 0)
                {
                    continue;
                }

                if (!char.IsWhiteSpace(line[0]))
                {
                    inList = line.StartsWith("datasources:", StringComparison.Ordinal);
                    continue;
                }

                if (!inList)
                {
                    continue;
                }

                var m = YamlLineRegex().Match(line);
                Assert.True(m.Success, $"{Path.GetFileName(file)}: cannot read line '{line}'");
                if (m.Groups["dash"].Success && m.Groups["indent"].Value.Length == 2)
                {
                    current = new Dictionary<string, string>(StringComparer.Ordinal);
                    items.Add(current);
                }

                Assert.NotNull(current);
                if (m.Groups["value"].Value.Length > 0)
                {
                    current![m.Groups["key"].Value] = m.Groups["value"].Value.Trim('"', '\'');
                }
            }

            foreach (var i in items)
            {
                yield return new Datasource(i.GetValueOrDefault("name", ""), i.GetValueOrDefault("uid", ""), i.GetValueOrDefault("type", ""), i);
            }
        }
    }

    /// <summary>The lines of one top-level service of a compose file.</summary>
    private static string ComposeService(string compose, string name)
    {
        var lines = compose.Split('\n');
        var start = Array.FindIndex(lines, l => l == $"  {name}:");
        Assert.True(start >= 0, $"compose.yaml has a service {name}");
        var end = Array.FindIndex(lines, start + 1, l => l.Length > 0 && !l.StartsWith("    ", StringComparison.Ordinal) && !l.TrimStart().StartsWith('#'));
        return string.Join('\n', lines[start..(end < 0 ? lines.Length : end)]);
    }

    [GeneratedRegex(@"schemaVersion (\d+)")]
    private static partial Regex SchemaVersionRegex();

    [GeneratedRegex(@"\$(?:\{(?<a>[A-Za-z_]\w*)(?::[^}]*)?\}|(?<b>[A-Za-z_]\w*))|\[\[(?<c>[A-Za-z_]\w*)(?::[^\]]*)?\]\]")]
    private static partial Regex VariableRegex();

    [GeneratedRegex(@"\bavg\s*\(", RegexOptions.IgnoreCase)]
    private static partial Regex AvgRegex();

    [GeneratedRegex(@"\[([^\]:]+)(?::[^\]]*)?\]")]
    private static partial Regex RangeSelectorRegex();

    [GeneratedRegex(@"\bms5(?:_[a-z0-9_]+|:[a-z0-9_:]+)")]
    private static partial Regex MetricRegex();

    [GeneratedRegex(@"_(bucket|count|sum)$")]
    private static partial Regex HistogramSuffixRegex();

    [GeneratedRegex(@"^apiVersion:\s*1\s*$", RegexOptions.Multiline)]
    private static partial Regex ApiVersionRegex();

    [GeneratedRegex(@"^(?<indent>\s*)(?<dash>-\s+)?(?<key>[A-Za-z_][\w]*):\s*(?<value>.*?)\s*(#.*)?$")]
    private static partial Regex YamlLineRegex();
}
