using Ms5.Analytics.Access;
using Microsoft.AspNetCore.Http.HttpResults;
using Ms5.Analytics.Oee;
using Ms5.Postgres;

namespace Ms5.Api.Apis;

public sealed record LiveWindowResponse(string Window, DateTimeOffset From, DateTimeOffset To, double? Availability, double? Performance, double? Quality, double? Oee,
    double PlannedSeconds, double RunSeconds, long GoodCount, long RejectCount, double IdealSeconds, StopSeconds StopSeconds);

public sealed record LiveScopeResponse(string Scope, string Id, IReadOnlyList<LiveWindowResponse> Windows);

public sealed record LiveResponse(DateTimeOffset To, IReadOnlyList<LiveScopeResponse> Scopes);

/// <summary>GET /api/oee/live[?machine=|line=|plant=]: rolling OEE (last 15 min, last hour, current shift) up to the last complete minute.</summary>
internal static class OeeLiveApi
{
    public static void MapOeeLiveApi(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/oee/live", GetAsync)
            .RequireAuthorization(AccessPolicies.Read).WithName("GetLiveOee").WithTags("oee")
            .WithSummary("Rolling OEE windows per machine, line and plant.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<Results<Ok<LiveResponse>, ValidationProblem, ProblemHttpResult>> GetAsync(HttpRequest request, LiveOee live, TimeProvider time, CancellationToken ct)
    {
        var q = request.Query;
        var given = new[] { "machine", "line", "plant" }.Where(k => q[k].ToString().Length > 0).ToList();
        var unknown = q.Keys.Where(k => k is not ("machine" or "line" or "plant")).ToList();
        if (given.Count > 1 || unknown.Count > 0)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["query"] = [unknown.Count > 0 ? $"unknown parameter(s): {string.Join(", ", unknown)}; allowed: machine, line, plant" : "give at most one of machine, line or plant"],
            }, title: "Invalid query for /api/oee/live");
        }

        var to = time.GetUtcNow();
        var scopes = await live.ComputeSharedAsync(to, ct);
        if (given.Count == 1)
        {
            var id = q[given[0]].ToString();
            scopes = scopes.Where(s => s.Scope == given[0] && s.Id == id).ToList();
            if (scopes.Count == 0)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: $"Unknown {given[0]}", detail: $"{given[0]} '{id}' is not in the plant configuration");
            }
        }

        return TypedResults.Ok(new LiveResponse(to, scopes.Select(s => new LiveScopeResponse(s.Scope, s.Id, s.Windows.Select(w =>
        {
            var k = OeeKpis.From(w.Components);
            var c = w.Components;
            return new LiveWindowResponse(w.Window, w.From, w.To, k.Availability, k.Performance, k.Quality, k.Oee, c.PlannedSeconds, c.RunSeconds, c.GoodCount, c.RejectCount,
                c.IdealSeconds, new StopSeconds(c.UnplannedStopSeconds, c.SetupSeconds, c.MicroStopSeconds, c.PlannedStopSeconds));
        }).ToList())).ToList()));
    }
}
