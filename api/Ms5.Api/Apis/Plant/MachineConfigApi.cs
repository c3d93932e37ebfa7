using System.Text.Json;
using System.Text.Json.Nodes;
using Ms5.Analytics.Access;
using Ms5.Analytics.Oee;
using Ms5.Postgres;

namespace Ms5.Api.Apis.Plant;

/// <summary>
/// Machines (admin). POST /api/machines {id, lineId, name?, idealCycleSeconds, products?, countMode?, reasonCodes?,
/// active?} adds one to the line's plant (machine ids are unique across plants). PUT /api/machines/{id} changes only
/// the fields given; there is no DELETE: <c>"active": false</c> takes a machine out of service and keeps its history.
/// A new <c>idealCycleSeconds</c>/<c>products</c> applies from <c>effectiveFrom</c> (default now): the values before
/// it move into the machine's <c>idealCycleHistory</c>, so minutes before it keep their ideal seconds even when late
/// data recomputes them. <c>recomputeFrom</c> instead makes the new values apply from that instant (later history is
/// cut) and has the OEE engine recompute the machine's minutes from it.
/// </summary>
internal static class MachineConfigApi
{
    private static readonly string[] MachineFields = ["id", "name", "idealCycleSeconds", "products", "countMode", "reasonCodes", "active"];
    private static readonly string[] CreateFields = [.. MachineFields, "lineId"];
    private static readonly string[] UpdateFields = [.. MachineFields.Skip(1), "effectiveFrom", "recomputeFrom"];
    private static readonly TimeSpan MaxRecompute = TimeSpan.FromDays(366);

    public static void MapMachineConfigApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/machines", CreateAsync).RequireAuthorization(AccessPolicies.Admin).WithName("CreateMachine").WithTags("plant")
            .WithSummary("Add a machine to a line.").Accepts<JsonElement>("application/json")
            .Produces<JsonElement>(StatusCodes.Status201Created).ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        app.MapPut("/api/machines/{id}", UpdateAsync).RequireAuthorization(AccessPolicies.Admin).WithName("UpdateMachine").WithTags("plant")
            .WithSummary("Change a machine (ideal cycle time from an instant, products, count mode, reason codes, active).").Accepts<JsonElement>("application/json")
            .Produces<JsonElement>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
    }

    private static async Task<IResult> CreateAsync(HttpContext ctx, PlantStore plants)
    {
        var ct = ctx.RequestAborted;
        var (body, bodyError) = await PlantEditing.ReadBodyAsync(ctx.Request, """{"id": "press-05", "lineId": "line-1", "idealCycleSeconds": 2.0}""", CreateFields, ct);
        if (bodyError is not null)
        {
            return bodyError;
        }

        if (body!["lineId"] is not JsonNode lineNode || lineNode.GetValueKind() != JsonValueKind.String)
        {
            return PlantEditing.Invalid(new() { ["lineId"] = ["is required: the id of the line the machine belongs to"] });
        }

        var lineId = (string)lineNode!;
        if (await plants.PlantOfLineAsync(lineId, ct) is not { } plantId)
        {
            return PlantEditing.NotFound("line", lineId);
        }

        var machineId = body["id"]?.GetValueKind() == JsonValueKind.String ? (string?)body["id"] : null;
        var owner = machineId is null ? null : await plants.PlantOfMachineAsync(machineId, ct);
        if (owner is not null && owner != plantId)
        {
            return PlantEditing.Conflict($"machine '{machineId}' exists in plant '{owner}'; machine ids are unique across plants");
        }

        await using var edit = await plants.BeginEditAsync(plantId, ct);
        var (line, lineIndex) = edit is null ? (null, -1) : PlantEditing.FindLine(edit.Config, lineId);
        if (edit is null || line is null)
        {
            return PlantEditing.NotFound("line", lineId);
        }

        // A machine once taken out of the plant file keeps its id and history: adding it again continues them.
        if (machineId is not null && PlantEditing.FindMachine(edit.Config, machineId).Machine is not null)
        {
            return PlantEditing.Conflict($"machine '{machineId}' exists in plant '{plantId}'");
        }

        var machine = new JsonObject();
        foreach (var field in MachineFields.Where(body.ContainsKey))
        {
            machine[field] = body[field]?.DeepClone();
        }

        var machines = PlantEditing.ArrayOf(line, "machines");
        machines.Add(machine);
        var (plant, invalid) = PlantEditing.Validate(edit.Config, $"$.lines[{lineIndex}].machines[{machines.Count - 1}]");
        if (invalid is not null)
        {
            return invalid;
        }

        var version = await PlantEditing.CommitAsync(ctx, edit, plant!, "plant.machine.create", machineId!, $"machine {machineId} added to line {lineId}", null, machine);
        return TypedResults.Created($"/api/plant?plant={Uri.EscapeDataString(plantId)}", Answer(machine, lineId, plantId, version, null));
    }

    private static async Task<IResult> UpdateAsync(string id, HttpContext ctx, PlantStore plants, TimeProvider time, Npgsql.NpgsqlDataSource db)
    {
        var ct = ctx.RequestAborted;
        var (body, bodyError) = await PlantEditing.ReadBodyAsync(ctx.Request, """{"idealCycleSeconds": 1.8, "effectiveFrom": "2026-11-30T12:00:00Z"}""", UpdateFields, ct);
        if (bodyError is not null)
        {
            return bodyError;
        }

        var now = time.GetUtcNow();
        var errors = new Dictionary<string, string[]>();
        var effectiveFrom = PlantEditing.Instant(body!, "effectiveFrom", errors);
        var recomputeFrom = PlantEditing.Instant(body!, "recomputeFrom", errors);
        if (effectiveFrom is not null && recomputeFrom is not null)
        {
            errors["recomputeFrom"] = ["give effectiveFrom or recomputeFrom, not both"];
        }
        else if (recomputeFrom is { } r && (r > now || now - r > MaxRecompute))
        {
            errors["recomputeFrom"] = [$"must lie in the last {MaxRecompute.TotalDays:0} days"];
        }
        else if (effectiveFrom is { } e && now - e > MaxRecompute)
        {
            errors["effectiveFrom"] = [$"must not lie more than {MaxRecompute.TotalDays:0} days back"];
        }

        if (errors.Count > 0)
        {
            return PlantEditing.Invalid(errors);
        }

        if (await plants.PlantOfMachineAsync(id, ct) is not { } plantId)
        {
            return PlantEditing.NotFound("machine", id);
        }

        await using var edit = await plants.BeginEditAsync(plantId, ct);
        var (machine, path) = edit is null ? (null, "") : PlantEditing.FindMachine(edit.Config, id);
        if (edit is null || machine is null)
        {
            return PlantEditing.NotFound("machine", id);
        }

        var changed = MachineFields.Skip(1).Where(body!.ContainsKey).ToList();
        var before = PlantEditing.Pick(machine, changed);
        var cycleChanged = (body.ContainsKey("idealCycleSeconds") && !JsonNode.DeepEquals(body["idealCycleSeconds"], machine["idealCycleSeconds"]))
            || (body.ContainsKey("products") && !JsonNode.DeepEquals(body["products"], machine["products"]));
        DateTimeOffset? from = null;
        if (cycleChanged)
        {
            var at = recomputeFrom ?? effectiveFrom ?? now;
            var history = PlantEditing.ArrayOf(machine, "idealCycleHistory");
            var (inForce, last) = InForceAt(machine, history, at);
            if (recomputeFrom is null && last is { } l && at <= l)
            {
                return PlantEditing.Invalid(new() { ["effectiveFrom"] = [$"must be later than the last change of the ideal cycle time ({PlantEditing.Iso(l)}); use recomputeFrom to rewrite earlier values"] });
            }

            // Values that applied after `at` are replaced by the new ones; the value in force at `at` now ends there.
            // An entry ending exactly at `at` already closes the earlier values: nothing is in force in [at, at).
            if (!CutAfter(history, at))
            {
                inForce["until"] = PlantEditing.Iso(at);
                history.Add(inForce);
            }

            from = at <= now ? BucketFloor(at) : null;
            changed.Add("idealCycleHistory");
        }
        else if (effectiveFrom is not null || recomputeFrom is not null)
        {
            return PlantEditing.Invalid(new() { [effectiveFrom is not null ? "effectiveFrom" : "recomputeFrom"] = ["only applies to a change of idealCycleSeconds or products"] });
        }

        foreach (var field in MachineFields.Skip(1).Where(body.ContainsKey))
        {
            if (body[field] is null)
            {
                machine.Remove(field);
            }
            else
            {
                machine[field] = body[field]!.DeepClone();
            }
        }

        if (machine["idealCycleHistory"] is JsonArray { Count: 0 })
        {
            machine.Remove("idealCycleHistory");
        }

        var (plant, invalid) = PlantEditing.Validate(edit.Config, path);
        if (invalid is not null)
        {
            return invalid;
        }

        var after = PlantEditing.Pick(machine, changed);
        var when = cycleChanged ? $" ({(recomputeFrom is null ? "effective" : "recomputed")} from {PlantEditing.Iso(recomputeFrom ?? effectiveFrom ?? now)})" : "";
        var version = await PlantEditing.CommitAsync(ctx, edit, plant!, "plant.machine.update", id, $"machine {id}: {LinesApi.Summary(before, PlantEditing.Pick(machine, changed.Where(c => c != "idealCycleHistory")))}{when}", before, after);
        if (from is { } f)
        {
            // Minutes already computed from the change on are recomputed with the values now in force at each count.
            await OeeStore.RequestRecomputeAsync(db, plantId, f, ct, machineId: id);
        }

        var lineId = plant!.Machines.First(m => m.Id == id).LineId;
        return TypedResults.Ok(Answer(machine, lineId, plantId, version, from));
    }

    /// <summary>The ideal cycle values (idealCycleSeconds, products) in force at <paramref name="at"/>, and the latest history until.</summary>
    private static (JsonObject InForce, DateTimeOffset? LastUntil) InForceAt(JsonObject machine, JsonArray history, DateTimeOffset at)
    {
        JsonObject? found = null;
        DateTimeOffset? last = null;
        foreach (var entry in history.OfType<JsonObject>())
        {
            if (entry["until"]?.GetValueKind() == JsonValueKind.String && Analytics.Events.Timestamps.TryParse((string)entry["until"]!, out var until, out _))
            {
                last = until;
                if (found is null && at < until)
                {
                    found = entry;
                }
            }
        }

        var source = found ?? machine;
        var value = new JsonObject { ["until"] = null, ["idealCycleSeconds"] = source["idealCycleSeconds"]?.DeepClone() };
        if (source["products"] is JsonObject products && products.Count > 0)
        {
            value["products"] = products.DeepClone();
        }

        return (value, last);
    }

    /// <summary>Removes the history entries ending after <paramref name="at"/>; true when one left ends exactly at it.</summary>
    private static bool CutAfter(JsonArray history, DateTimeOffset at)
    {
        var endsAt = false;
        for (var i = history.Count - 1; i >= 0; i--)
        {
            if (history[i] is JsonObject entry && entry["until"]?.GetValueKind() == JsonValueKind.String
                && Analytics.Events.Timestamps.TryParse((string)entry["until"]!, out var until, out _))
            {
                if (until > at)
                {
                    history.RemoveAt(i);
                }
                else
                {
                    endsAt |= until == at;
                }
            }
        }

        return endsAt;
    }

    private static DateTimeOffset BucketFloor(DateTimeOffset t) => BucketCalculator.Floor(t);

    private static JsonObject Answer(JsonObject machine, string lineId, string plantId, int version, DateTimeOffset? recomputeFrom)
    {
        var result = (JsonObject)machine.DeepClone();
        result["lineId"] = lineId;
        result["plantId"] = plantId;
        result["version"] = version;
        if (recomputeFrom is { } r)
        {
            result["recomputeFrom"] = PlantEditing.Iso(r);
        }

        return result;
    }
}
