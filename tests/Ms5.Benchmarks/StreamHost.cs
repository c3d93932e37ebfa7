using System.Diagnostics;
using Ms5.Kafka;

namespace Ms5.Benchmarks;

/// <summary>The real historian or OEE engine host as a child process, and the measurement of how fast it drains a topic.</summary>
internal static class StreamHost
{
    /// <summary>What a drain measured: offsets committed, the sustained rate from the first commit on, and the peak resident memory (VmHWM) of the biggest instance.</summary>
    public sealed record DrainResult(long Done, double Rate, double Seconds, double PeakMiB);

    /// <summary>
    /// Runs <paramref name="instances"/> hosts (one consumer group) with <paramref name="settings"/> (Stream__* and the like) on the
    /// given database and Kafka, until they have committed <paramref name="total"/> offsets in PostgreSQL; returns the sustained
    /// rate from the first commit on.
    /// </summary>
    public static async Task<DrainResult> DrainAsync(string root, KafkaOptions kafka, string cs, IReadOnlyDictionary<string, string> settings, long total, Func<Task>? whileRunning = null, int instances = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(instances, 1);
        var hosts = new List<Process>();
        try
        {
            for (var i = 0; i < instances; i++)
            {
                hosts.Add(Start(root, kafka, cs, settings));
            }

            var deadline = DateTime.UtcNow.AddMinutes(15);
            Stopwatch? clock = null;
            long first = 0, done = 0;
            while (DateTime.UtcNow < deadline && !hosts.Any(h => h.HasExited))
            {
                done = await IngestBenchmark.ScalarAsync(cs, "SELECT coalesce(sum(next_offset), 0) FROM kafka_offsets");
                if (done > 0 && clock is null)
                {
                    clock = Stopwatch.StartNew();
                    first = done;
                }

                if (done >= total)
                {
                    var secs = clock!.Elapsed.TotalSeconds;
                    if (whileRunning is not null)
                    {
                        await whileRunning();
                    }

                    return new DrainResult(done, (done - first) / Math.Max(secs, 0.001), secs, hosts.Max(PeakMiB));
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
