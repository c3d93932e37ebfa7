extern alias ops;

using ops::Ms5.Ops;
using ops::Ms5.Ops.Checks;
using ops::Ms5.Ops.Logs;
using ops::Ms5.Ops.Output;

namespace Ms5.Integration.Tests.Deploy;

/// <summary>The pure parts of `validate`: log formats and window, headroom, comparisons, the table and JSON output.</summary>
public sealed class ValidatePartsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 23, 40, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("""{"Timestamp":"2026-11-30T23:32:50.041Z","EventId":0,"LogLevel":"Error","Category":"Program","Message":"x"}""", "2026-11-30T23:32:50.041Z", true)]
    [InlineData("""{"Timestamp":"2026-11-30T23:32:50.041Z","EventId":0,"LogLevel":"Critical","Category":"Program","Message":"x"}""", "2026-11-30T23:32:50.041Z", true)]
    [InlineData("""{"Timestamp":"2026-11-30T23:32:50.041Z","EventId":0,"LogLevel":"Warning","Category":"Program","Message":"Error"}""", "2026-11-30T23:32:50.041Z", false)]
    [InlineData("""ts=2026-11-30T23:34:35.691Z caller=notify.go:732 level=error component=dispatcher msg="x" """, "2026-11-30T23:34:35.691Z", true)]
    [InlineData("""ts=2026-11-30T23:34:35.691Z caller=notify.go:732 level=warn msg="error in text" """, "2026-11-30T23:34:35.691Z", false)]
    [InlineData("""time=2026-11-30T23:34:35.691Z level=ERROR source=x msg=y ts=2026-11-30T23:34:35.691Z""", "2026-11-30T23:34:35.691Z", true)]
    [InlineData("""ts=2026-11-30T23:30:41.409153Z lvl=error msg="Failed to open shard" log_id=16sh""", "2026-11-30T23:30:41.409153Z", true)]
    [InlineData("""ts=2026-11-30T23:30:41.409153Z lvl=info msg="Listening for signals" log_id=16sh""", "2026-11-30T23:30:41.409153Z", false)]
    [InlineData("2026-11-30 23:39:47.724 UTC [17585] ms5@bk FATAL:  database \"bk\" does not exist", "2026-11-30T23:39:47.724Z", true)]
    [InlineData("2026-11-30 23:39:47.724 UTC [17585] ms5@ms5 ERROR:  duplicate key value violates unique constraint", "2026-11-30T23:39:47.724Z", true)]
    [InlineData("2026-11-30 23:39:47 UTC [1] PANIC:  could not write to file", "2026-11-30T23:39:47Z", true)]
    [InlineData("2026-11-30 23:32:21.990 UTC [8955] ms5@ms5 LOG:  duration: 1235.040 ms  statement: SELECT 'ERROR:  no'", "2026-11-30T23:32:21.990Z", false)]
    [InlineData("2026-11-30 23:32:21.990 +01 [8955] ms5@ms5 ERROR:  x", "2026-11-30T22:32:21.990Z", true)]
    public void LogLine_ReadsEachFormat_TimeAndLevel(string line, string ts, bool error)
    {
        var e = LogLine.Parse(line);
        Assert.Equal(new LogEntry(DateTimeOffset.Parse(ts, System.Globalization.CultureInfo.InvariantCulture), error), e);
    }

    [Theory]
    [InlineData("\tat Ms5.Api.Program.Main()")]
    [InlineData("Time Elapsed 00:01:28.18")]
    [InlineData("""{"Timestamp":"2026-11-30T23:32:50.041Z","LogLev""")]
    [InlineData("2026-11-30 23:39:47.724 CEST [1] ERROR:  zone names other than UTC are ambiguous")]
    [InlineData("")]
    public void LogLine_WithoutATimeOfItsOwn_IsNoEntry(string line) => Assert.Null(LogLine.Parse(line));

    [Fact]
    public void ScanText_CountsErrorsInsideTheWindowOnly_QuotesTheFirst()
    {
        string Json(DateTimeOffset at, string level, string msg) =>
            $$"""{"Timestamp":"{{at:yyyy-MM-ddTHH:mm:ss.fffZ}}","LogLevel":"{{level}}","Message":"{{msg}}"}""";
        var lines = new[]
        {
            Json(Now.AddMinutes(-6), "Error", "too old"),
            Json(Now.AddMinutes(-5), "Error", "first in window"),
            Json(Now.AddMinutes(-4), "Information", "fine"),
            "   continuation of a stack trace",
            Json(Now.AddMinutes(-1), "Critical", "second"),
            Json(Now.AddMinutes(1), "Error", "after the window"),
        };

        var scan = LogScanner.ScanText("api.log", lines, Now.AddMinutes(-5), Now.AddMinutes(1), BenignLine.Known);

        Assert.Equal(new LogFileScan("api.log", 2, lines[1], 0), scan);
    }

    [Fact]
    public void ScanText_SkipsKnownBenignLines_OnlyInTheirOwnFile()
    {
        const string Placeholder = """ts=2026-11-30T23:38:00.000Z caller=dispatch.go:352 level=error component=dispatcher msg="Notify for alerts failed" err="floor-supervisors/slack[0]: lookup hooks.slack.example.invalid: no such host" """;
        const string Real = """ts=2026-11-30T23:38:01.000Z caller=dispatch.go:352 level=error component=dispatcher msg="Notify for alerts failed" err="ops/webhook[0]: Post https://pager.acme.com: 503" """;

        var am = LogScanner.ScanText("alertmanager.log", [Placeholder, Real], Now.AddMinutes(-5), Now, BenignLine.Known);
        var other = LogScanner.ScanText("prometheus.log", [Placeholder], Now.AddMinutes(-5), Now, BenignLine.Known);

        Assert.Equal(new LogFileScan("alertmanager.log", 1, Real, 1), am);
        Assert.Equal(new LogFileScan("prometheus.log", 1, Placeholder, 0), other);
    }

    [Fact]
    public void ScanText_SkipsNodeExportersNoUdevNotice_NotItsOtherErrors()
    {
        string[] lines =
        [
            """ts=2026-11-30T23:38:53.758Z caller=diskstats_linux.go:264 level=error collector=diskstats msg="Failed to open directory, disabling udev device properties" path=/run/udev/data""",
            """ts=2026-11-30T23:38:54.000Z caller=collector.go:169 level=error msg="collector failed" name=diskstats duration_seconds=0.001 err="open /proc/diskstats: permission denied" """,
        ];

        Assert.Equal(new LogFileScan("node-exporter.log", 1, lines[1], 1), LogScanner.ScanText("node-exporter.log", lines, Now.AddMinutes(-5), Now, BenignLine.Known));
        Assert.Equal(2, LogScanner.ScanText("api.log", lines, Now.AddMinutes(-5), Now, BenignLine.Known).Errors);
    }

    [Fact]
    public void PlaceholderReceivers_OfTheShippedConfig_AreBenign_WhateverDnsSaid_NotTheRealWebhook()
    {
        var shipped = File.ReadAllText(Path.Combine(Ms5.Integration.Tests.Support.Repo.Root, "infra", "alertmanager", "alertmanager.yml"));
        var placeholders = BenignLine.PlaceholderReceivers(shipped);
        var keys = placeholders.Select(p => p.Contains).ToList();
        Assert.Contains("err=\"shift-supervisor/slack[0]: ", keys);
        Assert.Contains("err=\"plant-management/email[0]: ", keys);
        Assert.Contains("err=\"ops-pager/webhook[0]: ", keys);
        Assert.DoesNotContain(keys, k => k.Contains("floor-webhook", StringComparison.Ordinal));

        string[] lines =
        [
            """ts=2026-11-30T23:38:10.000Z caller=dispatch.go:352 level=error component=dispatcher msg="Notify for alerts failed" num_alerts=3 err="shift-supervisor/slack[0]: notify retry canceled after 10 attempts: Post \"<redacted>\": context deadline exceeded" """,
            """ts=2026-11-30T23:38:11.000Z caller=dispatch.go:352 level=error component=dispatcher msg="Notify for alerts failed" num_alerts=1 err="floor-webhook/webhook[0]: notify retry canceled after 10 attempts: Post \"<redacted>\": dial tcp 127.0.0.1:8080: connect: connection refused" """,
        ];
        var scan = LogScanner.ScanText("alertmanager.log", lines, Now.AddMinutes(-5), Now, [.. BenignLine.Known, .. placeholders]);
        Assert.Equal(new LogFileScan("alertmanager.log", 1, lines[1], 1), scan);

        // A receiver filled in with a real address is not a placeholder any more.
        var filled = shipped.Replace("https://pager.example.invalid/ms5/ops", "https://pager.acme.com/ms5/ops", StringComparison.Ordinal);
        Assert.DoesNotContain(BenignLine.PlaceholderReceivers(filled), p => p.Contains.Contains("ops-pager", StringComparison.Ordinal));

        // A real smarthost with a placeholder recipient delivers (or fails for real); a host merely containing ".invalid"
        // is not under the domain; an unreadable file names no placeholder.
        const string Own = "global:\n  smtp_smarthost: mail.acme.com:25\nroute:\n  receiver: a\nreceivers:\n  - name: a\n    email_configs:\n      - to: x@example.invalid\n    webhook_configs:\n      - url: https://hooks.invalid.acme.com/x\n";
        Assert.Empty(BenignLine.PlaceholderReceivers(Own));
        Assert.Empty(BenignLine.PlaceholderReceivers("receivers: [ {name: a, "));
    }

    [Fact]
    public void ScanText_SkipsTheOptimisticCopyDuplicates_NotOtherUniqueViolations()
    {
        string[] lines =
        [
            "2026-11-30 23:38:31.611 UTC [520] ms5@ms5 ERROR:  duplicate key value violates unique constraint \"raw_events_2026_11_pkey\"",
            "2026-11-30 23:38:31.611 UTC [520] ms5@ms5 DETAIL:  Key (event_id, ts)=(01a22ee1-abaf-7493-a279-0c82ea85b1bc, 2026-11-30 23:09:00+00) already exists.",
            "2026-11-30 23:38:31.613 UTC [521] ms5@ms5 ERROR:  duplicate key value violates unique constraint \"oee_events_pkey\"",
            "2026-11-30 23:38:32.000 UTC [522] ms5@ms5 ERROR:  duplicate key value violates unique constraint \"orders_pkey\"",
        ];

        Assert.Equal(new LogFileScan("postgres.log", 1, lines[3], 2), LogScanner.ScanText("postgres.log", lines, Now.AddMinutes(-5), Now, BenignLine.Known));
    }

    [Fact]
    public async Task ScanFolder_ReadsEveryLogOfTheFolder()
    {
        var dir = Directory.CreateTempSubdirectory("ms5-validate-logs-").FullName;
        try
        {
            var now = DateTimeOffset.UtcNow;
            await File.WriteAllTextAsync(Path.Combine(dir, "oee.log"), $$"""{"Timestamp":"{{now.AddSeconds(-30):yyyy-MM-ddTHH:mm:ss.fffZ}}","LogLevel":"Error","Message":"boom"}""" + "\n");
            await File.WriteAllTextAsync(Path.Combine(dir, "postgres.log"), $"{now.AddMinutes(-9):yyyy-MM-dd HH:mm:ss.fff} UTC [1] FATAL:  old\n");

            var scans = await LogScanner.ScanFolderAsync(dir, now, TimeSpan.FromMinutes(5), BenignLine.Known, CancellationToken.None);
            var outcome = LogCheck.Judge(scans, TimeSpan.FromMinutes(5));

            Assert.Equal([1, 0], scans.Select(s => s.Errors));
            Assert.Equal(CheckStatus.Fail, outcome.Status);
            Assert.StartsWith("error lines in the last 5m: oee.log: 1 error line, first: {\"Timestamp\":", outcome.Detail, StringComparison.Ordinal);
            Assert.Equal(CheckOutcome.Pass("2 logs, no error lines in the last 10m (3 known-benign skipped)"),
                LogCheck.Judge([new LogFileScan("a.log", 0, null, 3), new LogFileScan("b.log", 0, null, 0)], TimeSpan.FromMinutes(10)));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void MemInfo_GivesAvailableAndTotal()
    {
        const string Text = "MemTotal:       24576000 kB\nMemFree:         1000000 kB\nMemAvailable:    2457600 kB\nBuffers:          100 kB\n";
        Assert.Equal((2457600L, 24576000L), HeadroomCheck.ParseMemInfo(Text));
        Assert.Equal("/proc/meminfo has no MemAvailable line", Assert.Throws<FormatException>(() => HeadroomCheck.ParseMemInfo("MemTotal: 1 kB\n")).Message);
    }

    [Fact]
    public void Headroom_FailsBelowEitherThreshold_NamingTheFilesystem()
    {
        const long Gib = 1L << 30;
        var limits = new HeadroomLimits();

        Assert.Equal(CheckOutcome.Pass("/srv/ms5 20.0 GiB free (20 %), MemAvailable 4.0 GiB (50 %)"),
            HeadroomCheck.Judge([new DiskSpace("/srv/ms5", 20 * Gib, 100 * Gib)], (4L << 20, 8L << 20), limits));
        Assert.Equal(CheckOutcome.Fail("/srv/ms5 5.0 GiB free (5 %) < 10 % or 1 GiB"),
            HeadroomCheck.Judge([new DiskSpace("/srv/ms5", 5 * Gib, 100 * Gib)], (4L << 20, 8L << 20), limits));
        Assert.Equal(CheckOutcome.Fail("/small 0.5 GiB free (50 %) < 10 % or 1 GiB; MemAvailable 0.5 GiB (5 %) < 10 %"),
            HeadroomCheck.Judge([new DiskSpace("/small", Gib / 2, Gib)], (512L << 10, 10L << 20), limits));
        Assert.Equal(CheckStatus.Pass, HeadroomCheck.Judge([new DiskSpace("/small", Gib / 2, Gib)], (512L << 10, 10L << 20), new HeadroomLimits(10, 0.25, 5)).Status);
    }

    [Fact]
    public void Migrations_NameMissingAndUnknownVersions()
    {
        Assert.Equal(CheckOutcome.Pass("db: 2 migrations, at head 0002_b"), PostgresCheck.Compare(["0001_a", "0002_b"], ["0001_a", "0002_b"], "db"));
        Assert.Equal(CheckOutcome.Fail("db: not at head: missing 0002_b, 0003_c; unknown to this release 0009_z"),
            PostgresCheck.Compare(["0001_a", "0002_b", "0003_c"], ["0001_a", "0009_z"], "db"));
    }

    [Fact]
    public void Alertmanager_ComparesReceiversAndRouteTree()
    {
        const string Shipped = "route:\n  receiver: a\n  routes:\n    - receiver: b\n    - matchers: [x=\"1\"]\nreceivers:\n  - name: a\n  - name: b\n";
        const string Other = "route:\n  receiver: a\n  routes:\n    - receiver: c\nreceivers:\n  - name: a\n  - name: c\n";

        Assert.Equal(CheckOutcome.Pass("shipped config loaded: 2 receivers, 3 routes"), AlertmanagerCheck.Compare(Shipped, Shipped));
        Assert.Equal(CheckOutcome.Fail("receivers missing: b; receivers not in the shipped config: c; routes differ: shipped a>b>(inherited), running a>c"),
            AlertmanagerCheck.Compare(Shipped, Other));
    }

    [Fact]
    public void Prometheus_NamesTargetsDownAndRuleGroupsMissing()
    {
        using var targets = System.Text.Json.JsonDocument.Parse("""
            {"status":"success","data":{"activeTargets":[
              {"labels":{"job":"api"},"scrapeUrl":"http://127.0.0.1:8080/metrics","health":"up","lastError":""},
              {"labels":{"job":"oee"},"scrapeUrl":"http://127.0.0.1:59466/metrics","health":"down","lastError":"connection refused"}]}}
            """);
        using var rules = System.Text.Json.JsonDocument.Parse("""{"status":"success","data":{"groups":[{"name":"ms5-api"}]}}""");

        Assert.Equal(CheckOutcome.Fail("1 of 2 targets not up: oee http://127.0.0.1:59466/metrics down: connection refused; rule groups not loaded: ms5-oee"),
            PrometheusCheck.Judge(targets.RootElement, rules.RootElement, ["ms5-api", "ms5-oee"]));
        Assert.Equal(CheckOutcome.Fail("1 of 2 targets not up: oee http://127.0.0.1:59466/metrics down: connection refused; rule groups not loaded: ms5-oee"),
            PrometheusCheck.Judge(targets.RootElement, rules.RootElement, ["ms5-api", "ms5-oee"], new Dictionary<string, string>()));
        // A target stopped since Prometheus last scraped it: still "up" there, unreachable when the check scrapes it.
        Assert.Equal(CheckOutcome.Fail("2 of 2 targets not up: oee http://127.0.0.1:59466/metrics down: connection refused; api http://127.0.0.1:8080/metrics unreachable now: connection refused (Prometheus last saw it up)"),
            PrometheusCheck.Judge(targets.RootElement, rules.RootElement, ["ms5-api"], new Dictionary<string, string> { ["http://127.0.0.1:8080/metrics"] = "connection refused" }));
        Assert.Equal(["ms5-api", "ms5-oee"], PrometheusCheck.GroupNames(WriteTemp("groups:\n  - name: ms5-api\n    rules: []\n  - name: ms5-oee\n    rules: []\n")));
    }

    [Fact]
    public void Prometheus_ATargetWhoseLastScrapeTimedOut_PassesOnlyWhenItAnswersNow()
    {
        using var targets = System.Text.Json.JsonDocument.Parse("""
            {"status":"success","data":{"activeTargets":[
              {"labels":{"job":"api"},"scrapeUrl":"http://127.0.0.1:8080/metrics","health":"down","scrapeTimeout":"5s","lastError":"Get \"http://127.0.0.1:8080/metrics\": context deadline exceeded"},
              {"labels":{"job":"oee"},"scrapeUrl":"http://127.0.0.1:59466/metrics","health":"down","scrapeTimeout":"5s","lastError":"connection refused"}]}}
            """);
        using var rules = System.Text.Json.JsonDocument.Parse("""{"status":"success","data":{"groups":[{"name":"ms5-api"}]}}""");
        var bothAnswer = new HashSet<string>(StringComparer.Ordinal) { "http://127.0.0.1:8080/metrics", "http://127.0.0.1:59466/metrics" };

        // The timed-out one answered the check's own scrape: named, not failed; a refused one fails whatever the probe said.
        Assert.Equal(CheckOutcome.Fail("1 of 2 targets not up: oee http://127.0.0.1:59466/metrics down: connection refused (last scrape timed out, answers now: api http://127.0.0.1:8080/metrics)"),
            PrometheusCheck.Judge(targets.RootElement, rules.RootElement, ["ms5-api"], new Dictionary<string, string>(), bothAnswer));
        // Without the refused target: a pass that names the slow one.
        using var onlySlow = System.Text.Json.JsonDocument.Parse(targets.RootElement.GetRawText().Replace("\"health\":\"down\",\"scrapeTimeout\":\"5s\",\"lastError\":\"connection refused\"", "\"health\":\"up\",\"lastError\":\"\"", StringComparison.Ordinal));
        Assert.Equal(CheckOutcome.Pass("2 targets up, 1 MS5 rule groups loaded (last scrape timed out, answers now: api http://127.0.0.1:8080/metrics)"),
            PrometheusCheck.Judge(onlySlow.RootElement, rules.RootElement, ["ms5-api"], new Dictionary<string, string>(), bothAnswer));
        // It did not answer now (or was not probed): down, with Prometheus' error.
        Assert.Equal(CheckOutcome.Fail("1 of 2 targets not up: api http://127.0.0.1:8080/metrics down: Get \"http://127.0.0.1:8080/metrics\": context deadline exceeded"),
            PrometheusCheck.Judge(onlySlow.RootElement, rules.RootElement, ["ms5-api"], new Dictionary<string, string>(), new HashSet<string>(StringComparer.Ordinal)));
    }

    [Fact]
    public void ProcessHealth_ParsesNameAndUrl_RefusesMalformedEntries()
    {
        var list = OpsSettings.ParseProcesses("stream=http://127.0.0.1:59464/healthz; api=http://127.0.0.1:8080/healthz;");

        Assert.Equal(["stream", "api"], list.Select(p => p.Name));
        Assert.Equal(new Uri("http://127.0.0.1:8080/readyz"), list[1].Ready);
        Assert.Equal("MS5_PROCESS_HEALTH: 'oee' is not name=http(s)://host:port/healthz", Assert.Throws<ArgumentException>(() => OpsSettings.ParseProcesses("oee")).Message);
    }

    [Fact]
    public void Table_IsAlignedWithASummaryLine()
    {
        var results = new[]
        {
            new CheckResult("process stream", CheckStatus.Pass, 12, "stream: /healthz 200, /readyz 200"),
            new CheckResult("influxdb", CheckStatus.Fail, 1503, "influxdb http://127.0.0.1:1 db ms5: Connection refused"),
            new CheckResult("logs", CheckStatus.Skip, 0, "MS5_LOG_DIR is not set"),
        };

        Assert.Equal("""
            check           result    ms  detail
            process stream  PASS      12  stream: /healthz 200, /readyz 200
            influxdb        FAIL    1503  influxdb http://127.0.0.1:1 db ms5: Connection refused
            logs            SKIP       0  MS5_LOG_DIR is not set
            FAILED: 3 checks, 1 passed, 1 failed, 1 skipped in 1510 ms

            """.Replace("\r\n", "\n", StringComparison.Ordinal), Report.Table(results, 1510));
    }

    [Fact]
    public void Json_HasChecksAndPassed_SkipsDoNotFail()
    {
        var results = new[]
        {
            new CheckResult("api", CheckStatus.Pass, 7, "ok \"quoted\""),
            new CheckResult("logs", CheckStatus.Skip, 0, "MS5_LOG_DIR is not set"),
        };

        Assert.Equal("""
            {
              "checks": [
                {
                  "name": "api",
                  "status": "PASS",
                  "ms": 7,
                  "detail": "ok \"quoted\""
                },
                {
                  "name": "logs",
                  "status": "SKIP",
                  "ms": 0,
                  "detail": "MS5_LOG_DIR is not set"
                }
              ],
              "passed": true
            }

            """.Replace("\r\n", "\n", StringComparison.Ordinal), Report.Json(results));
    }

    [Fact]
    public async Task Runner_TurnsThrowsAndOverrunsIntoFailures_KeepsOrder()
    {
        var slow = await CheckRunner.RunOneAsync(
            new Check("slow", async ct => { await Task.Delay(TimeSpan.FromSeconds(30), ct); return CheckOutcome.Pass("never"); }), TimeSpan.FromMilliseconds(300), CancellationToken.None);
        var results = await CheckRunner.RunAsync(
        [
            new Check("throws", _ => throw new InvalidOperationException("line one\nline two")),
            new Check("fine", _ => Task.FromResult(CheckOutcome.Pass("ok"))),
        ], TimeSpan.FromSeconds(30), CancellationToken.None);

        Assert.Equal(("slow", CheckStatus.Fail, "timed out after 0.3 s"), (slow.Name, slow.Status, slow.Detail));
        Assert.Equal([("throws", CheckStatus.Fail, "line one line two"), ("fine", CheckStatus.Pass, "ok")], results.Select(r => (r.Name, r.Status, r.Detail)));
    }

    [Fact]
    public async Task BadOptions_ExitWith2_NamingEachOption()
    {
        var (code, output) = await Support.ChildProcess.RunAsync(Support.Repo.Dll("infra/Ms5.Ops", "Ms5.Ops"), new Dictionary<string, string>(), TimeSpan.FromSeconds(30),
            "validate", "--since", "5x", "--url", "ftp://host", "--min-free-gib", "abc");

        Assert.Equal(2, code);
        Assert.Equal(["--min-free-gib 'abc' must be a number >= 0", "--since '5x' must look like 30s, 5m or 2h", "--url 'ftp://host' is not an http(s) URL"],
            output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order(StringComparer.Ordinal));
    }

    private static string WriteTemp(string text)
    {
        var file = Path.Combine(Path.GetTempPath(), $"ms5-validate-{Guid.NewGuid():N}.yml");
        File.WriteAllText(file, text);
        return file;
    }
}
