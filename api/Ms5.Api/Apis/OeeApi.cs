using Ms5.Analytics.Access;
using Microsoft.AspNetCore.Http.HttpResults;
using Ms5.Analytics.Oee;
using Ms5.Analytics.Plant;
using Ms5.Postgres;

namespace Ms5.Api.Apis;

public sealed record StopSeconds(double Unplanned, double Setup, double MicroStop, double Planned);

/// <summary>
/// One group of an OEE answer: the KPIs (fractions 0..1, null when undefined), the components they come from,
/// and the six big losses in seconds of planned time (they add up to <see cref="PlannedSeconds"/>).
/// </summary>
public sealed record OeeGroupResponse(
    DateTimeOffset From,
    DateTimeOffset To,
    double? Availability,
    double? Performance,
    double? Quality,
    double? Oee,
    double? Teep,
    double PlannedSeconds,
    double RunSeconds,
    long GoodCount,
    long RejectCount,
    double IdealSeconds,
    StopSeconds StopSeconds,
    long FailureCount,
    double? MtbfSeconds,
    double? MttrSeconds,
    double? ScrapRatio,
    double? SetupRatio,
    long StartupRejectCount,
    SixBigLosses Losses,
    bool Complete,
    string? Shift = null);

public sealed record OeeResponse(string Scope, string Id, DateTimeOffset From, DateTimeOffset To, string GroupBy, IReadOnlyList<OeeGroupResponse> Groups);

/// <summary>
/// GET /api/oee?machine=ID|line=ID|plant=ID&amp;from=&amp;to=[&amp;groupBy=hour|day|shift]: OEE from the engine's
/// minute buckets, as ratios of sums (never averages). from/to are whole minutes, [from, to).
/// A group is complete when every machine's buckets are computed past its end.
/// </summary>
internal static class OeeApi
{
    public static void MapOeeApi(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/oee", GetAsync)
            .RequireAuthorization(AccessPolicies.Read).WithName("GetOee").WithTags("oee")
            .WithSummary("OEE, TEEP and their components for a machine, line or plant over a range.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<Results<Ok<OeeResponse>, ValidationProblem, ProblemHttpResult>> GetAsync(HttpRequest request, OeeQueries queries, PlantDirectory plants, CancellationToken ct)
    {
        var q = request.Query;
        var errors = new Dictionary<string, string[]>();
        var scopes = new[] { ("machine", OeeScope.Machine), ("line", OeeScope.Line), ("plant", OeeScope.Plant) }
            .Where(s => q[s.Item1].ToString().Length > 0).ToList();
        if (scopes.Count != 1)
        {
            errors["scope"] = ["give exactly one of machine, line or plant"];
        }

        var from = QueryParams.Minute(q["from"].ToString(), "from", errors);
        var to = QueryParams.Minute(q["to"].ToString(), "to", errors);
        if (from is { } f && to is { } t && f >= t)
        {
            errors["to"] = ["must be later than from; the range is [from, to)"];
        }

        var groupByText = q["groupBy"].ToString();
        var grouping = groupByText switch
        {
            "" => OeeGrouping.None,
            "hour" => OeeGrouping.Hour,
            "day" => OeeGrouping.Day,
            "shift" => (OeeGrouping)100,
            _ => (OeeGrouping)(-1),
        };
        if ((int)grouping < 0)
        {
            errors["groupBy"] = [$"must be hour, day or shift, got '{groupByText}'"];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid query for /api/oee");
        }

        var (name, scope) = scopes[0];
        var id = q[name].ToString();
        if (await queries.TimeZoneAsync(scope, id, ct) is not { } tz)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: $"Unknown {name}", detail: $"{name} '{id}' is not in the plant configuration");
        }

        var completeUntil = await queries.CompleteUntilAsync(scope, id, ct);
        List<(OeeGroup Group, string? Shift)> groups;
        if ((int)grouping == 100)
        {
            // One group per shift occurrence of the scope's plant, clipped to [from, to).
            await plants.RefreshAsync(PlantDirectory.FreshEnough, ct);
            var calendar = plants.All.First(m => (scope == OeeScope.Machine && m.MachineId == id) || (scope == OeeScope.Line && m.LineId == id) || (scope == OeeScope.Plant && m.PlantId == id)).Calendar;
            groups = [];
            foreach (var shift in calendar.Between(from!.Value, to!.Value))
            {
                var a = shift.Start > from.Value ? shift.Start : from.Value;
                var b = shift.End < to.Value ? shift.End : to.Value;
                var sums = await queries.GroupsAsync(scope, id, a, b, OeeGrouping.None, tz, ct);
                groups.Add((sums.FirstOrDefault() ?? new OeeGroup(a, b, default, 0), $"{shift.Name} {shift.Day:yyyy-MM-dd}"));
            }
        }
        else
        {
            groups = (await queries.GroupsAsync(scope, id, from!.Value, to!.Value, grouping, tz, ct)).Select(g => (g, (string?)null)).ToList();
        }

        var body = groups.Select(x =>
        {
            var (g, shiftName) = x;
            var k = OeeKpis.From(g.Components);
            var c = g.Components;
            return new OeeGroupResponse(g.Start, g.End, k.Availability, k.Performance, k.Quality, k.Oee, k.Teep,
                c.PlannedSeconds, c.RunSeconds, c.GoodCount, c.RejectCount, c.IdealSeconds,
                new StopSeconds(c.UnplannedStopSeconds, c.SetupSeconds, c.MicroStopSeconds, c.PlannedStopSeconds),
                c.FailureCount, k.MtbfSeconds, k.MttrSeconds, k.ScrapRatio, k.SetupRatio,
                c.StartupRejectCount, SixBigLosses.From(c),
                completeUntil is { } cu && cu >= g.End, shiftName);
        }).ToList();
        return TypedResults.Ok(new OeeResponse(name, id, from!.Value, to!.Value, groupByText.Length == 0 ? "none" : groupByText, body));
    }
}
