using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Ms5.Deploy.Tests;

/// <summary>
/// A whole MS5 stack of the tests' own: <c>./ms5 up --no-simulator</c> with its own MS5_HOME (a short temp path: the
/// PostgreSQL socket path is limited) and MS5_PORT_OFFSET, so every port differs from a stack already running here.
/// It runs from the tests' build (no rebuild); <c>./ms5 down</c> and the folder go at the end.
/// </summary>
public sealed class LocalStack : IAsyncLifetime
{
    public const int Offset = 3000;

    public string Root { get; } = FindRoot();
    public string Home { get; } = Path.Combine("/tmp", "ms5d-" + Guid.NewGuid().ToString("N")[..8]);
    public string ApiUrl { get; } = $"http://127.0.0.1:{8080 + Offset}";
    public string ProxyAdminUrl { get; } = $"http://127.0.0.1:{59468 + Offset}";
    /// <summary>The stack's PostgreSQL (an Npgsql connection string; ./ms5 env prints the same as a libpq URI).</summary>
    public string PgUri { get; } = $"Host=127.0.0.1;Port={55432 + Offset};Username=ms5;Database=ms5";
    public string Releases => Path.Combine(Home, "releases");
    public string AdminKey => File.ReadAllText(Path.Combine(Home, "secrets", "admin.apikey")).Trim();

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Home);
        // The build the tests run from is current: ./ms5 must not build again.
        await File.WriteAllTextAsync(Path.Combine(Home, $"build.{Configuration}.stamp"), "");
        var (exit, output) = await Ms5Async(TimeSpan.FromMinutes(6), "up", "--no-simulator");
        Assert.True(exit == 0, "./ms5 up failed:\n" + output);
    }

    public async Task DisposeAsync()
    {
        await Ms5Async(TimeSpan.FromMinutes(2), "down");
        try
        {
            Directory.Delete(Home, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS (release folders are read-only; ./ms5 down stopped everything).
            await RunAsync("chmod", TimeSpan.FromSeconds(30), null, "-R", "u+w", Home);
            Directory.Delete(Home, recursive: true);
        }
        catch (UnauthorizedAccessException)
        {
            await RunAsync("chmod", TimeSpan.FromSeconds(30), null, "-R", "u+w", Home);
            Directory.Delete(Home, recursive: true);
        }
    }

    public static string Configuration { get; } = AppContext.BaseDirectory.Contains("/bin/Release/", StringComparison.Ordinal) ? "Release" : "Debug";

    /// <summary>Runs <c>./ms5 ARGS</c> against this stack; exit code and output (stdout and stderr, interleaved).</summary>
    public Task<(int Exit, string Output)> Ms5Async(TimeSpan timeout, params string[] args) =>
        RunAsync(Path.Combine(Root, "ms5"), timeout, Environment(), args);

    /// <summary>The environment of a process of this stack: its home and offset, nothing pointing at other servers.</summary>
    public Dictionary<string, string?> Environment() => new()
    {
        ["MS5_HOME"] = Home,
        ["MS5_PORT_OFFSET"] = Offset.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["MS5_PG"] = null, ["MS5_KAFKA_BOOTSTRAP"] = null, ["MS5_INFLUX_URL"] = null, ["MS5_INFLUX_DB"] = null,
        ["MS5_PROMETHEUS_URL"] = null, ["MS5_ALERTMANAGER_URL"] = null, ["MS5_API_URL"] = null, ["MS5_API_TOKEN"] = null,
        ["MS5_KAFKA_DEVBROKER_URL"] = null,
    };

    public HttpClient Client(TimeSpan? timeout = null)
    {
        var http = new HttpClient { BaseAddress = new Uri(ApiUrl), Timeout = timeout ?? TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        return http;
    }

    /// <summary>The release and slot that serve, from the deploy state file.</summary>
    public (string Release, string Slot, string? Previous) Serving()
    {
        var lines = File.ReadAllLines(Path.Combine(Releases, "state")).Select(l => l.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        return (lines["active"], lines["slot"], lines.GetValueOrDefault("previous"));
    }

    /// <summary>What the proxy says serves (GET /proxy/state with its admin token).</summary>
    public async Task<(string Slot, string Release)> ProxyActiveAsync()
    {
        using var http = new HttpClient { BaseAddress = new Uri(ProxyAdminUrl) };
        http.DefaultRequestHeaders.Add("X-Proxy-Token", File.ReadAllText(Path.Combine(Home, "secrets", "proxy-admin.token")).Trim());
        using var doc = JsonDocument.Parse(await http.GetStringAsync("/proxy/state"));
        var active = doc.RootElement.GetProperty("active");
        return (active.GetProperty("slot").GetString()!, active.GetProperty("release").GetString()!);
    }

    /// <summary>
    /// A new release made from the serving one (same build, another folder and version), optionally changed by
    /// <paramref name="change"/> (given the new folder) before it is made read-only: what a deploy of a changed tree is,
    /// without building in a test.
    /// </summary>
    public async Task<string> CopyReleaseAsync(string suffix, Func<string, Task>? change = null)
    {
        var from = Serving().Release;
        var version = $"{DateTime.UtcNow:yyyyMMdd'T'HHmmss'Z'}-{suffix}";
        var dir = Path.Combine(Releases, version);
        var (exit, output) = await RunAsync("cp", TimeSpan.FromMinutes(2), null, "-a", Path.Combine(Releases, from), dir);
        Assert.True(exit == 0, output);
        await RunAsync("chmod", TimeSpan.FromMinutes(1), null, "-R", "u+w", dir);
        var json = Path.Combine(dir, "release.json");
        var text = (await File.ReadAllTextAsync(json)).Replace($"\"version\": \"{from}\"", $"\"version\": \"{version}\"", StringComparison.Ordinal)
            .Replace("\"fingerprint\": \"", $"\"fingerprint\": \"{suffix}-", StringComparison.Ordinal);
        await File.WriteAllTextAsync(json, text);
        if (change is not null)
        {
            await change(dir);
        }

        await RunAsync("chmod", TimeSpan.FromMinutes(1), null, "-R", "a-w", dir);
        return version;
    }

    public static async Task<(int Exit, string Output)> RunAsync(string file, TimeSpan timeout, IReadOnlyDictionary<string, string?>? env, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = FindRoot() };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var (k, v) in env ?? new Dictionary<string, string?>())
        {
            if (v is null)
            {
                psi.Environment.Remove(k);
            }
            else
            {
                psi.Environment[k] = v;
            }
        }

        var output = new StringBuilder();
        using var p = new Process { StartInfo = psi };
        p.OutputDataReceived += (_, e) => Append(output, e.Data);
        p.ErrorDataReceived += (_, e) => Append(output, e.Data);
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            Append(output, $"[test] {file} {string.Join(' ', args)} timed out after {timeout}");
            return (-1, Text(output));
        }

        p.WaitForExit();
        return (p.ExitCode, Text(output));
    }

    private static void Append(StringBuilder sb, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (sb)
        {
            sb.AppendLine(line);
        }
    }

    private static string Text(StringBuilder sb)
    {
        lock (sb)
        {
            return sb.ToString();
        }
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "MS5.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("MS5.sln not found above " + AppContext.BaseDirectory);
    }
}

[CollectionDefinition(Name)]
public sealed class StackCollection : ICollectionFixture<LocalStack>
{
    public const string Name = "local stack";
}
