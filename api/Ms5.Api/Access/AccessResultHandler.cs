using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Ms5.Analytics.Access;

namespace Ms5.Api.Access;

/// <summary>
/// What a refused request gets: 401 with WWW-Authenticate and a problem saying what was wrong with the credential (or that
/// none was sent), 403 with a problem naming the policy, what it needs and what the caller has. A browser asking for a
/// page without a session is sent to the login page instead.
/// </summary>
internal sealed class AccessResultHandler(AccessMetrics metrics) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Succeeded)
        {
            await _default.HandleAsync(next, context, policy, authorizeResult);
            return;
        }

        var policyName = context.GetEndpoint()?.Metadata.GetMetadata<IAuthorizeData>()?.Policy ?? "";
        if (authorizeResult.Challenged)
        {
            if (WantsPage(context.Request))
            {
                var back = context.Request.Path + QueryWithoutKey(context.Request);
                context.Response.Redirect("/login.html?returnUrl=" + Uri.EscapeDataString(back));
                return;
            }

            var failure = AuthFailure.Get(context);
            if (AuthFailure.Unavailable(context))
            {
                context.Response.Headers.RetryAfter = "5";
                await Results.Problem(statusCode: 503, title: "Authentication unavailable", detail: failure).ExecuteAsync(context);
                return;
            }

            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = failure is null ? "Bearer" : $"Bearer error=\"invalid_token\"";
            await Results.Problem(statusCode: 401, title: "Authentication required",
                detail: failure is null
                    ? "send an access token (Authorization: Bearer <token> from POST /api/auth/login) or an API key (X-Api-Key: <key>)"
                    : $"the credential was not accepted: {failure}").ExecuteAsync(context);
            return;
        }

        var user = context.User;
        var has = user.Roles() is { Count: > 0 } roles ? "role " + string.Join(", ", roles) : user.Scopes() is { Count: > 0 } scopes ? "API key scope " + string.Join(", ", scopes) : "no role";
        var detail = user.HasClaim(c => c.Type == Ms5Claims.TwoFactorPending) && policyName != AccessPolicies.Self
            ? "administrators must enrol two-factor authentication first: POST /api/auth/2fa/setup, then POST /api/auth/2fa/enable"
            : AccessPolicies.All.Contains(policyName) ? $"'{policyName}' needs {AccessPolicies.Describe(policyName)}; {user.Actor()} has {has}" : $"{user.Actor()} may not do this";
        metrics.Forbidden(policyName);
        await Results.Problem(statusCode: 403, title: "Forbidden", detail: detail).ExecuteAsync(context);
    }

    /// <summary>A browser navigating to a page (not a script calling the API).</summary>
    private static bool WantsPage(HttpRequest request) =>
        HttpMethods.IsGet(request.Method) && !request.Path.StartsWithSegments("/api", StringComparison.Ordinal) && !request.Path.StartsWithSegments("/ws", StringComparison.Ordinal)
        && request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);

    /// <summary>The query minus any key=: a refused key must not travel on in the login page's address.</summary>
    private static string QueryWithoutKey(HttpRequest request)
    {
        var kept = request.Query.Where(kv => !string.Equals(kv.Key, "key", StringComparison.OrdinalIgnoreCase)).SelectMany(kv => kv.Value.Select(v => Uri.EscapeDataString(kv.Key) + "=" + Uri.EscapeDataString(v ?? ""))).ToList();
        return kept.Count == 0 ? "" : "?" + string.Join('&', kept);
    }
}
