using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Ms5.Ops.Checks;

/// <summary>
/// The API's live feed, GET /ws (BoardApi): a WebSocket that first sends {"type":"hello"} and then
/// {"type":"state"|"oee"|"andon","data":…} frames for the lines subscribed to. Authenticated with the admin key (X-Api-Key).
/// </summary>
internal sealed class LiveSocket : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly byte[] _buffer = new byte[64 * 1024];

    private LiveSocket()
    {
    }

    public static Uri Address(Uri api, string? line = null)
    {
        ArgumentNullException.ThrowIfNull(api);
        var b = new UriBuilder(api) { Scheme = api.Scheme == "https" ? "wss" : "ws", Path = "/ws", Query = line is null ? "" : "line=" + Uri.EscapeDataString(line) };
        return b.Uri;
    }

    public static async Task<LiveSocket> ConnectAsync(Uri api, string? token, string? line, CancellationToken ct)
    {
        var s = new LiveSocket();
        if (token is not null)
        {
            s._socket.Options.SetRequestHeader("X-Api-Key", token);
        }

        try
        {
            await s._socket.ConnectAsync(Address(api, line), ct);
        }
        catch
        {
            await s.DisposeAsync();
            throw;
        }

        return s;
    }

    /// <summary>The next text frame as JSON; null when the server closed the socket.</summary>
    public async Task<JsonDocument?> ReceiveAsync(CancellationToken ct)
    {
        using var message = new MemoryStream();
        while (true)
        {
            var r = await _socket.ReceiveAsync(_buffer, ct);
            if (r.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            message.Write(_buffer, 0, r.Count);
            if (r.EndOfMessage)
            {
                return JsonDocument.Parse(Encoding.UTF8.GetString(message.ToArray()));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            using var closing = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", closing.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
                // The server went first: nothing to close.
            }
        }

        _socket.Dispose();
    }
}
