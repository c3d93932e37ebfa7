using Ms5.Analytics.Access;
using Microsoft.AspNetCore.Http.HttpResults;
using Ms5.Analytics.Events;
using Ms5.Analytics.Oee;
using Ms5.Analytics.Reports;
using Ms5.Postgres;

namespace Ms5.Api.Apis;

public sealed record StopResponse(string MachineId, string State, string? Reason, string Category, DateTimeOffset Start, DateTimeOffset? End, double Seconds);

public sealed record ParetoEntry(string Reason, string Category, int Count, double Seconds, double Share);

public sealed record DowntimeResponse(string Scope, string Id, DateTimeOffset From, DateTimeOffset To, IReadOnlyList<StopResponse> Stops, IReadOnlyList<ParetoEntry> Pareto,
    long FailureCount, double? MtbfSeconds, double? MttrSeconds);

/// <summary>
/// GET /api/downtime?machine=|line=&amp;from=&amp;to=: the stops (down, idle, offline, setup; planned stops left
/// out) overlapping [from, to), each with its loss category from the plant configuration and its seconds
/// inside the range; a Pareto by reason (longest first); MTBF and MTTR from the OEE buckets.
/// </summary>
internal static class DowntimeApi
{
    public static void MapDowntimeApi(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/downtime", GetAsync)
            .RequireAuthorization(AccessPolicies.Read).WithName("GetDowntime").WithTags("oee")
            .WithSummary("Stops, a Pareto by reason, MTBF and MTTR for a machine or line.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<Results<Ok<DowntimeResponse>, ValidationProblem, ProblemHttpResult>> GetAsync(
        HttpRequest request, DowntimeQueries downtime, OeeQueries oee, PlantDirectory plants, TimeProvider time, CancellationToken ct)
    {
        var q = request.Query;
        var errors = new Dictionary<string, string[]>();
        var scopes = new[] { ("machine", OeeScope.Machine), ("line", OeeScope.Line) }.Where(s => q[s.Item1].ToString().Length > 0).ToList();
        if (scopes.Count != 1)
        {
            errors["scope"] = ["give exactly one of machine or line"];
        }

        var from = QueryParams.Minute(q["from"].ToString(), "from", errors);
        var to = QueryParams.Minute(q["to"].ToString(), "to", errors);
        if (from is { } f && to is { } t && f >= t)
        {
            errors["to"] = ["must be later than from; the range is [from, to)"];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid query for /api/downtime");
        }

        var (name, scope) = scopes[0];
        var id = q[name].ToString();
        if (await oee.TimeZoneAsync(scope, id, ct) is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: $"Unknown {name}", detail: $"{name} '{id}' is not in the plant configuration");
        }

        await plants.RefreshAsync(PlantDirectory.FreshEnough, ct);
        var contexts = plants.All.ToDictionary(m => m.MachineId, m => m.Losses, StringComparer.Ordinal);
        var spans = (await downtime.StopsAsync(scope, id, from!.Value, to!.Value, ct)).Select(s => new StateSpan(s.MachineId, s.State, s.Reason, s.Start, s.End));
        var rows = StopAnalysis.Stops(spans, m => contexts.GetValueOrDefault(m), m => m, from.Value, to.Value, time.GetUtcNow());
        var stops = rows.Select(s => new StopResponse(s.MachineId, ContractNames.Of(s.State), s.Reason, s.Category, s.Start, s.End, s.Seconds)).ToList();
        var pareto = StopAnalysis.Pareto(rows).Select(p => new ParetoEntry(p.Reason, p.Category, p.Count, p.Seconds, p.Share)).ToList();
        var components = OeeComponents.Sum((await oee.GroupsAsync(scope, id, from.Value, to.Value, OeeGrouping.None, "UTC", ct)).Select(g => g.Components));
        var kpis = OeeKpis.From(components);
        return TypedResults.Ok(new DowntimeResponse(name, id, from.Value, to.Value, stops, pareto, components.FailureCount, kpis.MtbfSeconds, kpis.MttrSeconds));
    }
}
