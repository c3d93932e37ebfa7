using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;

namespace Ms5.Integration.Tests.Support;

/// <summary>
/// Debian's Chromium, headless, driven over the DevTools protocol: navigate, evaluate JavaScript, take a
/// screenshot. One page per instance.
/// </summary>
internal sealed class HeadlessChromium : IAsyncDisposable
{
    private readonly ChildProcess _process;
    private readonly string _profile;
    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonElement>> _calls = new();
    private readonly CancellationTokenSource _stop = new();
    private int _nextId;
    private Task? _reader;

    private HeadlessChromium(ChildProcess process, string profile)
    {
        _process = process;
        _profile = profile;
    }

    public static async Task<HeadlessChromium> StartAsync(int port)
    {
        var profile = Path.Combine(Path.GetTempPath(), $"ms5-chromium-{Guid.NewGuid():N}");
        var process = ChildProcess.StartProgram("/usr/bin/chromium", new Dictionary<string, string>(),
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--hide-scrollbars",
            $"--remote-debugging-port={port}", $"--user-data-dir={profile}", "--window-size=1600,900", "about:blank");
        var chromium = new HeadlessChromium(process, profile);
        using var http = new HttpClient();
        string? wsUrl = null;
        for (var i = 0; i < 600 && wsUrl is null; i++)
        {
            try
            {
                var pages = await http.GetFromJsonAsync<JsonElement>(new Uri($"http://127.0.0.1:{port}/json/list"));
                wsUrl = pages.EnumerateArray().Where(p => p.GetProperty("type").GetString() == "page").Select(p => p.GetProperty("webSocketDebuggerUrl").GetString()).FirstOrDefault();
            }
            catch (HttpRequestException)
            {
            }

            if (wsUrl is null)
            {
                await Task.Delay(100);
            }
        }

        if (wsUrl is null)
        {
            await chromium.DisposeAsync();
            throw new InvalidOperationException("Chromium did not start: " + process.Output);
        }

        await chromium._socket.ConnectAsync(new Uri(wsUrl), CancellationToken.None);
        chromium._reader = Task.Run(chromium.ReadAsync);
        await chromium.CallAsync("Page.enable");
        await chromium.CallAsync("Runtime.enable");
        return chromium;
    }

    public string Output => _process.Output;

    public async Task<JsonElement> CallAsync(string method, object? parameters = null)
    {
        var id = Interlocked.Increment(ref _nextId);
        var tcs = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _calls[id] = tcs;
        var bytes = JsonSerializer.SerializeToUtf8Bytes(new { id, method, @params = parameters ?? new { } });
        await _socket.SendAsync(bytes, WebSocketMessageType.Text, true, CancellationToken.None);
        var result = await tcs.Task.WaitAsync(TimeSpan.FromSeconds(30));
        if (result.TryGetProperty("error", out var error))
        {
            throw new InvalidOperationException($"{method}: {error}");
        }

        return result.GetProperty("result");
    }

    public Task NavigateAsync(string url) => CallAsync("Page.navigate", new { url });

    /// <summary>The value of a JavaScript expression (JSON-serializable).</summary>
    public async Task<JsonElement> EvaluateAsync(string expression)
    {
        var r = await CallAsync("Runtime.evaluate", new { expression, returnByValue = true });
        if (r.TryGetProperty("exceptionDetails", out var ex))
        {
            throw new InvalidOperationException($"{expression}: {ex}");
        }

        return r.GetProperty("result").TryGetProperty("value", out var v) ? v.Clone() : default;
    }

    /// <summary>
    /// Whether a JavaScript expression is true now; false while the page is between documents (a navigation or a
    /// redirect destroys the context the expression ran in), so it can be polled across navigations.
    /// </summary>
    public async Task<bool> IsTrueAsync(string expression)
    {
        try
        {
            return (await EvaluateAsync(expression)).ValueKind == JsonValueKind.True;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Polls <paramref name="expression"/> until it is true (across navigations); fails naming <paramref name="what"/>.</summary>
    public async Task WaitForAsync(string expression, TimeSpan timeout, Func<string> what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await IsTrueAsync(expression))
        {
            if (DateTime.UtcNow >= deadline)
            {
                Assert.Fail($"timed out after {timeout.TotalSeconds} s waiting for {what()}; the page: {await PageStateAsync()}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>The page's address and the start of its text, for a failure message.</summary>
    public async Task<string> PageStateAsync()
    {
        try
        {
            var v = await EvaluateAsync("location.href + ' | ' + (document.body?.innerText ?? '').slice(0, 300)");
            return v.ValueKind == JsonValueKind.String ? v.GetString()! : v.ToString();
        }
        catch (InvalidOperationException ex)
        {
            return ex.Message;
        }
    }

    /// <summary>Reloads the page and returns once the new document is there (a marker set on the old one is gone).</summary>
    public async Task ReloadAsync()
    {
        await EvaluateAsync("window.__ms5BeforeReload = true");
        await CallAsync("Page.reload", new { ignoreCache = true });
        await WaitForAsync("window.__ms5BeforeReload !== true && document.readyState !== 'loading'", TimeSpan.FromSeconds(20), () => "the reloaded page");
    }

    /// <summary>Saves a screenshot as .ms5/artifacts/<paramref name="name"/> (to look at what a test saw).</summary>
    public async Task<byte[]> SaveScreenshotAsync(string name)
    {
        var png = await ScreenshotAsync();
        var dir = Path.Combine(Repo.Root, ".ms5", "artifacts");
        Directory.CreateDirectory(dir);
        await File.WriteAllBytesAsync(Path.Combine(dir, name), png);
        return png;
    }

    /// <summary>The cookies the browser would send to <paramref name="url"/>, HttpOnly ones included (DevTools sees them; scripts do not).</summary>
    public async Task<IReadOnlyList<BrowserCookie>> CookiesAsync(Uri url)
    {
        var r = await CallAsync("Network.getCookies", new { urls = new[] { url.ToString() } });
        return r.GetProperty("cookies").EnumerateArray().Select(c => new BrowserCookie(
            c.GetProperty("name").GetString()!, c.GetProperty("value").GetString()!, c.GetProperty("httpOnly").GetBoolean(),
            c.TryGetProperty("sameSite", out var s) ? s.GetString() : null, c.GetProperty("path").GetString()!)).ToList();
    }

    public async Task<byte[]> ScreenshotAsync() =>
        Convert.FromBase64String((await CallAsync("Page.captureScreenshot", new { format = "png" })).GetProperty("data").GetString()!);

    private async Task ReadAsync()
    {
        var buffer = new byte[1 << 20];
        var message = new MemoryStream();
        try
        {
            while (_socket.State == WebSocketState.Open && !_stop.IsCancellationRequested)
            {
                var r = await _socket.ReceiveAsync(buffer, _stop.Token);
                message.Write(buffer, 0, r.Count);
                if (!r.EndOfMessage)
                {
                    continue;
                }

                using (var doc = JsonDocument.Parse(message.ToArray()))
                {
                    if (doc.RootElement.TryGetProperty("id", out var id) && _calls.TryRemove(id.GetInt32(), out var tcs))
                    {
                        tcs.TrySetResult(doc.RootElement.Clone());
                    }
                }

                message.SetLength(0);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _process.Dispose();
        if (_reader is not null)
        {
            await Task.WhenAny(_reader, Task.Delay(2000));
        }

        _socket.Dispose();
        _stop.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>A cookie as Chromium holds it.</summary>
internal sealed record BrowserCookie(string Name, string Value, bool HttpOnly, string? SameSite, string Path);
