using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Ms5.Integration.Tests.Support;

namespace Ms5.Integration.Tests.Deploy;

/// <summary>
/// A small real HTTP server (Kestrel on a free loopback port) standing for one API release behind the proxy.
/// GET /readyz answers <see cref="ReadyStatus"/>; /slow?ms=N answers its name after N ms; /ws echoes WebSocket text
/// as "NAME:text"; anything else echoes the request (method, path, query, body length and text, headers) as JSON
/// with the status asked for in ?status=, its name in X-Upstream and a cookie.
/// </summary>
internal sealed class TestUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stopping = new();
    private bool _stopped;

    private TestUpstream(WebApplication app, string name, string url)
    {
        _app = app;
        Name = name;
        Url = url;
    }

    public string Name { get; }

    /// <summary>Without a trailing slash, as the proxy stores it.</summary>
    public string Url { get; }

    public int ReadyStatus { get; set; } = StatusCodes.Status200OK;

    public static async Task<TestUpstream> StartAsync(string name)
    {
        var url = $"http://127.0.0.1:{TestPorts.Next()}";
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(url);
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = null);
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = TimeSpan.FromSeconds(2));
        var app = builder.Build();
        var upstream = new TestUpstream(app, name, url);
        app.UseWebSockets();
        app.MapGet("/readyz", () => Results.StatusCode(upstream.ReadyStatus));
        app.MapGet("/healthz", () => Results.Ok());
        app.MapGet("/slow", async (int ms) =>
        {
            await Task.Delay(ms);
            return Results.Text(name);
        });
        app.Map("/ws", upstream.EchoAsync);
        app.MapFallback((Func<HttpContext, Task<IResult>>)Echo);
        await app.StartAsync();
        return upstream;

        async Task<IResult> Echo(HttpContext ctx)
        {
            using var reader = new StreamReader(ctx.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            ctx.Response.Headers["X-Upstream"] = name;
            ctx.Response.Cookies.Append("upstream", name);
            var status = int.TryParse(ctx.Request.Query["status"], out var s) ? s : StatusCodes.Status200OK;
            return Results.Json(new
            {
                upstream = name,
                method = ctx.Request.Method,
                path = ctx.Request.Path.Value,
                query = ctx.Request.QueryString.Value,
                bodyLength = body.Length,
                body = body.Length > 100 ? body[..100] : body,
                headers = ctx.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            }, statusCode: status);
        }
    }

    /// <summary>Stops it (open WebSockets are closed with 1001): the old release going away after a switch.</summary>
    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await _stopping.CancelAsync();
            await _app.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }

    private async Task EchoAsync(HttpContext ctx)
    {
        if (!ctx.WebSockets.IsWebSocketRequest)
        {
            ctx.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        using var socket = await ctx.WebSockets.AcceptWebSocketAsync();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted, _stopping.Token);
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var received = await socket.ReceiveAsync(buffer, cts.Token);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                    return;
                }

                var reply = Encoding.UTF8.GetBytes($"{Name}:{Encoding.UTF8.GetString(buffer, 0, received.Count)}");
                await socket.SendAsync(reply, WebSocketMessageType.Text, true, cts.Token);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            using var closing = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await socket.CloseOutputAsync(WebSocketCloseStatus.EndpointUnavailable, "going away", closing.Token);
        }
    }
}
