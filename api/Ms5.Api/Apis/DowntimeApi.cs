using Microsoft.AspNetCore.Http.HttpResults;
using Ms5.Analytics.Events;
using Ms5.Analytics.Oee;
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
            .WithName("GetDowntime").WithTags("oee")
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
        var now = time.GetUtcNow();
        var end = to!.Value < now ? to.Value : now;
        var stops = new List<StopResponse>();
        foreach (var s in await downtime.StopsAsync(scope, id, from!.Value, to.Value, ct))
        {
            if (await plants.FindAsync(s.MachineId, ct) is not { } ctx)
            {
                continue;
            }

            var category = ctx.Losses.Classify(s.State, s.Reason, s.End - s.Start);
            if (category == LossCategory.PlannedStop)
            {
                continue;
            }

            var a = s.Start > from.Value ? s.Start : from.Value;
            var b = s.End is { } e && e < end ? e : end;
            stops.Add(new StopResponse(s.MachineId, ContractNames.Of(s.State), s.Reason, Name(category), s.Start, s.End, Math.Max(0, (b - a).TotalSeconds)));
        }

        var total = stops.Sum(s => s.Seconds);
        var pareto = stops.GroupBy(s => (Reason: s.Reason ?? s.State, s.Category))
            .Select(g => new ParetoEntry(g.Key.Reason, g.Key.Category, g.Count(), g.Sum(s => s.Seconds), total > 0 ? g.Sum(s => s.Seconds) / total : 0))
            .OrderByDescending(p => p.Seconds).ThenBy(p => p.Reason, StringComparer.Ordinal)
            .ToList();
        var components = OeeComponents.Sum((await oee.GroupsAsync(scope, id, from.Value, to.Value, OeeGrouping.None, "UTC", ct)).Select(g => g.Components));
        var kpis = OeeKpis.From(components);
        return TypedResults.Ok(new DowntimeResponse(name, id, from.Value, to.Value, stops, pareto, components.FailureCount, kpis.MtbfSeconds, kpis.MttrSeconds));
    }

    private static string Name(LossCategory c) => c switch
    {
        LossCategory.MicroStop => "micro_stop",
        LossCategory.PlannedStop => "planned_stop",
        _ => c.ToString().ToLowerInvariant(),
    };
}
