using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Ms5.Analytics.Events;
using Ms5.Analytics.Plant;
using Ms5.Api.Live;
using Ms5.Integration.Tests.Support;
using Ms5.Postgres;

namespace Ms5.Integration.Tests.Andon;

/// <summary>
/// The floor's live view through a real API process: the /ws WebSocket (line subscriptions, slow clients
/// dropped, a client that stops reading disconnected), its clients authenticated with a board key (X-Api-Key), and the
/// /andon board in headless Chromium, signed in the way a TV is: /andon?key=BOARD_KEY once (a down event turns its
/// tile; a screenshot is kept in .ms5/artifacts/andon-board.png).
/// </summary>
[Collection(StackCollections.Andon)]
public sealed class AndonBoardTests(StackFixture stack)
{
    private const string PlantJson = """
        { "plantId": "board-t", "timeZone": "UTC",
          "reasonCodes": [ { "code": "jam", "category": "unplanned" } ],
          "lines": [ { "id": "board-a", "name": "Board line A", "machines": [ { "id": "bd-1", "name": "Press BD-1", "idealCycleSeconds": 1.0 }, { "id": "bd-2", "name": "Press BD-2", "idealCycleSeconds": 1.0 } ] },
                     { "id": "board-b", "name": "Board line B", "machines": [ { "id": "bd-3", "name": "Weld BD-3", "idealCycleSeconds": 1.0 } ] } ] }
        """;

    /// <summary>An API process for the board plant, and a board key (scope board) made with the admin key.</summary>
    private async Task<(ApiProcess Api, string BoardKey)> StartApiAsync(string name)
    {
        var plant = PlantConfigParser.Parse(PlantJson);
        await new PlantStore(stack.Db).SaveAsync(plant, PlantJson);
        var api = await ApiProcess.StartAsync(stack, name);
        using var admin = api.Client();
        var (_, key) = await TestAccess.CreateKeyAsync(admin, "board-tv", "board");
        // The live feed joins its group from the end of the topics: give it a moment.
        await Task.Delay(TimeSpan.FromSeconds(3));
        return (api, key);
    }

    /// <summary>A WebSocket client of /ws sending the key as X-Api-Key (what a script on a gateway does).</summary>
    private static async Task<ClientWebSocket> ConnectAsync(Uri api, string key, string query = "")
    {
        var ws = new ClientWebSocket();
        ws.Options.SetRequestHeader("X-Api-Key", key);
        await ws.ConnectAsync(new Uri($"ws://{api.Authority}/ws{query}"), CancellationToken.None);
        return ws;
    }

    private static (string?, string) Message(MachineEvent e) => (e.MachineId, EventJson.ToJson(e));

    [Fact]
    public async Task Board_DownEventTurnsTheTile_AndShowsAPulledAndon()
    {
        var (started, boardKey) = await StartApiAsync("board");
        using var api = started;
        var (url, topic) = (api.Url, api.Topic);
        await using var chromium = await HeadlessChromium.StartAsync(TestPorts.Next());
        // The TV's first visit: the key becomes its board cookie and the address loses it (the lines stay).
        await chromium.NavigateAsync(new Uri(url, $"andon?line=board-a&line=board-b&key={boardKey}").ToString());
        await chromium.WaitForAsync("document.getElementById('conn')?.className === 'live' && !!document.getElementById('tile-bd-1')",
            TimeSpan.FromSeconds(20), () => "the board to load and connect; api: " + api.Output);
        Assert.Equal("/andon?line=board-a&line=board-b", (await chromium.EvaluateAsync("location.pathname + location.search")).GetString());

        Assert.Equal(["Board line A", "Board line B"], (await chromium.EvaluateAsync("[...document.querySelectorAll('section.line h2 .line-name')].map(h => h.textContent)")).EnumerateArray().Select(e => e.GetString()));
        await stack.ProduceAsync(topic, [Message(MachineEvent.StateChange(Guid.NewGuid(), "bd-2", DateTimeOffset.UtcNow, MachineState.Running))]);

        // How fast is a benchmark's question (2 cores shared with the rest of the suite); here: that it turns, live.
        await stack.ProduceAsync(topic, [Message(MachineEvent.StateChange(Guid.NewGuid(), "bd-1", DateTimeOffset.UtcNow, MachineState.Down, "jam"))]);
        await Eventually.TrueAsync(async () => (await chromium.EvaluateAsync("document.getElementById('tile-bd-1').dataset.state")).GetString() == "down",
            TimeSpan.FromSeconds(20), () => $"the tile to turn; api: {api.Output}", pollMs: 50);
        Assert.Equal("down · jam", (await chromium.EvaluateAsync("document.querySelector('#tile-bd-1 .state').textContent")).GetString());

        // An operator pulls the cord on bd-2: the board shows the Andon with its level, live. Who pulled it is the
        // identity that called (here the admin key), not a name in the body.
        using var http = api.Client();
        var pull = await http.PostAsJsonAsync(new Uri("api/andon", UriKind.Relative), new { machineId = "bd-2", summary = "missing fixture" });
        Assert.Equal(HttpStatusCode.Created, pull.StatusCode);
        Assert.Equal("key:" + Ms5.Api.Access.AccessBootstrap.KeyName, (await pull.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("raisedBy").GetString());
        await Eventually.TrueAsync(async () => (await chromium.EvaluateAsync("document.querySelectorAll('#tile-bd-2 .andon').length")).GetInt32() == 1,
            TimeSpan.FromSeconds(5), () => "the pulled Andon on the board", pollMs: 50);

        Assert.StartsWith("L1 missing fixture", (await chromium.EvaluateAsync("document.querySelector('#tile-bd-2 .andon').textContent")).GetString(), StringComparison.Ordinal);
        Assert.True((await chromium.EvaluateAsync("document.getElementById('tile-bd-2').classList.contains('alarm')")).GetBoolean());

        // A line-level Andon shows in the line's header.
        Assert.Equal(HttpStatusCode.Created, (await http.PostAsJsonAsync(new Uri("api/andon", UriKind.Relative), new { lineId = "board-b", summary = "no parts from upstream" })).StatusCode);
        await Eventually.TrueAsync(
            async () => (await chromium.EvaluateAsync("document.querySelector('#line-board-b .line-andons').textContent")).GetString()?.Contains("no parts from upstream", StringComparison.Ordinal) == true,
            TimeSpan.FromSeconds(5), () => "the line Andon on the board", pollMs: 50);

        var png = await chromium.ScreenshotAsync();
        var dir = Path.Combine(Repo.Root, ".ms5", "artifacts");
        Directory.CreateDirectory(dir);
        await File.WriteAllBytesAsync(Path.Combine(dir, "andon-board.png"), png);
        Assert.True(png.Length > 10_000 && png[1] == (byte)'P' && png[2] == (byte)'N' && png[3] == (byte)'G');

        // The board's data also comes as JSON for other clients.
        var board = await http.GetFromJsonAsync<JsonElement>(new Uri("api/board", UriKind.Relative));
        var bd2 = board.GetProperty("lines").EnumerateArray().Single(l => l.GetProperty("id").GetString() == "board-a").GetProperty("machines").EnumerateArray().Single(m => m.GetProperty("id").GetString() == "bd-2");
        Assert.Equal("missing fixture", Assert.Single(bd2.GetProperty("andons").EnumerateArray()).GetProperty("summary").GetString());
    }

    [Fact]
    public async Task WebSocket_PushesOnlyTheSubscribedLines_AndSaysWhatItExpects()
    {
        var (started, boardKey) = await StartApiAsync("ws");
        using var api = started;
        var (url, topic) = (api.Url, api.Topic);
        using var ws = await ConnectAsync(url, boardKey, "?line=board-b");
        var hello = await ReceiveAsync(ws);
        Assert.Equal("hello", hello.GetProperty("type").GetString());
        Assert.Equal(["board-b"], hello.GetProperty("lines").EnumerateArray().Select(e => e.GetString()));

        await stack.ProduceAsync(topic, [
            Message(MachineEvent.StateChange(Guid.NewGuid(), "bd-1", DateTimeOffset.UtcNow, MachineState.Down, "jam")),
            Message(MachineEvent.StateChange(Guid.NewGuid(), "bd-3", DateTimeOffset.UtcNow, MachineState.Setup))]);
        var first = await ReceiveAsync(ws);
        Assert.Equal(("state", "bd-3", "setup", "board-b"), (first.GetProperty("type").GetString(), first.GetProperty("data").GetProperty("machineId").GetString(),
            first.GetProperty("data").GetProperty("state").GetString(), first.GetProperty("data").GetProperty("lineId").GetString()));

        // Subscribing to every line: bd-1's next change arrives too.
        await ws.SendAsync(Encoding.UTF8.GetBytes("""{"subscribe":[]}"""), WebSocketMessageType.Text, true, CancellationToken.None);
        await Task.Delay(300);
        await stack.ProduceAsync(topic, [Message(MachineEvent.StateChange(Guid.NewGuid(), "bd-1", DateTimeOffset.UtcNow, MachineState.Running))]);
        var next = await ReceiveAsync(ws);
        Assert.Equal(("bd-1", "running"), (next.GetProperty("data").GetProperty("machineId").GetString(), next.GetProperty("data").GetProperty("state").GetString()));

        using var http = api.Client();
        var notWs = await http.GetAsync(new Uri("ws", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, notWs.StatusCode);
        Assert.Contains("WebSocket expected", await notWs.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WebSocket_ClientThatStopsReading_IsDisconnected_WhileAReadingClientGetsEverything()
    {
        var (started, boardKey) = await StartApiAsync("slow");
        using var api = started;
        var (url, topic) = (api.Url, api.Topic);
        using var reader = await ConnectAsync(url, boardKey);
        Assert.Equal("hello", (await ReceiveAsync(reader)).GetProperty("type").GetString());

        // A real socket that completes the WebSocket handshake, then never reads again (a TV on a dead Wi-Fi).
        using var stuck = new System.Net.Sockets.TcpClient { ReceiveBufferSize = 4096 };
        await stuck.ConnectAsync(IPAddress.Loopback, url.Port);
        var stream = stuck.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET /ws HTTP/1.1\r\nHost: {url.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nX-Api-Key: {boardKey}\r\n\r\n"));
        var head = new byte[256];
        var read = await stream.ReadAsync(head);
        Assert.StartsWith("HTTP/1.1 101", Encoding.ASCII.GetString(head, 0, read), StringComparison.Ordinal);
        Assert.Equal(2, await ClientsAsync(url));

        // Waves of state changes (each a frame to every client, ~4 MB in all fills any socket buffer) until the stuck
        // client is gone; the reader takes every frame of every wave, so it is never behind.
        for (var wave = 0; wave < 200 && await ClientsAsync(url) > 1; wave++)
        {
            var now = DateTimeOffset.UtcNow;
            await stack.ProduceAsync(topic, Enumerable.Range(0, 500).Select(i => Message(MachineEvent.StateChange(Guid.NewGuid(), "bd-1", now, i % 2 == 0 ? MachineState.Down : MachineState.Running, i % 2 == 0 ? "jam" : null))));
            for (var i = 0; i < 500; i++)
            {
                await ReceiveAsync(reader);
            }
        }

        // Its sends block once the socket buffers are full; within the send timeout (5 s) it is gone.
        await Eventually.TrueAsync(async () => await ClientsAsync(url) == 1, TimeSpan.FromSeconds(30), () => "the stuck client to be dropped; api: " + api.Output);
        Assert.True(await DroppedAsync(url) >= 1);
        Assert.Equal(WebSocketState.Open, reader.State);

        // The stuck client's connection is over: reading on, it comes to its end (or a reset), never blocks.
        using var drain = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var buffer = new byte[64 * 1024];
        try
        {
            while (await stream.ReadAsync(buffer, drain.Token) > 0)
            {
            }
        }
        catch (IOException)
        {
        }
    }

    private static async Task<double> ClientsAsync(Uri api) => await MetricAsync(api, "ms5_ws_clients");

    private static async Task<double> DroppedAsync(Uri api) => await MetricAsync(api, "ms5_ws_clients_dropped_total");

    private static async Task<double> MetricAsync(Uri api, string name)
    {
        using var http = new HttpClient();
        var line = (await http.GetStringAsync(new Uri(api, "metrics"))).Split('\n').FirstOrDefault(l => l.StartsWith(name + " ", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[(name.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public void Hub_DropsAClientThatFallsBehind_WithoutHoldingUpTheOthers()
    {
        var hub = new LiveHub();
        var slow = hub.Add(null);
        var lineB = hub.Add(new HashSet<string> { "board-b" });
        for (var i = 0; i <= LiveHub.QueueCapacity; i++)
        {
            hub.Publish(new LiveUpdate("board-a", [(byte)'{', (byte)'}']));
        }

        Assert.True(slow.TooSlow);
        Assert.True(slow.Queue.Reader.Completion.IsCompleted || slow.Queue.Reader.Count == LiveHub.QueueCapacity);
        Assert.False(lineB.TooSlow);
        Assert.Equal(0, lineB.Queue.Reader.Count);
        hub.Publish(new LiveUpdate("board-b", [(byte)'{', (byte)'}']));
        Assert.Equal(1, lineB.Queue.Reader.Count);
    }

    private static async Task<JsonElement> ReceiveAsync(ClientWebSocket ws)
    {
        var buffer = new byte[64 * 1024];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var stream = new MemoryStream();
        WebSocketReceiveResult r;
        do
        {
            r = await ws.ReceiveAsync(buffer, cts.Token);
            stream.Write(buffer, 0, r.Count);
        }
        while (!r.EndOfMessage);
        using var doc = JsonDocument.Parse(stream.ToArray());
        return doc.RootElement.Clone();
    }
}
