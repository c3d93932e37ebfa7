using System.Text.Json;
using System.Text.Json.Nodes;
using Ms5.Analytics.Access;
using Ms5.Postgres;

namespace Ms5.Api.Apis.Plant;

public sealed record PlantVersionResponse(int Version, DateTimeOffset ChangedAt, string ChangedBy, string Source, string Summary);

public sealed record PlantHistoryResponse(string PlantId, IReadOnlyList<PlantVersionResponse> Versions);

/// <summary>
/// The plant configuration (admin). GET /api/plant[?plant=ID][&amp;version=N] returns the stored plant in plant-file
/// form (<c>migrate --plant</c> / <c>./ms5 up --plant</c> take it back as it is); GET /api/plant/history[?plant=ID]
/// lists its versions (who changed what, when); POST /api/reason-codes adds a reason code. Lines and machines:
/// <see cref="LinesApi"/>, <see cref="MachineConfigApi"/>.
/// </summary>
internal static class PlantApi
{
    private static readonly string[] ReasonFields = ["plantId", "code", "category", "description"];

    // Plant-file order for people reading the answer (jsonb keeps keys in its own order).
    private static readonly string[] PlantOrder = ["plantId", "name", "timeZone", "oee", "reasonCodes", "shifts", "holidays", "extraWorkingDays", "plannedMaintenance", "lines", "andon", "reports"];
    private static readonly string[] LineOrder = ["id", "name", "oeeTarget", "reportRecipients", "machines"];
    private static readonly string[] MachineOrder = ["id", "name", "active", "idealCycleSeconds", "products", "idealCycleHistory", "countMode", "reasonCodes"];

    public static void MapPlantApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/plant", GetAsync).RequireAuthorization(AccessPolicies.Admin).WithName("GetPlant").WithTags("plant")
            .WithSummary("The plant in plant-file form (loadable with ./ms5 up --plant).")
            .Produces<JsonElement>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        app.MapGet("/api/plant/history", HistoryAsync).RequireAuthorization(AccessPolicies.Admin).WithName("GetPlantHistory").WithTags("plant")
            .WithSummary("Versions of the plant configuration: who changed what, when.")
            .Produces<PlantHistoryResponse>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        app.MapPost("/api/reason-codes", CreateReasonAsync).RequireAuthorization(AccessPolicies.Admin).WithName("CreateReasonCode").WithTags("plant")
            .WithSummary("Add a reason code to a plant.").Accepts<JsonElement>("application/json")
            .Produces<JsonElement>(StatusCodes.Status201Created).ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
    }

    private static async Task<IResult> GetAsync(HttpRequest request, PlantStore plants, CancellationToken ct)
    {
        var (plantId, error) = await PlantEditing.PlantIdAsync(request.Query["plant"].ToString(), "plant", plants, ct);
        if (error is not null)
        {
            return error;
        }

        string? config;
        if (request.Query["version"].ToString() is { Length: > 0 } versionText)
        {
            if (!int.TryParse(versionText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var version) || version < 1)
            {
                return PlantEditing.Invalid(new() { ["version"] = [$"must be a version number (1, 2, …), got '{versionText}'"] }, "Invalid query for GET /api/plant");
            }

            config = await plants.VersionConfigAsync(plantId!, version, ct);
            if (config is null)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown version", detail: $"plant '{plantId}' has no version {version}");
            }
        }
        else
        {
            config = await plants.ConfigAsync(plantId!, ct);
        }

        return TypedResults.Text(InFileOrder(JsonNode.Parse(config!)!.AsObject()).ToJsonString(new JsonSerializerOptions { WriteIndented = true }), "application/json");
    }

    private static async Task<IResult> HistoryAsync(HttpRequest request, PlantStore plants, CancellationToken ct)
    {
        var (plantId, error) = await PlantEditing.PlantIdAsync(request.Query["plant"].ToString(), "plant", plants, ct);
        if (error is not null)
        {
            return error;
        }

        var limit = 100;
        if (request.Query["limit"].ToString() is { Length: > 0 } limitText
            && (!int.TryParse(limitText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 10_000))
        {
            return PlantEditing.Invalid(new() { ["limit"] = ["must be a whole number from 1 to 10000"] }, "Invalid query for GET /api/plant/history");
        }

        var versions = await plants.HistoryAsync(plantId!, limit, ct);
        return TypedResults.Ok(new PlantHistoryResponse(plantId!, versions.Select(v => new PlantVersionResponse(v.Version, v.ChangedAt, v.ChangedBy, v.Source, v.Summary)).ToList()));
    }

    private static async Task<IResult> CreateReasonAsync(HttpContext ctx, PlantStore plants)
    {
        var ct = ctx.RequestAborted;
        var (body, bodyError) = await PlantEditing.ReadBodyAsync(ctx.Request, """{"code": "jam", "category": "unplanned", "description": "Material jam"}""", ReasonFields, ct);
        if (bodyError is not null)
        {
            return bodyError;
        }

        var (plantId, error) = await PlantEditing.PlantIdAsync(body!["plantId"]?.GetValueKind() == JsonValueKind.String ? (string?)body["plantId"] : null, "plantId", plants, ct);
        if (error is not null)
        {
            return error;
        }

        await using var edit = await plants.BeginEditAsync(plantId!, ct);
        if (edit is null)
        {
            return PlantEditing.NotFound("plant", plantId!);
        }

        var reasons = PlantEditing.ArrayOf(edit.Config, "reasonCodes");
        var code = body["code"]?.GetValueKind() == JsonValueKind.String ? (string?)body["code"] : null;
        if (code is not null && reasons.Any(r => r is JsonObject o && o["code"]?.GetValueKind() == JsonValueKind.String && (string?)o["code"] == code))
        {
            return PlantEditing.Conflict($"plant '{plantId}' already has reason code '{code}'");
        }

        var reason = new JsonObject();
        foreach (var field in ReasonFields.Skip(1).Where(body.ContainsKey))
        {
            reason[field] = body[field]?.DeepClone();
        }

        reasons.Add(reason);
        var (plant, invalid) = PlantEditing.Validate(edit.Config, $"$.reasonCodes[{reasons.Count - 1}]");
        if (invalid is not null)
        {
            return invalid;
        }

        var version = await PlantEditing.CommitAsync(ctx, edit, plant!, "plant.reason.create", $"{plantId}/{code}", $"reason code {code} added", null, reason);
        var result = (JsonObject)reason.DeepClone();
        result["plantId"] = plantId;
        result["version"] = version;
        return TypedResults.Created($"/api/plant?plant={Uri.EscapeDataString(plantId!)}", result);
    }

    internal static JsonObject InFileOrder(JsonObject plant)
    {
        var ordered = Ordered(plant, PlantOrder);
        if (ordered["lines"] is JsonArray lines)
        {
            for (var i = 0; i < lines.Count; i++)
            {
                if (lines[i] is JsonObject l)
                {
                    var line = Ordered(l, LineOrder);
                    if (line["machines"] is JsonArray ms)
                    {
                        for (var j = 0; j < ms.Count; j++)
                        {
                            if (ms[j] is JsonObject m)
                            {
                                ms[j] = Ordered(m, MachineOrder);
                            }
                        }
                    }

                    lines[i] = line;
                }
            }
        }

        return ordered;
    }

    private static JsonObject Ordered(JsonObject obj, string[] first)
    {
        var result = new JsonObject();
        foreach (var key in first.Where(obj.ContainsKey).Concat(obj.Select(p => p.Key).Where(k => !first.Contains(k)).ToList()))
        {
            result[key] = obj[key]?.DeepClone();
        }

        return result;
    }
}
