using Prometheus;

namespace Ms5.Api.Access;

/// <summary>
/// Access metrics on /metrics: logins by outcome, lockouts, refresh-token reuse, and every 401/403/429 by route (the
/// observability issue alerts on them).
/// </summary>
internal sealed class AccessMetrics
{
    private static readonly Counter Logins = Metrics.CreateCounter(Telemetry.Logins, "Login attempts by outcome (success, invalid, locked_out, two_factor_required, two_factor_invalid, rate_limited).", "outcome");
    private static readonly Counter Lockouts = Metrics.CreateCounter(Telemetry.Lockouts, "Accounts locked out after too many failed attempts.");
    private static readonly Counter RefreshReuse = Metrics.CreateCounter("ms5_auth_refresh_reuse_total", "Spent refresh tokens presented again (their family was revoked).");
    private static readonly Counter Denied = Metrics.CreateCounter(Telemetry.Denied, "Requests answered 401, 403 or 429, by route template and status.", "route", "status");
    private static readonly Counter ForbiddenByPolicy = Metrics.CreateCounter("ms5_auth_forbidden_total", "Requests refused by an access policy, by policy.", "policy");

    public void Login(string outcome) => Logins.WithLabels(outcome).Inc();

    public void Lockout() => Lockouts.Inc();

    public void Reuse() => RefreshReuse.Inc();

    public void Forbidden(string policy) => ForbiddenByPolicy.WithLabels(policy.Length == 0 ? "none" : policy).Inc();

    /// <summary>Counts the response when it is a 401, 403 or 429 (middleware, after routing so the route template is known).</summary>
    public static IApplicationBuilder UseDeniedCounter(IApplicationBuilder app) => app.Use(async (ctx, next) =>
    {
        await next(ctx);
        if (ctx.Response.StatusCode is 401 or 403 or 429)
        {
            var route = (ctx.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
            Denied.WithLabels(route, ctx.Response.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc();
        }
    });
}
