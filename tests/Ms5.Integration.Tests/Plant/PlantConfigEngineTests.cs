using System.Net;
using System.Text;
using System.Text.Json;
using Ms5.Analytics.Oee;
using Ms5.Analytics.Plant;
using Ms5.Integration.Tests.Api;
using Ms5.Integration.Tests.Support;
using Ms5.Kafka;
using Ms5.Postgres;

namespace Ms5.Integration.Tests.Plant;

/// <summary>Changes made through the API reach the OEE engine process, the live OEE and the board within seconds.</summary>
[Collection("stack-oee")]
public sealed class PlantConfigEngineTests(StackFixture stack)
{
    /// <summary>Two 12-hour shifts, so a current shift exists whenever the test runs.</summary>
    private const string PlantJson = """
        { "plantId": "pc-e", "timeZone": "UTC",
          "reasonCodes": [ { "code": "jam", "category": "unplanned" } ],
          "shifts": [ { "name": "day", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "00:00", "end": "12:00" },
                      { "name": "night", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "12:00", "end": "00:00" } ],
          "lines": [ { "id": "pce-l1", "machines": [ { "id": "pce-m1", "idealCycleSeconds": 1.0 } ] } ] }
        """;

    private const string Ideal = "SELECT coalesce(sum(ideal_seconds), 0)::bigint FROM oee_minute WHERE machine_id = $1 AND minute >= $2 AND minute < $3";

    private static Uri U(string path) => new(path, UriKind.Relative);

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    [Fact]
    public async Task MachineAddedAndIdealCycleChanged_ThroughTheApi_TheEngineFollows_OnlyFromTheChange()
    {
        await new PlantStore(stack.Db).SaveAsync(PlantConfigParser.Parse(PlantJson), PlantJson);
        var topic = $"test.{stack.RunId}.pc-engine";
        await TopicAdmin.EnsureAsync(stack.Kafka, new Dictionary<string, int> { [topic] = 1 });
        using var engine = stack.StartStream("pce", topic, sinks: "oee");
        await StackFixture.WaitForAssignmentAsync(engine, 1);
        await using var api = new ApiFactory(stack);
        var client = api.CreateClient();

        // A machine the engine has never heard of, added while it runs.
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync(U("/api/machines"), Json("""{ "id": "pce-m2", "lineId": "pce-l1", "idealCycleSeconds": 2 }"""))).StatusCode);

        // Both run through the last ten minutes, one part a minute.
        var start = BucketCalculator.Floor(Some.Now).AddMinutes(-10);
        var events = new List<(string?, string)>();
        foreach (var m in new[] { "pce-m1", "pce-m2" })
        {
            events.Add((m, Some.State(Guid.NewGuid(), m, start, "running")));
            events.AddRange(Enumerable.Range(0, 10).Select(i => ((string?)m, Some.Count(Guid.NewGuid(), m, start.AddMinutes(i).AddSeconds(20), 1, 0))));
        }

        await stack.ProduceAsync(topic, events);
        await stack.WaitForDrainAsync($"test.{stack.RunId}.pce.oee", topic);
        var (from, mid, to) = (start.UtcDateTime, start.AddMinutes(5).UtcDateTime, start.AddMinutes(10).UtcDateTime);
        await stack.WaitUntilAsync(() => stack.ScalarAsync(Ideal, "pce-m2", from, to), 20, "ideal seconds of the machine added through the API\n" + engine.Output);
        await stack.WaitUntilAsync(() => stack.ScalarAsync(Ideal, "pce-m1", from, to), 10, "ideal seconds before the change\n" + engine.Output);

        // 3 s per part from the middle on: minutes after it are recomputed, minutes before keep 1 s.
        var put = await client.PutAsync(U("/api/machines/pce-m1"), Json($$"""{ "idealCycleSeconds": 3, "effectiveFrom": "{{Some.Ts(start.AddMinutes(5))}}" }"""));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(start.AddMinutes(5), JsonDocument.Parse(await put.Content.ReadAsStringAsync()).RootElement.GetProperty("recomputeFrom").GetDateTimeOffset());
        await stack.WaitUntilAsync(() => stack.ScalarAsync(Ideal, "pce-m1", mid, to), 15, "ideal seconds after the change\n" + engine.Output);
        Assert.Equal(5, await stack.ScalarAsync(Ideal, "pce-m1", from, mid));

        // Late data before the change is valued with the old ideal cycle time.
        await stack.ProduceAsync(topic, [("pce-m1", Some.Count(Guid.NewGuid(), "pce-m1", start.AddMinutes(1).AddSeconds(40), 4, 0))]);
        await stack.WaitUntilAsync(() => stack.ScalarAsync(Ideal, "pce-m1", from, mid), 9, "late counts before the change\n" + engine.Output);
        Assert.Equal(15, await stack.ScalarAsync(Ideal, "pce-m1", mid, to));

        // Taken out of service: it leaves the live lists and the board; its history and new events stay.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(U("/api/oee/live?machine=pce-m2"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync(U("/api/machines/pce-m2"), Json("""{ "active": false }"""))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(U("/api/oee/live?machine=pce-m2"))).StatusCode);
        var board = JsonDocument.Parse(await client.GetStringAsync(U("/api/board"))).RootElement;
        var boardMachines = board.GetProperty("lines").EnumerateArray().SelectMany(l => l.GetProperty("machines").EnumerateArray()).Select(m => m.GetProperty("id").GetString()).ToList();
        Assert.Contains("pce-m1", boardMachines);
        Assert.DoesNotContain("pce-m2", boardMachines);
        Assert.Equal(20, await stack.ScalarAsync(Ideal, "pce-m2", from, to));
        await stack.ProduceAsync(topic, [("pce-m2", Some.Count(Guid.NewGuid(), "pce-m2", start.AddMinutes(9).AddSeconds(50), 1, 0))]);
        await stack.WaitUntilAsync(() => stack.ScalarAsync("SELECT count(*) FROM oee_events WHERE machine_id = 'pce-m2'"), 12, "an event of the inactive machine\n" + engine.Output);
    }
}
