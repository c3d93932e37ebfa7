using Ms5.Kafka;
using Prometheus;

// The dev broker keeps topics in memory: when it stops, topics are gone. Consumers handle that
// (stored offsets past the end restart from the beginning; see KafkaOptions.ConsumerConfig).
var builder = WebApplication.CreateSlimBuilder(args);
var port = Environment.GetEnvironmentVariable("MS5_DEVBROKER_PORT") ?? "59092";
builder.WebHost.UseUrls($"http://127.0.0.1:{port}");

var brokers = int.Parse(Environment.GetEnvironmentVariable("MS5_DEVBROKER_BROKERS") ?? "1", System.Globalization.CultureInfo.InvariantCulture);
using var cluster = new MockCluster(brokers);
var created = new System.Collections.Concurrent.ConcurrentDictionary<string, int>(StringComparer.Ordinal);
foreach (var (name, partitions) in Topics.DefaultPartitions)
{
    cluster.CreateTopic(name, partitions);
    created[name] = partitions;
}

var topicsGauge = Metrics.CreateGauge("ms5_devbroker_topics", "Topics created through the dev broker.");
topicsGauge.Set(created.Count);

// Structured logs: one JSON object per line, scopes and state fields kept.
builder.Logging.ClearProviders();
builder.Logging.AddJsonConsole(o =>
{
    o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
    o.UseUtcTimestamp = true;
});
var app = builder.Build();
app.MapGet("/healthz", () => Results.Text("ok"));
app.MapGet("/bootstrap", () => Results.Text(cluster.BootstrapServers));
app.MapGet("/topics", () => Results.Ok(created.OrderBy(t => t.Key).Select(t => new TopicRequest(t.Key, t.Value))));
app.MapPost("/topics", (TopicRequest req) =>
{
    if (string.IsNullOrWhiteSpace(req.Name) || req.Name.Length > 249 || req.Name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-')))
    {
        return Results.Problem(title: "invalid topic name", detail: "name: 1-249 characters of letters, digits, '.', '_' or '-'", statusCode: 400);
    }

    if (req.Partitions is < 1 or > 1000)
    {
        return Results.Problem(title: "invalid partition count", detail: "partitions: must be 1-1000", statusCode: 400);
    }

    if (created.TryGetValue(req.Name, out var existing))
    {
        return Results.Ok(new TopicRequest(req.Name, existing));
    }

    cluster.CreateTopic(req.Name, req.Partitions);
    created[req.Name] = req.Partitions;
    topicsGauge.Set(created.Count);
    return Results.Created($"/topics/{req.Name}", req);
});
app.MapDelete("/topics/{name}", (string name) =>
{
    if (Topics.DefaultPartitions.ContainsKey(name))
    {
        return Results.Problem(title: "fixed topic", detail: $"{name} is one of MS5's fixed topics and is not deleted", statusCode: 409);
    }

    if (!created.TryRemove(name, out _))
    {
        return Results.Problem(title: "unknown topic", detail: $"{name} was not created through this broker", statusCode: 404);
    }

    // Frees the topic's memory: tests and benchmarks create large per-run topics.
    cluster.DeleteTopic(name);
    topicsGauge.Set(created.Count);
    return Results.NoContent();
});
app.MapMetrics();

var home = Ms5Home.Path;
Directory.CreateDirectory(home);
var bootstrapFile = Path.Combine(home, "kafka.bootstrap");
await app.StartAsync();
await File.WriteAllTextAsync(bootstrapFile, cluster.BootstrapServers + "\n");
app.Logger.LogInformation("Kafka dev broker listening on {Bootstrap} ({Brokers} broker(s)); control on port {Port}", cluster.BootstrapServers, brokers, port);
await app.WaitForShutdownAsync();
File.Delete(bootstrapFile);

internal sealed record TopicRequest(string Name, int Partitions);
