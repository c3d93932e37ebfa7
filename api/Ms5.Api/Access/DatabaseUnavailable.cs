using Microsoft.AspNetCore.Diagnostics;
using Npgsql;

namespace Ms5.Api.Access;

/// <summary>
/// An endpoint that needs PostgreSQL while it cannot be reached answers 503 with Retry-After and says so, rather than a
/// bare 500 (login, user and key administration, reads of the historian).
/// </summary>
internal static class DatabaseFailures
{
    /// <summary>A failure talking to PostgreSQL: Npgsql's own exception, or EF Core's "transient failure" wrapper around one.</summary>
    public static bool IsDatabaseUnavailable(this Exception ex) => ex is NpgsqlException or InvalidOperationException { InnerException: NpgsqlException };
}

internal sealed class DatabaseUnavailable(ILogger<DatabaseUnavailable> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        // A PostgreSQL error about the statement itself (a constraint, bad SQL) stays a 500: only an unreachable database is a 503.
        if (!exception.IsDatabaseUnavailable() || httpContext.Response.HasStarted
            || (exception as NpgsqlException ?? (NpgsqlException)exception.InnerException!) is not { } npgsql || npgsql is PostgresException { IsTransient: false })
        {
            return false;
        }

        logger.LogWarning("{Method} {Route}: PostgreSQL unavailable: {Error}", httpContext.Request.Method, (httpContext.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText, npgsql.Message);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = "5";
        await Results.Problem(statusCode: 503, title: "Database unavailable", detail: "PostgreSQL cannot be reached right now; retry shortly").ExecuteAsync(httpContext);
        return true;
    }
}
