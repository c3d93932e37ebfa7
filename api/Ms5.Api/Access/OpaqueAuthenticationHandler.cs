using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Ms5.Api.Access;

/// <summary>
/// Authentication scheme "ms5-opaque": API keys (X-Api-Key or Authorization: Bearer ms5k_...), browser sessions
/// (cookie ms5_session) and a board key in the URL of /andon or /ws. A request carrying a session cookie that
/// changes something must come from MS5's own pages: a cross-site one (Sec-Fetch-Site or Origin naming another
/// site) is refused even though SameSite=Strict should already have kept the cookie away.
/// </summary>
internal sealed class OpaqueAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, OpaqueCredentials credentials)
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

        if (source == CredentialSource.Cookie && !HttpMethods.IsGet(Request.Method) && !HttpMethods.IsHead(Request.Method) && CrossSite(Request))
        {
            AuthFailure.Set(Context, "a request from another site may not use this browser's MS5 session");
            return AuthenticateResult.Fail("a request from another site may not use this browser's MS5 session");
        }

        ClaimsPrincipal? principal;
        string? failure;
        try
        {
            (principal, failure) = await credentials.ResolveAsync(secret, source, Context.RequestAborted);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException { InnerException: NpgsqlException })
        {
            // The credential cannot be checked now: a 503 for endpoints that need it, nothing for anonymous ones (/readyz).
            AuthFailure.SetUnavailable(Context, "the credential cannot be checked now: the database is unreachable");
            return AuthenticateResult.Fail("credential store unavailable");
        }

        if (principal is null)
        {
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
