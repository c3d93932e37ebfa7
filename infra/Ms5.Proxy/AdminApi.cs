using Microsoft.AspNetCore.Http.HttpResults;

namespace Ms5.Proxy;

/// <summary>
/// The admin port (loopback only): GET /proxy/state and POST /proxy/switch, both needing X-Proxy-Token (401 problem
/// without it). /healthz, /readyz and /metrics beside them need none.
/// </summary>
internal static class AdminApi
{
    public static void MapProxyAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/proxy").AddEndpointFilter(RequireTokenAsync).WithTags("proxy");
        admin.MapGet("/state", GetState).WithName("ProxyState")
            .WithSummary("The active and previous upstream and, per upstream URL, the requests in flight (WebSockets included and also alone) and in total.");
        admin.MapPost("/switch", SwitchAsync).WithName("ProxySwitch")
            .WithSummary("Makes {slot,url,release} the active upstream once its GET /readyz answers 200; in-flight requests finish on the old one.");
    }

    private static Ok<ProxyStateResponse> GetState(Switchboard switchboard)
    {
        var state = switchboard.State;
        return TypedResults.Ok(new ProxyStateResponse(state.Active, state.Previous, switchboard.Counts()));
    }

    private static async Task<Results<Ok<ProxyState>, ValidationProblem, ProblemHttpResult>> SwitchAsync(SwitchRequest? body, Switchboard switchboard, ReadinessProbe probe, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (body is null)
        {
            errors["body"] = ["a JSON object {\"slot\":\"green\",\"url\":\"http://127.0.0.1:58082\",\"release\":\"...\"} is required"];
        }
        else
        {
            if (ProxyOptions.SlotProblem(body.Slot) is { } slot)
            {
                errors["slot"] = [slot];
            }

            if (ProxyOptions.UpstreamUrlProblem(body.Url) is { } url)
            {
                errors["url"] = [$"{url}, got '{body.Url}'"];
            }

            if (ProxyOptions.ReleaseProblem(body.Release) is { } release)
            {
                errors["release"] = [release];
            }
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid switch request");
        }

        var target = ProxyOptions.NormalizeUpstream(body!.Url!);
        if (switchboard.State.Active?.Url != target && await probe.ProblemAsync(target, "readyz", ct) is { } notReady)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: $"Upstream {target} is not ready", detail: $"{notReady}; the active upstream is unchanged");
        }

        var (state, _) = await switchboard.SwitchAsync(body.Slot!, target, body.Release ?? "", ct);
        return TypedResults.Ok(state);
    }

    private static async ValueTask<object?> RequireTokenAsync(EndpointFilterInvocationContext ctx, EndpointFilterDelegate next)
    {
        var token = ctx.HttpContext.RequestServices.GetRequiredService<AdminToken>();
        return token.Matches(ctx.HttpContext.Request.Headers[AdminToken.Header].ToString())
            ? await next(ctx)
            : TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Proxy admin token required",
                detail: $"send header {AdminToken.Header} with the first line of {ProxyOptions.Section}:AdminTokenFile");
    }
}
