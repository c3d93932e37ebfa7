using Ms5.Analytics.Access;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Ms5.Analytics.Plant;
using Ms5.Postgres;
using Npgsql;

namespace Ms5.Api.Apis;

/// <summary>
/// GET /api/plant/calendar[?plant=ID] returns the plant's calendar in the plant-file format: timeZone,
/// shifts (with breaks), holidays, extraWorkingDays, plannedMaintenance. PUT replaces those fields
/// (absent ones are left as they are); the result is validated as a whole plant file and every problem
/// is reported with its path. The OEE engine uses the new calendar from its next tick; minutes already
/// computed keep the calendar they were computed with.
/// </summary>
internal static class CalendarApi
{
    private static readonly string[] CalendarFields = ["timeZone", "shifts", "holidays", "extraWorkingDays", "plannedMaintenance"];

    public static void MapCalendarApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/plant/calendar", GetAsync)
            .RequireAuthorization(AccessPolicies.Read).WithName("GetCalendar").WithTags("plant").WithSummary("The plant's shift calendar.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesValidationProblem();
        app.MapPut("/api/plant/calendar", PutAsync)
            .RequireAuthorization(AccessPolicies.CalendarWrite).WithName("PutCalendar").WithTags("plant").WithSummary("Replace the plant's shift calendar.")
            .Accepts<JsonElement>("application/json")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesValidationProblem().ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
    }

    private static async Task<Results<Ok<JsonObject>, ValidationProblem, ProblemHttpResult>> GetAsync(HttpRequest request, PlantStore plants, CancellationToken ct)
    {
        var (plantId, config, problem) = await ResolveAsync(request, plants, ct);
        if (problem is not null)
        {
            return problem;
        }

        return TypedResults.Ok(CalendarOf(plantId!, JsonNode.Parse(config!)!.AsObject()));
    }

    private static readonly TimeSpan MaxRecompute = TimeSpan.FromDays(366);

    private static async Task<Results<Ok<JsonObject>, ValidationProblem, ProblemHttpResult>> PutAsync(HttpRequest request, PlantStore plants, NpgsqlDataSource db, TimeProvider time, CancellationToken ct)
    {
        if (!request.HasJsonContentType())
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type", detail: "send the calendar as JSON");
        }

        var (plantId, config, problem) = await ResolveAsync(request, plants, ct);
        if (problem is not null)
        {
            return problem;
        }

        // OEE already computed from here on is recomputed with the new calendar (default: the plant's current day).
        var now = time.GetUtcNow();
        DateTimeOffset? recomputeFrom = null;
        if (request.Query["recomputeFrom"].ToString() is { Length: > 0 } text)
        {
            var errors = new Dictionary<string, string[]>();
            recomputeFrom = QueryParams.Minute(text, "recomputeFrom", errors);
            if (recomputeFrom is { } r && (r > now || now - r > MaxRecompute))
            {
                errors["recomputeFrom"] = [$"must lie in the last {MaxRecompute.TotalDays:0} days"];
            }

            if (errors.Count > 0)
            {
                return TypedResults.ValidationProblem(errors, title: "Invalid query for PUT /api/plant/calendar");
            }
        }

        JsonObject body;
        try
        {
            body = (await JsonNode.ParseAsync(request.Body, cancellationToken: ct))?.AsObject() ?? throw new JsonException("empty body");
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["$"] = [$"body must be a JSON object: {ex.Message}"] }, title: "Invalid calendar");
        }

        var unknown = body.Select(p => p.Key).Where(k => !CalendarFields.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["$"] = [$"unknown field(s): {string.Join(", ", unknown)}; allowed: {string.Join(", ", CalendarFields)}"] }, title: "Invalid calendar");
        }

        var plant = JsonNode.Parse(config!)!.AsObject();
        foreach (var field in CalendarFields.Where(body.ContainsKey))
        {
            plant[field] = body[field]?.DeepClone();
        }

        var json = plant.ToJsonString();
        var problems = new List<string>();
        var parsed = PlantConfigParser.TryParse(json, problems);
        if (parsed is null || problems.Count > 0)
        {
            return TypedResults.ValidationProblem(problems.GroupBy(p => p.Split(':')[0]).ToDictionary(g => g.Key, g => g.Select(p => p[(p.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim()).ToArray()), title: "Invalid calendar");
        }

        await plants.SaveAsync(parsed, json, ct);
        var from = recomputeFrom ?? LocalDayStart(now, parsed.TimeZone);
        await OeeStore.RequestRecomputeAsync(db, plantId!, from, ct);
        var result = CalendarOf(plantId!, plant);
        result["recomputeFrom"] = from.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        await request.HttpContext.RequestServices.GetRequiredService<Access.AuditTrail>().RecordAsync(request.HttpContext, "calendar.update", plantId!, "success", $"recompute from {result["recomputeFrom"]}");
        return TypedResults.Ok(result);
    }

    private static DateTimeOffset LocalDayStart(DateTimeOffset utc, TimeZoneInfo tz)
    {
        var local = TimeZoneInfo.ConvertTime(utc, tz).Date;
        return new DateTimeOffset(local, tz.GetUtcOffset(local)).ToUniversalTime();
    }

    private static JsonObject CalendarOf(string plantId, JsonObject plant)
    {
        var calendar = new JsonObject { ["plantId"] = plantId };
        foreach (var field in CalendarFields)
        {
            calendar[field] = plant[field]?.DeepClone() ?? (field == "timeZone" ? null : new JsonArray());
        }

        return calendar;
    }

    private static async Task<(string? PlantId, string? Config, ProblemHttpResult? Problem)> ResolveAsync(HttpRequest request, PlantStore plants, CancellationToken ct)
    {
        var plantId = request.Query["plant"].ToString();
        if (plantId.Length == 0)
        {
            var ids = await plants.PlantIdsAsync(ct);
            if (ids.Count != 1)
            {
                return (null, null, TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Which plant?",
                    detail: ids.Count == 0 ? "no plant is loaded" : $"several plants are loaded ({string.Join(", ", ids)}); add ?plant=ID"));
            }

            plantId = ids[0];
        }

        var config = await plants.ConfigAsync(plantId, ct);
        return config is null
            ? (null, null, TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown plant", detail: $"plant '{plantId}' is not loaded"))
            : (plantId, config, null);
    }
}
