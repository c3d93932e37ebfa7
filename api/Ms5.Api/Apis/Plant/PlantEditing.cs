using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ms5.Analytics.Plant;
using Ms5.Api.Access;
using Ms5.Postgres;

namespace Ms5.Api.Apis.Plant;

/// <summary>
/// What the plant-configuration endpoints share: the change is made to the stored plant JSON (locked), the whole
/// result goes through <see cref="PlantConfigParser"/> (so the checks and messages are exactly the plant file's),
/// and only a valid plant is stored, audited and reloaded into this process's <see cref="PlantDirectory"/>.
/// </summary>
internal static class PlantEditing
{
    /// <summary>The body as a JSON object, or a 415/400 problem; fields outside <paramref name="allowed"/> are a 400 naming them.</summary>
    public static async Task<(JsonObject? Body, IResult? Error)> ReadBodyAsync(HttpRequest request, string example, IReadOnlyCollection<string> allowed, CancellationToken ct)
    {
        var (element, error) = await JsonBody.ReadObjectAsync(request, example, ct);
        if (error is not null)
        {
            return (null, error);
        }

        var body = JsonObject.Create(element)!;
        var unknown = body.Select(p => p.Key).Where(k => !allowed.Contains(k)).ToList();
        return unknown.Count > 0
            ? (null, Invalid(new() { [unknown[0]] = [$"unknown field(s): {string.Join(", ", unknown)}; allowed: {string.Join(", ", allowed)}"] }))
            : (body, null);
    }

    public static IResult Invalid(Dictionary<string, string[]> errors, string title = "Invalid plant configuration") =>
        TypedResults.ValidationProblem(errors, title: title);

    public static IResult NotFound(string what, string id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: $"Unknown {what}", detail: $"{what} '{id}' is not in the plant configuration");

    public static IResult Conflict(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Already exists", detail: detail);

    /// <summary>
    /// The plant a request means: <paramref name="given"/>, else the only plant loaded; a 400 naming
    /// <paramref name="field"/> when several are loaded, 404 when unknown.
    /// </summary>
    public static async Task<(string? PlantId, IResult? Error)> PlantIdAsync(string? given, string field, PlantStore plants, CancellationToken ct)
    {
        var ids = await plants.PlantIdsAsync(ct);
        if (string.IsNullOrEmpty(given))
        {
            return ids.Count == 1
                ? (ids[0], null)
                : (null, Invalid(new() { [field] = [ids.Count == 0 ? "no plant is loaded" : $"is required: several plants are loaded ({string.Join(", ", ids)})"] }, "Which plant?"));
        }

        return ids.Contains(given) ? (given, null) : (null, NotFound("plant", given));
    }

    /// <summary>
    /// Parses the edited plant; on problems a 400 whose keys are the request's field names for problems of the edited
    /// element (<paramref name="elementPath"/>, e.g. <c>$.lines[1].machines[0]</c>), else the plant-file path.
    /// </summary>
    public static (PlantConfig? Plant, IResult? Error) Validate(JsonObject config, string elementPath)
    {
        var problems = new List<string>();
        var parsed = PlantConfigParser.TryParse(config.ToJsonString(), problems);
        if (parsed is not null && problems.Count == 0)
        {
            return (parsed, null);
        }

        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var p in problems)
        {
            var colon = p.IndexOf(": ", StringComparison.Ordinal);
            var (path, message) = colon < 0 ? ("$", p) : (p[..colon], p[(colon + 2)..]);
            var key = path.StartsWith(elementPath + ".", StringComparison.Ordinal) ? path[(elementPath.Length + 1)..] : path == elementPath ? "$" : path;
            if (!errors.TryGetValue(key, out var list))
            {
                errors[key] = list = [];
            }

            list.Add(message);
        }

        return (null, Invalid(errors.ToDictionary(e => e.Key, e => e.Value.ToArray())));
    }

    /// <summary>Stores the edit, reloads this process's plant cache, audits the change with what it was before and after.</summary>
    public static async Task<int> CommitAsync(HttpContext ctx, PlantEdit edit, PlantConfig plant, string action, string target, string summary, JsonNode? before, JsonNode? after)
    {
        var services = ctx.RequestServices;
        var version = await edit.CommitAsync(plant, ctx.User.Actor(), summary, ctx.RequestAborted);
        await services.GetRequiredService<PlantDirectory>().ReloadAsync(ctx.RequestAborted);
        var detail = new JsonObject { ["plant"] = edit.PlantId, ["version"] = version, ["before"] = before?.DeepClone(), ["after"] = after?.DeepClone() }.ToJsonString();
        await services.GetRequiredService<AuditTrail>().RecordAsync(ctx, action, target, "success", detail);
        return version;
    }

    /// <summary>The array <paramref name="array"/> of <paramref name="obj"/>, created when absent.</summary>
    public static JsonArray ArrayOf(JsonObject obj, string array)
    {
        if (obj[array] is JsonArray a)
        {
            return a;
        }

        var created = new JsonArray();
        obj[array] = created;
        return created;
    }

    /// <summary>Finds a line of the plant file by id: its object and index in <c>lines</c>.</summary>
    public static (JsonObject? Line, int Index) FindLine(JsonObject config, string lineId)
    {
        var lines = ArrayOf(config, "lines");
        for (var i = 0; i < lines.Count; i++)
        {
            if (lines[i] is JsonObject l && l["id"]?.GetValueKind() == JsonValueKind.String && (string?)l["id"] == lineId)
            {
                return (l, i);
            }
        }

        return (null, -1);
    }

    /// <summary>Finds a machine of the plant file by id: its object and the plant-file path of it.</summary>
    public static (JsonObject? Machine, string Path) FindMachine(JsonObject config, string machineId)
    {
        var lines = ArrayOf(config, "lines");
        for (var i = 0; i < lines.Count; i++)
        {
            if (lines[i] is JsonObject l && l["machines"] is JsonArray ms)
            {
                for (var j = 0; j < ms.Count; j++)
                {
                    if (ms[j] is JsonObject m && m["id"]?.GetValueKind() == JsonValueKind.String && (string?)m["id"] == machineId)
                    {
                        return (m, $"$.lines[{i}].machines[{j}]");
                    }
                }
            }
        }

        return (null, "");
    }

    /// <summary>A copy of <paramref name="obj"/> limited to <paramref name="fields"/> (for the audit's before/after).</summary>
    public static JsonObject Pick(JsonObject obj, IEnumerable<string> fields)
    {
        var result = new JsonObject();
        foreach (var f in fields)
        {
            result[f] = obj[f]?.DeepClone();
        }

        return result;
    }

    /// <summary>An ISO-8601 instant field of the body, or null (with an error when malformed).</summary>
    public static DateTimeOffset? Instant(JsonObject body, string name, Dictionary<string, string[]> errors)
    {
        if (body[name] is not JsonNode node || node.GetValueKind() == JsonValueKind.Null)
        {
            return null;
        }

        if (node.GetValueKind() != JsonValueKind.String)
        {
            errors[name] = ["must be an ISO-8601 instant, e.g. 2026-11-30T12:00:00Z"];
            return null;
        }

        return QueryParams.Instant((string)node!, name, errors);
    }

    public static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);
}
