using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Forwarder;

namespace Ms5.Proxy;

/// <summary>
/// The public port: every request (any method and path, WebSockets too) goes to the active upstream through YARP's
/// forwarder, counted on that upstream while it runs. When the upstream does not answer the client gets a 502
/// problem naming it at once (connections are refused on loopback; connecting is bounded by <see cref="ConnectTimeout"/>).
/// </summary>
internal sealed class Forwarding(IHttpForwarder forwarder, Switchboard switchboard, ProxyOptions options, ILogger<Forwarding> logger)
{
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    private readonly HttpMessageInvoker _client = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        ConnectTimeout = ConnectTimeout,
        // Connections to an upstream that is no longer active close soon after its last request.
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(15),
        ActivityHeadersPropagator = new ReverseProxyPropagator(DistributedContextPropagator.Current),
        EnableMultipleHttp2Connections = true,
    });

    private readonly ForwarderRequestConfig _config = new()
    {
        ActivityTimeout = options.ActivityTimeout,
        Version = HttpVersion.Version11,
        VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
    };

    public async Task ForwardAsync(HttpContext ctx)
    {
        // No limit here: the API enforces its own per endpoint.
        if (ctx.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } body)
        {
            body.MaxRequestBodySize = null;
        }

        var lease = switchboard.Enter(IsWebSocket(ctx));
        if (lease is null)
        {
            await Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "No active upstream",
                detail: "the proxy has no API to forward to yet: POST /proxy/switch on its admin port").ExecuteAsync(ctx);
            return;
        }

        try
        {
            var error = await forwarder.SendAsync(ctx, lease.Upstream.Url, _client, _config, ForwardedHeadersTransformer.Instance);
            if (error != ForwarderError.None && !ctx.Response.HasStarted && ctx.Response.StatusCode >= 500)
            {
                var ex = ctx.Features.Get<IForwarderErrorFeature>()?.Exception;
                logger.LogWarning("Upstream {Slot} {Url} failed ({Error}) on {Method} {Path}: {Message}", lease.Upstream.Slot, lease.Upstream.Url, error, ctx.Request.Method, ctx.Request.Path, ex?.Message);
                var timedOut = ctx.Response.StatusCode == StatusCodes.Status504GatewayTimeout;
                await Results.Problem(statusCode: ctx.Response.StatusCode,
                    title: timedOut ? $"Upstream {lease.Upstream.Url} (slot {lease.Upstream.Slot}) did not answer in time" : $"Upstream {lease.Upstream.Url} (slot {lease.Upstream.Slot}) is unreachable",
                    detail: $"{error}: {ex?.Message}").ExecuteAsync(ctx);
            }
        }
        finally
        {
            lease.End(ctx.Response.StatusCode);
        }
    }

    private static bool IsWebSocket(HttpContext ctx) =>
        ctx.Request.Headers.Upgrade.Any(u => string.Equals(u, "websocket", StringComparison.OrdinalIgnoreCase))
        || ctx.Features.Get<IHttpExtendedConnectFeature>() is { IsExtendedConnect: true, Protocol: var p } && string.Equals(p, "websocket", StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// X-Forwarded-For, -Proto and -Host are set by the proxy from the connection, whatever the client sent (so a client
/// cannot choose the address the API audits and rate-limits), Forwarded and X-Forwarded-Prefix from a client are
/// dropped, and the client's Host header goes on unchanged.
/// </summary>
internal sealed class ForwardedHeadersTransformer : HttpTransformer
{
    public static readonly ForwardedHeadersTransformer Instance = new();

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        var headers = proxyRequest.Headers;
        foreach (var name in new[] { "Forwarded", "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Forwarded-Prefix", "X-Real-IP" })
        {
            headers.Remove(name);
        }

        if (httpContext.Connection.RemoteIpAddress is { } address)
        {
            headers.TryAddWithoutValidation("X-Forwarded-For", (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString());
        }

        headers.TryAddWithoutValidation("X-Forwarded-Proto", httpContext.Request.Scheme);
        headers.TryAddWithoutValidation("X-Forwarded-Host", httpContext.Request.Host.Value);
        headers.Host = httpContext.Request.Host.Value;
    }
}
