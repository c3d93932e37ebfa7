using System.Diagnostics;
using System.Text;

namespace Ms5.Integration.Tests.Support;

/// <summary>An MS5 host run as a real OS process (so a test can kill -9 it), output captured for diagnostics.</summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ChildProcess(Process process, IReadOnlyDictionary<string, string> env)
    {
        _process = process;
        Environment = env;
    }

    /// <summary>The environment it was started with (e.g. to find its Stream__MetricsPort).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }

    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;

    /// <summary>Once it has exited.</summary>
    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>How long a started process may take to answer: on a loaded two-core machine a fresh .NET host (JIT, EF model, Identity) was seen to need more than 20 s.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Polls <paramref name="probe"/> until it answers with a success status: true then, false when the process exits or
    /// <see cref="StartTimeout"/> passes (the caller fails with the output).
    /// </summary>
    public async Task<bool> AnswersAsync(HttpClient http, Uri probe)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline && !HasExited)
        {
            try
            {
                // Each probe at most 5 s: a process that accepts the connection but never answers must not outlast the deadline.
                using var attempt = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                using var response = await http.GetAsync(probe, attempt.Token);
                if (response.IsSuccessStatusCode)
                {
                    return true;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }

        if (HasExited)
        {
            // The output readers finish after the exit: the last lines (usually the error) are then in Output.
            _process.WaitForExit();
        }

        return false;
    }

    public static ChildProcess Start(string dll, IReadOnlyDictionary<string, string> env, params string[] args) =>
        StartProgram("dotnet", env, [dll, .. args]);

    /// <summary>Starts any executable (e.g. a real service binary owned by one test).</summary>
    public static ChildProcess StartProgram(string file, IReadOnlyDictionary<string, string> env, params string[] args)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Repo.Root,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var (k, v) in env)
        {
            psi.Environment[k] = v;
        }

        // The engine is built without tiered compilation (every method optimized at its first call: faster drains of a
        // backlog, ~1.4 s more CPU per start). The suite starts it dozens of times (21 in five minutes, counted once) on
        // two cores, for a few hundred events each: there it runs tiered, unless a test says otherwise. Same code, same
        // results; ./ms5 and the deploy tests run it as shipped.
        if (args.FirstOrDefault()?.EndsWith("Ms5.OeeEngine.dll", StringComparison.Ordinal) == true
            && !psi.Environment.ContainsKey("DOTNET_TieredCompilation") && !psi.Environment.ContainsKey("COMPlus_TieredCompilation"))
        {
            psi.Environment["DOTNET_TieredCompilation"] = "1";
        }

        var p = new Process { StartInfo = psi };
        var child = new ChildProcess(p, env);
        p.OutputDataReceived += (_, e) => child.Append(e.Data);
        p.ErrorDataReceived += (_, e) => child.Append(e.Data);
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return child;
    }

    /// <summary>Runs an executable to completion and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunProgramAsync(string file, IReadOnlyDictionary<string, string> env, TimeSpan timeout, params string[] args)
    {
        using var child = StartProgram(file, env, args);
        using var cts = new CancellationTokenSource(timeout);
        await child._process.WaitForExitAsync(cts.Token);
        child._process.WaitForExit();
        return (child._process.ExitCode, child.Output);
    }

    /// <summary>Runs a .NET program to completion and returns the exit code.</summary>
    public static Task<(int ExitCode, string Output)> RunAsync(string dll, IReadOnlyDictionary<string, string> env, TimeSpan timeout, params string[] args) =>
        RunProgramAsync("dotnet", env, timeout, [dll, .. args]);

    /// <summary>SIGTERM, then waits for the process to finish its graceful shutdown.</summary>
    public void Stop()
    {
        if (!_process.HasExited)
        {
            using var kill = System.Diagnostics.Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            kill.WaitForExit();
            _process.WaitForExit(30_000);
        }
    }

    /// <summary>SIGKILL: no shutdown hooks, no flush; what was not committed is lost by the process.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
