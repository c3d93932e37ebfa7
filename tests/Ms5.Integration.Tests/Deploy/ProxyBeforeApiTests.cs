using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Ms5.Integration.Tests.Support;

namespace Ms5.Integration.Tests.Deploy;

/// <summary>
/// The real API behind the real proxy, trusting it (Ms5__Auth__TrustedProxies=127.0.0.1): the API audits the client's
/// own address (a connection from 127.0.0.7), not an X-Forwarded-For the client made up, and the board's WebSocket
/// works through the proxy, closed with 1001 when the API stops.
/// </summary>
[Collection("stack-api")]
public sealed class ProxyBeforeApiTests(StackFixture stack)
{

    [Fact]
    public async Task ApiBehindTheProxy_SeesTheClientsAddress_NotOneTheClientSent_AndServesItsWebSocket()
    {
        using var api = await ApiProcess.StartAsync(stack, "behind-proxy", new Dictionary<string, string> { ["Ms5__Auth__TrustedProxies"] = "127.0.0.1" });
        using var proxy = await ProxyProcess.StartAsync(api.Url.ToString().TrimEnd('/'));
        using var http = proxy.Public(IPAddress.Parse("127.0.0.7"));

        var userName = $"proxy-xff-{Guid.NewGuid():N}"[..24];
        using var login = new HttpRequestMessage(HttpMethod.Post, new Uri("api/auth/login", UriKind.Relative)) { Content = JsonContent.Create(new { userName, password = "not the password" }) };
        login.Headers.Add("X-Forwarded-For", "203.0.113.9");
        var refused = await http.SendAsync(login);
        Assert.True(refused.StatusCode == HttpStatusCode.Unauthorized, $"{(int)refused.StatusCode} {await refused.Content.ReadAsStringAsync()}");

        using var audit = new HttpRequestMessage(HttpMethod.Get, new Uri($"api/audit?user={userName}", UriKind.Relative));
        audit.Headers.Authorization = new("Bearer", stack.AdminKey);
        var entries = (await (await http.SendAsync(audit)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("entries");
        var entry = Assert.Single(entries.EnumerateArray());
        Assert.Equal("auth.login", entry.GetProperty("action").GetString());
        Assert.Equal("127.0.0.7", entry.GetProperty("clientAddress").GetString());

        // The board's socket through the proxy: a close from the client is answered (the handshake completes).
        using (var socket = await BoardSocketAsync(proxy, stack.AdminKey))
        {
            Assert.Equal(1L, ProxyProcess.Counts(await proxy.StateAsync(), api.Url.ToString().TrimEnd('/')).WebSockets);
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
            Assert.Equal(WebSocketState.Closed, socket.State);
        }

        // The API stopping (the old release after a switch) closes open sockets with 1001 at once, and stops without
        // waiting for them.
        using var open = await BoardSocketAsync(proxy, stack.AdminKey);
        var stopping = Stopwatch.StartNew();
        var stopped = Task.Run(api.Process.Stop);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        WebSocketReceiveResult closed;
        try
        {
            closed = await open.ReceiveAsync(new byte[1024], timeout.Token);
        }
        catch (WebSocketException ex)
        {
            await stopped;
            throw new InvalidOperationException($"the socket ended without a close frame ({ex.Message}); proxy: {proxy.Output}; API: {api.Output}", ex);
        }

        Assert.Equal(WebSocketMessageType.Close, closed.MessageType);
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, open.CloseStatus);
        await open.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        await stopped;
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(10), $"the API took {stopping.Elapsed.TotalSeconds:0.0} s to stop with a board socket open");
    }

    private static async Task<ClientWebSocket> BoardSocketAsync(ProxyProcess proxy, string key)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", $"Bearer {key}");
        await socket.ConnectAsync(new Uri($"ws://{proxy.PublicUrl.Authority}/ws"), CancellationToken.None);
        var buffer = new byte[1024];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var hello = await socket.ReceiveAsync(buffer, timeout.Token);
        Assert.StartsWith("{\"type\":\"hello\"", Encoding.UTF8.GetString(buffer, 0, hello.Count), StringComparison.Ordinal);
        return socket;
    }
}
