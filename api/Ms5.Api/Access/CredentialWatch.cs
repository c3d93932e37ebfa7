using System.Globalization;

namespace Ms5.Api.Access;

/// <summary>
/// A WebSocket outlives the request that opened it: every <see cref="Every"/> its credential is checked again (a revoked
/// key, an ended session, an expired access token), and the connection is closed when it no longer holds; the board then
/// reconnects and is refused, and says so.
/// </summary>
internal static class CredentialWatch
{
    public static readonly TimeSpan Every = TimeSpan.FromSeconds(10);

    public static async Task WatchAsync(HttpContext ctx, CancellationTokenSource connection, TimeProvider time)
    {
        var credentials = ctx.RequestServices.GetRequiredService<OpaqueCredentials>();
        var (secret, source) = OpaqueCredentials.Find(ctx.Request);
        DateTimeOffset? expires = long.TryParse(ctx.User.FindFirst("exp")?.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var exp)
            ? DateTimeOffset.FromUnixTimeSeconds(exp) : null;
        try
        {
            while (!connection.IsCancellationRequested)
            {
                await Task.Delay(Every, time, connection.Token);
                bool stillValid;
                try
                {
                    stillValid = (expires is null || time.GetUtcNow() < expires)
                        && (secret is null || (await credentials.ResolveAsync(secret, source, connection.Token)).Principal is not null);
                }
                catch (Exception ex) when (ex is Npgsql.NpgsqlException or InvalidOperationException)
                {
                    // The database is away: the connection stays (it was valid, and the board keeps showing the floor); checked again next round.
                    continue;
                }

                if (!stillValid)
                {
                    await connection.CancelAsync();
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
