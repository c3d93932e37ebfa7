using System.Text.Json;
using System.Text.Json.Nodes;
using Ms5.Analytics.Access;
using Ms5.Api.Access;
using Ms5.Influx;
using Ms5.Postgres;

namespace Ms5.Api.Apis.Plant;

/// <summary>
/// Whole plants (admin). POST /api/plants takes a plant file (the shape GET /api/plant returns) plus an optional
/// top-level <c>"temporary": true</c> → 201 {plantId, version, temporary}; 409 naming the plant, line or machine ids
/// already used; 400 with the plant-file parser's messages. DELETE /api/plants/{id} removes a temporary plant and all
/// its data — PostgreSQL in one transaction, then its machines' series in InfluxDB — and answers the rows removed per
/// table; a plant not created temporary is kept (409). The audit log keeps its entries and gains one per call.
/// </summary>
internal static class PlantsApi
{
    public static void MapPlantsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/plants", CreateAsync).RequireAuthorization(AccessPolicies.Admin).WithName("CreatePlant").WithTags("plant")
            .WithSummary("Add a plant from a plant file; \"temporary\": true lets DELETE /api/plants/{id} remove it with all its data.").Accepts<JsonElement>("application/json")
            .Produces<PlantCreatedResponse>(StatusCodes.Status201Created).ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        app.MapDelete("/api/plants/{id}", DeleteAsync).RequireAuthorization(AccessPolicies.Admin).WithName("DeletePlant").WithTags("plant")
            .WithSummary("Remove a temporary plant and all its data (events, OEE, Andons, orders, reports, configuration, InfluxDB points).")
            .Produces<PlantDeletedResponse>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
    }

    private static async Task<IResult> CreateAsync(HttpContext ctx, PlantStore plants, PlantDirectory directory, AuditTrail audit)
    {
        var ct = ctx.RequestAborted;
        var (element, error) = await JsonBody.ReadObjectAsync(ctx.Request, """{"plantId": "uat-1", "name": "UAT", "timeZone": "UTC", "lines": [...], "temporary": true}""", ct);
        if (error is not null)
        {
            return error;
        }

        var config = JsonObject.Create(element)!;
        var temporary = false;
        if (config["temporary"] is { } flag)
        {
            if (flag.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
            {
                return PlantEditing.Invalid(new() { ["temporary"] = [$"must be true or false, got {flag.ToJsonString()}"] });
            }

            temporary = (bool)flag;
            config.Remove("temporary");
        }

        var (plant, invalid) = PlantEditing.Validate(config, "");
        if (invalid is not null)
        {
            return invalid;
        }

        var created = await plants.CreateAsync(plant!, config.ToJsonString(), temporary, ctx.User.Actor(), ct);
        if (!created.Created)
        {
            await audit.RecordAsync(ctx, "plant.create", plant!.PlantId, "conflict", new JsonObject { ["conflicts"] = new JsonArray(created.Conflicts.Select(c => (JsonNode?)c).ToArray()) }.ToJsonString());
            return PlantEditing.Conflict(string.Join("; ", created.Conflicts));
        }

        await directory.ReloadAsync(ct);
        var detail = new JsonObject
        {
            ["plant"] = plant!.PlantId, ["version"] = created.Version, ["temporary"] = temporary,
            ["lines"] = new JsonArray(plant.Lines.Select(l => (JsonNode?)l.Id).ToArray()),
            ["machines"] = new JsonArray(plant.Machines.Select(m => (JsonNode?)m.Id).ToArray()),
        };
        await audit.RecordAsync(ctx, "plant.create", plant.PlantId, "success", detail.ToJsonString());
        return TypedResults.Created($"/api/plant?plant={Uri.EscapeDataString(plant.PlantId)}", new PlantCreatedResponse(plant.PlantId, created.Version, temporary));
    }

    private static async Task<IResult> DeleteAsync(string id, HttpContext ctx, PlantStore plants, PlantDirectory directory, InfluxWriter influx, AuditTrail audit, ILogger<PlantStore> logger)
    {
        var ct = ctx.RequestAborted;
        var result = await plants.DeleteTemporaryAsync(id, ct);
        switch (result.Outcome)
        {
            case PlantDeleteOutcome.Unknown:
                return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown plant", detail: $"plant '{id}' does not exist");
            case PlantDeleteOutcome.NotTemporary:
                await audit.RecordAsync(ctx, "plant.delete", id, "refused", """{"reason":"not temporary"}""");
                return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Plant is kept",
                    detail: $"plant {id} is not temporary: plants with production history are kept");
        }

        // This process forgets the machines at once; the engine's and historian's caches reload within PlantDirectory.FreshEnough.
        await directory.ReloadAsync(CancellationToken.None);
        var removed = result.Removed.ToDictionary(r => r.Key, r => r.Value, StringComparer.Ordinal);
        InfluxRemoval influxRemoval;
        try
        {
            influxRemoval = new InfluxRemoval(await DropSeriesAsync(influx, result.MachineIds, CancellationToken.None), null);
        }
        catch (Exception ex) when (ex is HttpRequestException or InfluxWriteException or TaskCanceledException or InvalidOperationException)
        {
            logger.LogError(ex, "Plant {PlantId} deleted from PostgreSQL, but its InfluxDB series (machines {MachineIds}) were not dropped", id, result.MachineIds);
            influxRemoval = new InfluxRemoval(0, ex.Message);
        }

        var response = new PlantDeletedResponse(id, result.MachineIds, removed, influxRemoval);
        await audit.RecordAsync(ctx, "plant.delete", id, influxRemoval.Error is null ? "success" : "partial", JsonSerializer.Serialize(response, AuditJson));
        return TypedResults.Ok(response);
    }

    private static readonly JsonSerializerOptions AuditJson = new(JsonSerializerDefaults.Web);

    /// <summary>Drops every series tagged with one of <paramref name="machineIds"/> (all measurements); returns how many there were.</summary>
    private static async Task<int> DropSeriesAsync(InfluxWriter influx, IReadOnlyList<string> machineIds, CancellationToken ct)
    {
        if (machineIds.Count == 0)
        {
            return 0;
        }

        var where = string.Join(" OR ", machineIds.Select(m => $"\"machine\" = '{m.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal)}'"));
        using var shown = JsonDocument.Parse(await influx.QueryAsync($"SHOW SERIES WHERE {where}", ct));
        var count = 0;
        foreach (var statement in shown.RootElement.GetProperty("results").EnumerateArray())
        {
            ThrowOnError(statement);
            if (statement.TryGetProperty("series", out var series))
            {
                count += series.EnumerateArray().Sum(s => s.TryGetProperty("values", out var v) ? v.GetArrayLength() : 0);
            }
        }

        using var dropped = JsonDocument.Parse(await influx.QueryAsync($"DROP SERIES WHERE {where}", ct));
        foreach (var statement in dropped.RootElement.GetProperty("results").EnumerateArray())
        {
            ThrowOnError(statement);
        }

        return count;
    }

    private static void ThrowOnError(JsonElement statement)
    {
        if (statement.TryGetProperty("error", out var e))
        {
            throw new InvalidOperationException($"InfluxDB: {e.GetString()}");
        }
    }
}

public sealed record PlantCreatedResponse(string PlantId, int Version, bool Temporary);

/// <summary>The InfluxDB part of a plant's deletion: series dropped, or why not (PostgreSQL was deleted all the same).</summary>
public sealed record InfluxRemoval(int SeriesDropped, string? Error);

public sealed record PlantDeletedResponse(string PlantId, IReadOnlyList<string> Machines, IReadOnlyDictionary<string, long> Removed, InfluxRemoval Influx);
