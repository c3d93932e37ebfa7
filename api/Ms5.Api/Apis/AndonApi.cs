using Ms5.Analytics.Access;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Ms5.Analytics.Andon;
using Ms5.Analytics.Assignments;
using Ms5.Api.Access;
using Ms5.Analytics.Plant;
using Ms5.Postgres;
using Npgsql;

namespace Ms5.Api.Apis;

public sealed record AndonResponse(
    Guid Id, string Status, string PlantId, string LineId, string MachineId, string Rule, string Kind, string Severity, int Level, string Summary,
    DateTimeOffset Since, DateTimeOffset RaisedAt, string RaisedBy, DateTimeOffset? AcknowledgedAt, string? AcknowledgedBy,
    DateTimeOffset? ResolvedAt, string? ResolvedBy, string? Resolution, double AgeSeconds, string? Assignee,
    IReadOnlyList<AndonTransitionResponse>? Transitions = null)
{
    internal static AndonResponse From(AndonRecord a, DateTimeOffset now, IReadOnlyList<AndonTransition>? transitions = null) => new(
        a.Id, a.Status, a.PlantId, a.LineId, a.MachineId, a.RuleId, a.Kind, a.Severity, a.Level, a.Summary, a.Since, a.RaisedAt, a.RaisedBy,
        a.AckedAt, a.AckedBy, a.ResolvedAt, a.ResolvedBy, a.Resolution, a.AgeAt(now).TotalSeconds, a.Assignee,
        transitions?.Select(t => new AndonTransitionResponse(t.Transition, t.Level, t.At, t.Actor, t.Note)).ToList());
}

public sealed record AndonTransitionResponse(string Transition, int Level, DateTimeOffset At, string Actor, string? Note);

public sealed record AndonListResponse(int Count, IReadOnlyList<AndonResponse> Andons);

/// <summary>
/// Andons: GET /api/andon[?active=true&amp;line=&amp;machine=&amp;from=&amp;to=&amp;limit=], GET /api/andon/{id} (with its
/// transitions), POST /api/andon (an operator pulls the cord: {"machineId" or "lineId", "summary"?, "rule"?}),
/// POST /api/andon/{id}/ack and /resolve ({"note"?}). The actor recorded is the signed-in user or API key. Refused transitions answer 409 saying why.
/// Every transition is also published to ms5.andon.v1; the engine tells Alertmanager.
/// </summary>
internal static class AndonApi
{
        public static void MapAndonApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/andon", ListAsync).RequireAuthorization(AccessPolicies.Read).WithName("ListAndons").WithTags("andon")
            .WithSummary("Andons, newest first; active=true for the open ones.").ProducesValidationProblem();
        app.MapGet("/api/andon/{id}", GetAsync).RequireAuthorization(AccessPolicies.Read).WithName("GetAndon").WithTags("andon")
            .WithSummary("One Andon with its transitions.").ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        app.MapPost("/api/andon", PullAsync).RequireAuthorization(AccessPolicies.AndonOperate).WithName("PullAndon").WithTags("andon")
            .WithSummary("An operator pulls the Andon cord on a machine.").Accepts<JsonElement>("application/json")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        app.MapPost("/api/andon/{id}/ack", (string id, HttpRequest r, NpgsqlDataSource db, KafkaConnection k, TimeProvider t, ILogger<AndonResponse> l, CancellationToken ct) =>
                ChangeAsync(id, AndonAction.Acknowledge, r, db, k, t, l, ct))
            .RequireAuthorization(AccessPolicies.AndonOperate).WithName("AcknowledgeAndon").WithTags("andon").WithSummary("Acknowledge an open Andon (stops its escalation).")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        app.MapPost("/api/andon/{id}/resolve", (string id, HttpRequest r, NpgsqlDataSource db, KafkaConnection k, TimeProvider t, ILogger<AndonResponse> l, CancellationToken ct) =>
                ChangeAsync(id, AndonAction.Resolve, r, db, k, t, l, ct))
            .RequireAuthorization(AccessPolicies.AndonResolve).WithName("ResolveAndon").WithTags("andon").WithSummary("Resolve an open Andon by hand.")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
    }

    private static async Task<Results<Ok<AndonListResponse>, ValidationProblem>> ListAsync(HttpRequest request, NpgsqlDataSource db, TimeProvider time, CancellationToken ct)
    {
        var q = request.Query;
        var errors = new Dictionary<string, string[]>();
        var unknown = q.Keys.Where(k => k is not ("active" or "line" or "machine" or "from" or "to" or "limit")).ToList();
        if (unknown.Count > 0)
        {
            errors["query"] = [$"unknown parameter(s): {string.Join(", ", unknown)}; allowed: active, line, machine, from, to, limit"];
        }

        var activeText = q["active"].ToString();
        var active = activeText switch
        {
            "" or "false" => false,
            "true" => true,
            _ => (bool?)null,
        };
        if (active is null)
        {
            errors["active"] = [$"must be true or false, got '{activeText}'"];
        }

        DateTimeOffset? from = q["from"].ToString().Length > 0 ? QueryParams.Instant(q["from"].ToString(), "from", errors) : null;
        DateTimeOffset? to = q["to"].ToString().Length > 0 ? QueryParams.Instant(q["to"].ToString(), "to", errors) : null;
        var limit = 200;
        if (q["limit"].ToString() is { Length: > 0 } l && (!int.TryParse(l, out limit) || limit < 1 || limit > 10_000))
        {
            errors["limit"] = [$"must be a whole number from 1 to 10000, got '{l}'"];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid query for /api/andon");
        }

        var now = time.GetUtcNow();
        var list = await AndonStore.ListAsync(db, active!.Value, Text(q["line"]), Text(q["machine"]), from, to, limit, ct);
        return TypedResults.Ok(new AndonListResponse(list.Count, list.Select(a => AndonResponse.From(a, now)).ToList()));
    }

    private static string? Text(Microsoft.Extensions.Primitives.StringValues v) => v.ToString() is { Length: > 0 } s ? s : null;

    private static async Task<Results<Ok<AndonResponse>, ValidationProblem, ProblemHttpResult>> GetAsync(string id, NpgsqlDataSource db, TimeProvider time, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var guid))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["id"] = [$"'{Short(id)}' is not an Andon id (a UUID)"] });
        }

        if (await AndonStore.GetAsync(db, guid, ct) is not { } a)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown Andon", detail: $"no Andon with id {guid}");
        }

        return TypedResults.Ok(AndonResponse.From(a, time.GetUtcNow(), await AndonStore.TransitionsAsync(db, guid, ct)));
    }

    private static async Task<Results<Created<AndonResponse>, ValidationProblem, ProblemHttpResult>> PullAsync(
        HttpRequest request, NpgsqlDataSource db, PlantDirectory plants, KafkaConnection kafka, TimeProvider time, ILogger<AndonResponse> logger, CancellationToken ct)
    {
        if (!request.HasJsonContentType())
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type", detail: "send the pull as JSON: {\"machineId\": ..., \"summary\": ...}");
        }

        var (body, bodyError) = await JsonBody.ReadObjectAsync(request, "{}", ct);
        if (bodyError is not null)
        {
            return bodyError;
        }

        var errors = new Dictionary<string, string[]>();
        var machineId = JsonBody.Text(body, "machineId", required: false, errors);
        var lineId = JsonBody.Text(body, "lineId", required: false, errors);
        // The actor is who signed in (or which API key), never what the body claims.
        var by = request.HttpContext.User.Actor();
        var summary = JsonBody.Text(body, "summary", required: false, errors);
        var ruleId = JsonBody.Text(body, "rule", required: false, errors) ?? "manual";
        if ((machineId is null) == (lineId is null) && !errors.ContainsKey("machineId") && !errors.ContainsKey("lineId"))
        {
            errors["machineId"] = ["give exactly one of machineId (a machine's Andon) or lineId (the whole line's)"];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid Andon pull");
        }

        await plants.RefreshAsync(PlantDirectory.FreshEnough, ct);
        MachineOeeContext? ctx;
        if (machineId is not null)
        {
            ctx = await plants.FindAsync(machineId, ct);
            if (ctx is null)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown machine", detail: $"machine '{Short(machineId)}' is not in the plant configuration (see GET /api/machines)");
            }
        }
        else
        {
            // A line-level Andon: stored with an empty machine id; Alertmanager inhibits the line's machine alerts meanwhile.
            ctx = plants.All.FirstOrDefault(m => m.LineId == lineId);
            if (ctx is null)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown line", detail: $"line '{Short(lineId!)}' is not in the plant configuration (see GET /api/machines)");
            }
        }

        if (ctx.Andon.Find(ruleId) is not { Kind: AndonKind.Manual } rule)
        {
            var manual = string.Join(", ", ctx.Andon.Rules.Where(r => r.Kind == AndonKind.Manual).Select(r => r.Id));
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["rule"] = [$"'{Short(ruleId)}' is not a manual Andon rule of this plant; manual rules: {manual}"] }, title: "Invalid Andon pull");
        }

        var now = time.GetUtcNow();
        // A machine's Andon carries the operator assigned for the shift running now; a line's has none.
        var slot = machineId is null ? null : ShiftSlot.At(ctx.Calendar, now);
        var (andon, raised) = await AndonStore.PullAsync(db, ctx.PlantId, ctx.LineId, machineId ?? "", rule, summary ?? $"Andon pulled by {by}", by, now, slot, ct);
        await PublishAsync(kafka, andon, raised, logger);
        await request.HttpContext.RequestServices.GetRequiredService<AuditTrail>().RecordAsync(request.HttpContext, "andon.pull", $"{andon.Id} ({machineId ?? lineId})", "success", ruleId);
        return TypedResults.Created($"/api/andon/{andon.Id}", AndonResponse.From(andon, now, [raised]));
    }

    private static async Task<Results<Ok<AndonResponse>, ValidationProblem, ProblemHttpResult>> ChangeAsync(
        string id, AndonAction action, HttpRequest request, NpgsqlDataSource db, KafkaConnection kafka, TimeProvider time, ILogger<AndonResponse> logger, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var guid))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["id"] = [$"'{Short(id)}' is not an Andon id (a UUID)"] });
        }

        if (!request.HasJsonContentType())
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type", detail: "send {\"note\": ...} as JSON (or {})");
        }

        var (body, bodyError) = await JsonBody.ReadObjectAsync(request, "{}", ct);
        if (bodyError is not null)
        {
            return bodyError;
        }

        var errors = new Dictionary<string, string[]>();
        var by = request.HttpContext.User.Actor();
        var note = JsonBody.Text(body, "note", required: false, errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: $"Invalid Andon {AndonLifecycle.Verb(action)}");
        }

        var now = time.GetUtcNow();
        var (refusal, andon, transition) = await AndonStore.ChangeAsync(db, guid, action, by, note, now, ct);
        var verb = action == AndonAction.Acknowledge ? "andon.ack" : "andon.resolve";
        await request.HttpContext.RequestServices.GetRequiredService<AuditTrail>().RecordAsync(request.HttpContext, verb, guid.ToString(), refusal == AndonRefusal.None ? "success" : refusal.ToString().ToLowerInvariant(), note);
        if (refusal != AndonRefusal.None)
        {
            var (title, detail) = AndonLifecycle.Explain(refusal, action, guid);
            return TypedResults.Problem(statusCode: refusal == AndonRefusal.NotFound ? StatusCodes.Status404NotFound : StatusCodes.Status409Conflict, title: title, detail: detail);
        }

        await PublishAsync(kafka, andon!, transition!, logger);
        return TypedResults.Ok(AndonResponse.From(andon!, now, await AndonStore.TransitionsAsync(db, guid, ct)));
    }

    private static async Task PublishAsync(KafkaConnection kafka, AndonRecord a, AndonTransition t, ILogger logger)
    {
        try
        {
            await kafka.Producer.ProduceAsync(kafka.AndonTopic, System.Text.Encoding.UTF8.GetBytes(a.MachineId), AndonJson.Message(a, t));
        }
        catch (Exception ex) when (ex is Confluent.Kafka.KafkaException or InvalidOperationException)
        {
            // Stored is what counts; the topic is a notification channel.
            logger.LogWarning("Could not publish Andon {Andon} {Transition}: {Error}", a.Id, t.Transition, ex.Message);
        }
    }

    private static string Short(string s) => s.Length <= 64 ? s : string.Concat(s.AsSpan(0, 61), "...");
}
