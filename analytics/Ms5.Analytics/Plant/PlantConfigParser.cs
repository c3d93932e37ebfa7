using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Ms5.Analytics.Plant;

/// <summary>
/// Reads the plant file format (documented in infra/plants/README.md, schema
/// analytics/contract/plant.v1.schema.json: the shape; uniqueness and references are checked only here).
/// Every problem is reported with its JSON path. Longer than our ~300-line habit: one reader per plant-file
/// section, kept side by side so problem paths and wording stay uniform.
/// </summary>
public static partial class PlantConfigParser
{
    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}\z", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();

    // A plain address local@domain: a dot-atom local part and a domain of at least two DNS labels (the schema's
    // $defs/email has the same pattern). Display names ("Bob <bob@x.com>") and quoted local parts are not accepted.
    [GeneratedRegex(@"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+\z", RegexOptions.CultureInvariant)]
    private static partial Regex EmailPattern();

    /// <summary>Longest e-mail address accepted (RFC 5321's path limit less the angle brackets).</summary>
    internal const int MaxEmailLength = 254;

    /// <summary>Whether <paramref name="address"/> is an e-mail address as the plant file takes it: plain <c>local@domain.tld</c>, at most <see cref="MaxEmailLength"/> characters.</summary>
    internal static bool IsEmailAddress(string? address) =>
        address is { Length: > 0 and <= MaxEmailLength } && EmailPattern().IsMatch(address);

    public static PlantConfig Parse(string json)
    {
        var problems = new List<string>();
        var config = TryParse(json, problems);
        if (config is null || problems.Count > 0)
        {
            throw new PlantConfigException(problems);
        }

        return config;
    }

    public static PlantConfig? TryParse(string json, List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            problems.Add($"$: not valid JSON: {ex.Message}");
            return null;
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                problems.Add("$: must be a JSON object");
                return null;
            }

            var r = new Reader(problems);
            var plantId = r.Id(root, "plantId", "$");
            var name = r.OptionalString(root, "name", "$") ?? plantId;
            var tz = r.TimeZone(root, "$");
            var reasons = r.Reasons(root);
            var shifts = r.Shifts(root);
            var calendar = new ShiftCalendar(tz, shifts, r.Holidays(root))
            {
                ExtraWorkingDays = r.ExtraWorkingDays(root, shifts),
                Maintenance = r.Maintenance(root),
            };
            var lines = r.Lines(root, reasons);
            var oee = r.OeeSettings(root);
            var andon = r.Andon(root, lines);
            var reports = r.Reports(root, lines);
            return problems.Count > 0 ? null : new PlantConfig(plantId, name, tz, reasons, calendar, lines) { Oee = oee, Andon = andon, Reports = reports };
        }
    }

    private sealed class Reader(List<string> problems)
    {
        public string Id(JsonElement obj, string prop, string path)
        {
            var s = RequiredString(obj, prop, path);
            if (s.Length > 0 && !IdPattern().IsMatch(s))
            {
                problems.Add($"{path}.{prop}: '{s}' must be 1-128 characters of letters, digits, '.', '_', ':' or '-', starting with a letter or digit");
            }

            return s;
        }

        public string RequiredString(JsonElement obj, string prop, string path)
        {
            if (!obj.TryGetProperty(prop, out var v))
            {
                problems.Add($"{path}.{prop}: is required");
                return "";
            }

            if (v.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(v.GetString()))
            {
                problems.Add($"{path}.{prop}: must be a non-empty string");
                return "";
            }

            return v.GetString()!;
        }

        public string? OptionalString(JsonElement obj, string prop, string path)
        {
            if (!obj.TryGetProperty(prop, out var v) || v.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            if (v.ValueKind != JsonValueKind.String)
            {
                problems.Add($"{path}.{prop}: must be a string");
                return null;
            }

            return v.GetString();
        }

        public double? OptionalNumber(JsonElement obj, string prop, string path, double min, double max)
        {
            if (!obj.TryGetProperty(prop, out var v) || v.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out var d) || d < min || d > max)
            {
                problems.Add($"{path}.{prop}: must be a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}");
                return null;
            }

            return d;
        }

        public Oee.OeeSettings OeeSettings(JsonElement root)
        {
            var settings = Oee.OeeSettings.Default;
            if (!root.TryGetProperty("oee", out var o) || o.ValueKind == JsonValueKind.Null)
            {
                return settings;
            }

            if (o.ValueKind != JsonValueKind.Object)
            {
                problems.Add("$.oee: must be an object");
                return settings;
            }

            if (OptionalNumber(o, "microStopSeconds", "$.oee", 0, 3600) is { } micro)
            {
                settings = settings with { MicroStopThreshold = TimeSpan.FromSeconds(micro) };
            }

            if (OptionalNumber(o, "offlineAfterSeconds", "$.oee", 10, 86_400) is { } offline)
            {
                settings = settings with { OfflineAfterSilence = TimeSpan.FromSeconds(offline) };
            }

            if (OptionalNumber(o, "target", "$.oee", 0, 1) is { } target)
            {
                settings = settings with { Target = target };
            }

            if (o.TryGetProperty("setupCountsAgainstAvailability", out var setup))
            {
                if (setup.ValueKind is JsonValueKind.True or JsonValueKind.False)
                {
                    settings = settings with { SetupCountsAgainstAvailability = setup.GetBoolean() };
                }
                else
                {
                    problems.Add("$.oee.setupCountsAgainstAvailability: must be true or false");
                }
            }

            return settings;
        }

        public TimeZoneInfo TimeZone(JsonElement root, string path)
        {
            var id = RequiredString(root, "timeZone", path);
            if (id.Length == 0)
            {
                return TimeZoneInfo.Utc;
            }

            try
            {
                return TimeZoneInfo.FindSystemTimeZoneById(id);
            }
            catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
            {
                problems.Add($"{path}.timeZone: '{id}' is not a known IANA time zone (e.g. Europe/Berlin, America/Chicago)");
                return TimeZoneInfo.Utc;
            }
        }

        public IReadOnlyList<ReasonCode> Reasons(JsonElement root)
        {
            var list = new List<ReasonCode>();
            foreach (var (item, path) in Array(root, "reasonCodes", "$", required: true))
            {
                var code = Id(item, "code", path);
                var categoryText = RequiredString(item, "category", path);
                var category = ReasonCategory.Unplanned;
                if (categoryText.Length > 0 && !TryCategory(categoryText, out category))
                {
                    problems.Add($"{path}.category: must be one of unplanned, micro_stop, setup, planned, idle, quality, startup; got '{categoryText}'");
                }

                if (list.Any(r => r.Code == code))
                {
                    problems.Add($"{path}.code: '{code}' is listed twice");
                }

                list.Add(new ReasonCode(code, category, OptionalString(item, "description", path) ?? code));
            }

            return list;
        }

        private static bool TryCategory(string s, out ReasonCategory c)
        {
            c = s switch
            {
                "unplanned" => ReasonCategory.Unplanned,
                "micro_stop" => ReasonCategory.MicroStop,
                "setup" => ReasonCategory.Setup,
                "planned" => ReasonCategory.Planned,
                "idle" => ReasonCategory.Idle,
                "quality" => ReasonCategory.Quality,
                "startup" => ReasonCategory.Startup,
                _ => (ReasonCategory)(-1),
            };
            return (int)c >= 0;
        }

        public IReadOnlyList<ShiftPattern> Shifts(JsonElement root)
        {
            var list = new List<ShiftPattern>();
            foreach (var (item, path) in Array(root, "shifts", "$", required: false))
            {
                var name = RequiredString(item, "name", path);
                var days = new HashSet<DayOfWeek>();
                foreach (var (d, dpath) in Array(item, "days", path, required: true))
                {
                    if (d.ValueKind != JsonValueKind.String || !TryDay(d.GetString()!, out var day))
                    {
                        problems.Add($"{dpath}: must be a weekday: Mon, Tue, Wed, Thu, Fri, Sat or Sun");
                        continue;
                    }

                    days.Add(day);
                }

                var start = Time(item, "start", path);
                var end = Time(item, "end", path);
                if (start == end)
                {
                    problems.Add($"{path}: start and end are equal; a 24-hour shift is written as two shifts");
                }

                var breaks = new List<ShiftBreak>();
                foreach (var (b, bpath) in Array(item, "breaks", path, required: false))
                {
                    breaks.Add(new ShiftBreak(Time(b, "start", bpath), Time(b, "end", bpath)));
                }

                list.Add(new ShiftPattern(name, days, start, end, breaks));
            }

            return list;
        }

        private static bool TryDay(string s, out DayOfWeek day)
        {
            var names = new[] { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
            var i = System.Array.FindIndex(names, n => string.Equals(n, s, StringComparison.OrdinalIgnoreCase)
                || string.Equals(((DayOfWeek)System.Array.IndexOf(names, n)).ToString(), s, StringComparison.OrdinalIgnoreCase));
            day = (DayOfWeek)Math.Max(i, 0);
            return i >= 0;
        }

        private TimeOnly Time(JsonElement obj, string prop, string path)
        {
            var s = RequiredString(obj, prop, path);
            if (s.Length == 0)
            {
                return default;
            }

            if (!TimeOnly.TryParseExact(s, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var t))
            {
                problems.Add($"{path}.{prop}: must be a wall-clock time HH:mm, got '{s}'");
            }

            return t;
        }

        public IReadOnlySet<DateOnly> Holidays(JsonElement root)
        {
            var set = new HashSet<DateOnly>();
            foreach (var (h, path) in Array(root, "holidays", "$", required: false))
            {
                if (h.ValueKind != JsonValueKind.String || !DateOnly.TryParseExact(h.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
                {
                    problems.Add($"{path}: must be a date yyyy-MM-dd");
                    continue;
                }

                set.Add(d);
            }

            return set;
        }

        public IReadOnlyDictionary<DateOnly, IReadOnlySet<string>> ExtraWorkingDays(JsonElement root, IReadOnlyList<ShiftPattern> shifts)
        {
            var days = new Dictionary<DateOnly, IReadOnlySet<string>>();
            foreach (var (item, path) in Array(root, "extraWorkingDays", "$", required: false))
            {
                var dateText = RequiredString(item, "date", path);
                if (dateText.Length > 0 && !DateOnly.TryParseExact(dateText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
                {
                    problems.Add($"{path}.date: must be a date yyyy-MM-dd");
                    continue;
                }

                var names = new HashSet<string>(StringComparer.Ordinal);
                foreach (var (n, npath) in Array(item, "shifts", path, required: true))
                {
                    var name = n.ValueKind == JsonValueKind.String ? n.GetString()! : "";
                    if (!shifts.Any(s => s.Name == name))
                    {
                        problems.Add($"{npath}: '{name}' is not one of the plant's shifts");
                        continue;
                    }

                    names.Add(name);
                }

                if (dateText.Length > 0)
                {
                    days[DateOnly.ParseExact(dateText, "yyyy-MM-dd", CultureInfo.InvariantCulture)] = names;
                }
            }

            return days;
        }

        public IReadOnlyList<MaintenanceWindow> Maintenance(JsonElement root)
        {
            var windows = new List<MaintenanceWindow>();
            foreach (var (item, path) in Array(root, "plannedMaintenance", "$", required: false))
            {
                var startText = RequiredString(item, "start", path);
                var endText = RequiredString(item, "end", path);
                if (startText.Length == 0 || endText.Length == 0)
                {
                    continue;
                }

                if (!Events.Timestamps.TryParse(startText, out var start, out var e1))
                {
                    problems.Add($"{path}.start: {e1}");
                    continue;
                }

                if (!Events.Timestamps.TryParse(endText, out var end, out var e2))
                {
                    problems.Add($"{path}.end: {e2}");
                    continue;
                }

                if (end <= start)
                {
                    problems.Add($"{path}.end: must be later than start");
                    continue;
                }

                windows.Add(new MaintenanceWindow(start, end, OptionalString(item, "note", path)));
            }

            return windows;
        }

        public IReadOnlyList<Line> Lines(JsonElement root, IReadOnlyList<ReasonCode> reasons)
        {
            var lines = new List<Line>();
            var machineIds = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (item, path) in Array(root, "lines", "$", required: true))
            {
                var lineId = Id(item, "id", path);
                if (lines.Any(l => l.Id == lineId))
                {
                    problems.Add($"{path}.id: line '{lineId}' is listed twice");
                }

                // A line may have no machines yet (one being set up, created through the API); the array must be there.
                if (item.ValueKind == JsonValueKind.Object && (!item.TryGetProperty("machines", out var ms) || ms.ValueKind == JsonValueKind.Null))
                {
                    problems.Add($"{path}.machines: is required");
                }

                var machines = new List<Machine>();
                foreach (var (m, mpath) in Array(item, "machines", path, required: false))
                {
                    var machine = ReadMachine(m, mpath, lineId, reasons);
                    if (!machineIds.Add(machine.Id))
                    {
                        problems.Add($"{mpath}.id: machine '{machine.Id}' is listed twice in the plant");
                    }

                    machines.Add(machine);
                }

                lines.Add(new Line(lineId, OptionalString(item, "name", path) ?? lineId, machines)
                {
                    ReportRecipients = Recipients(item, "reportRecipients", path),
                    OeeTarget = OptionalNumber(item, "oeeTarget", path, 0, 1),
                });
            }

            return lines;
        }

        private Machine ReadMachine(JsonElement m, string path, string lineId, IReadOnlyList<ReasonCode> reasons)
        {
            var id = Id(m, "id", path);
            var cycle = OptionalNumber(m, "idealCycleSeconds", path, 0.001, 86_400);
            if (cycle is null && (!m.TryGetProperty("idealCycleSeconds", out var cycleElement) || cycleElement.ValueKind == JsonValueKind.Null))
            {
                problems.Add($"{path}.idealCycleSeconds: is required (ideal seconds per part, e.g. 2.5)");
            }

            var modeText = OptionalString(m, "countMode", path) ?? "increment";
            var mode = CountMode.Increment;
            if (modeText == "cumulative")
            {
                mode = CountMode.Cumulative;
            }
            else if (modeText != "increment")
            {
                problems.Add($"{path}.countMode: must be 'increment' (count events) or 'cumulative' (counter events), got '{modeText}'");
            }

            var codes = new List<string>();
            foreach (var (c, cpath) in Array(m, "reasonCodes", path, required: false))
            {
                var code = c.ValueKind == JsonValueKind.String ? c.GetString()! : "";
                if (!reasons.Any(r => r.Code == code))
                {
                    problems.Add($"{cpath}: '{code}' is not in the plant's reasonCodes");
                    continue;
                }

                codes.Add(code);
            }

            // The simulator's settings are not part of the domain model, but a bad value still fails the
            // whole plant file here, for every reader of it (migrate, the calendar API), with its path.
            Simulation.SimulationProfiles.Read(m, path, problems);

            var active = true;
            if (m.TryGetProperty("active", out var activeElement) && activeElement.ValueKind != JsonValueKind.Null)
            {
                if (activeElement.ValueKind is JsonValueKind.True or JsonValueKind.False)
                {
                    active = activeElement.GetBoolean();
                }
                else
                {
                    problems.Add($"{path}.active: must be true or false");
                }
            }

            return new Machine(id, OptionalString(m, "name", path) ?? id, lineId, TimeSpan.FromSeconds(cycle ?? 1), mode, codes)
            {
                ProductCycleTimes = Products(m, path),
                IdealCycleHistory = CycleHistory(m, path),
                Active = active,
            };
        }

        /// <summary>"idealCycleHistory": [{ "until": instant, "idealCycleSeconds": 2.0, "products": {...} }]: earlier values, each applied before its until; untils strictly ascending.</summary>
        private IReadOnlyList<Oee.IdealCyclePeriod> CycleHistory(JsonElement m, string path)
        {
            var periods = new List<Oee.IdealCyclePeriod>();
            foreach (var (h, hpath) in Array(m, "idealCycleHistory", path, required: false))
            {
                if (h.ValueKind != JsonValueKind.Object)
                {
                    problems.Add($"{hpath}: must be an object {{ \"until\": instant, \"idealCycleSeconds\": seconds, \"products\": {{...}} }}");
                    continue;
                }

                var untilText = RequiredString(h, "until", hpath);
                var seconds = OptionalNumber(h, "idealCycleSeconds", hpath, 0.001, 86_400);
                if (seconds is null && (!h.TryGetProperty("idealCycleSeconds", out var se) || se.ValueKind == JsonValueKind.Null))
                {
                    problems.Add($"{hpath}.idealCycleSeconds: is required (ideal seconds per part, e.g. 2.5)");
                }

                var products = Products(h, hpath);
                if (untilText.Length == 0)
                {
                    continue;
                }

                if (!Events.Timestamps.TryParse(untilText, out var until, out var error))
                {
                    problems.Add($"{hpath}.until: {error}");
                    continue;
                }

                if (periods.Count > 0 && until <= periods[^1].Until)
                {
                    problems.Add($"{hpath}.until: must be later than the previous entry's until (oldest first)");
                    continue;
                }

                periods.Add(new Oee.IdealCyclePeriod(until, TimeSpan.FromSeconds(seconds ?? 1), products));
            }

            // The shared empty list when there is none: a machine without history equals one built without it.
            return periods.Count == 0 ? System.Array.Empty<Oee.IdealCyclePeriod>() : periods;
        }

        /// <summary>"products": { "P-100": 1.8, ... }: ideal seconds per part for each product the machine reports.</summary>
        private IReadOnlyDictionary<string, TimeSpan> Products(JsonElement m, string path)
        {
            if (!m.TryGetProperty("products", out var p) || p.ValueKind == JsonValueKind.Null)
            {
                return Oee.IdealCycle.NoProducts;
            }

            if (p.ValueKind != JsonValueKind.Object)
            {
                problems.Add($"{path}.products: must be an object of product code to ideal seconds per part, e.g. {{ \"P-100\": 1.8 }}");
                return Oee.IdealCycle.NoProducts;
            }

            var products = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
            foreach (var product in p.EnumerateObject())
            {
                var code = product.Name;
                if (string.IsNullOrWhiteSpace(code) || code.Length > Events.EventParser.MaxProductLength || code.Any(char.IsControl))
                {
                    problems.Add($"{path}.products: product code '{code}' must be 1 to {Events.EventParser.MaxProductLength} printable characters");
                    continue;
                }

                if (product.Value.ValueKind != JsonValueKind.Number || !product.Value.TryGetDouble(out var seconds) || seconds < 0.001 || seconds > 86_400)
                {
                    problems.Add($"{path}.products.{code}: must be the ideal seconds per part, a number from 0.001 to 86400");
                    continue;
                }

                if (!products.TryAdd(code, TimeSpan.FromSeconds(seconds)))
                {
                    problems.Add($"{path}.products.{code}: is listed twice");
                }
            }

            return products;
        }

        /// <summary>"andon": { "escalationMinutes": [5, 15], "rules": [ ... ] } (infra/plants/README.md); absent: <see cref="Andon.AndonConfig.Default"/>.</summary>
        public Andon.AndonConfig Andon(JsonElement root, IReadOnlyList<Line> lines)
        {
            if (!root.TryGetProperty("andon", out var a) || a.ValueKind == JsonValueKind.Null)
            {
                return Analytics.Andon.AndonConfig.Default;
            }

            if (a.ValueKind != JsonValueKind.Object)
            {
                problems.Add("$.andon: must be an object");
                return Analytics.Andon.AndonConfig.Default;
            }

            var escalation = new List<TimeSpan>();
            foreach (var (m, mpath) in Array(a, "escalationMinutes", "$.andon", required: false))
            {
                if (m.ValueKind != JsonValueKind.Number || !m.TryGetDouble(out var minutes) || minutes <= 0 || minutes > 1440)
                {
                    problems.Add($"{mpath}: must be minutes after the previous level, more than 0 and at most 1440");
                    continue;
                }

                escalation.Add(TimeSpan.FromMinutes(minutes));
            }

            if (escalation.Count > 2)
            {
                problems.Add("$.andon.escalationMinutes: at most two timers (levels 2 and 3)");
            }

            var machineIds = lines.SelectMany(l => l.Machines).Select(m => m.Id).ToHashSet(StringComparer.Ordinal);
            var lineIds = lines.Select(l => l.Id).ToHashSet(StringComparer.Ordinal);
            var rules = new List<Andon.AndonRule>();
            foreach (var (r, path) in Array(a, "rules", "$.andon", required: false))
            {
                var id = Id(r, "id", path);
                if (rules.Any(x => x.Id == id))
                {
                    problems.Add($"{path}.id: rule '{id}' is listed twice");
                }

                var kindText = RequiredString(r, "kind", path);
                Andon.AndonKind? parsedKind = kindText switch
                {
                    "stop" => Analytics.Andon.AndonKind.Stop,
                    "no_counts" => Analytics.Andon.AndonKind.NoCounts,
                    "low_oee" => Analytics.Andon.AndonKind.LowOee,
                    "reject_rate" => Analytics.Andon.AndonKind.RejectRate,
                    "manual" => Analytics.Andon.AndonKind.Manual,
                    "anomalous_stop" => Analytics.Andon.AndonKind.AnomalousStop,
                    _ => null,
                };
                var kindOk = parsedKind is not null;
                var kind = parsedKind ?? Analytics.Andon.AndonKind.Manual;
                if (kindText.Length > 0 && !kindOk)
                {
                    problems.Add($"{path}.kind: must be one of stop, no_counts, low_oee, reject_rate, manual, anomalous_stop; got '{kindText}'");
                }

                var severityText = OptionalString(r, "severity", path) ?? "warning";
                var severity = severityText switch
                {
                    "info" => Analytics.Andon.AndonSeverity.Info,
                    "warning" => Analytics.Andon.AndonSeverity.Warning,
                    "critical" => Analytics.Andon.AndonSeverity.Critical,
                    _ => (Analytics.Andon.AndonSeverity)(-1),
                };
                if ((int)severity < 0)
                {
                    problems.Add($"{path}.severity: must be info, warning or critical; got '{severityText}'");
                }

                var states = new HashSet<Events.MachineState>();
                foreach (var (st, spath) in Array(r, "states", path, required: false))
                {
                    var text = st.ValueKind == JsonValueKind.String ? st.GetString()! : "";
                    if (!Events.ContractNames.TryParseState(text, out var state) || state == Events.MachineState.Running)
                    {
                        problems.Add($"{spath}: must be a stop state (idle, down, setup, planned_stop, offline); got '{text}'");
                        continue;
                    }

                    states.Add(state);
                }

                var needsThreshold = kind is Analytics.Andon.AndonKind.Stop or Analytics.Andon.AndonKind.NoCounts;
                var seconds = OptionalNumber(r, "seconds", path, 0, 86_400);
                if (kindOk && needsThreshold && seconds is null)
                {
                    problems.Add($"{path}.seconds: is required for a {kindText} rule (how long the condition must hold)");
                }

                if (kindOk && kind == Analytics.Andon.AndonKind.Stop && states.Count == 0)
                {
                    states.Add(Events.MachineState.Down);
                }

                var limitName = kind switch
                {
                    Analytics.Andon.AndonKind.LowOee => "below",
                    Analytics.Andon.AndonKind.AnomalousStop => "minScore",
                    _ => "above",
                };
                // Only flags (score above 0.5) are published, so an anomalous_stop rule's minScore starts there.
                var anomalous = kind == Analytics.Andon.AndonKind.AnomalousStop;
                var limit = OptionalNumber(r, limitName, path, anomalous ? Analytics.Andon.AnomalyAndons.DefaultMinScore : 0, 1);
                if (anomalous)
                {
                    limit ??= Analytics.Andon.AnomalyAndons.DefaultMinScore;
                }

                var ratio = kind is Analytics.Andon.AndonKind.LowOee or Analytics.Andon.AndonKind.RejectRate;
                if (kindOk && ratio && limit is null)
                {
                    problems.Add($"{path}.{limitName}: is required for a {kindText} rule (a fraction from 0 to 1)");
                }

                var window = OptionalNumber(r, "windowMinutes", path, 1, 1440) ?? 15;
                var minParts = OptionalNumber(r, "minParts", path, 1, 1e9) ?? 1;
                var ruleLines = new HashSet<string>(StringComparer.Ordinal);
                foreach (var (l, lpath) in Array(r, "lines", path, required: false))
                {
                    var text = l.ValueKind == JsonValueKind.String ? l.GetString()! : "";
                    if (!lineIds.Contains(text))
                    {
                        problems.Add($"{lpath}: '{text}' is not a line of this plant");
                    }

                    ruleLines.Add(text);
                }

                var ruleMachines = new HashSet<string>(StringComparer.Ordinal);
                foreach (var (m, mpath) in Array(r, "machines", path, required: false))
                {
                    var text = m.ValueKind == JsonValueKind.String ? m.GetString()! : "";
                    if (!machineIds.Contains(text))
                    {
                        problems.Add($"{mpath}: '{text}' is not a machine of this plant");
                    }

                    ruleMachines.Add(text);
                }

                rules.Add(new Andon.AndonRule(id, kind, severity, TimeSpan.FromSeconds(seconds ?? 0), states, limit ?? 0, TimeSpan.FromMinutes(window), ruleLines, ruleMachines, (long)minParts));
            }

            if (!rules.Any(r => r.Kind == Analytics.Andon.AndonKind.Manual) && !rules.Any(r => r.Id == "manual"))
            {
                rules.Add(Analytics.Andon.AndonConfig.Default.Find("manual")!);
            }

            return new Andon.AndonConfig(rules, a.TryGetProperty("escalationMinutes", out _) ? escalation : Analytics.Andon.AndonConfig.DefaultEscalation);
        }

        /// <summary>"reports": { "email": true, "recipients": [ ... ] } (infra/plants/README.md); absent: <see cref="ReportDelivery.None"/>.</summary>
        public ReportDelivery Reports(JsonElement root, IReadOnlyList<Line> lines)
        {
            if (!root.TryGetProperty("reports", out var o) || o.ValueKind == JsonValueKind.Null)
            {
                return ReportDelivery.None;
            }

            if (o.ValueKind != JsonValueKind.Object)
            {
                problems.Add("$.reports: must be an object");
                return ReportDelivery.None;
            }

            var email = false;
            if (o.TryGetProperty("email", out var e) && e.ValueKind != JsonValueKind.Null)
            {
                if (e.ValueKind is JsonValueKind.True or JsonValueKind.False)
                {
                    email = e.GetBoolean();
                }
                else
                {
                    problems.Add("$.reports.email: must be true or false");
                }
            }

            var recipients = Recipients(o, "recipients", "$.reports");
            if (email && recipients.Count == 0 && lines.All(l => l.ReportRecipients.Count == 0))
            {
                problems.Add("$.reports.email: is true but no one would get a report: list addresses in reports.recipients (plant reports) or a line's reportRecipients (its shift reports)");
            }

            return new ReportDelivery(email, recipients);
        }

        /// <summary>An optional array of e-mail addresses, each valid and listed once (compared ignoring case).</summary>
        private IReadOnlyList<string> Recipients(JsonElement obj, string prop, string path)
        {
            var list = new List<string>();
            foreach (var (a, apath) in Array(obj, prop, path, required: false))
            {
                if (a.ValueKind != JsonValueKind.String)
                {
                    problems.Add($"{apath}: must be a string, an e-mail address");
                    continue;
                }

                var address = a.GetString()!;
                if (!IsEmailAddress(address))
                {
                    problems.Add($"{apath}: '{address}' is not an e-mail address");
                    continue;
                }

                if (list.Contains(address, StringComparer.OrdinalIgnoreCase))
                {
                    problems.Add($"{apath}: '{address}' is listed twice");
                    continue;
                }

                list.Add(address);
            }

            return list;
        }

        public IEnumerable<(JsonElement Item, string Path)> Array(JsonElement obj, string prop, string path, bool required)
        {
            if (!obj.TryGetProperty(prop, out var arr) || arr.ValueKind == JsonValueKind.Null)
            {
                if (required)
                {
                    problems.Add($"{path}.{prop}: is required");
                }

                yield break;
            }

            if (arr.ValueKind != JsonValueKind.Array)
            {
                problems.Add($"{path}.{prop}: must be an array");
                yield break;
            }

            if (required && arr.GetArrayLength() == 0)
            {
                problems.Add($"{path}.{prop}: must not be empty");
            }

            var i = 0;
            foreach (var item in arr.EnumerateArray())
            {
                yield return (item, $"{path}.{prop}[{i++}]");
            }
        }
    }
}

/// <summary>A plant file that cannot be used, with every problem found.</summary>
public sealed class PlantConfigException(IReadOnlyList<string> problems)
    : Exception("invalid plant configuration:\n  " + string.Join("\n  ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
