using System.Net;
using System.Text.Json;
using Ms5.Analytics.Contracts;
using Ms5.Analytics.Oee;
using Ms5.Analytics.Plant;
using Ms5.Integration.Tests.Api;
using Ms5.Integration.Tests.Support;
using Ms5.Kafka;
using Ms5.Postgres;

namespace Ms5.Integration.Tests.Oee;

/// <summary>The OEE engine through the real pipeline: Kafka → engine process → PostgreSQL buckets.</summary>
[Collection("stack-oee")]
public sealed class OeeEngineTests(StackFixture stack)
{
    private const string Machine = "oee-m1";
    private static readonly DateTimeOffset ShiftStart = new(2026, 11, 2, 6, 0, 0, TimeSpan.Zero);

    private const string PlantJson = """
        { "plantId": "oee-test", "timeZone": "UTC",
          "reasonCodes": [ { "code": "jam", "category": "unplanned" }, { "code": "break", "category": "planned" }, { "code": "no_shift", "category": "planned" } ],
          "shifts": [ { "name": "early", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "06:00", "end": "14:00",
                        "breaks": [ { "start": "09:00", "end": "09:30" }, { "start": "12:00", "end": "12:30" } ] } ],
          "lines": [ { "id": "oee-line", "machines": [ { "id": "oee-m1", "idealCycleSeconds": 1.0 } ] } ] }
        """;

    /// <summary>Two 12-hour shifts, so a current shift exists whenever the test runs.</summary>
    private const string LivePlantJson = """
        { "plantId": "oee-live", "timeZone": "UTC",
          "reasonCodes": [ { "code": "jam", "category": "unplanned" } ],
          "shifts": [ { "name": "day", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "00:00", "end": "12:00" },
                      { "name": "night", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "12:00", "end": "00:00" } ],
          "lines": [ { "id": "live-line", "machines": [ { "id": "oee-m2", "idealCycleSeconds": 30.0 } ] } ] }
        """;

    /// <summary>480-minute shift, 60 minutes of breaks, 47 minutes down, ideal 1.0 s, 19,271 made, 423 rejected.</summary>
    private static List<(string?, string)> WorkedExample() => Support.WorkedExample.Events(Machine, ShiftStart);

    [Fact]
    public async Task WorkedExample_ThroughKafkaAndTheEngine_GivesTheTextbookOee_EvenShuffledWithDuplicates()
    {
        await new PlantStore(stack.Db).SaveAsync(PlantConfigParser.Parse(PlantJson), PlantJson);
        var topic = $"test.{stack.RunId}.oee";
        await TopicAdmin.EnsureAsync(stack.Kafka, new Dictionary<string, int> { [topic] = 3 });

        // Out of order and with duplicates: the engine must give the same buckets.
        var events = WorkedExample();
        var rng = new Random(11);
        var shuffled = events.Concat(events.Take(50)).OrderBy(_ => rng.Next()).ToList();

        using var engine = stack.StartStream("oee", topic, sinks: "oee");
        await StackFixture.WaitForAssignmentAsync(engine, 1);
        await stack.ProduceAsync(topic, shuffled);
        try
        {
            await stack.WaitForDrainAsync($"test.{stack.RunId}.oee.oee", topic);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException(ex.Message[..ex.Message.IndexOf('\n', StringComparison.Ordinal)] + "\nengine log:\n" + engine.Output, ex);
        }

        await using var cmd = stack.Db.CreateCommand("""
            SELECT sum(planned_seconds), sum(run_seconds), sum(unplanned_stop_seconds), sum(planned_stop_seconds),
                   sum(good_count), sum(reject_count), sum(ideal_seconds)
            FROM oee_minute WHERE machine_id = $1 AND minute >= $2 AND minute < $3
            """);
        cmd.Parameters.AddWithValue(Machine);
        cmd.Parameters.AddWithValue(ShiftStart.UtcDateTime);
        cmd.Parameters.AddWithValue(ShiftStart.AddHours(8).UtcDateTime);
        await using var r = await cmd.ExecuteReaderAsync();
        await r.ReadAsync();
        var c = new OeeComponents
        {
            PlannedSeconds = r.GetDouble(0),
            RunSeconds = r.GetDouble(1),
            UnplannedStopSeconds = r.GetDouble(2),
            PlannedStopSeconds = r.GetDouble(3),
            GoodCount = r.GetInt64(4),
            RejectCount = r.GetInt64(5),
            IdealSeconds = r.GetDouble(6),
        };

        Assert.Equal((420 * 60.0, 373 * 60.0, 47 * 60.0, 60 * 60.0), (c.PlannedSeconds, c.RunSeconds, c.UnplannedStopSeconds, c.PlannedStopSeconds));
        Assert.Equal((19_271L - 423, 423L), (c.GoodCount, c.RejectCount));
        var k = OeeKpis.From(c);
        Assert.Equal(88.81, Math.Round(k.Availability!.Value * 100, 2));
        Assert.Equal(86.11, Math.Round(k.Performance!.Value * 100, 2));
        Assert.Equal(97.80, Math.Round(k.Quality!.Value * 100, 2));
        Assert.Equal(74.79, Math.Round(k.Oee!.Value * 100, 2));
        Assert.Equal(events.Count, await stack.ScalarAsync("SELECT count(*) FROM oee_events WHERE machine_id = $1", Machine));

        // The buckets are mirrored to InfluxDB for dashboards (after the PostgreSQL commit).
        var influxWindow = $"machine = '{Machine}' AND time >= '{Some.Ts(ShiftStart)}' AND time < '{Some.Ts(ShiftStart.AddHours(8))}'";
        await stack.WaitUntilAsync(async () =>
        {
            using var doc = JsonDocument.Parse(await stack.Influx.QueryAsync($"SELECT count(run_seconds) FROM oee_minute WHERE {influxWindow}"));
            var result = doc.RootElement.GetProperty("results")[0];
            return result.TryGetProperty("series", out var series) ? series[0].GetProperty("values")[0][1].GetInt64() : 0;
        }, 480, "OEE minutes in InfluxDB\n" + engine.Output);
        using (var influx = JsonDocument.Parse(await stack.Influx.QueryAsync(
            $"SELECT sum(run_seconds), sum(planned_seconds) FROM oee_minute WHERE machine = '{Machine}' AND time >= '{Some.Ts(ShiftStart)}' AND time < '{Some.Ts(ShiftStart.AddHours(8))}'")))
        {
            var values = influx.RootElement.GetProperty("results")[0].GetProperty("series")[0].GetProperty("values")[0];
            Assert.Equal((373 * 60.0, 420 * 60.0), (values[1].GetDouble(), values[2].GetDouble()));
        }

        // The same numbers through the API, for the machine and for its line, whole and by hour.
        await using var api = new ApiFactory(stack);
        var client = api.CreateClient();
        var range = $"from={Some.Ts(ShiftStart)}&to={Some.Ts(ShiftStart.AddHours(8))}";
        foreach (var scope in new[] { $"machine={Machine}", "line=oee-line", "plant=oee-test" })
        {
            var whole = JsonDocument.Parse(await client.GetStringAsync(new Uri($"/api/oee?{scope}&{range}", UriKind.Relative))).RootElement.GetProperty("groups");
            var g = Assert.Single(whole.EnumerateArray());
            Assert.Equal(74.79, Math.Round(g.GetProperty("oee").GetDouble() * 100, 2));
            Assert.Equal(88.81, Math.Round(g.GetProperty("availability").GetDouble() * 100, 2));
            Assert.Equal(25200, g.GetProperty("plannedSeconds").GetDouble());
            Assert.Equal(2820, g.GetProperty("stopSeconds").GetProperty("unplanned").GetDouble());
            Assert.True(g.GetProperty("complete").GetBoolean());
            Assert.Equal(1, g.GetProperty("failureCount").GetInt64());
            Assert.Equal(47 * 60, g.GetProperty("mttrSeconds").GetDouble());
        }

        var hours = JsonDocument.Parse(await client.GetStringAsync(new Uri($"/api/oee?machine={Machine}&{range}&groupBy=hour", UriKind.Relative))).RootElement.GetProperty("groups");
        Assert.Equal(8, hours.GetArrayLength());
        var first = hours[0];
        Assert.Equal("2026-11-02T06:00:00+00:00", first.GetProperty("from").GetString());
        Assert.Equal((3600.0, 3600.0), (first.GetProperty("plannedSeconds").GetDouble(), first.GetProperty("runSeconds").GetDouble()));
        Assert.Equal((3010L, 110L), (first.GetProperty("goodCount").GetInt64(), first.GetProperty("rejectCount").GetInt64()));
        Assert.Equal(2820, hours[1].GetProperty("stopSeconds").GetProperty("unplanned").GetDouble());

        var shifts = JsonDocument.Parse(await client.GetStringAsync(new Uri($"/api/oee?line=oee-line&from={Some.Ts(ShiftStart.AddHours(-6))}&to={Some.Ts(ShiftStart.AddHours(18))}&groupBy=shift", UriKind.Relative))).RootElement.GetProperty("groups");
        var early = Assert.Single(shifts.EnumerateArray());
        Assert.Equal("early 2026-11-02", early.GetProperty("shift").GetString());
        Assert.Equal(74.79, Math.Round(early.GetProperty("oee").GetDouble() * 100, 2));
    }

    [Fact]
    public async Task LiveWindows_ArePublishedToTheOeeTopic_AndServedByTheApi()
    {
        await new PlantStore(stack.Db).SaveAsync(PlantConfigParser.Parse(LivePlantJson), LivePlantJson);
        var topic = $"test.{stack.RunId}.oee-live";
        var outTopic = $"test.{stack.RunId}.oee-out";
        await TopicAdmin.EnsureAsync(stack.Kafka, new Dictionary<string, int> { [topic] = 2, [outTopic] = 2 });

        // A machine running through the last ten minutes, one part a minute.
        var start = BucketCalculator.Floor(Some.Now).AddMinutes(-10);
        var events = new List<(string?, string)> { ("oee-m2", Some.State(Guid.NewGuid(), "oee-m2", start, "running")) };
        events.AddRange(Enumerable.Range(0, 10).Select(i => ((string?)"oee-m2", Some.Count(Guid.NewGuid(), "oee-m2", start.AddMinutes(i).AddSeconds(20), 1, 0))));
        using var engine = stack.StartStream("live", topic, sinks: "oee");
        await StackFixture.WaitForAssignmentAsync(engine, 1);
        await stack.ProduceAsync(topic, events);
        await stack.WaitForDrainAsync($"test.{stack.RunId}.live.oee", topic);

        var published = stack.ReadAll(outTopic, 3, TimeSpan.FromSeconds(30))
            .Where(m => m.Message.Key is { } k && System.Text.Encoding.UTF8.GetString(k) == "machine:oee-m2")
            .Select(m => JsonSerializer.Deserialize(m.Message.Value, ContractJson.Default.OeeWindowMessage)!)
            .ToList();
        Assert.Contains(published, m => m.Window == "15m" && m.RunSeconds > 0);
        Assert.Contains(published, m => m.Window == "shift");
        // Right after the batch commits, the machine's windows go out with the newest event they include,
        // and count the current minute so far.
        var newest = start.AddMinutes(9).AddSeconds(20);
        var afterBatch = Assert.Single(published, m => m.Window == "15m" && m.LastEventAt == newest);
        Assert.Equal(10, afterBatch.GoodCount);
        Assert.Equal(BucketCalculator.Floor(afterBatch.To).AddMinutes(-15), afterBatch.From);

        await using var api = new ApiFactory(stack);
        var live = JsonDocument.Parse(await api.CreateClient().GetStringAsync(new Uri("/api/oee/live?machine=oee-m2", UriKind.Relative))).RootElement;
        var scope = Assert.Single(live.GetProperty("scopes").EnumerateArray());
        Assert.Equal(["15m", "1h", "shift"], scope.GetProperty("windows").EnumerateArray().Select(w => w.GetProperty("window").GetString()!).ToArray());
        var quarter = scope.GetProperty("windows")[0];
        Assert.Equal(1.0, quarter.GetProperty("quality").GetDouble());
        Assert.True(quarter.GetProperty("goodCount").GetInt64() >= 9, quarter.ToString());

        var bad = await api.CreateClient().GetAsync(new Uri("/api/oee/live?machine=oee-m2&line=oee-line", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var missing = await api.CreateClient().GetAsync(new Uri("/api/oee/live?machine=nope", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    /// <summary>A calendar change through the API recomputes minutes already computed (from recomputeFrom).</summary>
    [Fact]
    public async Task CalendarPut_RecomputesMinutesAlreadyComputed()
    {
        var json = LivePlantJson.Replace("oee-live", "oee-recal", StringComparison.Ordinal).Replace("live-line", "recal-line", StringComparison.Ordinal).Replace("oee-m2", "oee-m3", StringComparison.Ordinal);
        await new PlantStore(stack.Db).SaveAsync(PlantConfigParser.Parse(json), json);
        var topic = $"test.{stack.RunId}.oee-recal";
        await TopicAdmin.EnsureAsync(stack.Kafka, new Dictionary<string, int> { [topic] = 1 });
        var start = BucketCalculator.Floor(Some.Now).AddMinutes(-10);
        var events = new List<(string?, string)> { ("oee-m3", Some.State(Guid.NewGuid(), "oee-m3", start, "running")) };
        events.AddRange(Enumerable.Range(0, 10).Select(i => ((string?)"oee-m3", Some.Count(Guid.NewGuid(), "oee-m3", start.AddMinutes(i).AddSeconds(20), 1, 0))));
        // Down for three minutes: unplanned loss, until the calendar says that was planned maintenance.
        events.Add(("oee-m3", Some.State(Guid.NewGuid(), "oee-m3", start.AddMinutes(2), "down", "jam")));
        events.Add(("oee-m3", Some.State(Guid.NewGuid(), "oee-m3", start.AddMinutes(5), "running")));
        using var engine = stack.StartStream("recal", topic, sinks: "oee");
        await StackFixture.WaitForAssignmentAsync(engine, 1);
        await stack.ProduceAsync(topic, events);
        await stack.WaitForDrainAsync($"test.{stack.RunId}.recal.oee", topic);
        var window = (From: start.AddMinutes(2), To: start.AddMinutes(5));
        const string PlannedStop = "SELECT coalesce(sum(planned_stop_seconds), 0)::bigint FROM oee_minute WHERE machine_id = 'oee-m3' AND minute >= $1 AND minute < $2";
        Assert.Equal(0, await stack.ScalarAsync(PlannedStop, window.From.UtcDateTime, window.To.UtcDateTime));
        const string Unplanned = "SELECT coalesce(sum(unplanned_stop_seconds), 0)::bigint FROM oee_minute WHERE machine_id = 'oee-m3' AND minute >= $1 AND minute < $2";
        Assert.Equal(180, await stack.ScalarAsync(Unplanned, window.From.UtcDateTime, window.To.UtcDateTime));

        await using var api = new ApiFactory(stack);
        var client = api.CreateClient();
        using var body = new StringContent($$"""{ "plannedMaintenance": [ { "start": "{{Some.Ts(window.From)}}", "end": "{{Some.Ts(window.To)}}" } ] }""", System.Text.Encoding.UTF8, "application/json");
        var put = await client.PutAsync(new Uri($"/api/plant/calendar?plant=oee-recal&recomputeFrom={Some.Ts(start)}", UriKind.Relative), body);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(start, JsonDocument.Parse(await put.Content.ReadAsStringAsync()).RootElement.GetProperty("recomputeFrom").GetDateTimeOffset());

        // The ticker reloads the calendar and recomputes: the maintenance window is now a planned stop.
        await stack.WaitUntilAsync(() => stack.ScalarAsync(PlannedStop, window.From.UtcDateTime, window.To.UtcDateTime), 180, "planned stop after the calendar change\n" + engine.Output);
        Assert.Equal(0, await stack.ScalarAsync("SELECT count(*) FROM oee_recompute"));
        Assert.Equal(0, await stack.ScalarAsync(Unplanned, window.From.UtcDateTime, window.To.UtcDateTime));

        using var bad = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
        var future = await client.PutAsync(new Uri($"/api/plant/calendar?plant=oee-recal&recomputeFrom={Some.Ts(start.AddDays(2))}", UriKind.Relative), bad);
        Assert.Equal(HttpStatusCode.BadRequest, future.StatusCode);
        Assert.Contains("recomputeFrom", await future.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>
    /// The ticker works a slice of machines per transaction (OeeTicker.SliceSize): a plant of 150 machines spans three
    /// slices or more, and a calendar change still recomputes every one of them, once, and the request is removed.
    /// </summary>
    [Fact]
    public async Task CalendarPut_RecomputesEveryMachine_OfAPlantLargerThanATickSlice()
    {
        const int Count = 150;
        var machines = Enumerable.Range(0, Count).Select(i => $"slice-{i:000}").ToList();
        var list = string.Join(", ", machines.Select(m => "{ \"id\": \"" + m + "\", \"idealCycleSeconds\": 10.0 }"));
        var json = $$"""
            { "plantId": "oee-slices", "timeZone": "UTC",
              "reasonCodes": [ { "code": "jam", "category": "unplanned" } ],
              "shifts": [ { "name": "day", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "00:00", "end": "12:00" },
                          { "name": "night", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "12:00", "end": "00:00" } ],
              "lines": [ { "id": "slices-line", "machines": [ {{list}} ] } ] }
            """;
        await new PlantStore(stack.Db).SaveAsync(PlantConfigParser.Parse(json), json);
        var topic = $"test.{stack.RunId}.oee-slices";
        await TopicAdmin.EnsureAsync(stack.Kafka, new Dictionary<string, int> { [topic] = 2 });
        var start = BucketCalculator.Floor(Some.Now).AddMinutes(-10);
        // Every machine down (unplanned) for three minutes, until the calendar says that was planned maintenance.
        var events = machines.SelectMany(m => new[]
        {
            ((string?)m, Some.State(Guid.NewGuid(), m, start, "running")),
            (m, Some.State(Guid.NewGuid(), m, start.AddMinutes(2), "down", "jam")),
            (m, Some.State(Guid.NewGuid(), m, start.AddMinutes(5), "running")),
        }).ToList();
        using var engine = stack.StartStream("slices", topic, sinks: "oee");
        await StackFixture.WaitForAssignmentAsync(engine, 1);
        await stack.ProduceAsync(topic, events);
        await stack.WaitForDrainAsync($"test.{stack.RunId}.slices.oee", topic);
        var window = (From: start.AddMinutes(2), To: start.AddMinutes(5));
        const string Seconds = "SELECT coalesce(sum({0}), 0)::bigint FROM oee_minute WHERE machine_id LIKE 'slice-%' AND minute >= $1 AND minute < $2";
        var planned = string.Format(System.Globalization.CultureInfo.InvariantCulture, Seconds, "planned_stop_seconds");
        var unplanned = string.Format(System.Globalization.CultureInfo.InvariantCulture, Seconds, "unplanned_stop_seconds");
        Assert.Equal(Count * 180, await stack.ScalarAsync(unplanned, window.From.UtcDateTime, window.To.UtcDateTime));

        await using var api = new ApiFactory(stack);
        using var body = new StringContent($$"""{ "plannedMaintenance": [ { "start": "{{Some.Ts(window.From)}}", "end": "{{Some.Ts(window.To)}}" } ] }""", System.Text.Encoding.UTF8, "application/json");
        var put = await api.CreateClient().PutAsync(new Uri($"/api/plant/calendar?plant=oee-slices&recomputeFrom={Some.Ts(start)}", UriKind.Relative), body);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        await stack.WaitUntilAsync(() => stack.ScalarAsync(planned, window.From.UtcDateTime, window.To.UtcDateTime), Count * 180, "planned stop on every machine after the calendar change\n" + engine.Output);
        Assert.Equal(0, await stack.ScalarAsync(unplanned, window.From.UtcDateTime, window.To.UtcDateTime));
        Assert.Equal(0, await stack.ScalarAsync("SELECT count(*) FROM oee_recompute WHERE plant_id = 'oee-slices'"));
        // Every machine, not only its total: each has its three minutes as planned stop.
        Assert.Equal(Count, await stack.ScalarAsync("SELECT count(*) FROM (SELECT machine_id FROM oee_minute WHERE machine_id LIKE 'slice-%' AND minute >= $1 AND minute < $2 GROUP BY machine_id HAVING sum(planned_stop_seconds) = 180) m", window.From.UtcDateTime, window.To.UtcDateTime));
    }

    [Theory]
    [InlineData("from=2026-11-02T06:00:00Z&to=2026-11-02T07:00:00Z", "scope")]
    [InlineData("machine=oee-m1&line=oee-line&from=2026-11-02T06:00:00Z&to=2026-11-02T07:00:00Z", "scope")]
    [InlineData("machine=oee-m1&to=2026-11-02T07:00:00Z", "from")]
    [InlineData("machine=oee-m1&from=2026-11-02T06:00:30Z&to=2026-11-02T07:00:00Z", "from")]
    [InlineData("machine=oee-m1&from=2026-11-02T07:00:00Z&to=2026-11-02T06:00:00Z", "to")]
    [InlineData("machine=oee-m1&from=2026-11-02T06:00:00Z&to=2026-11-02T07:00:00Z&groupBy=week", "groupBy")]
    public async Task Oee_WithBadQuery_Is400ProblemNamingTheParameter(string query, string field)
    {
        await using var api = new ApiFactory(stack);
        var resp = await api.CreateClient().GetAsync(new Uri("/api/oee?" + query, UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, resp.StatusCode);
        Assert.True(JsonDocument.Parse(await resp.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task Oee_ForUnknownLine_Is404()
    {
        await using var api = new ApiFactory(stack);
        var resp = await api.CreateClient().GetAsync(new Uri("/api/oee?line=nope&from=2026-11-02T06:00:00Z&to=2026-11-02T07:00:00Z", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, resp.StatusCode);
    }
}
