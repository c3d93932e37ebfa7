using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Ms5.Analytics.Plant;
using Ms5.Analytics.Reports;
using Ms5.Influx;
using Ms5.Integration.Tests.Support;
using Ms5.Postgres;
using Ms5.Reports;
using Npgsql;

namespace Ms5.Integration.Tests.Deploy;

/// <summary>
/// The restore drill of issue 16 with the real <c>./ms5 backup</c> and <c>./ms5 restore</c>: a database of its own
/// (PostgreSQL and InfluxDB, treated by ./ms5 as external servers, MS5_HOME a temporary folder, so no running stack is
/// touched) is filled through the real pipeline (historian and OEE engine processes, an Andon, a shift report with its
/// PDF), backed up, destroyed, restored, and the same events, OEE minutes, Andons and reports come back, row for row.
/// A damaged backup is refused naming the file; retention keeps the newest N complete backups.
/// </summary>
public sealed class BackupRestoreTests(StackFixture stack) : IClassFixture<StackFixture>, IDisposable
{
    private const string PlantJson = """
        { "plantId": "bkp-t", "name": "Backup Plant", "timeZone": "UTC",
          "reasonCodes": [ { "code": "jam", "category": "unplanned" } ],
          "shifts": [ { "name": "a", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "00:00", "end": "12:00" },
                      { "name": "b", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "12:00", "end": "00:00" } ],
          "andon": { "rules": [ { "id": "down-fast", "kind": "stop", "states": ["down"], "seconds": 2, "severity": "critical" } ] },
          "lines": [ { "id": "bkp-line", "name": "Backup line", "machines": [ { "id": "bkp-1", "name": "Press B1", "idealCycleSeconds": 2.0 } ] } ] }
        """;

    /// <summary>The rows that matter, compared before the backup and after the restore: count and a hash of every row.</summary>
    private static readonly string[] Tables = ["raw_events", "state_intervals", "oee_events", "oee_minute", "andons", "andon_transitions", "reports", "plants", "machines"];

    private readonly string _home = Path.Combine(Path.GetTempPath(), $"ms5-backup-{Guid.NewGuid():N}"[..24]);

    public void Dispose()
    {
        if (Directory.Exists(_home))
        {
            Directory.Delete(_home, recursive: true);
        }
    }

    /// <summary>./ms5 against this run's databases as external servers (a host name other than the local stack's literal address).</summary>
    private Dictionary<string, string> Ms5Env()
    {
        var pg = new NpgsqlConnectionStringBuilder(stack.Pg);
        var user = Uri.EscapeDataString(pg.Username ?? "ms5") + (string.IsNullOrEmpty(pg.Password) ? "" : ":" + Uri.EscapeDataString(pg.Password));
        var influx = InfluxOptions.FromEnvironment().Url;
        var influxUrl = influx.Host == "127.0.0.1" ? new UriBuilder(influx) { Host = "localhost" }.Uri : influx;
        return new Dictionary<string, string>
        {
            ["MS5_HOME"] = _home,
            ["MS5_PG"] = $"postgresql://{user}@{pg.Host}:{pg.Port}/{pg.Database}",
            ["MS5_INFLUX_URL"] = influxUrl.ToString().TrimEnd('/'),
            ["MS5_INFLUX_DB"] = stack.DbName,
            ["MS5_INFLUX_BACKUP_HOST"] = Environment.GetEnvironmentVariable("MS5_INFLUX_BACKUP_HOST") is { Length: > 0 } h ? h : "127.0.0.1:58088",
        };
    }

    private async Task<(int Code, string Output)> Ms5Async(params string[] args) =>
        await ChildProcess.RunProgramAsync("bash", Ms5Env(), TimeSpan.FromSeconds(120), [Path.Combine(Repo.Root, "ms5"), .. args]);

    private string BackupsDir => Path.Combine(_home, "backups");

    private List<string> Backups() => Directory.Exists(BackupsDir)
        ? Directory.GetDirectories(BackupsDir).Select(d => Path.GetFileName(d)).Order(StringComparer.Ordinal).ToList()
        : [];

    /// <summary>Events through Kafka into the historian (this fixture's, PostgreSQL and InfluxDB) and an OEE engine; a report of yesterday's shift "a".</summary>
    private async Task<int> FillAsync()
    {
        var plant = PlantConfigParser.Parse(PlantJson);
        await new PlantStore(stack.Db).SaveAsync(plant, PlantJson);
        var yesterday = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-1);
        var t0 = new DateTimeOffset(yesterday.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var now = DateTimeOffset.UtcNow;
        var events = new List<(string?, string)>
        {
            ("bkp-1", Some.State(Guid.NewGuid(), "bkp-1", t0, "running")),
            ("bkp-1", Some.State(Guid.NewGuid(), "bkp-1", t0.AddMinutes(30), "down", "jam")),
            ("bkp-1", Some.State(Guid.NewGuid(), "bkp-1", t0.AddMinutes(37), "running")),
            ("bkp-1", Some.State(Guid.NewGuid(), "bkp-1", t0.AddMinutes(90), "idle")),
            // Live: a stop longer than the Andon rule's 2 s.
            ("bkp-1", Some.State(Guid.NewGuid(), "bkp-1", now.AddSeconds(-30), "running")),
            ("bkp-1", Some.State(Guid.NewGuid(), "bkp-1", now.AddSeconds(-10), "down", "jam")),
        };
        for (var m = 0; m < 90; m++)
        {
            if (m is < 30 or >= 37)
            {
                events.Add(("bkp-1", Some.Count(Guid.NewGuid(), "bkp-1", t0.AddMinutes(m).AddSeconds(30), 25, m % 9 == 0 ? 1 : 0)));
            }
        }

        using var engine = stack.StartStream("bkp", stack.Topic, sinks: "oee");
        await StackFixture.WaitForAssignmentAsync(engine, 1);
        await stack.ProduceAsync(stack.Topic, events);
        await stack.WaitForDrainAsync($"test.{stack.RunId}.bkp.oee", stack.Topic, TimeSpan.FromSeconds(60));
        await stack.WaitForDrainAsync($"test.{stack.RunId}.shared.pg", stack.Topic, TimeSpan.FromSeconds(60));
        // Two Andons: the 7-minute jam yesterday and the live one.
        await stack.WaitUntilAsync(() => stack.ScalarAsync("SELECT count(*) FROM andons WHERE machine_id = 'bkp-1'"), 2, "the Andons of bkp-1\nengine:\n" + engine.Output);

        var generator = new ReportGenerator(new ReportQueries(stack.Db), new ReportStore(stack.Db), new PlantStore(stack.Db), new AnomalyStore(stack.Db),
            TimeProvider.System, NullLogger<ReportGenerator>.Instance);
        var span = ReportPeriods.Shift(plant.Calendar, yesterday, "a").Span!;
        var report = await generator.GenerateAsync(new ReportTarget(plant, plant.Lines.Single(), span), "request", waitForLock: true);
        Assert.NotNull(report);
        Assert.Equal(1, await stack.ScalarAsync("SELECT count(*) FROM reports WHERE plant_id = 'bkp-t' AND status = 'ready' AND length(pdf) > 1000"));
        return events.Count;
    }

    /// <summary>Per table: row count and md5 of all rows (as text, sorted); the reports' PDF bytes; InfluxDB's point counts.</summary>
    private async Task<SortedDictionary<string, string>> SnapshotAsync()
    {
        NpgsqlConnection.ClearAllPools();
        var snap = new SortedDictionary<string, string>(StringComparer.Ordinal);
        await using var conn = new NpgsqlConnection(stack.Pg);
        await conn.OpenAsync();
        foreach (var table in Tables.Append("pdf"))
        {
            var sql = table == "pdf"
                ? "SELECT count(pdf)::text || ' ' || coalesce(md5(string_agg(md5(pdf), ',' ORDER BY report_id, revision)), '') FROM reports"
                : $"SELECT count(*)::text || ' ' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM {table} t";
            await using var cmd = new NpgsqlCommand(sql, conn);
            snap[table] = (string)(await cmd.ExecuteScalarAsync())!;
        }

        snap["influx"] = await stack.Influx.QueryAsync("SELECT count(*) FROM /.*/");
        return snap;
    }

    private async Task DestroyAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using (var admin = new NpgsqlConnection(PgConnectionString.WithDatabase(stack.Pg, "postgres")))
        {
            await admin.OpenAsync();
            await using var cmd = new NpgsqlCommand($"DROP DATABASE {stack.DbName} WITH (FORCE)", admin);
            await cmd.ExecuteNonQueryAsync();
        }

        await stack.Influx.QueryAsync($"DROP DATABASE {stack.DbName}");
    }

    [Fact]
    public async Task BackUp_Destroy_Restore_BringsBackTheSameEventsOeeAndonsAndReports_AndADamagedBackupIsRefused()
    {
        var produced = await FillAsync();
        // Nothing may write during the drill: the fixture's historian stops (the engine already has).
        stack.Stream!.Stop();
        var before = await SnapshotAsync();
        Assert.Equal($"{produced}", before["raw_events"].Split(' ')[0]);
        Assert.Equal("2", before["andons"].Split(' ')[0]);
        Assert.Equal("1", before["pdf"].Split(' ')[0]);
        Assert.NotEqual("0", before["oee_minute"].Split(' ')[0]);
        Assert.Contains("machine_count", before["influx"], StringComparison.Ordinal);

        var (code, output) = await Ms5Async("backup");
        Assert.True(code == 0, output);
        var name = Assert.Single(Backups());
        var dir = Path.Combine(BackupsDir, name);
        Assert.Matches(@"^\d{8}T\d{6}Z$", name);
        foreach (var f in new[] { "postgres.dump", "manifest.json", "SHA256SUMS", "release", "config/plants/bkp-t.json", "config/prometheus/prometheus.yml", "config/alertmanager/alertmanager.yml" })
        {
            Assert.True(File.Exists(Path.Combine(dir, f)), f + " in the backup\n" + output);
        }

        Assert.NotEmpty(Directory.GetFiles(Path.Combine(dir, "influxdb"), "*.manifest"));
        using (var manifest = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(dir, "manifest.json"))))
        {
            var m = manifest.RootElement;
            Assert.Equal(1, m.GetProperty("format").GetInt32());
            Assert.Equal(stack.DbName, m.GetProperty("influxdb").GetProperty("database").GetString());
            var rows = m.GetProperty("postgres").GetProperty("rowCounts");
            Assert.Equal(produced, rows.GetProperty("raw_events").GetInt32());
            Assert.Equal(2, rows.GetProperty("andons").GetInt32());
            Assert.Equal(1, rows.GetProperty("reports").GetInt32());
            Assert.Equal(long.Parse(before["oee_minute"].Split(' ')[0], CultureInfo.InvariantCulture), rows.GetProperty("oee_minute").GetInt64());
            Assert.StartsWith("00", m.GetProperty("postgres").GetProperty("migrationHead").GetString(), StringComparison.Ordinal);
            var files = m.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("path").GetString()).ToList();
            Assert.Contains("postgres.dump", files);
            Assert.Equal(new FileInfo(Path.Combine(dir, "postgres.dump")).Length,
                m.GetProperty("files").EnumerateArray().Single(f => f.GetProperty("path").GetString() == "postgres.dump").GetProperty("size").GetInt64());
        }

        // A damaged copy is refused before anything is touched, naming the file.
        var damaged = Path.Combine(_home, "damaged");
        CopyDirectory(dir, damaged);
        var plantFile = Path.Combine(damaged, "config", "plants", "bkp-t.json");
        await File.AppendAllTextAsync(plantFile, " ");
        (code, output) = await Ms5Async("restore", damaged);
        Assert.NotEqual(0, code);
        Assert.Contains($"restore refused: {damaged}/config/plants/bkp-t.json does not match its checksum", output, StringComparison.Ordinal);
        Assert.Equal(before, await SnapshotAsync());

        await DestroyAsync();
        Assert.DoesNotContain($"\"{stack.DbName}\"", await stack.Influx.QueryAsync("SHOW DATABASES"), StringComparison.Ordinal);

        (code, output) = await Ms5Async("restore", dir);
        Assert.True(code == 0, output);
        Assert.Contains("restore complete", output, StringComparison.Ordinal);
        Assert.Equal(before, await SnapshotAsync());
        var restored = await File.ReadAllTextAsync(Path.Combine(_home, "restored.json"));
        Assert.Contains($"\"backup\": \"{name}\"", restored, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Retention_KeepsTheNewestCompleteBackups_AndRemovesOlderOnesAndDeadTemporaryFolders()
    {
        foreach (var old in new[] { "20200101T000000Z", "20200102T000000Z", "20200103T000000Z" })
        {
            Directory.CreateDirectory(Path.Combine(BackupsDir, old));
            await File.WriteAllTextAsync(Path.Combine(BackupsDir, old, "manifest.json"), "{}");
        }

        Directory.CreateDirectory(Path.Combine(BackupsDir, "20200104T000000Z"));           // no manifest: not a backup, left alone
        Directory.CreateDirectory(Path.Combine(BackupsDir, ".tmp-20200105T000000Z-999999")); // its process is gone

        var (code, output) = await Ms5Async("backup", "--keep", "2");
        Assert.True(code == 0, output);
        var made = Backups().Single(b => !b.StartsWith("2020", StringComparison.Ordinal));
        Assert.Equal(new[] { "20200103T000000Z", "20200104T000000Z", made }, Backups());
        Assert.Contains("retention (keep 2): deleted backup 20200102T000000Z", output, StringComparison.Ordinal);
        Assert.Contains("retention (keep 2): deleted backup 20200101T000000Z", output, StringComparison.Ordinal);

        (code, output) = await Ms5Async("backup", "--keep", "0");
        Assert.NotEqual(0, code);
        Assert.Contains("--keep (or MS5_BACKUP_KEEP) must be a whole number of backups, at least 1 (got '0')", output, StringComparison.Ordinal);
        Assert.Equal(3, Backups().Count);
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var d in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, d)));
        }

        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(f, Path.Combine(to, Path.GetRelativePath(from, f)));
        }
    }
}
