using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace Ms5.Api.Access;

/// <summary>
/// ASP.NET Core's rate limiter, limits from <see cref="RateLimitOptions"/>: every request per identity (a user, an API key,
/// or the client address before authentication; health and metrics exempt), login per client address (and per user name
/// in <see cref="LoginThrottle"/>), ingest per API key. Over a limit: 429 with Retry-After and a problem saying which limit.
/// </summary>
internal static class RateLimits
{
    public static void Configure(RateLimiterOptions o)
    {
        o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        o.OnRejected = async (ctx, ct) =>
        {
            var retry = ctx.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)) : 1;
            await TooManyAsync(ctx.HttpContext, retry, "too many requests from this identity or address");
        };
        o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(ctx =>
        {
            if (ctx.Request.Path.StartsWithSegments("/healthz", StringComparison.Ordinal) || ctx.Request.Path.StartsWithSegments("/readyz", StringComparison.Ordinal)
                || ctx.Request.Path.StartsWithSegments("/metrics", StringComparison.Ordinal))
            {
                return RateLimitPartition.GetNoLimiter("exempt");
            }

            var r = ctx.RequestServices.GetRequiredService<AccessOptions>().RateLimits;
            var key = ctx.User.Identity?.IsAuthenticated == true ? "id:" + Identity(ctx) : "ip:" + Address(ctx);
            return RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = r.ApiBurst, TokensPerPeriod = r.ApiPerIdentityPerSecond, ReplenishmentPeriod = TimeSpan.FromSeconds(1), QueueLimit = 0, AutoReplenishment = true,
            });
        });
        o.AddPolicy(AccessServices.LoginLimit, ctx =>
        {
            var r = ctx.RequestServices.GetRequiredService<AccessOptions>().RateLimits;
            return RateLimitPartition.GetFixedWindowLimiter("login:" + Address(ctx), _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = r.LoginPerAddressPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0, AutoReplenishment = true,
            });
        });
        o.AddPolicy(AccessServices.IngestLimit, ctx =>
        {
            var r = ctx.RequestServices.GetRequiredService<AccessOptions>().RateLimits;
            return RateLimitPartition.GetTokenBucketLimiter("ingest:" + Identity(ctx), _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = r.IngestPerKeyPerSecond * 2, TokensPerPeriod = r.IngestPerKeyPerSecond, ReplenishmentPeriod = TimeSpan.FromSeconds(1), QueueLimit = 0, AutoReplenishment = true,
            });
        });
    }

    public static string Address(HttpContext ctx) => ctx.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    /// <summary>Who, for a limit: the kind and subject (a user's id, a key's id), so two keys of the same name do not share a bucket.</summary>
    private static string Identity(HttpContext ctx) => ctx.User.Kind() + ":" + (ctx.User.FindFirst(Ms5Claims.Subject)?.Value ?? ctx.User.Actor());

    public static Task TooManyAsync(HttpContext ctx, int retryAfterSeconds, string what)
    {
        ctx.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        ctx.Response.Headers.RetryAfter = retryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return Results.Problem(statusCode: 429, title: "Too many requests", detail: $"{what}; retry after {retryAfterSeconds} s").ExecuteAsync(ctx);
    }
}

/// <summary>Login attempts per user name per minute, wherever they come from (a distributed guess at one account).</summary>
internal sealed class LoginThrottle(AccessOptions options) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(name =>
        RateLimitPartition.GetFixedWindowLimiter(name, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = options.RateLimits.LoginPerUserPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0, AutoReplenishment = true,
        }));

    /// <summary>Null when the attempt may go ahead, else the seconds to wait.</summary>
    public int? TryAcquire(string userName)
    {
        using var lease = _limiter.AttemptAcquire(userName.ToUpperInvariant());
        return lease.IsAcquired ? null : lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)) : 60;
    }

    public void Dispose() => _limiter.Dispose();
}
