using Ms5.Analytics.Access;
using Microsoft.AspNetCore.Http.HttpResults;
using Ms5.Analytics.Events;
using Ms5.Analytics.Plant;
using Ms5.Postgres;

namespace Ms5.Api.Apis;

public sealed record ShiftResponse(string PlantId, string Name, DateOnly Day, DateTimeOffset Start, DateTimeOffset End, string StartLocal, string EndLocal, double Hours);

/// <summary>GET /api/shifts?from=&amp;to=[&amp;plant=]: shift occurrences overlapping [from, to) with UTC and local bounds (DST-aware).</summary>
internal static class ShiftsApi
{
    private static readonly TimeSpan MaxRange = TimeSpan.FromDays(92);

    public static void MapShiftsApi(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/shifts", GetAsync)
            .RequireAuthorization(AccessPolicies.Read).WithName("ListShifts").WithTags("plant")
            .WithSummary("Shift instances of the plant calendar in a range.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<Results<Ok<IReadOnlyList<ShiftResponse>>, ValidationProblem, ProblemHttpResult>> GetAsync(HttpRequest request, PlantDirectory plants, CancellationToken ct)
    {
        var q = request.Query;
        var errors = new Dictionary<string, string[]>();
        DateTimeOffset from = default, to = default;
        foreach (var (name, set) in new (string, Action<DateTimeOffset>)[] { ("from", v => from = v), ("to", v => to = v) })
        {
            var text = q[name].ToString();
            if (text.Length == 0)
            {
                errors[name] = ["is required (ISO-8601 UTC)"];
            }
            else if (Timestamps.TryParse(text, out var ts, out var error))
            {
                set(ts);
            }
            else
            {
                errors[name] = [error];
            }
        }

        if (errors.Count == 0 && (to <= from || to - from > MaxRange))
        {
            errors["to"] = [$"must be later than from and at most {MaxRange.TotalDays:0} days after it"];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid query for /api/shifts");
        }

        await plants.RefreshAsync(PlantDirectory.FreshEnough, ct);
        var plantId = q["plant"].ToString();
        var calendars = plants.All.GroupBy(m => m.PlantId).Where(g => plantId.Length == 0 || g.Key == plantId).ToList();
        if (plantId.Length > 0 && calendars.Count == 0)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown plant", detail: $"plant '{plantId}' is not loaded");
        }

        IReadOnlyList<ShiftResponse> shifts = calendars
            .SelectMany(g => g.First().Calendar.Between(from, to).Select(s => Response(g.Key, g.First().Calendar.TimeZone, s)))
            .OrderBy(s => s.Start).ThenBy(s => s.PlantId, StringComparer.Ordinal)
            .ToList();
        return TypedResults.Ok(shifts);
    }

    private static ShiftResponse Response(string plantId, TimeZoneInfo tz, ShiftInstance s) =>
        new(plantId, s.Name, s.Day, s.Start, s.End,
            TimeZoneInfo.ConvertTime(s.Start, tz).ToString("yyyy-MM-dd'T'HH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture),
            TimeZoneInfo.ConvertTime(s.End, tz).ToString("yyyy-MM-dd'T'HH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture),
            (s.End - s.Start).TotalHours);
}
