using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Ms5.Analytics.Andon;
using Ms5.Analytics.Events;
using Ms5.Analytics.Plant;
using Ms5.Analytics.Reports;
using Ms5.Analytics.Simulation;
using Ms5.Kafka;
using Ms5.Postgres;
using Npgsql;

namespace Ms5.Benchmarks;

/// <summary>
/// ./ms5 bench reports [--runs 7] [--seed 7] [--keep]: shift reports of a 480-machine plant through
/// <c>ReportGenerator</c>. The data is one complete 8-hour shift in the past, simulated by <see cref="PlantSimulator"/>
/// and sent through Kafka to the real historian (raw_events, state_intervals) and the real OEE engine (oee_minute,
/// Andons) processes, in a database and topics of its own; then each report kind is measured in a fresh process of
/// its own (<see cref="ReportsMeasure"/>), so its peak memory is the report's and not the data set-up's.
/// </summary>
internal static class ReportsBenchmark
{
    public const int Lines = 12;
    public const int MachinesPerLine = 40;
    public const string LineUnderTest = "line-01";

    /// <summary>Events produced but not yet stored by both consumers: bounds what the dev broker holds (5 MiB per partition).</summary>
    private const long MaxBacklog = 250_000;

    private const int Partitions = 48;

    public const string Help = """
        Shift reports of a 480-machine plant through ReportGenerator (read, build, render PDF and CSV, store).
        Plant: 12 lines × 40 machines grown from the demo plant (its reason codes, three-shift calendar with breaks,
        holidays, Andon rules; every machine makes products). Data: the plant's last complete 8-hour shift, simulated
        (PlantSimulator with its defaults: a count every 5 s; about 1.75 million events) and sent through Kafka to the
        real historian and OEE engine processes, paced so the dev broker never evicts; so raw_events, state_intervals,
        oee_minute and andons hold what production would. On 2 cores that takes under 2 minutes, so no shortcut is
        taken. Andons: catching up on history, the engine raises stop and no-parts Andons at the end of each batch
        against the wall clock that a live engine would not (about 45,000 for this shift, most never resolved); they
        are deleted before measuring (every stop/no-parts Andon the Andon evaluator does not find in the complete
        shift) unless --replay-andons keeps them. Then the line report (line-01, 40 machines) and the plant report
        (480 machines) are each made once cold and --runs times, each run a new revision (the series is cleared
        first), in a fresh process per report so that peak memory is the report's; prints p50/p95/max, the phase split,
        SQL per query, PDF size and pages, peak memory. Own database and topics; the database is dropped at the end.
        """;

    public static async Task<int> RunAsync(int runs, int seed, bool keep, bool replayAndons)
    {
        var whole = Stopwatch.StartNew();
        var run = Guid.NewGuid().ToString("N")[..8];
        var dbName = $"ms5_bench_{run}";
        var topic = $"bench.{run}.events";
        var dlq = $"bench.{run}.dlq";
        var outTopics = new[] { $"bench.{run}.oee-out", $"bench.{run}.andon-out" };
        var adminCs = PgConnectionString.FromEnvironment();
        var cs = PgConnectionString.WithDatabase(adminCs, dbName);
        var kafka = KafkaOptions.FromEnvironment();
        var root = IngestBenchmark.FindRoot();
        var hosts = new List<Process>();
        Console.WriteLine($"[bench reports] {ReportsPlant.Describe(Lines, MachinesPerLine)}; database {dbName}, topic {topic} ({Partitions} partitions); {runs} runs per report");
        await IngestBenchmark.ExecAsync(adminCs, $"CREATE DATABASE {dbName}");
        try
        {
            await Migrator.MigrateAsync(cs);
            var plantJson = ReportsPlant.Build(await File.ReadAllTextAsync(Path.Combine(root, "infra", "plants", "demo-plant.json")), Lines, MachinesPerLine);
            var plant = PlantConfigParser.Parse(plantJson);
            await using var db = NpgsqlDataSource.Create(cs);
            await new PlantStore(db).SaveAsync(plant, plantJson);

            var now = DateTimeOffset.UtcNow;
            var shift = plant.Calendar.Between(now.AddDays(-4), now).Last(s => s.End <= now.AddMinutes(-2) && s.End - s.Start == TimeSpan.FromHours(8));
            var span = ReportPeriods.ForShift(plant.Calendar, shift);
            Console.WriteLine($"[bench reports] shift '{shift.Name}' of {shift.Day:yyyy-MM-dd} ({plant.TimeZone.Id}): {span.From:yyyy-MM-dd HH:mm}..{span.To:HH:mm} UTC, ended {(now - span.To).TotalHours:0.0} h ago");

            // 1. The shift through Kafka, the historian and the OEE engine.
            var data = Stopwatch.StartNew();
            await TopicAdmin.EnsureAsync(kafka, new Dictionary<string, int> { [topic] = Partitions, [dlq] = 1, [outTopics[0]] = 12, [outTopics[1]] = 3 });
            var env = new Dictionary<string, string>
            {
                ["MS5_INFLUX_DB"] = "ms5_bench_discard",
                ["MS5_ALERTMANAGER_URL"] = "http://127.0.0.1:9/", // nothing listens: the bench's Andons stay out of the local Alertmanager
                ["Stream__Topic"] = topic,
                ["Stream__DlqTopic"] = dlq,
                ["Stream__DlqGroup"] = $"bench.{run}.dlq",
                ["Stream__PgGroup"] = $"bench.{run}.pg",
                ["Stream__OeeGroup"] = $"bench.{run}.oee",
                ["Stream__OeeTopic"] = outTopics[0],
                ["Stream__AndonTopic"] = outTopics[1],
            };
            hosts.Add(StreamHost.Start(root, kafka, cs, new Dictionary<string, string>(env) { ["Stream__Sinks"] = "pg" }));
            hosts.Add(StreamHost.Start(root, kafka, cs, new Dictionary<string, string>(env) { ["Stream__Sinks"] = "oee" }));
            var groups = new[] { $"bench.{run}.pg", $"bench.{run}.oee" };
            var (produced, byType, simulateSeconds, byMachine) = await ProduceShiftAsync(plant, plantJson, span, seed, kafka, topic, cs, groups, hosts);
            var producedAt = data.Elapsed;
            Console.WriteLine($"[bench reports] produced {produced:N0} events ({string.Join(", ", byType.OrderByDescending(t => t.Value).Select(t => $"{t.Value:N0} {t.Key}"))}) in {producedAt.TotalSeconds:0}s (simulation {simulateSeconds:0.0}s of it)");
            var (historianDone, engineDone) = await WaitDrainedAsync(cs, groups, produced, hosts, data);
            Console.WriteLine($"[bench reports] historian stored everything after {historianDone.TotalSeconds:0}s, OEE engine after {engineDone.TotalSeconds:0}s (from the first event produced)");
            var queries = new ReportQueries(db);
            var complete = await WaitCompleteAsync(queries, span, hosts);
            Console.WriteLine($"[bench reports] engine computed every machine to the shift's end after {data.Elapsed.TotalSeconds:0}s (ticker +{complete.TotalSeconds:0}s)");
            foreach (var h in hosts)
            {
                await StreamHost.StopAsync(h);
            }

            await FixReplayAndonsAsync(db, plant, byMachine, replayAndons);
            byMachine.Clear();
            await IngestBenchmark.ExecAsync(cs, "VACUUM ANALYZE"); // what autovacuum does to freshly loaded tables in production
            var dataSeconds = data.Elapsed.TotalSeconds;
            await PrintDataAsync(cs, span, produced, dataSeconds);

            // 2. Each report kind in a fresh process of its own.
            var loadBefore = LoadAverage();
            var measure = Stopwatch.StartNew();
            var results = new List<ReportsMeasure.Result>();
            foreach (var line in new string?[] { LineUnderTest, null })
            {
                results.Add(await MeasureAsync(dbName, line, shift, runs));
            }

            Print(results, runs);
            Console.WriteLine();
            Console.WriteLine($"  load average (1, 5, 15 min) on {Environment.ProcessorCount} cores: {loadBefore} before the reports, {LoadAverage()} after (other processes on this machine count too)");
            Console.WriteLine($"[bench reports] whole bench {whole.Elapsed.TotalSeconds:0}s: data {dataSeconds:0}s, reports {measure.Elapsed.TotalSeconds:0}s");
            return 0;
        }
        finally
        {
            foreach (var h in hosts)
            {
                if (!h.HasExited)
                {
                    await StreamHost.StopAsync(h);
                }

                h.Dispose();
            }

            foreach (var t in outTopics.Prepend(dlq).Prepend(topic))
            {
                await TopicAdmin.DeleteDevTopicAsync(kafka, t);
            }

            NpgsqlConnection.ClearAllPools();
            if (keep)
            {
                Console.WriteLine($"[bench reports] kept database {dbName}");
            }
            else
            {
                await IngestBenchmark.ExecAsync(adminCs, $"DROP DATABASE IF EXISTS {dbName} WITH (FORCE)");
            }
        }
    }

    /// <summary>
    /// Simulates the shift (the plant starts it as its calendar says) 5 minutes at a time and produces each slice,
    /// waiting whenever the consumers are more than <see cref="MaxBacklog"/> events behind.
    /// </summary>
    private static async Task<(long Produced, Dictionary<string, long> ByType, double SimulateSeconds, Dictionary<string, List<MachineEvent>> ByMachine)> ProduceShiftAsync(
        PlantConfig plant, string plantJson, ReportSpan span, int seed, KafkaOptions kafka, string topic, string cs, string[] groups, List<Process> hosts)
    {
        var sim = new PlantSimulator(plant, span.From, new SimulatorOptions { Seed = seed, Profiles = SimulationProfiles.Parse(plantJson) });
        var byType = new Dictionary<string, long>(StringComparer.Ordinal);
        var byMachine = plant.Machines.ToDictionary(m => m.Id, _ => new List<MachineEvent>(), StringComparer.Ordinal);
        long produced = 0;
        var simulate = new Stopwatch();
        using var producer = new EventProducer(kafka, "ms5-bench-reports");
        for (var clock = span.From; clock < span.To;)
        {
            clock = clock.AddMinutes(5) < span.To ? clock.AddMinutes(5) : span.To;
            simulate.Start();
            var events = sim.AdvanceTo(clock);
            simulate.Stop();
            foreach (var e in events)
            {
                producer.Produce(topic, e);
                byMachine[e.MachineId].Add(e);
                var type = e.Type.ToString().ToLowerInvariant();
                byType[type] = byType.GetValueOrDefault(type) + 1;
            }

            produced += events.Count;
            producer.Inner.Poll(TimeSpan.Zero);
            while (produced - (await ConsumedAsync(cs, groups)).Min() > MaxBacklog)
            {
                ThrowIfExited(hosts);
                await Task.Delay(200);
            }
        }

        producer.Flush(TimeSpan.FromMinutes(2));
        if (producer.Failed > 0)
        {
            throw new InvalidOperationException($"{producer.Failed} events not delivered: {producer.LastError}");
        }

        return (produced, byType, simulate.Elapsed.TotalSeconds, byMachine);
    }

    /// <summary>
    /// The engine evaluates stop and no-parts rules at the end of each batch against the wall clock, so while it catches
    /// up on history every machine whose batch ends while running (or down) raises an Andon "since its last event" that
    /// the next batch's events show never lasted the threshold; no-parts ones are never resolved (a gap shorter than the
    /// threshold is not reported back as too short). A live engine raises none of these. Unless asked to keep them, they
    /// are deleted: every stop and no-parts Andon that the same evaluator (<see cref="AndonEvaluator"/>) does not find in
    /// the machine's complete shift. OEE and reject-rate Andons are kept as stored.
    /// </summary>
    private static async Task FixReplayAndonsAsync(NpgsqlDataSource db, PlantConfig plant, Dictionary<string, List<MachineEvent>> byMachine, bool keep)
    {
        var now = DateTimeOffset.UtcNow;
        var live = new List<Guid>();
        foreach (var m in plant.Machines)
        {
            live.AddRange(AndonEvaluator.FromEvents(byMachine[m.Id], m.Id, m.LineId, plant.Andon.Rules, now).Raised.Select(e => e.Id));
        }

        await using var count = db.CreateCommand("""
            SELECT count(*) FILTER (WHERE kind IN ('stop', 'no_counts') AND NOT andon_id = ANY($1)),
                   string_agg(DISTINCT rule_id, ', ') FILTER (WHERE kind IN ('stop', 'no_counts') AND NOT andon_id = ANY($1)), count(*)
            FROM andons
            """);
        count.Parameters.AddWithValue(live.ToArray());
        await using var r = await count.ExecuteReaderAsync();
        await r.ReadAsync();
        var (artifacts, rules, stored) = (r.GetInt64(0), r.IsDBNull(1) ? "" : r.GetString(1), r.GetInt64(2));
        await r.DisposeAsync();
        if (keep)
        {
            Console.WriteLine($"[bench reports] kept all {stored:N0} Andons the engine stored, {artifacts:N0} of them ({rules}) raised only because it was catching up (--replay-andons)");
            return;
        }

        await using var delete = db.CreateCommand("DELETE FROM andons WHERE kind IN ('stop', 'no_counts') AND NOT andon_id = ANY($1)");
        delete.Parameters.AddWithValue(live.ToArray());
        await delete.ExecuteNonQueryAsync();
        Console.WriteLine($"[bench reports] deleted {artifacts:N0} of the engine's {stored:N0} Andons ({rules}) raised only because it was catching up on history (an engine defect, see --help); {stored - artifacts:N0} left, as a live engine would hold");
    }

    private static async Task<long[]> ConsumedAsync(string cs, string[] groups)
    {
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT consumer_group, sum(next_offset)::bigint FROM kafka_offsets WHERE consumer_group = ANY($1) GROUP BY 1", conn);
        cmd.Parameters.AddWithValue(groups);
        var sums = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
        {
            sums[r.GetString(0)] = r.GetInt64(1);
        }

        return groups.Select(g => sums.GetValueOrDefault(g)).ToArray();
    }

    private static async Task<(TimeSpan Historian, TimeSpan Engine)> WaitDrainedAsync(string cs, string[] groups, long produced, List<Process> hosts, Stopwatch clock)
    {
        TimeSpan? historian = null, engine = null;
        var deadline = DateTime.UtcNow.AddMinutes(20);
        while (historian is null || engine is null)
        {
            ThrowIfExited(hosts);
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the historian and the engine had not consumed {produced:N0} events after 20 minutes");
            }

            var done = await ConsumedAsync(cs, groups);
            historian ??= done[0] >= produced ? clock.Elapsed : null;
            engine ??= done[1] >= produced ? clock.Elapsed : null;
            await Task.Delay(100);
        }

        return (historian.Value, engine.Value);
    }

    /// <summary>Waits until the engine's ticker has closed every machine's minutes to the shift's end (the report is complete).</summary>
    private static async Task<TimeSpan> WaitCompleteAsync(ReportQueries queries, ReportSpan span, List<Process> hosts)
    {
        var clock = Stopwatch.StartNew();
        while (await queries.CompleteUntilAsync(ReportsPlant.PlantId, null) is not { } until || until < span.To)
        {
            ThrowIfExited(hosts);
            if (clock.Elapsed > TimeSpan.FromMinutes(5))
            {
                throw new TimeoutException("the OEE engine did not compute every machine to the shift's end within 5 minutes");
            }

            await Task.Delay(250);
        }

        return clock.Elapsed;
    }

    private static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    private static void ThrowIfExited(List<Process> hosts)
    {
        if (hosts.FirstOrDefault(h => h.HasExited) is { } gone)
        {
            throw new InvalidOperationException($"a stream host exited (code {gone.ExitCode}) before the data was in");
        }
    }

    private static async Task PrintDataAsync(string cs, ReportSpan span, long produced, double seconds)
    {
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        async Task<long> Count(string sql)
        {
            await using var cmd = new NpgsqlCommand(sql, conn);
            if (sql.Contains("$1", StringComparison.Ordinal))
            {
                cmd.Parameters.AddWithValue(span.From.UtcDateTime);
                cmd.Parameters.AddWithValue(span.To.UtcDateTime);
            }

            return Convert.ToInt64(await cmd.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
        }

        var stored = await Count("SELECT count(*) FROM raw_events");
        var raw = await Count("SELECT count(*) FROM raw_events WHERE ts >= $1 AND ts < $2");
        var intervals = await Count("SELECT count(*) FROM state_intervals WHERE start_ts < $2 AND coalesce(end_ts, 'infinity') > $1");
        var minutes = await Count("SELECT count(*) FROM oee_minute WHERE minute >= $1 AND minute < $2");
        var andons = await Count("SELECT count(*) FROM andons WHERE raised_at >= $1 AND raised_at < $2");
        var dead = await Count("SELECT count(*) FROM dead_letters");
        Console.WriteLine($"[bench reports] data in {seconds:0}s: raw_events {stored:N0} of {produced:N0} produced ({raw:N0} in the shift, the rest at its end instant), state_intervals {intervals:N0}, oee_minute {minutes:N0} " +
            $"({Lines * MachinesPerLine} machines × {(span.To - span.From).TotalMinutes:0} min = {Lines * MachinesPerLine * (span.To - span.From).TotalMinutes:N0}), Andons {andons:N0}, dead letters {dead:N0}");
        if (stored != produced || dead > 0)
        {
            throw new InvalidOperationException($"the historian holds {stored:N0} of {produced:N0} events and {dead:N0} dead letters: the data is not what was simulated");
        }
    }

    private static async Task<ReportsMeasure.Result> MeasureAsync(string dbName, string? lineId, ShiftInstance shift, int runs)
    {
        var resultFile = Path.Combine(Path.GetTempPath(), $"ms5-bench-reports-{Guid.NewGuid():N}.json");
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false };
        psi.ArgumentList.Add(typeof(ReportsBenchmark).Assembly.Location);
        psi.ArgumentList.Add(ReportsMeasure.CommandName);
        foreach (var a in new[] { "--database", dbName, "--plant", ReportsPlant.PlantId, "--day", shift.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), "--shift", shift.Name, "--runs", runs.ToString(CultureInfo.InvariantCulture), "--result", resultFile })
        {
            psi.ArgumentList.Add(a);
        }

        if (lineId is not null)
        {
            psi.ArgumentList.Add("--line");
            psi.ArgumentList.Add(lineId);
        }

        using var child = Process.Start(psi)!;
        await child.WaitForExitAsync();
        try
        {
            if (child.ExitCode != 0 || !File.Exists(resultFile))
            {
                throw new InvalidOperationException($"measuring the {lineId ?? "plant"} report failed (exit code {child.ExitCode})");
            }

            return JsonSerializer.Deserialize<ReportsMeasure.Result>(await File.ReadAllTextAsync(resultFile))!;
        }
        finally
        {
            File.Delete(resultFile);
        }
    }

    private static void Print(List<ReportsMeasure.Result> results, int runs)
    {
        Console.WriteLine();
        Console.WriteLine($"  Shift report through ReportGenerator (read + build + render PDF + CSV + store), {runs} runs each after one cold run; ms");
        Console.WriteLine($"  {"report",-26} {"p50",7} {"p95",7} {"max",7} {"cold",7}   {"goal",-8}");
        foreach (var r in results)
        {
            var goal = r.Machines > MachinesPerLine ? 10_000 : 2_000;
            Console.WriteLine($"  {r.Label,-26} {r.P50,7:0} {r.P95,7:0} {r.Max,7:0} {r.Cold,7:0}   < {goal / 1000} s: {(r.P95 < goal ? "met (p95)" : "MISSED (p95)")}");
        }

        Console.WriteLine();
        Console.WriteLine($"  phases, median ms        {"read",7} {"build",7} {"PDF",7} {"charts",7} {"CSV",7} {"store",7}   {"sum",7} {"vs p50",7}");
        foreach (var r in results)
        {
            var sum = r.Read + r.Build + r.Pdf + r.Csv + r.Store;
            Console.WriteLine($"  {r.Label,-24} {r.Read,7:0} {r.Build,7:0} {r.Pdf,7:0} {"(" + r.Charts.ToString("0", CultureInfo.InvariantCulture) + ")",7} {r.Csv,7:0} {r.Store,7:0}   {sum,7:0} {r.P50,7:0}");
        }

        Console.WriteLine("  (read and store: SQL inside the runs; build, PDF, charts (part of the PDF) and CSV: timed alone after each run)");
        Console.WriteLine();
        foreach (var r in results)
        {
            Console.WriteLine($"  {r.Label}: PDF {r.PdfBytes / 1024.0:N0} KiB, {(r.PdfPages is { } p ? $"{p} pages" : "pages n/a (" + r.PdfNote + ")")}; CSV {r.CsvBytes / 1024.0:N0} KiB + stops {r.StopsCsvBytes / 1024.0:N0} KiB");
            Console.WriteLine($"  {new string(' ', r.Label.Length)}  memory: peak working set {r.PeakWorkingSetMiB:N0} MiB (VmHWM; {r.BaselineMiB:N0} MiB before the first report), " +
                $"GC heap peak {r.GcHeapPeakMiB:N0} MiB, allocated {r.AllocatedMiB:N0} MiB per report ({r.GcMode} GC)");
            Console.WriteLine($"  {new string(' ', r.Label.Length)}  SQL by query, median ms per run: {r.SqlSplit}");
            Console.WriteLine($"  {new string(' ', r.Label.Length)}  content: {r.Content}");
        }
    }
}
