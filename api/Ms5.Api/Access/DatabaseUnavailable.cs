using Microsoft.AspNetCore.Diagnostics;
using Npgsql;

namespace Ms5.Api.Access;

/// <summary>
/// An endpoint that needs PostgreSQL while it cannot be reached answers 503 with Retry-After and says so, rather than a
/// bare 500 (login, user and key administration, reads of the historian).
/// </summary>
internal sealed class DatabaseUnavailable(ILogger<DatabaseUnavailable> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var npgsql = exception as NpgsqlException ?? exception.InnerException as NpgsqlException;
        if (npgsql is null || npgsql is PostgresException { IsTransient: false } || httpContext.Response.HasStarted)
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
