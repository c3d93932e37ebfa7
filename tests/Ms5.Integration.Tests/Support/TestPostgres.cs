using Npgsql;

namespace Ms5.Integration.Tests.Support;

/// <summary>
/// A real PostgreSQL 15 server (Debian's binaries) owned by one test: its own cluster in a temporary directory and
/// its own port, so the test can stop it for maintenance and start it again. Run as the postgres user when the
/// tests run as root (PostgreSQL refuses root), with fsync off (the data is thrown away).
/// </summary>
internal sealed class TestPostgres : IAsyncDisposable
{
    private const string Bin = "/usr/lib/postgresql/15/bin";
    private readonly string _dir;

    private TestPostgres(string dir, int port)
    {
        _dir = dir;
        Port = port;
    }

    public int Port { get; }

    /// <summary>Database ms5 of this server (user ms5, trust on loopback).</summary>
    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=ms5;Database=ms5;Timeout=5";

    public static async Task<TestPostgres> CreateAsync()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"ms5-pg-{Guid.NewGuid():N}"[..18]);
        Directory.CreateDirectory(dir);
        var pg = new TestPostgres(dir, TestPorts.Next());
        if (IsRoot)
        {
            await RunAsync("chown", "postgres:", dir);
        }

        await pg.AsPostgresAsync($"{Bin}/initdb", "-D", pg.Data, "-U", "ms5", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8");
        await pg.StartAsync();
        await using var conn = new NpgsqlConnection($"Host=127.0.0.1;Port={pg.Port};Username=ms5;Database=postgres;Timeout=5");
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("CREATE DATABASE ms5", conn);
        await cmd.ExecuteNonQueryAsync();
        return pg;
    }

    private string Data => Path.Combine(_dir, "data");

    private static bool IsRoot => Environment.UserName == "root";

    public Task StartAsync() =>
        AsPostgresAsync($"{Bin}/pg_ctl", "-D", Data, "-l", Path.Combine(_dir, "postgres.log"), "-w", "-t", "60",
            "-o", $"-p {Port} -k {_dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200", "start");

    /// <summary>A clean maintenance shutdown (fast: open sessions are ended).</summary>
    public Task StopAsync() => AsPostgresAsync($"{Bin}/pg_ctl", "-D", Data, "-m", "fast", "-w", "-t", "60", "stop");

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        try
        {
            await AsPostgresAsync($"{Bin}/pg_ctl", "-D", Data, "-m", "immediate", "-w", "-t", "30", "stop");
        }
        catch (InvalidOperationException)
        {
            // Already stopped.
        }

        Directory.Delete(_dir, recursive: true);
    }

    private Task AsPostgresAsync(string program, params string[] args) =>
        IsRoot ? RunAsync("runuser", ["-u", "postgres", "--", program, .. args]) : RunAsync(program, args);

    private static async Task RunAsync(string program, params string[] args)
    {
        var (code, output) = await ChildProcess.RunProgramAsync(program, new Dictionary<string, string>(), TimeSpan.FromSeconds(90), args);
        if (code != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} exited with {code}: {output}");
        }
    }
}
