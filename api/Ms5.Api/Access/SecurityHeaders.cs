namespace Ms5.Api.Access;

/// <summary>
/// Headers on every response: no MIME sniffing, no framing (CSP frame-ancestors and X-Frame-Options), no referrer (the
/// board's URL may carry a key on a TV's first visit), and a Content-Security-Policy that lets pages load only MS5's
/// own scripts, styles and connections. Scalar's page (/docs) needs its inline start-up script.
/// </summary>
internal static class SecurityHeaders
{
    public const string PagePolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    public const string DocsPolicy = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public static IApplicationBuilder UseMs5SecurityHeaders(this IApplicationBuilder app) => app.Use((ctx, next) =>
    {
        var h = ctx.Response.Headers;
        h.XContentTypeOptions = "nosniff";
        h.XFrameOptions = "DENY";
        h["Referrer-Policy"] = "no-referrer";
        h["Cross-Origin-Opener-Policy"] = "same-origin";
        h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()";
        h.ContentSecurityPolicy = ctx.Request.Path.StartsWithSegments("/docs", StringComparison.Ordinal) ? DocsPolicy : PagePolicy;
        return next(ctx);
    });

    /// <summary>
    /// A query string with a NUL character (%00) is refused with a 400: PostgreSQL cannot hold NUL in text, so such a
    /// value would otherwise reach a query parameter and fail there as a 500. (Kestrel already refuses %00 in the path.)
    /// </summary>
    public static IApplicationBuilder UseMs5QueryGuard(this IApplicationBuilder app) => app.Use((ctx, next) =>
    {
        if (ctx.Request.QueryString.HasValue && ctx.Request.Query.Any(kv => kv.Key.Contains('\0', StringComparison.Ordinal) || kv.Value.Any(v => v?.Contains('\0', StringComparison.Ordinal) == true)))
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid query", detail: "query parameters must not contain NUL characters (%00)").ExecuteAsync(ctx);
        }

        return next(ctx);
    });
}

/// <summary>
/// HTTPS for production: Kestrel's certificate from files (MS5_TLS_CERT_FILE and MS5_TLS_KEY_FILE, PEM; MS5_API_URL then
/// https://...), and in the production profile HSTS (a year) on HTTPS responses. Plain HTTP stays possible behind a proxy
/// that terminates TLS.
/// </summary>
internal static class Https
{
    public static IHostApplicationBuilder AddMs5Https(this IHostApplicationBuilder builder)
    {
        Ms5.ServiceDefaults.Tls.AddMs5TlsCertificate(builder);
        builder.Services.AddHsts(o =>
        {
            o.MaxAge = TimeSpan.FromDays(365);
            o.ExcludedHosts.Clear();
        });
        return builder;
    }

    public static WebApplication UseMs5Https(this WebApplication app)
    {
        var proxies = (app.Services.GetRequiredService<AccessOptions>().TrustedProxies ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (proxies.Length > 0)
        {
            var forwarded = new ForwardedHeadersOptions { ForwardedHeaders = Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedFor | Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedProto };
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var p in proxies)
            {
                forwarded.KnownProxies.Add(System.Net.IPAddress.Parse(p));
            }

            app.UseForwardedHeaders(forwarded);
        }

        if (app.Services.GetRequiredService<AccessOptions>().IsProduction)
        {
            app.UseHsts();
        }

        return app;
    }
}
