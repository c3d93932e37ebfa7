using System.Net;
using System.Text;
using System.Text.Json;
using Ms5.Analytics.Plant;
using Ms5.Integration.Tests.Api;
using Ms5.Integration.Tests.Support;
using Ms5.Kafka;
using Ms5.Postgres;

namespace Ms5.Integration.Tests.Orders;

/// <summary>
/// Order progress through the real pipeline (Kafka → the engine process → oee_minute → API): the worked example (one
/// machine, a 480-minute shift with 60 minutes of breaks and 47 minutes down, ideal 1.0 s, 19,271 parts of which 423
/// rejects) recorded after the fact as an order started at the shift start and completed at its end: good 18,848,
/// OEE 74.8 %, percentOfTarget = 18,848 / target exactly, and every figure equal to GET /api/oee over the same range.
/// </summary>
[Collection("stack-oee")]
public sealed class OrderProgressApiTests(StackFixture stack)
{
    private static readonly DateTimeOffset ShiftStart = new(2026, 10, 5, 6, 0, 0, TimeSpan.Zero);

    private const string PlantJson = """
        { "plantId": "orp-t", "timeZone": "UTC",
          "reasonCodes": [ { "code": "jam", "category": "unplanned" }, { "code": "break", "category": "planned" }, { "code": "no_shift", "category": "planned" } ],
          "shifts": [ { "name": "early", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "06:00", "end": "14:00",
                        "breaks": [ { "start": "09:00", "end": "09:30" }, { "start": "12:00", "end": "12:30" } ] } ],
          "lines": [ { "id": "orp-line", "machines": [ { "id": "orp-m1", "idealCycleSeconds": 1.0 } ] } ] }
        """;

    private static Uri U(string s) => new(s, UriKind.Relative);

    private static StringContent Body(string json) => new(json, Encoding.UTF8, "application/json");

    private static string Ts(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task WorkedExample_AsAnOrderRecordedAfterTheFact_HasTheShiftsFigures_AndEqualsGetOee()
    {
        await new PlantStore(stack.Db).SaveAsync(PlantConfigParser.Parse(PlantJson), PlantJson);
        var topic = $"test.{stack.RunId}.orders-in";
        await TopicAdmin.EnsureAsync(stack.Kafka, new Dictionary<string, int> { [topic] = 3 });
        using (var engine = stack.StartStream("orders", topic, sinks: "oee"))
        {
            await StackFixture.WaitForAssignmentAsync(engine, 1);
            await stack.ProduceAsync(topic, WorkedExample.Events("orp-m1", ShiftStart));
            await stack.WaitForDrainAsync($"test.{stack.RunId}.orders.oee", topic, TimeSpan.FromSeconds(120));
        }

        await using var api = new ApiFactory(stack);
        var client = api.CreateClient();
        var id = $"orp-{stack.RunId}";
        const long target = 20_000;
        var create = await client.PostAsync(U("/api/orders"), Body($$"""
            {"orderId": "{{id}}", "product": "bracket-a", "targetQuantity": {{target}}, "machineIds": ["orp-m1"],
             "plannedStart": "{{Ts(ShiftStart)}}", "plannedEnd": "{{Ts(ShiftStart.AddHours(8))}}", "at": "{{Ts(ShiftStart.AddDays(-1))}}"}
            """));
        Assert.True(create.StatusCode == HttpStatusCode.Created, await create.Content.ReadAsStringAsync());
        foreach (var (action, at) in new[] { ("release", ShiftStart.AddHours(-1)), ("start", ShiftStart), ("complete", ShiftStart.AddHours(8)) })
        {
            var r = await client.PostAsync(U($"/api/orders/{id}/{action}"), Body($$"""{"at": "{{Ts(at)}}"}"""));
            Assert.True(r.StatusCode == HttpStatusCode.OK, $"{action}: {await r.Content.ReadAsStringAsync()}");
        }

        var order = JsonDocument.Parse(await client.GetStringAsync(U($"/api/orders/{id}"))).RootElement;
        Assert.Equal((18_848L, 423L, 19_271L), (order.GetProperty("goodCount").GetInt64(), order.GetProperty("rejectCount").GetInt64(), order.GetProperty("totalCount").GetInt64()));
        Assert.Equal(18_848d / target, order.GetProperty("percentOfTarget").GetDouble());
        Assert.Equal(74.8, Math.Round(order.GetProperty("oee").GetDouble() * 100, 1));
        Assert.Equal(18_848d / 25_200, order.GetProperty("oee").GetDouble(), 12);
        Assert.Equal(22_380d / 25_200, order.GetProperty("availability").GetDouble(), 12);
        Assert.Equal(19_271d / 22_380, order.GetProperty("performance").GetDouble(), 12);
        Assert.Equal(18_848d / 19_271, order.GetProperty("quality").GetDouble(), 12);
        Assert.Equal((20_000d, -1_152d, true), (order.GetProperty("plannedGoodCount").GetDouble(), order.GetProperty("planVariance").GetDouble(), order.GetProperty("behindPlan").GetBoolean()));

        // The same minutes as GET /api/oee for the machine over the order's window.
        var oee = JsonDocument.Parse(await client.GetStringAsync(U($"/api/oee?machine=orp-m1&from={Ts(ShiftStart)}&to={Ts(ShiftStart.AddHours(8))}"))).RootElement.GetProperty("groups")[0];
        foreach (var k in new[] { "availability", "performance", "quality", "oee" })
        {
            Assert.Equal(oee.GetProperty(k).GetDouble(), order.GetProperty(k).GetDouble(), 12);
        }

        Assert.Equal((oee.GetProperty("goodCount").GetInt64(), oee.GetProperty("rejectCount").GetInt64()), (order.GetProperty("goodCount").GetInt64(), order.GetProperty("rejectCount").GetInt64()));

        // The last 15 minutes (13:45–14:00) ran the whole time: 50 good parts a minute → 3,000 per hour.
        Assert.Equal(3_000d, order.GetProperty("currentRate").GetDouble());

        var list = JsonDocument.Parse(await client.GetStringAsync(U($"/api/orders?machine=orp-m1&from={Ts(ShiftStart)}&to={Ts(ShiftStart.AddHours(8))}"))).RootElement.GetProperty("items");
        Assert.Equal(18_848L, Assert.Single(list.EnumerateArray()).GetProperty("goodCount").GetInt64());
    }
}
