using System.Diagnostics;
using Ms5.Kafka;

namespace Ms5.Benchmarks;

/// <summary>The real historian or OEE engine host as a child process, and the measurement of how fast it drains a topic.</summary>
internal static class StreamHost
{
    /// <summary>
    /// What a drain measured: offsets committed, the sustained rate from the first commit on, and the peak resident memory
    /// (VmHWM) of the biggest instance. With several instances also the rate from the moment every instance held partitions
    /// (<see cref="WholeGroupRate"/>, after <see cref="WholeGroupAfter"/> events), null when the drain ended first.
    /// </summary>
    public sealed record DrainResult(long Done, double Rate, double Seconds, double PeakMiB)
    {
        public double? WholeGroupRate { get; init; }
        public long WholeGroupAfter { get; init; }

        /// <summary>CPU time of the instances per event drained from the first commit on, microseconds (a steadier figure than the rate on a shared machine).</summary>
        public double HostCpuMicros { get; init; }

        /// <summary>CPU time of the whole machine (every process: PostgreSQL, the broker, Alertmanager too) per event, microseconds.</summary>
        public double MachineCpuMicros { get; init; }

        /// <summary>How busy the machine's cores were meanwhile, 0..1.</summary>
        public double MachineBusy { get; init; }

        /// <summary>CPU time of the bench process itself per event meanwhile, microseconds (part of the machine's; it polls the offsets).</summary>
        public double BenchCpuMicros { get; init; }

        /// <summary>
        /// Seconds the instances' JIT compiled meanwhile (the runtime's dotnet.jit.compilation.time on their /metrics), null when
        /// their metrics were not reachable: code first run inside the measured drain compiles there.
        /// </summary>
        public double? JitSeconds { get; init; }
    }

    /// <summary>The machine's busy and total CPU time so far (/proc/stat, all cores), seconds; zeros where /proc is not there.</summary>
    private static (double Busy, double Total) MachineCpu()
    {
        try
        {
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(f => double.Parse(f, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            // user nice system idle iowait irq softirq steal (guest time is already in user)
            var total = fields.Take(8).Sum();
            var idle = fields[3] + fields[4];
            return ((total - idle) / 100.0, total / 100.0);
        }
        catch (IOException)
        {
            return (0, 0);
        }
    }

    private static double HostsCpu(List<Process> hosts) => hosts.Sum(h =>
    {
        try
        {
            h.Refresh();
            return h.TotalProcessorTime.TotalSeconds;
        }
        catch (InvalidOperationException)
        {
            return 0;
        }
    });

    /// <summary>
    /// Runs <paramref name="instances"/> hosts (one consumer group) with <paramref name="settings"/> (Stream__* and the like) on the
    /// given database and Kafka, until they have committed <paramref name="total"/> offsets in PostgreSQL; returns the sustained
    /// rate from the first commit on. With <paramref name="wholeGroup"/>, instance i serves its metrics on the settings' port + i
    /// and the rate from the moment all of them hold partitions is measured too: the joins' rebalances are not in it, but
    /// batches already read then (up to two per instance) count in it without their time, so it is an upper bound.
    /// </summary>
    public static async Task<DrainResult> DrainAsync(string root, KafkaOptions kafka, string cs, IReadOnlyDictionary<string, string> settings, long total, Func<Task>? whileRunning = null, int instances = 1, (string Group, int Partitions)? wholeGroup = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(instances, 1);
        var hosts = new List<Process>();
        try
        {
            var basePort = int.Parse(settings.GetValueOrDefault("Stream__MetricsPort", "0"), System.Globalization.CultureInfo.InvariantCulture);
            var ports = new List<int>();
            var metricPorts = new List<int>();
            for (var i = 0; i < instances; i++)
            {
                var own = new Dictionary<string, string>(settings);
                if (wholeGroup is not null && basePort > 0)
                {
                    own["Stream__MetricsPort"] = (basePort + i).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    ports.Add(basePort + i);
                }

                if (basePort > 0 && (instances == 1 || wholeGroup is not null))
                {
                    metricPorts.Add(basePort + i);
                }

                hosts.Add(Start(root, kafka, cs, own));
            }

            // Prometheus scrapes a running engine from its start (every 2 s on the local stack): the bench's own first scrape,
            // the JIT reading at the first commit, must not be the one that compiles the scrape path (Kestrel's first
            // request, the exposition code) inside the measured drain.
            await FirstScrapeAsync(metricPorts, hosts);

            // One connection polls the committed offsets every 20 ms (opening one per poll cost the bench ~0.5 µs of CPU per event).
            await using var poll = new Npgsql.NpgsqlConnection(cs);
            await poll.OpenAsync();
            await using var committed = new Npgsql.NpgsqlCommand("SELECT coalesce(sum(next_offset), 0) FROM kafka_offsets", poll);
            async Task<long> CommittedAsync() => Convert.ToInt64(await committed.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
            var deadline = DateTime.UtcNow.AddMinutes(15);
            Stopwatch? clock = null, whole = null;
            long first = 0, wholeFirst = 0, done = 0;
            var (hostCpu0, (busy0, total0)) = (0.0, (0.0, 0.0));
            var benchCpu0 = TimeSpan.Zero;
            double? jit0 = null;
            while (DateTime.UtcNow < deadline && !hosts.Any(h => h.HasExited))
            {
                done = await CommittedAsync();
                if (done > 0 && clock is null)
                {
                    clock = Stopwatch.StartNew();
                    first = done;
                    (hostCpu0, (busy0, total0)) = (HostsCpu(hosts), MachineCpu());
                    benchCpu0 = Process.GetCurrentProcess().TotalProcessorTime;
                    jit0 = await JitSecondsAsync(metricPorts);
                }

                if (done > 0 && done < total && whole is null && wholeGroup is { } g && ports.Count > 0 && await AssignedToAllAsync(ports, g.Group, g.Partitions))
                {
                    // Read again after asking the instances (they went on committing meanwhile); the clock runs from before.
                    whole = Stopwatch.StartNew();
                    wholeFirst = done = await CommittedAsync();
                }

                if (done >= total)
                {
                    var secs = clock!.Elapsed.TotalSeconds;
                    var (hostCpu, (busy, all)) = (HostsCpu(hosts) - hostCpu0, MachineCpu());
                    var benchCpu = Process.GetCurrentProcess().TotalProcessorTime - benchCpu0;
                    var jit = jit0 is { } j0 && await JitSecondsAsync(metricPorts) is { } j1 ? j1 - j0 : (double?)null;
                    var drained = Math.Max(done - first, 1);
                    double? wholeRate = whole is not null && done > wholeFirst ? (done - wholeFirst) / Math.Max(whole.Elapsed.TotalSeconds, 0.001) : null;
                    if (whileRunning is not null)
                    {
                        await whileRunning();
                    }

                    return new DrainResult(done, (done - first) / Math.Max(secs, 0.001), secs, hosts.Max(PeakMiB)) {
                        WholeGroupRate = wholeRate, WholeGroupAfter = wholeFirst,
                        HostCpuMicros = hostCpu * 1e6 / drained, MachineCpuMicros = (busy - busy0) * 1e6 / drained, MachineBusy = all > total0 ? (busy - busy0) / (all - total0) : 0,
                        BenchCpuMicros = benchCpu.TotalSeconds * 1e6 / drained,
                        JitSeconds = jit,
                    };
                }

                await Task.Delay(20);
            }

            throw new TimeoutException($"the stream host(s) drained {done:N0} of {total:N0} events before giving up");
        }
        finally
        {
            foreach (var host in hosts)
            {
                await StopAsync(host);
                host.Dispose();
            }
        }
    }

    /// <summary>
    /// Whether every instance holds partitions of the group and together all of them (ms5_consumer_partitions on each
    /// instance's /metrics): the joins' rebalances are over.
    /// </summary>
    private static async Task<bool> AssignedToAllAsync(List<int> ports, string group, int partitions)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var sum = 0.0;
        foreach (var port in ports)
        {
            try
            {
                var text = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
                var line = text.Split('\n').FirstOrDefault(l => l.StartsWith("ms5_consumer_partitions{", StringComparison.Ordinal) && l.Contains($"group=\"{group}\"", StringComparison.Ordinal));
                var held = line is null ? 0 : double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
                if (held <= 0)
                {
                    return false;
                }

                sum += held;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                return false;
            }
        }

        return (int)sum == partitions;
    }

    /// <summary>Each instance's /metrics read once, as soon as it answers (at most 30 s; not when an instance has exited).</summary>
    private static async Task FirstScrapeAsync(List<int> ports, List<Process> hosts)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var until = DateTime.UtcNow.AddSeconds(30);
        foreach (var port in ports)
        {
            while (DateTime.UtcNow < until && !hosts.Any(h => h.HasExited))
            {
                try
                {
                    await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
                    break;
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    await Task.Delay(50);
                }
            }
        }
    }

    /// <summary>The instances' JIT time so far (system_runtime_dotnet_jit_compilation_time, summed), null when one does not answer.</summary>
    private static async Task<double?> JitSecondsAsync(List<int> ports)
    {
        if (ports.Count == 0)
        {
            return null;
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var sum = 0.0;
        foreach (var port in ports)
        {
            try
            {
                var text = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
                var line = text.Split('\n').FirstOrDefault(l => l.StartsWith("system_runtime_dotnet_jit_compilation_time ", StringComparison.Ordinal));
                if (line is null)
                {
                    return null;
                }

                sum += double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                return null;
            }
        }

        return sum;
    }

    /// <summary>The process's peak resident set (VmHWM in /proc/PID/status), MiB; 0 where /proc is not there.</summary>
    public static double PeakMiB(Process process)
    {
        try
        {
            var line = File.ReadLines($"/proc/{process.Id}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024.0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    public static async Task StopAsync(Process host)
    {
        host.Kill(entireProcessTree: true);
        await host.WaitForExitAsync();
    }

    /// <summary>Starts the host; its stderr is echoed indented.</summary>
    public static Process Start(string root, KafkaOptions kafka, string cs, IReadOnlyDictionary<string, string> settings)
    {
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        var project = settings.GetValueOrDefault("Stream__Sinks") == "oee" ? "Ms5.OeeEngine" : "Ms5.Historian";
        psi.ArgumentList.Add(Path.Combine(root, "stream", project, "bin", "Release", "net10.0", project + ".dll"));
        psi.Environment["MS5_PG"] = cs;
        psi.Environment["MS5_KAFKA_BOOTSTRAP"] = kafka.BootstrapServers;
        psi.Environment["MS5_KAFKA_DEVBROKER_URL"] = kafka.DevBrokerUrl ?? "";
        psi.Environment["Stream__MetricsPort"] = "0";
        psi.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (k, v) in settings)
        {
            psi.Environment[k] = v;
        }

        // Profiling aids for the hosts only (not the bench process or the stack): MS5_BENCH_HOST_ENV="NAME=value;NAME=value"
        // (values without ';'; they override the bench's own settings of the same names, MS5_PG and the like included).
        foreach (var pair in (Environment.GetEnvironmentVariable("MS5_BENCH_HOST_ENV") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new ArgumentException($"MS5_BENCH_HOST_ENV: \"{pair}\" is not NAME=value");
            }

            psi.Environment[pair[..eq]] = pair[(eq + 1)..];
        }

        var host = Process.Start(psi)!;
        host.OutputDataReceived += (_, _) => { };
        host.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Console.Error.WriteLine("  stream: " + e.Data);
            }
        };
        host.BeginOutputReadLine();
        host.BeginErrorReadLine();
        return host;
    }
}
