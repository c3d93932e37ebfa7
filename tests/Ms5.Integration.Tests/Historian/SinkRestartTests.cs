using Ms5.Analytics.Plant;
using Ms5.Integration.Tests.Support;
using Ms5.Kafka;
using Ms5.Postgres;

namespace Ms5.Integration.Tests.Historian;

[Collection("stack-oee")]
public sealed class SinkRestartTests(StackFixture stack)
{
    [Fact]
    public async Task KillingTheSinksMidStream_NeitherLosesNorDuplicatesEvents_InPostgresOrInflux()
    {
        var topic = $"test.{stack.RunId}.restart";
        await TopicAdmin.EnsureAsync(stack.Kafka, new Dictionary<string, int> { [topic] = 6 });
        const int Total = 30_000;
        var t0 = Some.Now.AddHours(-3);
        // Machines of its own: other tests' events for the demo plant in the same database or hours would change
        // the state intervals and point counts checked here (this test must not depend on which ran before it).
        string[] machines = [.. Enumerable.Range(1, 12).Select(i => $"rs-{i:00}")];
        var plantJson = $$"""
            { "plantId": "restart-{{stack.RunId}}", "timeZone": "UTC", "reasonCodes": [ { "code": "jam", "category": "unplanned" } ],
              "lines": [ { "id": "rs-line", "machines": [ {{string.Join(", ", machines.Select(m => $$"""{ "id": "{{m}}", "idealCycleSeconds": 1.0 }"""))}} ] } ] }
            """;
        await new PlantStore(stack.Db).SaveAsync(PlantConfigParser.Parse(plantJson), plantJson);
        var ids = Enumerable.Range(0, Total).Select(_ => Guid.CreateVersion7()).ToArray();

        var sink = stack.StartStream("restart", topic);
        try
        {
            await StackFixture.WaitForAssignmentAsync(sink, 2);
            var producing = Task.Run(async () =>
            {
                for (var chunk = 0; chunk < 30; chunk++)
                {
                    var batch = Enumerable.Range(chunk * 1000, 1000).Select(i =>
                    {
                        var m = machines[i % machines.Length];
                        return ((string?)m, i % 50 == 0
                            ? Some.State(ids[i], m, t0.AddMilliseconds(i * 100), i % 100 == 0 ? "down" : "running", i % 100 == 0 ? "jam" : null)
                            : Some.Count(ids[i], m, t0.AddMilliseconds(i * 100), 1, 0));
                    });
                    await stack.ProduceAsync(topic, batch);
                    await Task.Delay(100);
                }
            });

            await stack.WaitUntilAsync(async () => Math.Min(await stack.ScalarAsync("SELECT count(*) FROM raw_events WHERE event_id = ANY($1)", ids), 3000), 3000, "first rows stored");
            sink.Kill();
            var storedAtKill = await stack.ScalarAsync("SELECT count(*) FROM raw_events WHERE event_id = ANY($1)", ids);
            Assert.True(storedAtKill < Total, $"the sink was killed after it had finished ({storedAtKill} rows)");

            await producing;
            sink.Dispose();
            sink = stack.StartStream("restart", topic);
            await stack.WaitForDrainAsync($"test.{stack.RunId}.restart.pg", topic, TimeSpan.FromSeconds(120));

            Assert.Equal(Total, await stack.ScalarAsync("SELECT count(*) FROM raw_events WHERE event_id = ANY($1)", ids));
            Assert.Equal(Total, await stack.ScalarAsync("SELECT count(DISTINCT event_id) FROM raw_events WHERE event_id = ANY($1)", ids));
            Assert.Equal(Total / 50, await stack.ScalarAsync("SELECT count(*) FROM state_intervals WHERE event_id = ANY($1)", ids));
            // Every interval but each machine's last is closed, and closed by the next state of that machine.
            Assert.Equal(0, await stack.ScalarAsync("""
                SELECT count(*) FROM (
                  SELECT end_ts, lead(start_ts) OVER (PARTITION BY machine_id ORDER BY start_ts, event_id) AS next
                  FROM state_intervals WHERE event_id = ANY($1)) x
                WHERE end_ts IS DISTINCT FROM next
                """, ids));

            // InfluxDB: one point per event in the test's time range, none lost, none doubled.
            var window = $"time >= '{Some.Ts(t0)}' AND time < '{Some.Ts(t0.AddMilliseconds(Total * 100))}' AND \"line\" = 'rs-line'";
            await stack.WaitUntilAsync(() => InfluxCountAsync($"SELECT count(good) FROM machine_count WHERE {window}"), Total - (Total / 50), "Influx count points");
            Assert.Equal(Total / 50, await InfluxCountAsync($"SELECT count(reason) FROM machine_state WHERE {window}"));
        }
        finally
        {
            sink.Dispose();
        }
    }

    private async Task<long> InfluxCountAsync(string q)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(await stack.Influx.QueryAsync(q));
        var result = doc.RootElement.GetProperty("results")[0];
        return result.TryGetProperty("series", out var series) ? series[0].GetProperty("values")[0][1].GetInt64() : 0;
    }
}
