using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Ms5.Api.Access;

/// <summary>
/// Authentication scheme "ms5-opaque": API keys (X-Api-Key or Authorization: Bearer ms5k_...), browser sessions
/// (cookie ms5_session) and a board key in the URL of /andon or /ws. A request carrying a session cookie that
/// changes something must come from MS5's own pages: a cross-site one (Sec-Fetch-Site or Origin naming another
/// site) is refused even though SameSite=Strict should already have kept the cookie away.
/// </summary>
internal sealed class OpaqueAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, OpaqueCredentials credentials, FailedCredentialThrottle failures)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ms5-opaque";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var (secret, source) = OpaqueCredentials.Find(Request);
        if (secret is null)
        {
            return AuthenticateResult.NoResult();
        }

        // Changes, and WebSocket upgrades (GETs that open a channel), with a session cookie must come from MS5's own pages.
        if (source == CredentialSource.Cookie && (Context.WebSockets.IsWebSocketRequest || (!HttpMethods.IsGet(Request.Method) && !HttpMethods.IsHead(Request.Method))) && CrossSite(Request))
        {
            AuthFailure.Set(Context, "a request from another site may not use this browser's MS5 session");
            return AuthenticateResult.Fail("a request from another site may not use this browser's MS5 session");
        }

        var address = RateLimits.Address(Context);
        if (failures.Blocked(address))
        {
            AuthFailure.Set(Context, "too many invalid credentials from this address: wait a minute");
            return AuthenticateResult.Fail("too many invalid credentials");
        }

        ClaimsPrincipal? principal;
        string? failure;
        try
        {
            (principal, failure) = await credentials.ResolveAsync(secret, source, Context.RequestAborted);
        }
        catch (Exception ex) when (ex.IsDatabaseUnavailable())
        {
            // The credential cannot be checked now: a 503 for endpoints that need it, nothing for anonymous ones (/readyz).
            AuthFailure.SetUnavailable(Context, "the credential cannot be checked now: the database is unreachable");
            return AuthenticateResult.Fail("credential store unavailable");
        }

        if (principal is null)
        {
            failures.Failed(address);
            AuthFailure.Set(Context, failure ?? "invalid credential");
            return AuthenticateResult.Fail(failure ?? "invalid credential");
        }

        Context.Items[nameof(CredentialSource)] = source;
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    private static bool CrossSite(HttpRequest request)
    {
        if (request.Headers["Sec-Fetch-Site"].ToString() is { Length: > 0 } site)
        {
            return site is not ("same-origin" or "none");
        }

        return request.Headers.Origin.ToString() is { Length: > 0 } origin
            && !(Uri.TryCreate(origin, UriKind.Absolute, out var o) && string.Equals(o.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase));
    }
}

/// <summary>
/// Invalid API keys and session cookies per client address (30 a minute): past that, the address's credentials are
/// refused without a database lookup for the rest of the minute (guessing keys, or a flood of made-up ones).
/// </summary>
internal sealed class FailedCredentialThrottle : IDisposable
{
    private readonly System.Threading.RateLimiting.PartitionedRateLimiter<string> _limiter = System.Threading.RateLimiting.PartitionedRateLimiter.Create<string, string>(address =>
        System.Threading.RateLimiting.RateLimitPartition.GetFixedWindowLimiter(address, _ => new System.Threading.RateLimiting.FixedWindowRateLimiterOptions
        {
            PermitLimit = 30, Window = TimeSpan.FromMinutes(1), QueueLimit = 0, AutoReplenishment = true,
        }));

    public bool Blocked(string address) => _limiter.GetStatistics(address)?.CurrentAvailablePermits <= 0;

    public void Failed(string address)
    {
        using var lease = _limiter.AttemptAcquire(address);
    }

    public void Dispose() => _limiter.Dispose();
}
