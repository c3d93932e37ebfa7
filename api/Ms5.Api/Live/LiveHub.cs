using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Confluent.Kafka;
using Ms5.Analytics.Contracts;
using Ms5.Analytics.Events;
using Ms5.Postgres;
using Prometheus;

namespace Ms5.Api.Live;

/// <summary>One update for WebSocket clients: its JSON frame and the line it concerns (null: plant-wide).</summary>
internal sealed record LiveUpdate(string? Line, byte[] Frame);

/// <summary>
/// Fans live updates out to WebSocket clients. Each client has a bounded queue; a client that falls that far
/// behind is disconnected rather than allowed to slow the feed (it reconnects and reloads its state).
/// </summary>
internal sealed class LiveHub
{
    public const int QueueCapacity = 1_000;

    /// <summary>The longest one frame may take to go out before its client counts as gone.</summary>
    public static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(5);

    private static readonly Gauge Clients = Metrics.CreateGauge("ms5_ws_clients", "Connected WebSocket clients.");
    private static readonly Counter Dropped = Metrics.CreateCounter("ms5_ws_clients_dropped_total", "WebSocket clients disconnected for falling behind.");

    private readonly Lock _lock = new();
    private readonly List<Client> _clients = [];

    internal sealed class Client(IReadOnlySet<string>? lines)
    {
        public Channel<byte[]> Queue { get; } = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

        public IReadOnlySet<string>? Lines { get; set; } = lines;

        public bool TooSlow { get; set; }
    }

    public Client Add(IReadOnlySet<string>? lines)
    {
        var c = new Client(lines);
        lock (_lock)
        {
            _clients.Add(c);
        }

        Clients.Inc();
        return c;
    }

    public void Remove(Client c)
    {
        lock (_lock)
        {
            if (_clients.Remove(c))
            {
                Clients.Dec();
            }
        }
    }

    public void Publish(LiveUpdate update)
    {
        lock (_lock)
        {
            foreach (var c in _clients)
            {
                if (c.Lines is { } lines && update.Line is { } line && !lines.Contains(line))
                {
                    continue;
                }

                if (!c.Queue.Writer.TryWrite(update.Frame) && !c.TooSlow)
                {
                    c.TooSlow = true;
                    c.Queue.Writer.TryComplete();
                    Dropped.Inc();
                }
            }
        }
    }

    /// <summary>
    /// Serves one WebSocket: sends queued frames; reads {"subscribe": ["line-1", ...]} (an empty list: every line).
    /// When <paramref name="stopping"/> fires (the API shuts down, e.g. the old release after a deploy's switch) the
    /// client gets a close frame 1001 at once, so the board reconnects (through the proxy, to the new release) instead of
    /// the shutdown waiting for its socket; a close from the client is answered, completing the handshake.
    /// </summary>
    public async Task ServeAsync(WebSocket socket, IReadOnlySet<string>? lines, CancellationToken ct, CancellationToken stopping = default)
    {
        var client = Add(lines);
        // The reader is not cancelled by stopping: cancelling a receive aborts the socket before the close frame could go.
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var sending = CancellationTokenSource.CreateLinkedTokenSource(cts.Token, stopping);
        var reader = Task.Run(() => ReceiveAsync(socket, client, cts.Token), cts.Token);
        try
        {
            await SendAsync(socket, Encoding.UTF8.GetBytes($$"""{"type":"hello","lines":{{JsonSerializer.Serialize(lines?.Order(StringComparer.Ordinal).ToArray())}}}"""), sending.Token);
            await foreach (var frame in client.Queue.Reader.ReadAllAsync(sending.Token))
            {
                if (client.TooSlow)
                {
                    break;
                }

                await SendAsync(socket, frame, sending.Token);
            }

            if (socket.State == WebSocketState.CloseReceived)
            {
                // The client closed: answer its close frame (RFC 6455 §5.5.1), else it sees the connection dropped mid-handshake.
                using var closing = new CancellationTokenSource(SendTimeout);
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", closing.Token);
            }
            else if (client.TooSlow && socket.State == WebSocketState.Open)
            {
                // A client whose buffers are full may never take the close frame: it gets a moment, then the connection goes.
                using var closing = new CancellationTokenSource(SendTimeout);
                await socket.CloseOutputAsync(WebSocketCloseStatus.PolicyViolation, "too slow: reconnect and reload", closing.Token);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested && !sending.IsCancellationRequested && !client.TooSlow)
        {
            // A send timed out: the client stopped reading before its queue filled.
            Dropped.Inc();
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
        }
        finally
        {
            Remove(client);
            if (!ct.IsCancellationRequested && !client.TooSlow && socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await CloseQuietlyAsync(socket, stopping.IsCancellationRequested);
                // Cancelling the reader aborts the connection, and a reset can overtake the close frame: the client
                // gets a moment to take it and answer (the reader then ends by itself).
                await Task.WhenAny(reader, Task.Delay(SendTimeout, CancellationToken.None));
            }

            await cts.CancelAsync();
            try
            {
                await reader;
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private static async Task CloseQuietlyAsync(WebSocket socket, bool goingAway)
    {
        try
        {
            using var closing = new CancellationTokenSource(SendTimeout);
            await socket.CloseOutputAsync(goingAway ? WebSocketCloseStatus.EndpointUnavailable : WebSocketCloseStatus.NormalClosure, goingAway ? "server restarting: reconnect" : null, closing.Token);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            // Gone already: nothing to tell it.
        }
    }

    /// <summary>
    /// One frame, given at most <see cref="SendTimeout"/>: a client that stopped reading fills the TCP buffers and the
    /// send blocks; cancelling it aborts that connection (never the feed or the other clients).
    /// </summary>
    private static async Task SendAsync(WebSocket socket, byte[] frame, CancellationToken ct)
    {
        using var send = CancellationTokenSource.CreateLinkedTokenSource(ct);
        send.CancelAfter(SendTimeout);
        await socket.SendAsync(frame, WebSocketMessageType.Text, true, send.Token);
    }

    private static async Task ReceiveAsync(WebSocket socket, Client client, CancellationToken ct)
    {
        var buffer = new byte[4096];
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                var r = await socket.ReceiveAsync(buffer, ct);
                if (r.MessageType == WebSocketMessageType.Close)
                {
                    client.Queue.Writer.TryComplete();
                    return;
                }

                try
                {
                    using var doc = JsonDocument.Parse(buffer.AsMemory(0, r.Count));
                    if (doc.RootElement.TryGetProperty("subscribe", out var s) && s.ValueKind == JsonValueKind.Array)
                    {
                        var lines = s.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToHashSet(StringComparer.Ordinal);
                        client.Lines = lines.Count == 0 ? null : lines;
                    }
                }
                catch (JsonException)
                {
                    // Not a subscription: ignored.
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            client.Queue.Writer.TryComplete();
        }
    }
}

/// <summary>
/// Feeds the hub from the live topics: machine state changes (ms5.machine-events.v1), rolling OEE
/// (ms5.oee.v1) and Andon transitions (ms5.andon.v1). It reads from the end, in a group of its own per API
/// process, and commits nothing: live views start from the current state (GET /api/board) and follow.
/// </summary>
internal sealed class LiveFeed(LiveHub hub, ApiOptions options, KafkaConnection connection, PlantDirectory machines, ILogger<LiveFeed> logger) : BackgroundService
{
    private string? LineOf(string machineId)
    {
        if (machines.LineOf(machineId) is { } line)
        {
            return line;
        }

        // The feed runs on its own thread (Kafka's Consume blocks it anyway): waiting for a reload here holds up nothing else.
        try
        {
            machines.EnsureLoadedAsync([machineId], CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (Npgsql.NpgsqlException ex)
        {
            // PostgreSQL is away: the update still goes out, to the clients watching every line.
            logger.LogWarning("Live feed cannot look up the line of {Machine}: {Error}", machineId, ex.Message);
        }

        return machines.LineOf(machineId);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.Run(() => Run(stoppingToken), stoppingToken);

    private void Run(CancellationToken ct)
    {
        var kafka = connection.Options;
        var config = kafka.ConsumerConfig($"ms5.api-live.{Guid.NewGuid():N}", "ms5-api-live");
        config.AutoOffsetReset = AutoOffsetReset.Latest;
        config.FetchWaitMaxMs = 50;
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config)
            .SetErrorHandler((_, e) => logger.LogWarning("Live feed Kafka error {Code}: {Reason}", e.Code, e.Reason))
            .Build();
        consumer.Subscribe([options.EventsTopic, options.OeeTopic, options.AndonTopic]);
        while (!ct.IsCancellationRequested)
        {
            ConsumeResult<byte[]?, byte[]?>? m;
            try
            {
                m = consumer.Consume(ct);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (ConsumeException ex)
            {
                logger.LogWarning("Live feed could not consume: {Reason}", ex.Error.Reason);
                continue;
            }

            if (m?.Message?.Value is not { } value)
            {
                continue;
            }

            try
            {
                if (ToUpdate(m.Topic, value) is { } update)
                {
                    hub.Publish(update);
                }
            }
            catch (JsonException)
            {
                // Not ours to judge here: the historian dead-letters bad events; a message off its contract is skipped.
            }
        }

        consumer.Close();
    }

    private LiveUpdate? ToUpdate(string topic, byte[] value)
    {
        if (topic == options.EventsTopic)
        {
            if (EventParser.Parse(value).Event is not { Type: EventType.State } e)
            {
                return null;
            }

            var line = LineOf(e.MachineId);
            return new LiveUpdate(line, Frame("state", w =>
            {
                w.WriteString("machineId", e.MachineId);
                w.WriteString("lineId", line);
                w.WriteString("state", ContractNames.Of(e.State!.Value));
                w.WriteString("reason", e.Reason);
                w.WriteString("ts", e.Ts);
            }));
        }

        if (topic == options.OeeTopic)
        {
            if (JsonSerializer.Deserialize(value, ContractJson.Default.OeeWindowMessage) is not { } oee)
            {
                return null;
            }

            var line = oee.Scope switch
            {
                "machine" => LineOf(oee.Id),
                "line" => oee.Id,
                _ => null,
            };
            return new LiveUpdate(line, Frame("oee", w => JsonSerializer.Serialize(w, oee, ContractJson.Default.OeeWindowMessage), data: true));
        }

        if (JsonSerializer.Deserialize(value, ContractJson.Default.AndonMessage) is not { } andon)
        {
            return null;
        }

        // Frames carry the message as the contract writes it (not the raw bytes), so the board sees one shape.
        return new LiveUpdate(andon.Andon.LineId, Frame("andon", w => JsonSerializer.Serialize(w, andon, ContractJson.Default.AndonMessage), data: true));
    }

    private static byte[] Frame(string type, Action<Utf8JsonWriter> body, bool data = false)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteString("type", type);
            w.WritePropertyName("data");
            if (data)
            {
                body(w);
            }
            else
            {
                w.WriteStartObject();
                body(w);
                w.WriteEndObject();
            }

            w.WriteEndObject();
        }

        return stream.ToArray();
    }
}
