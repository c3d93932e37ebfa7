using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Ms5.Integration.Tests.Support;

namespace Ms5.Integration.Tests.Deploy;

/// <summary>
/// The deploy proxy (infra/Ms5.Proxy) as a real process on free public and admin ports, with its state and token
/// files in a folder of its own; started again on the same ports and files with <see cref="RestartAsync"/>.
/// </summary>
internal sealed class ProxyProcess : IDisposable
{
    public const string Token = "test-proxy-token-0123456789";

    private readonly string[] _args;
    private ChildProcess _process;

    private ProxyProcess(ChildProcess process, string[] args, string dir, int publicPort, int adminPort)
    {
        _process = process;
        _args = args;
        Directory = dir;
        PublicUrl = new Uri($"http://127.0.0.1:{publicPort}/");
        AdminUrl = new Uri($"http://127.0.0.1:{adminPort}/");
    }

    public string Directory { get; }

    public Uri PublicUrl { get; }

    public Uri AdminUrl { get; }

    public string StateFile => Path.Combine(Directory, "run", "proxy.json");

    public string Output => _process.Output;

    public static string Dll => Repo.Dll("infra/Ms5.Proxy", "Ms5.Proxy");

    /// <summary>Starts it with <paramref name="initial"/> as Proxy:Upstream (slot blue, release r1) unless null; returns once its admin port answers.</summary>
    public static async Task<ProxyProcess> StartAsync(string? initial, params string[] extra)
    {
        var dir = System.IO.Directory.CreateTempSubdirectory("ms5-proxy-").FullName;
        System.IO.Directory.CreateDirectory(Path.Combine(dir, "secrets"));
        await File.WriteAllTextAsync(Path.Combine(dir, "secrets", "proxy-admin.token"), Token + "\n");
        var publicPort = TestPorts.Next();
        var adminPort = TestPorts.Next();
        string[] args =
        [
            $"--Proxy:PublicUrl=http://127.0.0.1:{publicPort}",
            $"--Proxy:AdminUrl=http://127.0.0.1:{adminPort}",
            $"--Proxy:StateFile={Path.Combine(dir, "run", "proxy.json")}",
            $"--Proxy:AdminTokenFile={Path.Combine(dir, "secrets", "proxy-admin.token")}",
            .. initial is null ? Array.Empty<string>() : [$"--Proxy:Upstream={initial}", "--Proxy:Slot=blue", "--Proxy:Release=r1"],
            .. extra,
        ];
        var proxy = new ProxyProcess(Start(args), args, dir, publicPort, adminPort);
        await proxy.WaitUntilUpAsync();
        return proxy;
    }

    /// <summary>SIGTERM (waits for the graceful shutdown), then the same command line again.</summary>
    public async Task RestartAsync()
    {
        Stop();
        _process.Dispose();
        _process = Start(_args);
        await WaitUntilUpAsync();
    }

    public int Stop()
    {
        _process.Stop();
        return _process.ExitCode;
    }

    /// <summary>
    /// A client of the public port; <paramref name="from"/> binds its side of each connection to that loopback address (127.0.0.7: a
    /// client that is not the proxy). 100 s, as the API's clients: an API just started answers its first login (password hashing,
    /// first-call compilation) in over 15 s when the suite has both cores busy.
    /// </summary>
    public HttpClient Public(IPAddress? from = null) => new(Handler(from)) { BaseAddress = PublicUrl, Timeout = TimeSpan.FromSeconds(100) };

    /// <summary>A client of the admin port sending the token.</summary>
    public HttpClient Admin()
    {
        var http = new HttpClient { BaseAddress = AdminUrl, Timeout = TimeSpan.FromSeconds(15) };
        http.DefaultRequestHeaders.Add("X-Proxy-Token", Token);
        return http;
    }

    public async Task<JsonElement> StateAsync()
    {
        using var admin = Admin();
        var resp = await admin.GetAsync(new Uri("proxy/state", UriKind.Relative));
        Assert.True(resp.StatusCode == HttpStatusCode.OK, $"GET /proxy/state: {(int)resp.StatusCode} {await resp.Content.ReadAsStringAsync()}");
        return await resp.Content.ReadFromJsonAsync<JsonElement>();
    }

    public async Task<HttpResponseMessage> SwitchAsync(string slot, string url, string release)
    {
        using var admin = Admin();
        return await admin.PostAsJsonAsync(new Uri("proxy/switch", UriKind.Relative), new { slot, url, release });
    }

    /// <summary>The counts of one upstream URL in GET /proxy/state (zeros when it is not listed).</summary>
    public static (long InFlight, long WebSockets, long Requests) Counts(JsonElement state, string url) =>
        state.GetProperty("upstreams").EnumerateArray().Where(u => u.GetProperty("url").GetString() == url)
            .Select(u => (u.GetProperty("inFlight").GetInt64(), u.GetProperty("webSockets").GetInt64(), u.GetProperty("requests").GetInt64()))
            .FirstOrDefault();

    public void Dispose()
    {
        _process.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public static SocketsHttpHandler Handler(IPAddress? from) => from is null
        ? new SocketsHttpHandler()
        : new SocketsHttpHandler
        {
            ConnectCallback = async (ctx, ct) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    socket.Bind(new IPEndPoint(from, 0));
                    await socket.ConnectAsync(new IPEndPoint(IPAddress.Parse(ctx.DnsEndPoint.Host), ctx.DnsEndPoint.Port), ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };

    private static ChildProcess Start(string[] args) =>
        ChildProcess.Start(Dll, new Dictionary<string, string> { ["MS5_API_URL"] = "", ["MS5_TLS_CERT_FILE"] = "", ["MS5_TLS_KEY_FILE"] = "" }, args);

    private async Task WaitUntilUpAsync()
    {
        using var http = new HttpClient();
        if (await _process.AnswersAsync(http, new Uri(AdminUrl, "healthz")))
        {
            return;
        }

        throw new InvalidOperationException("the proxy did not start: " + _process.Output);
    }
}
