using System.Net;
using System.Text.Json;
using Ms5.Analytics.Plant;
using Ms5.Integration.Tests.Api;
using Ms5.Integration.Tests.Support;
using Ms5.Postgres;

namespace Ms5.Integration.Tests.Oee;

[Collection("stack-oee")]
public sealed class DowntimeApiTests(StackFixture stack)
{
    private const string PlantJson = """
        { "plantId": "dt-test", "timeZone": "UTC",
          "reasonCodes": [ { "code": "jam", "category": "unplanned" }, { "code": "break", "category": "planned" } ],
          "shifts": [ { "name": "early", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "06:00", "end": "14:00" } ],
          "lines": [ { "id": "dt-line", "machines": [ { "id": "dt-m1", "idealCycleSeconds": 1.0 } ] } ] }
        """;

    [Fact]
    public async Task Downtime_ListsStopsWithTheirLoss_ParetoByReason_AndMtbfMttr()
    {
        await new PlantStore(stack.Db).SaveAsync(PlantConfigParser.Parse(PlantJson), PlantJson);
        var t = new DateTimeOffset(2026, 11, 3, 6, 0, 0, TimeSpan.Zero);
        var events = new List<(string?, string)>
        {
            ("dt-m1", Some.State(Guid.NewGuid(), "dt-m1", t, "running")),
            ("dt-m1", Some.State(Guid.NewGuid(), "dt-m1", t.AddMinutes(60), "down", "jam")),
            ("dt-m1", Some.State(Guid.NewGuid(), "dt-m1", t.AddMinutes(107), "running")),
            ("dt-m1", Some.State(Guid.NewGuid(), "dt-m1", t.AddMinutes(120), "idle")),
            ("dt-m1", Some.State(Guid.NewGuid(), "dt-m1", t.AddMinutes(121), "running")),
            ("dt-m1", Some.State(Guid.NewGuid(), "dt-m1", t.AddMinutes(180), "planned_stop", "break")),
            ("dt-m1", Some.State(Guid.NewGuid(), "dt-m1", t.AddMinutes(210), "running")),
        };
        foreach (var m in Enumerable.Range(0, 240).Where(m => m is < 60 or (>= 107 and < 180) or >= 210))
        {
            events.Add(("dt-m1", Some.Count(Guid.NewGuid(), "dt-m1", t.AddMinutes(m).AddSeconds(30), 50, 0)));
        }

        // The shared historian builds the stop intervals; an engine on the same topic builds the buckets.
        using var engine = stack.StartStream("downtime", sinks: "oee");
        await StackFixture.WaitForAssignmentAsync(engine, 1);
        await stack.ProduceAsync(stack.Topic, events);
        await stack.WaitForDrainAsync($"test.{stack.RunId}.downtime.oee", stack.Topic);
        await stack.WaitForDrainAsync($"test.{stack.RunId}.shared.pg", stack.Topic);

        await using var api = new ApiFactory(stack);
        var body = JsonDocument.Parse(await api.CreateClient().GetStringAsync(new Uri($"/api/downtime?line=dt-line&from={Some.Ts(t)}&to={Some.Ts(t.AddHours(4))}", UriKind.Relative))).RootElement;
        var stops = body.GetProperty("stops").EnumerateArray().ToList();
        Assert.Equal(2, stops.Count);
        Assert.Equal(("down", "jam", "unplanned", 2820.0), (stops[0].GetProperty("state").GetString(), stops[0].GetProperty("reason").GetString(), stops[0].GetProperty("category").GetString(), stops[0].GetProperty("seconds").GetDouble()));
        Assert.Equal(("idle", "micro_stop", 60.0), (stops[1].GetProperty("state").GetString(), stops[1].GetProperty("category").GetString(), stops[1].GetProperty("seconds").GetDouble()));
        var pareto = body.GetProperty("pareto").EnumerateArray().ToList();
        Assert.Equal(["jam", "idle"], pareto.Select(p => p.GetProperty("reason").GetString()!).ToArray());
        Assert.Equal(2820.0 / 2880.0, pareto[0].GetProperty("share").GetDouble(), 9);
        Assert.Equal(1, body.GetProperty("failureCount").GetInt64());
        Assert.Equal(2820, body.GetProperty("mttrSeconds").GetDouble());
        Assert.Equal((60 + 73 + 30) * 60, body.GetProperty("mtbfSeconds").GetDouble());
    }

    [Theory]
    [InlineData("from=2026-11-03T06:00:00Z&to=2026-11-03T07:00:00Z", HttpStatusCode.BadRequest)]
    [InlineData("machine=dt-m1&from=2026-11-03T06:00:10Z&to=2026-11-03T07:00:00Z", HttpStatusCode.BadRequest)]
    [InlineData("line=nope&from=2026-11-03T06:00:00Z&to=2026-11-03T07:00:00Z", HttpStatusCode.NotFound)]
    public async Task Downtime_WithBadQuery_IsProblem(string query, HttpStatusCode status)
    {
        await using var api = new ApiFactory(stack);
        var resp = await api.CreateClient().GetAsync(new Uri("/api/downtime?" + query, UriKind.Relative));
        Assert.Equal(status, resp.StatusCode);
    }
}
