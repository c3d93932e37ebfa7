using System.Net;
using System.Text.Json;
using Ms5.Integration.Tests.Support;

namespace Ms5.Integration.Tests.Api;

[Collection("stack-api")]
public sealed class EventsApiTests(StackFixture stack)
{
    private static readonly DateTimeOffset T0 = new(2026, 10, 5, 8, 0, 0, TimeSpan.Zero);

    private async Task<Guid[]> SeedAsync()
    {
        // 250 events of press-04 on 2026-10-05 08:00..08:04:09, one per second (a day no other test uses).
        var ids = Enumerable.Range(0, 250).Select(_ => Guid.CreateVersion7()).ToArray();
        var exists = await stack.ScalarAsync("SELECT count(*) FROM raw_events WHERE machine_id = 'press-04' AND ts >= $1 AND ts < $2", T0.UtcDateTime, T0.AddDays(1).UtcDateTime);
        if (exists == 250)
        {
            return ids;
        }

        await stack.ProduceAsync(stack.Topic, ids.Select((id, i) => ((string?)"press-04", i % 25 == 0
            ? Some.State(id, "press-04", T0.AddSeconds(i), "down", "jam")
            : Some.Counter(id, "press-04", T0.AddSeconds(i), 1000 + i, i / 10))));
        await stack.WaitUntilAsync(() => stack.ScalarAsync("SELECT count(*) FROM raw_events WHERE machine_id = 'press-04' AND ts >= $1 AND ts < $2", T0.UtcDateTime, T0.AddDays(1).UtcDateTime), 250, "seeded events");
        return ids;
    }

    [Fact]
    public async Task Events_PagesThroughARangeWithTheCursor_InContractShape()
    {
        await SeedAsync();
        await using var api = new ApiFactory(stack);
        var client = api.CreateClient();
        var seen = new List<JsonElement>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var url = $"/api/events?machine=press-04&from={Some.Ts(T0)}&to={Some.Ts(T0.AddDays(1))}&limit=100" + (cursor is null ? "" : $"&cursor={cursor}");
            var body = JsonDocument.Parse(await client.GetStringAsync(new Uri(url, UriKind.Relative))).RootElement.Clone();
            seen.AddRange(body.GetProperty("events").EnumerateArray());
            cursor = body.GetProperty("nextCursor").ValueKind == JsonValueKind.Null ? null : body.GetProperty("nextCursor").GetString();
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(3, pages);
        Assert.Equal(250, seen.Count);
        Assert.Equal(250, seen.Select(e => e.GetProperty("eventId").GetString()).Distinct().Count());
        Assert.Equal("2026-10-05T08:00:00.000Z", seen[0].GetProperty("ts").GetString());
        Assert.Equal("state", seen[0].GetProperty("type").GetString());
        Assert.Equal("down", seen[0].GetProperty("state").GetString());
        Assert.Equal("jam", seen[0].GetProperty("reason").GetString());
        Assert.Equal(1001, seen[1].GetProperty("goodTotal").GetInt64());
        Assert.False(seen[1].TryGetProperty("state", out _));
    }

    [Fact]
    public async Task Events_FromToIsHalfOpen()
    {
        await SeedAsync();
        await using var api = new ApiFactory(stack);
        var body = JsonDocument.Parse(await api.CreateClient().GetStringAsync(new Uri($"/api/events?machine=press-04&from={Some.Ts(T0.AddSeconds(10))}&to={Some.Ts(T0.AddSeconds(20))}", UriKind.Relative))).RootElement;
        Assert.Equal(10, body.GetProperty("count").GetInt32());
        Assert.Equal("2026-10-05T08:00:10.000Z", body.GetProperty("events")[0].GetProperty("ts").GetString());
        Assert.Equal("2026-10-05T08:00:19.000Z", body.GetProperty("events")[9].GetProperty("ts").GetString());
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=100001", "limit")]
    [InlineData("limit=abc", "limit")]
    [InlineData("from=yesterday", "from")]
    [InlineData("to=2026-10-05T08:00:00", "to")]
    [InlineData("from=2026-10-05T09:00:00Z&to=2026-10-05T08:00:00Z", "to")]
    [InlineData("cursor=not-a-cursor", "cursor")]
    [InlineData("machin=press-04", "query")]
    public async Task Events_WithBadQuery_Is400ProblemNamingTheParameter(string query, string field)
    {
        await using var api = new ApiFactory(stack);
        var resp = await api.CreateClient().GetAsync(new Uri("/api/events?" + query, UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, resp.StatusCode);
        Assert.Equal("application/problem+json", resp.Content.Headers.ContentType?.MediaType);
        var body = JsonDocument.Parse(await resp.Content.ReadAsStringAsync()).RootElement;
        Assert.True(body.GetProperty("errors").TryGetProperty(field, out _), body.ToString());
    }

    [Fact]
    public async Task Events_ForUnknownMachine_Is404Problem()
    {
        await using var api = new ApiFactory(stack);
        var resp = await api.CreateClient().GetAsync(new Uri("/api/events?machine=press-99", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, resp.StatusCode);
        Assert.Contains("press-99", await resp.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
