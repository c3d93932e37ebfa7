using Ms5.Analytics.Access;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Ms5.Analytics.Events;
using Ms5.Postgres;

namespace Ms5.Api.Apis;

/// <summary>
/// GET /api/events?machine=&amp;from=&amp;to=&amp;limit=&amp;cursor= : raw events in the contract's JSON shape,
/// ordered by (ts, eventId), [from, to) half-open, up to 100,000 per page, with a cursor for the next page.
/// </summary>
internal static class EventsApi
{
    public const int DefaultLimit = 1000;

    public static void MapEventsApi(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/events", GetAsync)
            .RequireAuthorization(AccessPolicies.Read).WithName("ListEvents").WithTags("events")
            .WithSummary("Raw events from the historian, paged by cursor.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<Results<EventPageResult, ValidationProblem, ProblemHttpResult>> GetAsync(
        HttpRequest request, EventQueries queries, PlantDirectory machines, CancellationToken ct)
    {
        var q = request.Query;
        var errors = new Dictionary<string, string[]>();
        var machine = q["machine"].ToString() is { Length: > 0 } m ? m : null;
        var from = ParseTime(q["from"].ToString(), "from", errors);
        var to = ParseTime(q["to"].ToString(), "to", errors);
        if (from is { } f && to is { } t && f >= t)
        {
            errors["to"] = [$"must be later than from ({Timestamps.Format(f)}); the range is [from, to)"];
        }

        var limit = DefaultLimit;
        if (q["limit"].ToString() is { Length: > 0 } limitText
            && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1 || limit > EventQueries.MaxLimit))
        {
            errors["limit"] = [$"must be a whole number from 1 to {EventQueries.MaxLimit}, got '{limitText}'"];
        }

        EventCursor? cursor = null;
        if (q["cursor"].ToString() is { Length: > 0 } cursorText)
        {
            if (EventCursor.TryDecode(cursorText, out var c))
            {
                cursor = c;
            }
            else
            {
                errors["cursor"] = ["is not a cursor returned by this API (use nextCursor from the previous page)"];
            }
        }

        var unknown = q.Keys.Where(k => k is not ("machine" or "from" or "to" or "limit" or "cursor")).ToList();
        if (unknown.Count > 0)
        {
            errors["query"] = [$"unknown parameter(s): {string.Join(", ", unknown)}; allowed: machine, from, to, limit, cursor"];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid query for /api/events");
        }

        if (machine is not null)
        {
            await machines.EnsureLoadedAsync([machine], ct);
        }

        if (machine is not null && !machines.IsKnown(machine))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown machine",
                detail: $"machine '{machine}' is not in the plant configuration (see GET /api/machines)");
        }

        var page = await queries.PageAsync(machine, from, to, limit, cursor, ct);
        return new EventPageResult(page);
    }

    private static DateTimeOffset? ParseTime(string text, string name, Dictionary<string, string[]> errors)
    {
        if (text.Length == 0)
        {
            return null;
        }

        if (Timestamps.TryParse(text, out var ts, out var error))
        {
            return ts;
        }

        errors[name] = [error];
        return null;
    }
}

/// <summary>Streams a page as {"count":n,"events":[...],"nextCursor":...} without building it in memory twice.</summary>
internal sealed class EventPageResult(EventPage page) : IResult, IStatusCodeHttpResult
{
    public int? StatusCode => StatusCodes.Status200OK;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.StatusCode = StatusCodes.Status200OK;
        httpContext.Response.ContentType = "application/json; charset=utf-8";
        await using var w = new Utf8JsonWriter(httpContext.Response.BodyWriter.AsStream());
        w.WriteStartObject();
        w.WriteNumber("count", page.Events.Count);
        w.WriteStartArray("events");
        var n = 0;
        foreach (var e in page.Events)
        {
            EventJson.Write(w, e);
            if (++n % 1000 == 0)
            {
                await w.FlushAsync(httpContext.RequestAborted);
            }
        }

        w.WriteEndArray();
        if (page.NextCursor is null)
        {
            w.WriteNull("nextCursor");
        }
        else
        {
            w.WriteString("nextCursor", page.NextCursor);
        }

        w.WriteEndObject();
        await w.FlushAsync(httpContext.RequestAborted);
    }
}
