using System.Net.WebSockets;

namespace Ms5.Ops.Checks;

/// <summary>Check 6: the live feed (/ws) accepts the admin key and sends its first message within <see cref="FirstMessage"/>.</summary>
internal static class WebSocketCheck
{
    public static readonly TimeSpan FirstMessage = TimeSpan.FromSeconds(5);

    public static Check Create(Uri? api, string? token) => new("websocket", async ct =>
    {
        if (api is null)
        {
            return CheckOutcome.Fail("no API address: pass --url or set MS5_API_URL");
        }

        var address = LiveSocket.Address(api);
        try
        {
            await using var socket = await LiveSocket.ConnectAsync(api, token, null, ct);
            using var first = CancellationTokenSource.CreateLinkedTokenSource(ct);
            first.CancelAfter(FirstMessage);
            using var msg = await socket.ReceiveAsync(first.Token);
            if (msg is null)
            {
                return CheckOutcome.Fail($"{address}: closed by the server before its first message");
            }

            var type = msg.RootElement.TryGetProperty("type", out var t) ? t.GetString() : null;
            return CheckOutcome.Pass($"{address}: connected, first message type {type ?? "(none)"}");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return CheckOutcome.Fail($"{address}: no message within {FirstMessage.TotalSeconds:0} s");
        }
        catch (WebSocketException ex)
        {
            return CheckOutcome.Fail($"{address}: {CheckRunner.Describe(ex)}");
        }
    });
}
