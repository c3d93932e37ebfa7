using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Ms5.Analytics.Reports;
using Ms5.Postgres;
using Ms5.Reports;
using Ms5.Reports.Csv;
using Ms5.Reports.Pdf;
using Npgsql;

namespace Ms5.Benchmarks;

/// <summary>
/// One report kind measured in this (fresh) process, for <see cref="ReportsBenchmark"/>: a cold run, then
/// <c>runs</c> runs of <see cref="ReportGenerator.GenerateAsync"/>, each after clearing the series so that it makes a
/// new revision with the full work (fingerprint, read, build, PDF, CSV, store). SQL time inside each run comes from
/// Npgsql's activities (a command's activity ends when its reader is closed, so it includes reading the rows); the
/// INSERT into reports is the store, the rest the read. Build, PDF and CSV are then timed on their own in a second
/// pass after each run (BuildAsync minus its SQL time, PdfReport.Render, ReportCsv; and the PDF's chart images alone,
/// ChartSections.Render), outside the run's time.
/// </summary>
internal static class ReportsMeasure
{
    public const string CommandName = "reports-measure";

    internal sealed record Result(
        string Label, int Machines, double P50, double P95, double Max, double Cold, double[] Runs,
        double Read, double Build, double Pdf, double Charts, double Csv, double Store,
        long PdfBytes, int? PdfPages, string? PdfNote, long CsvBytes, long StopsCsvBytes,
        double PeakWorkingSetMiB, double BaselineMiB, double GcHeapPeakMiB, double AllocatedMiB, string GcMode, string Content, string SqlSplit);

    private sealed record Sql(string Statement, TimeSpan Duration);

    public static async Task<int> RunAsync(string database, string plantId, string? lineId, DateOnly day, string shiftName, int runs, string resultFile)
    {
        var cs = PgConnectionString.WithDatabase(PgConnectionString.FromEnvironment(), database);
        await using var db = NpgsqlDataSource.Create(cs);
        var store = new ReportStore(db);
        var generator = new ReportGenerator(new ReportQueries(db), store, new PlantStore(db), new AnomalyStore(db), TimeProvider.System, NullLogger<ReportGenerator>.Instance);
        var plant = await generator.PlantAsync(plantId) ?? throw new InvalidOperationException($"no plant {plantId} in {database}");
        var line = lineId is null ? null : plant.Lines.Single(l => l.Id == lineId);
        var span = ReportPeriods.Shift(plant.Calendar, day, shiftName).Span ?? throw new InvalidOperationException($"no shift {shiftName} on {day}");
        var target = new ReportTarget(plant, line, span);
        var machines = line?.Machines.Count ?? plant.Machines.Count();
        var label = line is null ? $"plant ({machines} machines)" : $"line {line.Id} ({machines} machines)";

        var sql = new List<Sql>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = a =>
            {
                if ((a.GetTagItem("db.query.text") ?? a.GetTagItem("db.statement")) is string statement)
                {
                    lock (sql)
                    {
                        sql.Add(new Sql(statement, a.Duration));
                    }
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        double SqlMs(Func<string, bool> which)
        {
            lock (sql)
            {
                return sql.Where(s => which(s.Statement)).Sum(s => s.Duration.TotalMilliseconds);
            }
        }

        static bool IsStore(string statement) => statement.TrimStart().StartsWith("INSERT INTO reports", StringComparison.Ordinal);

        await using (var warm = await db.OpenConnectionAsync())
        {
            await using var cmd = new NpgsqlCommand("SELECT 1", warm);
            await cmd.ExecuteScalarAsync();
        }

        var baseline = ProcStatusMiB("VmRSS");
        using var sampler = new GcHeapSampler();
        Console.WriteLine($"[bench reports] {label}: measuring in process {Environment.ProcessId} ({(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC), baseline {baseline:N0} MiB");

        var totals = new List<double>();
        var read = new List<double>();
        var build = new List<double>();
        var pdf = new List<double>();
        var charts = new List<double>();
        var csv = new List<double>();
        var storeMs = new List<double>();
        var allocated = new List<double>();
        var byQuery = new Dictionary<string, List<(int Count, double Ms)>>(StringComparer.Ordinal);
        double cold = 0;
        StoredReport? stored = null;
        ReportDocument? doc = null;
        for (var i = 0; i <= runs; i++)
        {
            await using (var clear = db.CreateCommand("DELETE FROM reports WHERE series_key = $1"))
            {
                clear.Parameters.AddWithValue(target.SeriesKey);
                await clear.ExecuteNonQueryAsync();
            }

            lock (sql)
            {
                sql.Clear();
            }

            var alloc = GC.GetTotalAllocatedBytes(precise: true);
            var sw = Stopwatch.StartNew();
            stored = await generator.GenerateAsync(target, "schedule", waitForLock: true)
                ?? throw new InvalidOperationException("no report made");
            var total = sw.Elapsed.TotalMilliseconds;
            var allocMiB = (GC.GetTotalAllocatedBytes(precise: true) - alloc) / (1024.0 * 1024.0);
            if (stored.Revision != 1 || stored.Status != "ready")
            {
                throw new InvalidOperationException($"expected a new ready revision 1, got revision {stored.Revision} ({stored.Status})");
            }

            var (runRead, runStore) = (SqlMs(s => !IsStore(s)), SqlMs(IsStore));
            lock (sql)
            {
                foreach (var g in sql.GroupBy(s => QueryName(s.Statement)))
                {
                    byQuery.TryAdd(g.Key, []);
                    byQuery[g.Key].Add((g.Count(), g.Sum(s => s.Duration.TotalMilliseconds)));
                }
            }

            // Second pass, outside the run's time: the build, PDF and CSV on their own.
            lock (sql)
            {
                sql.Clear();
            }

            sw.Restart();
            (doc, _) = await generator.BuildAsync(target, 1, null);
            var runBuild = sw.Elapsed.TotalMilliseconds - SqlMs(_ => true);
            sw.Restart();
            _ = PdfReport.Render(doc);
            var runPdf = sw.Elapsed.TotalMilliseconds;
            sw.Restart();
            _ = ChartSections.Render(doc);
            var runCharts = sw.Elapsed.TotalMilliseconds;
            sw.Restart();
            _ = ReportCsv.Machines(doc);
            _ = ReportCsv.Stops(doc);
            var runCsv = sw.Elapsed.TotalMilliseconds;

            Console.WriteLine($"[bench reports] {label} {(i == 0 ? "cold run" : $"run {i}/{runs}")}: {total:N0} ms (SQL read {runRead:N0}, store {runStore:N0}; " +
                $"alone: build {runBuild:N0}, PDF {runPdf:N0} (its charts {runCharts:N0}), CSV {runCsv:N0}); allocated {allocMiB:N0} MiB");
            if (i == 0)
            {
                cold = total;
                byQuery.Clear();
                continue;
            }

            totals.Add(total);
            read.Add(runRead);
            storeMs.Add(runStore);
            build.Add(runBuild);
            pdf.Add(runPdf);
            charts.Add(runCharts);
            csv.Add(runCsv);
            allocated.Add(allocMiB);
        }

        var gcPeak = sampler.StopAndPeakMiB();
        var peak = ProcStatusMiB("VmHWM");
        var pdfBytes = await store.ContentAsync(stored!.Id, ReportFile.Pdf) ?? [];
        var csvBytes = await store.ContentAsync(stored.Id, ReportFile.Csv) ?? [];
        var stopsBytes = await store.ContentAsync(stored.Id, ReportFile.StopsCsv) ?? [];
        var (pages, note) = Pages(pdfBytes);
        var content = string.Create(CultureInfo.InvariantCulture,
            $"{doc!.Machines.Count} machine rows, {doc.Stops.Count:N0} stops ({doc.MicroStops.Count} micro-stop rows, {doc.Changeovers.Count} changeovers), {doc.Timelines.Count} timelines, {doc.Products.Count} products, {doc.Andons.Count:N0} Andons; OEE {stored.Summary?.Oee:P1}, completeness {stored.Completeness:P0}");
        var sqlSplit = string.Join(", ", byQuery.Select(q => (q.Key, q.Value[0].Count, Ms: Median([.. q.Value.Select(v => v.Ms)])))
            .OrderByDescending(q => q.Ms).Select(q => string.Create(CultureInfo.InvariantCulture, $"{q.Key}{(q.Count > 1 ? $" ×{q.Count}" : "")} {q.Ms:N0}")));
        var result = new Result(label, machines, Quantile(totals, 0.50), Quantile(totals, 0.95), totals.Max(), cold, [.. totals],
            Median(read), Median(build), Median(pdf), Median(charts), Median(csv), Median(storeMs),
            pdfBytes.Length, pages, note, csvBytes.Length, stopsBytes.Length,
            peak, baseline, gcPeak, Median(allocated), System.Runtime.GCSettings.IsServerGC ? "server" : "workstation", content, sqlSplit);
        await File.WriteAllTextAsync(resultFile, JsonSerializer.Serialize(result));
        return 0;
    }

    /// <summary>Which of ReportQueries / ReportStore / PlantStore a statement is (for the SQL split).</summary>
    private static string QueryName(string sql) => sql switch
    {
        _ when sql.Contains("WITH sm AS", StringComparison.Ordinal) => "products",
        _ when sql.Contains("FROM state_intervals", StringComparison.Ordinal) => "states",
        _ when sql.Contains("floor(extract(epoch", StringComparison.Ordinal) => "hourly",
        _ when sql.Contains("FROM oee_minute", StringComparison.Ordinal) => "by-machine",
        _ when sql.Contains("FROM andons", StringComparison.Ordinal) => "andons",
        _ when sql.Contains("oee_progress", StringComparison.Ordinal) => "complete-until",
        _ when sql.Contains("INSERT INTO reports", StringComparison.Ordinal) => "store",
        _ when sql.Contains("advisory", StringComparison.Ordinal) => "lock",
        _ when sql.Contains("FROM reports", StringComparison.Ordinal) => "revisions",
        _ when sql.Contains("FROM plants", StringComparison.Ordinal) || sql.Contains("FROM machines", StringComparison.Ordinal) => "plant",
        _ => "other",
    };

    /// <summary>Nearest-rank quantile.</summary>
    private static double Quantile(List<double> values, double q)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    private static double Median(List<double> values) => Quantile(values, 0.5);

    private static (int? Pages, string? Note) Pages(byte[] pdf)
    {
        try
        {
            using var doc = UglyToad.PdfPig.PdfDocument.Open(pdf);
            return (doc.NumberOfPages, null);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return (null, $"not a readable PDF: {ex.GetType().Name}");
        }
    }

    /// <summary>A field of /proc/self/status in MiB (VmRSS: now; VmHWM: the peak resident set since the process started).</summary>
    private static double ProcStatusMiB(string field)
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
    }

    /// <summary>
    /// The GC heap's peak: every millisecond the heap size with what is not collected yet (GC.GetTotalMemory) and the
    /// size each kind of GC found before collecting (its last GCMemoryInfo); the largest seen.
    /// </summary>
    private sealed class GcHeapSampler : IDisposable
    {
        private readonly Thread _thread;
        private volatile bool _stop;
        private long _peak;

        public GcHeapSampler()
        {
            _thread = new Thread(() =>
            {
                while (!_stop)
                {
                    var now = GC.GetTotalMemory(forceFullCollection: false);
                    foreach (var kind in new[] { GCKind.Ephemeral, GCKind.FullBlocking, GCKind.Background })
                    {
                        var info = GC.GetGCMemoryInfo(kind);
                        long before = 0;
                        foreach (var g in info.GenerationInfo)
                        {
                            before += g.SizeBeforeBytes;
                        }

                        now = Math.Max(now, before);
                    }

                    _peak = Math.Max(_peak, now);
                    Thread.Sleep(1);
                }
            }) { IsBackground = true, Name = "gc-heap-sampler" };
            _thread.Start();
        }

        public double StopAndPeakMiB()
        {
            _stop = true;
            _thread.Join();
            return _peak / (1024.0 * 1024.0);
        }

        public void Dispose()
        {
            _stop = true;
        }
    }
}
