using System.Diagnostics;
using Ms5.Kafka;

namespace Ms5.Benchmarks;

/// <summary>The real historian or OEE engine host as a child process, and the measurement of how fast it drains a topic.</summary>
internal static class StreamHost
{
    /// <summary>Runs the host with <paramref name="settings"/> (Stream__* and the like) on the given database and Kafka, until it has
    /// committed <paramref name="total"/> offsets in PostgreSQL; returns the sustained rate from its first commit on.</summary>
    public static async Task<(long Done, double Rate, double Seconds)> DrainAsync(string root, KafkaOptions kafka, string cs, IReadOnlyDictionary<string, string> settings, long total, Func<Task>? whileRunning = null)
    {
        using var host = Start(root, kafka, cs, settings);
        try
        {
            var deadline = DateTime.UtcNow.AddMinutes(15);
            Stopwatch? clock = null;
            long first = 0, done = 0;
            while (DateTime.UtcNow < deadline && !host.HasExited)
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

                    return (done, (done - first) / Math.Max(secs, 0.001), secs);
                }

                await Task.Delay(20);
            }

            throw new TimeoutException($"the stream host drained {done:N0} of {total:N0} events before giving up");
        }
        finally
        {
            await StopAsync(host);
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
