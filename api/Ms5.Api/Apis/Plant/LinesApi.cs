using System.Text.Json;
using System.Text.Json.Nodes;
using Ms5.Analytics.Access;
using Ms5.Postgres;

namespace Ms5.Api.Apis.Plant;

/// <summary>
/// Lines (admin): POST /api/lines {id, name?, oeeTarget?, reportRecipients?, plantId (required when several plants
/// are loaded)} → 201 (a line starts without machines; add them with POST /api/machines); PUT /api/lines/{id}
/// {name?, oeeTarget?, reportRecipients?} changes only the fields given (null removes an optional one). Line ids are
/// unique across plants; checks and messages are the plant file's.
/// </summary>
internal static class LinesApi
{
    private static readonly string[] CreateFields = ["plantId", "id", "name", "oeeTarget", "reportRecipients"];
    private static readonly string[] UpdateFields = ["name", "oeeTarget", "reportRecipients"];

    public static void MapLinesApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/lines", CreateAsync).RequireAuthorization(AccessPolicies.Admin).WithName("CreateLine").WithTags("plant")
            .WithSummary("Add a line to a plant.").Accepts<JsonElement>("application/json")
            .Produces<JsonElement>(StatusCodes.Status201Created).ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        app.MapPut("/api/lines/{id}", UpdateAsync).RequireAuthorization(AccessPolicies.Admin).WithName("UpdateLine").WithTags("plant")
            .WithSummary("Change a line's name, OEE target or report recipients.").Accepts<JsonElement>("application/json")
            .Produces<JsonElement>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
    }

    private static async Task<IResult> CreateAsync(HttpContext ctx, PlantStore plants)
    {
        var ct = ctx.RequestAborted;
        var (body, bodyError) = await PlantEditing.ReadBodyAsync(ctx.Request, """{"id": "line-4", "name": "Line 4", "oeeTarget": 0.8}""", CreateFields, ct);
        if (bodyError is not null)
        {
            return bodyError;
        }

        var (plantId, error) = await PlantEditing.PlantIdAsync(body!["plantId"]?.GetValueKind() == JsonValueKind.String ? (string?)body["plantId"] : null, "plantId", plants, ct);
        if (error is not null)
        {
            return error;
        }

        var lineId = body["id"]?.GetValueKind() == JsonValueKind.String ? (string?)body["id"] : null;
        if (lineId is not null && await plants.PlantOfLineAsync(lineId, ct) is { } owner)
        {
            return PlantEditing.Conflict($"line '{lineId}' exists (plant '{owner}'); line ids are unique across plants");
        }

        await using var edit = await plants.BeginEditAsync(plantId!, ct);
        if (edit is null)
        {
            return PlantEditing.NotFound("plant", plantId!);
        }

        if (lineId is not null && PlantEditing.FindLine(edit.Config, lineId).Line is not null)
        {
            return PlantEditing.Conflict($"line '{lineId}' exists in plant '{plantId}'");
        }

        var line = new JsonObject();
        foreach (var field in CreateFields.Skip(1).Where(body.ContainsKey))
        {
            line[field] = body[field]?.DeepClone();
        }

        line["machines"] = new JsonArray();
        var lines = PlantEditing.ArrayOf(edit.Config, "lines");
        lines.Add(line);
        var (plant, invalid) = PlantEditing.Validate(edit.Config, $"$.lines[{lines.Count - 1}]");
        if (invalid is not null)
        {
            return invalid;
        }

        var version = await PlantEditing.CommitAsync(ctx, edit, plant!, "plant.line.create", lineId!, $"line {lineId} added", null, line);
        return TypedResults.Created($"/api/plant?plant={Uri.EscapeDataString(plantId!)}", Answer(line, plantId!, version));
    }

    private static async Task<IResult> UpdateAsync(string id, HttpContext ctx, PlantStore plants)
    {
        var ct = ctx.RequestAborted;
        var (body, bodyError) = await PlantEditing.ReadBodyAsync(ctx.Request, """{"name": "Line 4", "oeeTarget": 0.8}""", UpdateFields, ct);
        if (bodyError is not null)
        {
            return bodyError;
        }

        if (await plants.PlantOfLineAsync(id, ct) is not { } plantId)
        {
            return PlantEditing.NotFound("line", id);
        }

        await using var edit = await plants.BeginEditAsync(plantId, ct);
        var (line, index) = edit is null ? (null, -1) : PlantEditing.FindLine(edit.Config, id);
        if (edit is null || line is null)
        {
            return PlantEditing.NotFound("line", id);
        }

        var changed = UpdateFields.Where(body!.ContainsKey).ToList();
        var before = PlantEditing.Pick(line, changed);
        foreach (var field in changed)
        {
            if (body[field] is null)
            {
                line.Remove(field);
            }
            else
            {
                line[field] = body[field]!.DeepClone();
            }
        }

        var (plant, invalid) = PlantEditing.Validate(edit.Config, $"$.lines[{index}]");
        if (invalid is not null)
        {
            return invalid;
        }

        var after = PlantEditing.Pick(line, changed);
        var version = await PlantEditing.CommitAsync(ctx, edit, plant!, "plant.line.update", id, $"line {id}: {Summary(before, after)}", before, after);
        return TypedResults.Ok(Answer(line, plantId, version));
    }

    private static JsonObject Answer(JsonObject line, string plantId, int version)
    {
        var result = (JsonObject)line.DeepClone();
        result.Remove("machines");
        result["plantId"] = plantId;
        result["machines"] = new JsonArray(((line["machines"] as JsonArray) ?? []).OfType<JsonObject>().Select(m => (JsonNode?)m["id"]?.DeepClone()).ToArray());
        result["version"] = version;
        return result;
    }

    /// <summary>"name 'A' → 'B', oeeTarget 0.8 → 0.85" for the history's summary.</summary>
    internal static string Summary(JsonObject before, JsonObject after) =>
        after.Count == 0 ? "no change" : string.Join(", ", after.Select(p => $"{p.Key} {before[p.Key]?.ToJsonString() ?? "(none)"} → {p.Value?.ToJsonString() ?? "(none)"}"));
}
