using Ms5.Analytics.Access;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.AspNetCore.Http.HttpResults;
using Ms5.Analytics.Events;
using Ms5.Kafka;
using Ms5.Kafka.DeadLetters;
using Ms5.Postgres;

namespace Ms5.Api.Apis;

public sealed record IngestError(string Field, string Message);

/// <summary>One event's outcome: accepted (in Kafka), rejected (invalid; also sent to the DLQ) or failed (Kafka did not take it; retry).</summary>
public sealed record IngestResult(int Index, string? EventId, string Status, IReadOnlyList<IngestError>? Errors = null);

public sealed record IngestResponse(int Accepted, int Rejected, int Failed, IReadOnlyList<IngestResult> Results);

/// <summary>
/// POST /api/ingest/events with a JSON array of contract events, for gateways that cannot speak Kafka.
/// Each event is validated on its own: valid ones are produced (idempotent, acks=all, key = machineId)
/// and acknowledged only once Kafka has them; invalid ones are answered with every problem and sent
/// to the DLQ. 200 = all accepted, 207 = some accepted, 422 = none accepted, 503 = Kafka unavailable.
/// Re-posting a batch is safe: the historian stores each eventId once.
/// </summary>
internal static class IngestApi
{
    /// <summary>The DLQ stage and source of events rejected here (headers ms5-dlq-stage, ms5-source-topic).</summary>
    public const string Stage = "http-ingest";
    /// <summary>Followed by "/" and the request's id (UUIDv7): the DLQ record's source topic.</summary>
    public const string Source = "http:/api/ingest/events";

    public static void MapIngestApi(this IEndpointRouteBuilder app) =>
        app.MapPost("/api/ingest/events", PostAsync)
            .RequireAuthorization(AccessPolicies.Ingest).RequireRateLimiting(Access.AccessServices.IngestLimit).WithName("IngestEvents").WithTags("ingest")
            .WithSummary("Batch ingest of contract-v1 events (JSON array).")
            .Accepts<JsonElement>("application/json")
            .Produces<IngestResponse>(StatusCodes.Status200OK)
            .Produces<IngestResponse>(StatusCodes.Status207MultiStatus)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

    private static async Task<Results<Ok<IngestResponse>, JsonHttpResult<IngestResponse>, ProblemHttpResult>> PostAsync(
        HttpRequest request, EventRules rules, PlantDirectory plants, KafkaConnection kafka, ApiOptions options, TimeProvider time, ILoggerFactory logs, CancellationToken ct)
    {
        if (!request.HasJsonContentType())
        {
            return Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", "send the events as a JSON array with Content-Type: application/json");
        }

        JsonDocument doc;
        try
        {
            doc = await JsonDocument.ParseAsync(request.Body, default, ct);
        }
        catch (JsonException ex)
        {
            return Problem(StatusCodes.Status400BadRequest, "Body is not valid JSON", ex.Message);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Problem(StatusCodes.Status413PayloadTooLarge, "Body too large", ex.Message);
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Array)
            {
                return Problem(StatusCodes.Status400BadRequest, "Body must be a JSON array", $"got {doc.RootElement.ValueKind.ToString().ToLowerInvariant()}; wrap events in [ ... ]");
            }

            var count = doc.RootElement.GetArrayLength();
            if (count == 0)
            {
                return Problem(StatusCodes.Status400BadRequest, "No events", "the array is empty");
            }

            if (count > options.MaxIngestBatch)
            {
                return Problem(StatusCodes.Status413PayloadTooLarge, "Too many events", $"{count} events in one request; at most {options.MaxIngestBatch} (split the batch)");
            }

            EventProducer producer;
            try
            {
                producer = kafka.Producer;
            }
            catch (Exception ex) when (ex is InvalidOperationException or KafkaException)
            {
                return Problem(StatusCodes.Status503ServiceUnavailable, "Kafka unavailable", ex.Message);
            }

            if (await kafka.UnreachableBecauseAsync(options.EventsTopic, time) is { } why)
            {
                // Nothing is produced, valid or not: the gateway retries the whole request later (event ids make that safe).
                var none = doc.RootElement.EnumerateArray().Select((e, i) => new IngestResult(i, TryEventId(e), "failed", [new IngestError("$", $"Kafka is unreachable ({why}); nothing of this request was accepted: retry it")])).ToList();
                return TypedResults.Json(new IngestResponse(0, 0, count, none), statusCode: StatusCodes.Status503ServiceUnavailable);
            }

            var elements = doc.RootElement.EnumerateArray().Select(e => (Element: e, Bytes: Encoding.UTF8.GetBytes(e.GetRawText()))).ToList();
            var parsed = elements.Select(e => EventParser.Parse(e.Bytes)).ToList();
            // A machine of a plant loaded a moment ago must not be rejected as unknown.
            await plants.EnsureLoadedAsync(parsed.Select(p => p.Event?.MachineId ?? p.ValidMachineId), ct);
            var now = time.GetUtcNow();
            // Each request is its own source: dead_letters keeps one row per source position.
            var source = $"{Source}/{Guid.CreateVersion7():N}";
            var pending = new List<(int Index, string? EventId, Task<DeliveryResult<byte[]?, byte[]?>> Send, IReadOnlyList<EventProblem>? Problems)>(count);
            for (var i = 0; i < elements.Count; i++)
            {
                var (element, bytes) = elements[i];
                var problems = rules.AllProblems(parsed[i], now);
                var machine = parsed[i].Event?.MachineId ?? parsed[i].ValidMachineId;
                var key = machine is null ? null : Encoding.UTF8.GetBytes(machine);
                var eventId = parsed[i].Event?.EventId.ToString("D") ?? TryEventId(element);
                if (problems.Count == 0)
                {
                    pending.Add((i, eventId, producer.ProduceAsync(options.EventsTopic, key, bytes, ct: ct), null));
                }
                else
                {
                    var letter = DeadLetterMessage.FromOutsideKafka(Stage, source, i, machine ?? parsed[i].MachineId, problems, bytes, key);
                    pending.Add((i, eventId, producer.Inner.ProduceAsync(options.DlqTopic, DeadLetterMessage.Create(letter), ct), problems));
                }
            }

            var results = new List<IngestResult>(count);
            int accepted = 0, rejected = 0, failed = 0;
            foreach (var p in pending)
            {
                string? sendError = null;
                try
                {
                    await p.Send;
                }
                catch (ProduceException<byte[]?, byte[]?> ex)
                {
                    sendError = ex.Error.Reason;
                }

                if (p.Problems is { } problems)
                {
                    rejected++;
                    results.Add(new IngestResult(p.Index, p.EventId, "rejected", problems.Select(x => new IngestError(x.Field, x.Message)).ToList()));
                }
                else if (sendError is null)
                {
                    accepted++;
                    results.Add(new IngestResult(p.Index, p.EventId, "accepted"));
                }
                else
                {
                    failed++;
                    results.Add(new IngestResult(p.Index, p.EventId, "failed", [new IngestError("$", $"Kafka did not acknowledge the event: {sendError}; retry it")]));
                }
            }

            if (rejected > 0)
            {
                logs.CreateLogger("Ms5.Api.Ingest").LogWarning("HTTP ingest rejected {Rejected} of {Count} events", rejected, count);
            }

            var body = new IngestResponse(accepted, rejected, failed, results);
            if (failed > 0)
            {
                return TypedResults.Json(body, statusCode: StatusCodes.Status503ServiceUnavailable);
            }

            return accepted == count ? TypedResults.Ok(body)
                : accepted > 0 ? TypedResults.Json(body, statusCode: StatusCodes.Status207MultiStatus)
                : TypedResults.Json(body, statusCode: StatusCodes.Status422UnprocessableEntity);
        }
    }

    private static string? TryEventId(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty("eventId", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;

    private static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail);
}
