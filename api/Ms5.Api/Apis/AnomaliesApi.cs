using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Ms5.Analytics.Access;
using Ms5.Api.Access;
using Ms5.Ml;
using Ms5.Postgres;

namespace Ms5.Api.Apis;

public sealed record ModelWindow(DateTimeOffset From, DateTimeOffset To, double Days);

/// <summary>A downtime model version as the API shows it; <see cref="Metrics"/> is what the trainer measured.</summary>
public sealed record DowntimeModelResponse(
    string PlantId, int Version, string Status, string? StatusDetail, DateTimeOffset TrainedAt, ModelWindow Window,
    IReadOnlyList<string> Features, JsonElement Options, JsonElement Metrics);

/// <summary>POST /api/ml/downtime/train's answer: the stored version and the flags stored by scoring its window.</summary>
public sealed record TrainResponse(
    string PlantId, int Version, string Status, string? StatusDetail, DateTimeOffset TrainedAt, ModelWindow Window, JsonElement Metrics, int Flags);

/// <summary>One flagged stop; <see cref="Score"/> in [0, 1), 0.5 at the threshold; <see cref="Kind"/> long_stop, burst or unseen_reason.</summary>
public sealed record AnomalyItem(
    Guid Id, string Kind, string PlantId, string MachineId, string LineId, string Reason, DateTimeOffset Start, DateTimeOffset? End,
    double Seconds, double Score, bool Flagged, bool Open, string Explanation, int ModelVersion);

public sealed record AnomalyList(IReadOnlyList<AnomalyItem> Items);

public sealed record FeedbackResponse(Guid Id, string Label, string? Note, string By, DateTimeOffset At);

/// <summary>
/// Downtime anomaly flags (issue 13): POST /api/ml/downtime/train (train a plant's model now and score its window),
/// GET /api/ml/downtime/model (the model in use), GET /api/downtime/anomalies (flags of a machine, line or plant),
/// POST /api/downtime/anomalies/{id}/feedback (confirm or dismiss a flag).
/// </summary>
internal static class AnomaliesApi
{
    public const int DefaultLimit = 5000;
    public const int MaxLimit = 50_000;
    /// <summary>No instant before this is plant history (and the window arithmetic stays in range).</summary>
    private static readonly DateTimeOffset Earliest = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Without from: the 28 days before to, a model's default training window.</summary>
    private static readonly TimeSpan DefaultRange = TimeSpan.FromDays(28);
    private const string TrainExample = """{"plantId": "plant-1", "days": 28, "to": "2026-11-30T06:00:00Z"}""";
    private const string FeedbackExample = """{"label": "confirmed", "note": "tool break, see ticket 4711"}""";
    private static readonly string[] QueryNames = ["machine", "line", "plant", "from", "to", "minScore", "flagged", "limit"];

    public static void MapAnomaliesApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/ml/downtime/train", TrainAsync).RequireAuthorization(AccessPolicies.Ml).WithName("TrainDowntimeModel").WithTags("anomalies")
            .WithSummary("Train a plant's downtime anomaly model on the days before now (or before to), store it as a new version and flag the window's unusual stops.")
            .Accepts<JsonElement>("application/json")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        app.MapGet("/api/ml/downtime/model", ModelAsync).RequireAuthorization(AccessPolicies.Read).WithName("GetDowntimeModel").WithTags("anomalies")
            .WithSummary("The plant's downtime model in use (the newest ready version; else its newest training run and why it is not ready).")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        app.MapGet("/api/downtime/anomalies", ListAsync).RequireAuthorization(AccessPolicies.Read).WithName("ListDowntimeAnomalies").WithTags("anomalies")
            .WithSummary("Unusual stops of a machine, line or plant overlapping [from, to), each with its score and explanation.")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        app.MapPost("/api/downtime/anomalies/{id}/feedback", FeedbackAsync).RequireAuthorization(AccessPolicies.Ml).WithName("DowntimeAnomalyFeedback").WithTags("anomalies")
            .WithSummary("Confirm or dismiss a flag; confirmed stops are left out of the next training.")
            .Accepts<JsonElement>("application/json")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
    }

    private static async Task<Results<Ok<TrainResponse>, ValidationProblem, ProblemHttpResult>> TrainAsync(HttpRequest request, DowntimeTrainer trainer, TimeProvider time, CancellationToken ct)
    {
        var (body, bodyError) = await JsonBody.ReadObjectAsync(request, TrainExample, ct);
        if (bodyError is not null)
        {
            return bodyError;
        }

        var errors = new Dictionary<string, string[]>();
        var unknown = body.EnumerateObject().Select(p => p.Name).Where(n => n is not ("plantId" or "days" or "to")).ToList();
        if (unknown.Count > 0)
        {
            errors["body"] = [$"unknown field(s): {string.Join(", ", unknown)}; allowed: plantId, days, to"];
        }

        var plantId = JsonBody.Text(body, "plantId", required: true, errors);
        var max = trainer.Options.MaxDays;
        var days = trainer.Options.DefaultDays;
        if (body.TryGetProperty("days", out var d) && d.ValueKind != JsonValueKind.Null)
        {
            if (d.ValueKind == JsonValueKind.Number && d.TryGetInt32(out var n) && n >= 1 && n <= max)
            {
                days = n;
            }
            else
            {
                errors["days"] = [$"must be a whole number of days from 1 to {max}, got {d.GetRawText()}"];
            }
        }

        DateTimeOffset? until = null;
        if (JsonBody.Text(body, "to", required: false, errors) is { } toText)
        {
            until = QueryParams.Instant(toText, "to", errors);
            if (until is { } early && early < Earliest)
            {
                errors["to"] = [$"must be on or after {Earliest:yyyy-MM-dd}"];
            }
            else if (until is { } u && u > time.GetUtcNow())
            {
                errors["to"] = ["must not be in the future: the window ends at to (default now)"];
            }
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid training request");
        }

        if (await trainer.PlantAsync(plantId!, ct) is not { } plant)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown plant", detail: $"plant '{plantId}' is not loaded");
        }

        var result = await trainer.TrainAsync(plant, days, until, ct);
        var m = result.Model;
        await Audit(request, "ml.train", plant.PlantId, AnomalyStore.StatusName(m.Status), $"version {m.Version}; {days} days; {result.Flags} flags");
        return TypedResults.Ok(new TrainResponse(m.PlantId, m.Version, AnomalyStore.StatusName(m.Status), m.StatusDetail, m.TrainedAt, Window(m),
            JsonSerializer.SerializeToElement(result.Metrics, JsonSerializerOptions.Web), result.Flags));
    }

    private static async Task<Results<Ok<DowntimeModelResponse>, ValidationProblem, ProblemHttpResult>> ModelAsync(HttpRequest request, AnomalyStore store, OeeQueries oee, CancellationToken ct)
    {
        var q = request.Query;
        var errors = new Dictionary<string, string[]>();
        var unknown = q.Keys.Where(k => k != "plant").ToList();
        if (unknown.Count > 0)
        {
            errors["query"] = [$"unknown parameter(s): {string.Join(", ", unknown)}; allowed: plant"];
        }

        var plantId = q["plant"].ToString();
        if (plantId.Length == 0)
        {
            errors["plant"] = ["is required"];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid query for /api/ml/downtime/model");
        }

        if (await oee.TimeZoneAsync(OeeScope.Plant, plantId, ct) is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown plant", detail: $"plant '{plantId}' is not in the plant configuration");
        }

        if ((await store.LatestReadyAsync(plantId, ct) ?? await store.LatestAsync(plantId, ct)) is not { } m)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No model",
                detail: $"plant '{plantId}' has no downtime model yet; train one with POST /api/ml/downtime/train");
        }

        return TypedResults.Ok(new DowntimeModelResponse(m.PlantId, m.Version, AnomalyStore.StatusName(m.Status), m.StatusDetail, m.TrainedAt, Window(m),
            JsonSerializer.Deserialize<string[]>(m.FeaturesJson) ?? [], Element(m.OptionsJson), Element(m.MetricsJson)));
    }

    private static async Task<Results<Ok<AnomalyList>, ValidationProblem, ProblemHttpResult>> ListAsync(
        HttpRequest request, AnomalyStore store, OeeQueries oee, TimeProvider time, CancellationToken ct)
    {
        var q = request.Query;
        var errors = new Dictionary<string, string[]>();
        var unknown = q.Keys.Where(k => !QueryNames.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            errors["query"] = [$"unknown parameter(s): {string.Join(", ", unknown)}; allowed: {string.Join(", ", QueryNames)}"];
        }

        var scopes = new[] { ("machine", OeeScope.Machine), ("line", OeeScope.Line), ("plant", OeeScope.Plant) }.Where(s => q[s.Item1].ToString().Length > 0).ToList();
        if (scopes.Count != 1)
        {
            errors["scope"] = ["give exactly one of machine, line or plant"];
        }

        var now = time.GetUtcNow();
        DateTimeOffset? to = q["to"].ToString() is { Length: > 0 } toText ? QueryParams.Instant(toText, "to", errors) : now;
        DateTimeOffset? from = q["from"].ToString() is { Length: > 0 } fromText ? QueryParams.Instant(fromText, "from", errors)
            : to is { } end && end >= Earliest ? end - DefaultRange : to;
        foreach (var (field, value) in new[] { ("from", from), ("to", to) })
        {
            if (value is { } v && v < Earliest && !errors.ContainsKey(field))
            {
                errors[field] = [$"must be on or after {Earliest:yyyy-MM-dd}"];
            }
        }

        if (from is { } f && to is { } t && f >= t && !errors.ContainsKey("from") && !errors.ContainsKey("to"))
        {
            errors["to"] = ["must be later than from; the range is [from, to)"];
        }

        var minScore = 0.0;
        if (q["minScore"].ToString() is { Length: > 0 } ms)
        {
            if (!double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out minScore) || !(minScore is >= 0 and <= 1))
            {
                errors["minScore"] = [$"must be a number from 0 to 1, got '{Short(ms)}'"];
            }
        }

        // flagged=true (default): the stops flagged now; false: stops once flagged that a later judgement (the stop's end,
        // a newer model) found normal; any: both.
        bool? flagged = true;
        if (q["flagged"].ToString() is { Length: > 0 } fl)
        {
            flagged = fl switch
            {
                "true" => true,
                "false" => false,
                "any" => null,
                _ => Invalid(errors, "flagged", $"must be true, false or any, got '{Short(fl)}'"),
            };
        }

        var limit = DefaultLimit;
        if (q["limit"].ToString() is { Length: > 0 } lt && (!int.TryParse(lt, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1 || limit > MaxLimit))
        {
            errors["limit"] = [$"must be a whole number from 1 to {MaxLimit}, got '{Short(lt)}'"];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid query for /api/downtime/anomalies");
        }

        var (name, scope) = scopes[0];
        var id = q[name].ToString();
        if (await oee.TimeZoneAsync(scope, id, ct) is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: $"Unknown {name}", detail: $"{name} '{id}' is not in the plant configuration");
        }

        var rows = await store.QueryAsync(scope, id, from!.Value, to!.Value, minScore, limit, ct, flagged);
        return TypedResults.Ok(new AnomalyList(rows.Select(a => new AnomalyItem(a.Id, a.Kind, a.PlantId, a.MachineId, a.LineId, a.Reason, a.Start, a.End,
            a.Seconds, a.Score, a.Flagged, a.Open, a.Explanation, a.ModelVersion)).ToList()));
    }

    private static bool? Invalid(Dictionary<string, string[]> errors, string name, string message)
    {
        errors[name] = [message];
        return null;
    }

    private static async Task<Results<Ok<FeedbackResponse>, ValidationProblem, ProblemHttpResult>> FeedbackAsync(
        string id, HttpRequest request, AnomalyStore store, TimeProvider time, CancellationToken ct)
    {
        var (body, bodyError) = await JsonBody.ReadObjectAsync(request, FeedbackExample, ct);
        if (bodyError is not null)
        {
            return bodyError;
        }

        var errors = new Dictionary<string, string[]>();
        var unknown = body.EnumerateObject().Select(p => p.Name).Where(n => n is not ("label" or "note")).ToList();
        if (unknown.Count > 0)
        {
            errors["body"] = [$"unknown field(s): {string.Join(", ", unknown)}; allowed: label, note"];
        }

        var label = JsonBody.Text(body, "label", required: true, errors);
        if (label is not null and not ("confirmed" or "dismissed"))
        {
            errors["label"] = [$"must be confirmed or dismissed, got '{Short(label)}'"];
        }

        var note = JsonBody.Text(body, "note", required: false, errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid feedback");
        }

        if (!Guid.TryParse(id, out var guid) || await store.GetAsync(guid, ct) is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown anomaly", detail: $"no downtime anomaly with id '{Short(id)}'");
        }

        var by = request.HttpContext.User.Actor();
        var at = time.GetUtcNow();
        if (!await store.AddFeedbackAsync(guid, label!, note, by, at, ct))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown anomaly", detail: $"no downtime anomaly with id '{guid}'");
        }

        await Audit(request, "anomaly.feedback", guid.ToString(), label!, note);
        return TypedResults.Ok(new FeedbackResponse(guid, label!, note, by, at));
    }

    private static ModelWindow Window(DowntimeModelRow m) => new(m.From, m.To, Math.Round((m.To - m.From).TotalDays, 3));

    private static JsonElement Element(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.Clone();
    }

    private static string Short(string s) => s.Length <= 60 ? s : s[..60] + "...";

    private static Task Audit(HttpRequest request, string action, string target, string outcome, string? detail) =>
        request.HttpContext.RequestServices.GetRequiredService<AuditTrail>().RecordAsync(request.HttpContext, action, target, outcome, detail);
}
