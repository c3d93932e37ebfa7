using Microsoft.AspNetCore.Http.HttpResults;
using Prometheus;

namespace Ms5.DevBroker;

/// <summary>A topic as the control API takes and returns it.</summary>
internal sealed record TopicRequest(string Name, int Partitions);

/// <summary>
/// The control API: health, the bootstrap address, and topic create/list/delete (Kafka's Admin API
/// does not create topics on the mock cluster with a partition count, so TopicAdmin calls this).
/// </summary>
internal static class DevBrokerApi
{
    public static void MapDevBrokerApi(this IEndpointRouteBuilder app, MockCluster cluster, MockTopics topics)
    {
        app.MapGet("/healthz", () => TypedResults.Text("ok"));
        // The mock cluster lives in this process: when it answers, the broker is there.
        app.MapGet("/readyz", () => TypedResults.Ok(new Ms5.ServiceDefaults.ReadinessReport("ready",
            new Dictionary<string, Ms5.ServiceDefaults.DependencyStatus>(StringComparer.Ordinal) { ["mock-cluster"] = new("up", 0) })));
        app.MapGet("/bootstrap", () => TypedResults.Text(cluster.BootstrapServers));
        app.MapGet("/topics", () => TypedResults.Ok(topics.List().Select(t => new TopicRequest(t.Name, t.Partitions))));
        app.MapPost("/topics", (TopicRequest req) => CreateTopic(topics, req));
        app.MapDelete("/topics/{name}", (string name) => DeleteTopic(topics, name));
        app.MapPut("/topics/{name}/error", (string name, TopicError body) => SetError(cluster, name, body));
        app.MapMetrics();
    }

    private static Results<Ok<TopicRequest>, Created<TopicRequest>, ProblemHttpResult> CreateTopic(MockTopics topics, TopicRequest req)
    {
        if (string.IsNullOrWhiteSpace(req.Name) || req.Name.Length > 249 || req.Name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-')))
        {
            return TypedResults.Problem(title: "invalid topic name", detail: "name: 1-249 characters of letters, digits, '.', '_' or '-'", statusCode: 400);
        }

        if (req.Partitions is < 1 or > 1000)
        {
            return TypedResults.Problem(title: "invalid partition count", detail: "partitions: must be 1-1000", statusCode: 400);
        }

        return topics.Create(req.Name, req.Partitions, out var existing)
            ? TypedResults.Created($"/topics/{req.Name}", req)
            : TypedResults.Ok(new TopicRequest(req.Name, existing));
    }

    /// <summary>PUT /topics/NAME/error {"error":"TopicAuthorizationFailed"}: the broker answers with that error for the topic ("NoError" clears it).</summary>
    private static Results<NoContent, ProblemHttpResult> SetError(MockCluster cluster, string name, TopicError body)
    {
        if (!Enum.TryParse<Confluent.Kafka.ErrorCode>(body.Error, ignoreCase: false, out var error) || !Enum.IsDefined(error))
        {
            return TypedResults.Problem(title: "unknown error", detail: $"error: a Confluent.Kafka ErrorCode name such as TopicAuthorizationFailed or NoError, got '{body.Error}'", statusCode: 400);
        }

        cluster.SetTopicError(name, error);
        return TypedResults.NoContent();
    }

    private static Results<NoContent, ProblemHttpResult> DeleteTopic(MockTopics topics, string name)
    {
        if (topics.IsFixed(name))
        {
            return TypedResults.Problem(title: "fixed topic", detail: $"{name} is one of MS5's fixed topics and is not deleted", statusCode: 409);
        }

        return topics.Delete(name)
            ? TypedResults.NoContent()
            : TypedResults.Problem(title: "unknown topic", detail: $"{name} was not created through this broker", statusCode: 404);
    }
}

/// <summary>The error a topic's requests are answered with.</summary>
internal sealed record TopicError(string Error);
