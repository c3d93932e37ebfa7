using System.Net;
using System.Text;
using System.Text.Json;
using Ms5.Integration.Tests.Support;

namespace Ms5.Integration.Tests.Api;

[Collection("stack-api")]
public sealed class IngestApiTests(StackFixture stack)
{
    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    [Fact]
    public async Task Post_AllValid_Is200_AndTheEventsReachPostgres()
    {
        var t = Some.Now.AddMinutes(-1);
        var ids = Enumerable.Range(0, 20).Select(_ => Guid.CreateVersion7()).ToArray();
        var body = "[" + string.Join(',', ids.Select((id, i) => Some.Count(id, "asm-01", t.AddMilliseconds(i), 2, 0))) + "]";
        await using var api = new ApiFactory(stack);
        var resp = await api.CreateClient().PostAsync(new Uri("/api/ingest/events", UriKind.Relative), Json(body));
        var result = JsonDocument.Parse(await resp.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        Assert.Equal(20, result.GetProperty("accepted").GetInt32());
        Assert.Equal(ids[3].ToString(), result.GetProperty("results")[3].GetProperty("eventId").GetString());
        await stack.WaitUntilAsync(() => stack.ScalarAsync("SELECT count(*) FROM raw_events WHERE event_id = ANY($1)", ids), 20, "HTTP-ingested events");

        // Posting the same batch again (a gateway retry) is accepted and stores nothing twice.
        var again = await api.CreateClient().PostAsync(new Uri("/api/ingest/events", UriKind.Relative), Json(body));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        await stack.WaitForDrainAsync($"test.{stack.RunId}.shared.pg", stack.Topic);
        Assert.Equal(20, await stack.ScalarAsync("SELECT count(*) FROM raw_events WHERE event_id = ANY($1)", ids));
    }

    [Fact]
    public async Task Post_Mixed_Is207_WithPerEventErrors_AndRejectsReachTheDlq()
    {
        var good = Guid.CreateVersion7();
        var badId = Guid.CreateVersion7();
        var body = $"[{Some.Count(good, "asm-02", Some.Now.AddSeconds(-5), 1, 0)}, {Some.Count(badId, "asm-02", Some.Now.AddSeconds(-5), -1, 0)}, 42]";
        await using var api = new ApiFactory(stack);
        var resp = await api.CreateClient().PostAsync(new Uri("/api/ingest/events", UriKind.Relative), Json(body));
        var result = JsonDocument.Parse(await resp.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal((HttpStatusCode)207, resp.StatusCode);
        Assert.Equal(1, result.GetProperty("accepted").GetInt32());
        Assert.Equal(2, result.GetProperty("rejected").GetInt32());
        var second = result.GetProperty("results")[1];
        Assert.Equal("rejected", second.GetProperty("status").GetString());
        Assert.Equal(badId.ToString(), second.GetProperty("eventId").GetString());
        Assert.Equal("good", second.GetProperty("errors")[0].GetProperty("field").GetString());
        Assert.Equal("$", result.GetProperty("results")[2].GetProperty("errors")[0].GetProperty("field").GetString());

        var dlq = stack.ReadAll(stack.DlqTopic, 1, TimeSpan.FromSeconds(20));
        Assert.Contains(dlq, m => m.Message.Value is { } v && Encoding.UTF8.GetString(v).Contains(badId.ToString(), StringComparison.Ordinal)
            && m.Message.Headers.TryGetLastBytes(Kafka.DeadLetters.DlqHeaders.Stage, out var s) && Encoding.UTF8.GetString(s) == "http-ingest");
        // ... and dead_letters, once each: the rejected event and the element that was not even an object (index 2).
        await stack.WaitUntilAsync(() => stack.ScalarAsync("SELECT count(*) FROM dead_letters WHERE stage = 'http-ingest' AND convert_from(payload, 'UTF8') LIKE $1", $"%{badId}%"), 1, "the HTTP reject in dead_letters");
        var source = await stack.ScalarTextAsync("SELECT source_topic FROM dead_letters WHERE stage = 'http-ingest' AND convert_from(payload, 'UTF8') LIKE $1", $"%{badId}%");
        Assert.StartsWith("http:/api/ingest/events/", source, StringComparison.Ordinal);
        await stack.WaitUntilAsync(() => stack.ScalarAsync("SELECT count(*) FROM dead_letters WHERE source_topic = $1 AND source_offset = 2 AND convert_from(payload, 'UTF8') = '42'", source!), 1, "the non-object element in dead_letters");
    }

    [Fact]
    public async Task Post_AllInvalid_Is422()
    {
        await using var api = new ApiFactory(stack);
        var resp = await api.CreateClient().PostAsync(new Uri("/api/ingest/events", UriKind.Relative), Json("""[{"machineId":"asm-02"}]"""));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, resp.StatusCode);
        var errors = JsonDocument.Parse(await resp.Content.ReadAsStringAsync()).RootElement.GetProperty("results")[0].GetProperty("errors");
        Assert.Equal(["eventId", "ts", "type"], errors.EnumerateArray().Select(e => e.GetProperty("field").GetString()!).ToArray());
    }

    [Theory]
    [InlineData("{\"eventId\":1}", HttpStatusCode.BadRequest, "Body must be a JSON array")]
    [InlineData("[1,2", HttpStatusCode.BadRequest, "Body is not valid JSON")]
    [InlineData("[]", HttpStatusCode.BadRequest, "No events")]
    public async Task Post_BadBody_IsProblem(string body, HttpStatusCode status, string title)
    {
        await using var api = new ApiFactory(stack);
        var resp = await api.CreateClient().PostAsync(new Uri("/api/ingest/events", UriKind.Relative), Json(body));
        Assert.Equal(status, resp.StatusCode);
        Assert.Equal("application/problem+json", resp.Content.Headers.ContentType?.MediaType);
        Assert.Equal(title, JsonDocument.Parse(await resp.Content.ReadAsStringAsync()).RootElement.GetProperty("title").GetString());
    }

    [Fact]
    public async Task Post_WrongContentType_Is415()
    {
        await using var api = new ApiFactory(stack);
        var resp = await api.CreateClient().PostAsync(new Uri("/api/ingest/events", UriKind.Relative), new StringContent("[]", Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, resp.StatusCode);
    }

    [Fact]
    public async Task Post_TooManyEvents_Is413()
    {
        await using var api = new ApiFactory(stack);
        var body = "[" + string.Join(',', Enumerable.Repeat("{}", 501)) + "]";
        var resp = await api.CreateClient().PostAsync(new Uri("/api/ingest/events", UriKind.Relative), Json(body));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, resp.StatusCode);
        Assert.Contains("at most 500", await resp.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_WhenKafkaIsUnreachable_Is503_AndEachEventIsMarkedFailed()
    {
        await using var api = new ApiFactory(stack, kafkaOverride: "127.0.0.1:1");
        var body = $"[{Some.Count(Guid.CreateVersion7(), "asm-02", Some.Now.AddSeconds(-1), 1, 0)}]";
        var resp = await api.CreateClient().PostAsync(new Uri("/api/ingest/events", UriKind.Relative), Json(body));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, resp.StatusCode);
        var result = JsonDocument.Parse(await resp.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(1, result.GetProperty("failed").GetInt32());
        Assert.Equal("failed", result.GetProperty("results")[0].GetProperty("status").GetString());
    }

    [Fact]
    public async Task Readyz_WhenKafkaIsUnreachable_Is503NamingKafka()
    {
        await using var api = new ApiFactory(stack, kafkaOverride: "127.0.0.1:1");
        var resp = await api.CreateClient().GetAsync(new Uri("/readyz", UriKind.Relative));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, resp.StatusCode);
        var checks = JsonDocument.Parse(await resp.Content.ReadAsStringAsync()).RootElement.GetProperty("checks");
        Assert.Equal("down", checks.GetProperty("kafka").GetProperty("status").GetString());
        Assert.Equal("up", checks.GetProperty("postgres").GetProperty("status").GetString());
    }
}
