using Ms5.Analytics.Access;
using Microsoft.AspNetCore.Http.HttpResults;
using Ms5.Analytics.Oee;
using Ms5.Api.Live;
using Ms5.Postgres;
using Npgsql;

namespace Ms5.Api.Apis;

/// <summary>A machine's tile; <see cref="Operator"/>: the account assigned to it for the shift running now (PUT /api/assignments), if any.</summary>
public sealed record BoardMachine(string Id, string Name, string? State, string? Reason, DateTimeOffset? StateSince, double? Oee15m, double? Availability15m, IReadOnlyList<AndonResponse> Andons, string? Operator)
{
    /// <summary>The order running on the machine; null when none runs.</summary>
    public BoardOrder? Order { get; init; }
}

/// <summary>
/// A machine's running order on the board: good of target (percentOfTarget = good / target, may pass 1), and when the
/// target is reached at the current rate (estimatedFinish, UTC; estimatedFinishLocal on the plant's clock, "HH:mm" today
/// there, else "yyyy-MM-dd HH:mm"; null at rate 0).
/// </summary>
public sealed record BoardOrder(string OrderId, string Product, long TargetQuantity, long GoodCount, double PercentOfTarget, DateTimeOffset? EstimatedFinish, string? EstimatedFinishLocal)
{
    public static BoardOrder From(Ms5.Analytics.Orders.ProductionOrder o, Ms5.Analytics.Orders.OrderProgress p, TimeZoneInfo? zone, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(o);
        ArgumentNullException.ThrowIfNull(p);
        string? local = null;
        if (p.EstimatedFinish is { } f)
        {
            var tz = zone ?? TimeZoneInfo.Utc;
            var at = TimeZoneInfo.ConvertTime(f, tz);
            local = at.ToString(at.Date == TimeZoneInfo.ConvertTime(now, tz).Date ? "HH:mm" : "yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture);
        }

        return new BoardOrder(o.OrderId, o.Product, o.TargetQuantity, p.GoodCount, p.PercentOfTarget, p.EstimatedFinish?.ToUniversalTime(), local);
    }
}

public sealed record BoardLine(string Id, string Name, IReadOnlyList<BoardMachine> Machines, IReadOnlyList<AndonResponse> Andons);

public sealed record BoardResponse(DateTimeOffset GeneratedAt, IReadOnlyList<BoardLine> Lines);

/// <summary>
/// The floor's live view. GET /api/board: every line and machine with its current state, 15-minute OEE,
/// open Andons and running order (progress bar, ETA on the plant's clock). GET /ws[?line=ID&amp;line=ID]: a WebSocket pushing {"type":"state"|"oee"|"andon","data":...}
/// for those lines (all when none); send {"subscribe":["line-1"]} to change. GET /andon[?line=ID]: the Andon board
/// page (a TV opens /andon?key=BOARD_KEY once: it gets a board session cookie and is redirected to the address without the key), wwwroot/andon.html with its andon.js and andon.css (see <see cref="UseBoardFiles"/>).
/// </summary>
internal static class BoardApi
{
    public static void MapBoardApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/board", GetAsync).RequireAuthorization(AccessPolicies.Board).WithName("GetBoard").WithTags("andon").WithSummary("Lines and machines with state, 15-minute OEE, open Andons and running order.");
        app.Map("/ws", async (HttpContext ctx, LiveHub hub, TimeProvider time, IHostApplicationLifetime lifetime) =>
        {
            if (!ctx.WebSockets.IsWebSocketRequest)
            {
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "WebSocket expected", detail: "connect with a WebSocket client, e.g. new WebSocket('ws://host:8080/ws?line=line-1')");
            }

            var lines = ctx.Request.Query["line"].Where(l => !string.IsNullOrEmpty(l)).Select(l => l!).ToHashSet(StringComparer.Ordinal);
            using var socket = await ctx.WebSockets.AcceptWebSocketAsync();
            using var connection = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted);
            var watch = Access.CredentialWatch.WatchAsync(ctx, connection, time);
            await hub.ServeAsync(socket, lines.Count == 0 ? null : lines, connection.Token, lifetime.ApplicationStopping);
            await connection.CancelAsync();
            await watch;
            return Results.Empty;
        }).RequireAuthorization(AccessPolicies.Board).WithName("LiveWebSocket").WithTags("andon");
        app.MapGet("/andon", async (HttpContext ctx, IWebHostEnvironment env, HttpResponse response, NpgsqlDataSource db, Access.AccessOptions access, TimeProvider time) =>
        {
            // A TV's first visit, /andon?key=KEY: the key becomes a board session cookie (HttpOnly, SameSite=Strict) and the
            // TV is sent on to the address without the key, so reloads work and the key stays out of history and logs.
            if (ctx.Items.TryGetValue(nameof(Access.CredentialSource), out var source) && source is Access.CredentialSource.Query
                && Guid.TryParse(ctx.User.FindFirst(Access.Ms5Claims.Subject)?.Value, out var keyId))
            {
                var now = time.GetUtcNow();
                var secret = Access.Secrets.New(Access.Secrets.SessionPrefix);
                var expires = now + access.BoardSessionLifetime;
                await Ms5.Postgres.Access.SessionStore.CreateWebSessionAsync(db, Access.Secrets.Hash(secret), null, keyId, now, expires, ctx.RequestAborted);
                AuthApi.SetSessionCookie(ctx, secret, expires);
                var lines = ctx.Request.Query["line"].Where(l => !string.IsNullOrEmpty(l)).Select(l => "line=" + Uri.EscapeDataString(l!)).ToList();
                return Results.Redirect("/andon" + (lines.Count > 0 ? "?" + string.Join('&', lines) : ""));
            }

            NoStaleCopies(response.Headers);
            return Results.File(Path.Combine(env.WebRootPath, BoardPage), "text/html; charset=utf-8");
        }).RequireAuthorization(AccessPolicies.Board).WithName("AndonBoard").WithTags("andon").ExcludeFromDescription();
    }

    private const string BoardPage = "andon.html";

    /// <summary>Serves the board's static files (andon.js, andon.css) from the web root.</summary>
    public static IApplicationBuilder UseBoardFiles(this IApplicationBuilder app) =>
        app.UseStaticFiles(new StaticFileOptions { OnPrepareResponse = c => NoStaleCopies(c.Context.Response.Headers) });

    /// <summary>
    /// A TV shows the board for days and reloads it whenever it restarts: it must then get the deployed page and
    /// script, never a cached copy that no longer matches /api/board. "no-cache" revalidates every load; the ETag
    /// and Last-Modified validators make that a 304 of a few bytes.
    /// </summary>
    private static void NoStaleCopies(IHeaderDictionary headers) => headers.CacheControl = "no-cache";

    private static async Task<Ok<BoardResponse>> GetAsync(PlantStore plants, PlantDirectory directory, OrderStore orders, NpgsqlDataSource db, LiveOee live, TimeProvider time, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var machines = (await plants.MachinesAsync(ct)).Where(m => m.Active).ToList();
        var operators = await OperatorsNowAsync(directory, db, now, ct);
        var states = await BoardQueries.CurrentStatesAsync(db, ct);
        var running = await BoardQueries.RunningOrdersAsync(orders, now, ct);
        var windows = (await live.ComputeAsync(now, ct)).Where(s => s.Scope == OeeAggregation.MachineScope)
            .ToDictionary(s => s.Id, s => s.Windows.FirstOrDefault(w => w.Window == "15m"), StringComparer.Ordinal);
        var open = await AndonStore.ListAsync(db, active: true, null, null, null, null, 10_000, ct);
        var andons = open.Where(a => a.MachineId.Length > 0).GroupBy(a => a.MachineId)
            .ToDictionary(g => g.Key, g => g.Select(a => AndonResponse.From(a, now)).ToList(), StringComparer.Ordinal);
        var lineAndons = open.Where(a => a.MachineId.Length == 0).GroupBy(a => a.LineId)
            .ToDictionary(g => g.Key, g => g.Select(a => AndonResponse.From(a, now)).ToList(), StringComparer.Ordinal);
        var lines = machines.GroupBy(m => (m.LineId, m.LineName)).Select(g => new BoardLine(g.Key.LineId, g.Key.LineName, g.Select(m =>
        {
            var st = states.TryGetValue(m.MachineId, out var s) ? s : default;
            var k = windows.GetValueOrDefault(m.MachineId) is { } w ? OeeKpis.From(w.Components) : null;
            return new BoardMachine(m.MachineId, m.Name, st.State, st.Reason, st.State is null ? null : st.Since, k?.Oee, k?.Availability, andons.GetValueOrDefault(m.MachineId) ?? [], operators.GetValueOrDefault(m.MachineId))
            {
                Order = running.TryGetValue(m.MachineId, out var r) ? BoardOrder.From(r.Order, r.Progress, r.TimeZone, now) : null,
            };
        }).ToList(), lineAndons.GetValueOrDefault(g.Key.LineId) ?? [])).ToList();
        return TypedResults.Ok(new BoardResponse(now, lines));
    }

    /// <summary>Who is assigned to each machine for the shift running now in its plant (machine → user name).</summary>
    private static async Task<Dictionary<string, string>> OperatorsNowAsync(PlantDirectory directory, NpgsqlDataSource db, DateTimeOffset now, CancellationToken ct)
    {
        await directory.RefreshAsync(PlantDirectory.FreshEnough, ct);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var plant in directory.All.GroupBy(m => m.PlantId))
        {
            if (Analytics.Assignments.ShiftSlot.At(plant.First().Calendar, now) is not { } slot)
            {
                continue;
            }

            var inPlant = plant.Select(m => m.MachineId).ToHashSet(StringComparer.Ordinal);
            foreach (var (machine, user) in await AssignmentStore.OperatorsAsync(db, slot, ct))
            {
                if (inPlant.Contains(machine))
                {
                    result[machine] = user;
                }
            }
        }

        return result;
    }
}
