namespace Ms5.Integration.Tests.Support;

/// <summary>
/// A real Alertmanager (Debian's prometheus-alertmanager) owned by one test: its own port, configuration and
/// data directory, so the test can stop and restart it. Clustering is off.
/// </summary>
internal sealed class TestAlertmanager : IDisposable
{
    private ChildProcess? _process;

    private TestAlertmanager(string dir, int port)
    {
        Directory = dir;
        Port = port;
    }

    public string Directory { get; }

    public int Port { get; }

    public Uri Url => new($"http://127.0.0.1:{Port}/");

    /// <summary>A new instance with <paramref name="config"/> as alertmanager.yml (and any extra files, e.g. templates) in its directory.</summary>
    public static async Task<TestAlertmanager> StartAsync(string config, IReadOnlyDictionary<string, string>? files = null)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"ms5-am-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, "alertmanager.yml"), config);
        foreach (var (name, text) in files ?? new Dictionary<string, string>())
        {
            var path = Path.Combine(dir, name);
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllTextAsync(path, text);
        }

        var am = new TestAlertmanager(dir, TestPorts.Next());
        await am.StartAsync();
        return am;
    }

    public async Task StartAsync()
    {
        _process = ChildProcess.StartProgram("/usr/bin/prometheus-alertmanager", new Dictionary<string, string>(),
            $"--config.file={Directory}/alertmanager.yml", $"--storage.path={Directory}", $"--web.listen-address=127.0.0.1:{Port}", "--cluster.listen-address=");
        using var http = new HttpClient();
        if (await _process.AnswersAsync(http, new Uri(Url, "-/ready")))
        {
            return;
        }

        throw new InvalidOperationException("Alertmanager did not start: " + _process.Output);
    }

    /// <summary>SIGKILL: an outage.</summary>
    public void Kill() => _process?.Kill();

    public void Dispose()
    {
        _process?.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
