namespace Ms5.Integration.Tests.Support;

/// <summary>
/// A real InfluxDB 1.x (Debian's influxd) owned by one test: its own data directory and ports, so the test can
/// stop it for minutes and start it again with its data.
/// </summary>
internal sealed class TestInflux : IDisposable
{
    private readonly string _dir;
    private ChildProcess? _process;

    private TestInflux(string dir, int port)
    {
        _dir = dir;
        Port = port;
    }

    public int Port { get; }

    public Uri Url => new($"http://127.0.0.1:{Port}/");

    public static async Task<TestInflux> CreateAsync()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"ms5-influx-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        var influx = new TestInflux(dir, TestPorts.Next());
        await File.WriteAllTextAsync(Path.Combine(dir, "influxdb.conf"), $"""
            reporting-enabled = false
            bind-address = "127.0.0.1:{TestPorts.Next()}"
            [meta]
              dir = "{dir}/meta"
            [data]
              dir = "{dir}/data"
              wal-dir = "{dir}/wal"
              query-log-enabled = false
              index-version = "inmem"
            [monitor]
              store-enabled = false
            [http]
              enabled = true
              bind-address = "127.0.0.1:{influx.Port}"
              auth-enabled = false
              log-enabled = false
            """);
        await influx.StartAsync();
        return influx;
    }

    public async Task StartAsync()
    {
        _process = ChildProcess.StartProgram("/usr/bin/influxd", new Dictionary<string, string>(), "-config", Path.Combine(_dir, "influxdb.conf"));
        using var http = new HttpClient();
        if (await _process.AnswersAsync(http, new Uri(Url, "ping")))
        {
            return;
        }

        throw new InvalidOperationException("influxd did not start: " + _process.Output);
    }

    /// <summary>SIGTERM and wait: InfluxDB is away until <see cref="StartAsync"/>.</summary>
    public void Stop()
    {
        _process?.Stop();
        _process?.Dispose();
        _process = null;
    }

    public void Dispose()
    {
        _process?.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
