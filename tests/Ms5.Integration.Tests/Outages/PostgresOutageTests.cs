using Ms5.Analytics.Plant;
using Ms5.Integration.Tests.Support;
using Ms5.Kafka;
using Ms5.Postgres;
using Npgsql;

namespace Ms5.Integration.Tests.Outages;

/// <summary>
/// PostgreSQL stopped for a minute (maintenance) while events keep coming, and a consumer group rebalancing while
/// it is down (a member leaves): nothing is lost, nothing counted twice, and the historian and the engine resume by
/// themselves; a host started while PostgreSQL is away waits for it. The test owns its PostgreSQL server; Kafka is
/// the shared dev broker with this run's topic.
/// </summary>
// Its own stack fixture (database, topics), not the shared "stack" collection: it owns the server it stops and mostly
// waits for the outage to pass, so it runs beside the other integration tests instead of adding minutes after them.
public sealed class PostgresOutageTests(StackFixture stack) : IClassFixture<StackFixture>
{
    [Fact]
    public async Task PostgresDownForAMinute_UnderLoadAndDuringARebalance_EveryEventStoredOnce()
    {
        await using var pg = await TestPostgres.CreateAsync();
        await Migrator.MigrateAsync(pg.ConnectionString);
        var plantJson = await File.ReadAllTextAsync(Repo.DemoPlant);
        var plant = PlantConfigParser.Parse(plantJson);
        await using (var db = NpgsqlDataSource.Create(pg.ConnectionString))
        {
            await new PlantStore(db).SaveAsync(plant, plantJson);
        }

        var topic = $"test.{stack.RunId}.pg-outage";
        await TopicAdmin.EnsureAsync(stack.Kafka, new Dictionary<string, int> { [topic] = 6 });
        Dictionary<string, string> Env(string sinks)
        {
            var env = stack.StreamEnv("pg-outage", topic, sinks);
            env["MS5_PG"] = pg.ConnectionString;
            env["Stream__MaxRetryDelay"] = "00:00:02";
            return env;
        }

        // 24,000 valid events (counts and state changes of the demo plant's machines in the last hour), in chunks, one a second.
        var machines = plant.Machines.Select(m => m.Id).ToArray();
        var start = DateTimeOffset.UtcNow.AddMinutes(-50);
        var events = Enumerable.Range(0, 24_000).Select(i =>
        {
            var machine = machines[i % machines.Length];
            var ts = start.AddMilliseconds(i * 100);
            return ((string?)machine, i % 50 == 0
                ? Some.State(Guid.CreateVersion7(), machine, ts, i % 100 == 0 ? "down" : "running", i % 100 == 0 ? "jam" : null)
                : Some.Count(Guid.CreateVersion7(), machine, ts, 2, i % 7 == 0 ? 1 : 0));
        }).ToList();

        using var historian = ChildProcess.Start(Repo.HistorianDll, Env("pg"));
        using var engine = ChildProcess.Start(Repo.EngineDll, Env("oee"));
        await StackFixture.WaitForAssignmentAsync(historian, 2);
        await StackFixture.WaitForAssignmentAsync(engine, 1);
        // A second historian in the group: it shares the partitions until it leaves during the outage.
        using var second = ChildProcess.Start(Repo.HistorianDll, Env("pg"));
        await Eventually.TrueAsync(async () => (await StackFixture.ConsumerStateAsync(second)).Partitions > 0, TimeSpan.FromSeconds(120), () => "the second historian to get partitions:\n" + second.Output);
        var producing = Task.Run(async () =>
        {
            foreach (var chunk in events.Chunk(500))
            {
                await stack.ProduceAsync(topic, chunk);
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
        });

        await Task.Delay(TimeSpan.FromSeconds(5));
        await pg.StopAsync();
        var down = DateTime.UtcNow;

        // While the database is down the second historian leaves (its writes cannot finish): the group must still
        // rebalance — a revocation does not wait for a write that cannot finish — and the first takes every partition
        // (6 of the events topic, 2 of the DLQ topic), though it cannot read its stored offsets.
        await Task.Delay(TimeSpan.FromSeconds(3));
        second.Stop();
        Assert.True(second.HasExited, "the second historian did not shut down while PostgreSQL was down:\n" + second.Output);
        await Eventually.TrueAsync(async () => (await StackFixture.ConsumerStateAsync(historian)).Partitions == 8, TimeSpan.FromSeconds(60),
            () => $"the first historian to own every partition while PostgreSQL is down:\n{historian.Output}");

        var left = TimeSpan.FromMinutes(1) - (DateTime.UtcNow - down);
        if (left > TimeSpan.Zero)
        {
            await Task.Delay(left);
        }

        await pg.StartAsync();
        await producing;

        // Nobody restarts anything: the consumers find the database again and catch up.
        await using var after = NpgsqlDataSource.Create(pg.ConnectionString);
        async Task<long> Scalar(string sql)
        {
            await using var cmd = after.CreateCommand(sql);
            return (long)(await cmd.ExecuteScalarAsync())!;
        }

        await Eventually.TrueAsync(async () => await Scalar("SELECT count(*) FROM raw_events") >= events.Count && await Scalar("SELECT count(*) FROM oee_events") >= events.Count,
            TimeSpan.FromMinutes(3), () => $"every event stored after the outage:\nhistorian:\n{historian.Output}\nengine:\n{engine.Output}");
        Assert.Equal(events.Count, await Scalar("SELECT count(*) FROM raw_events"));
        Assert.Equal(events.Count, await Scalar("SELECT count(DISTINCT event_id) FROM raw_events"));
        Assert.Equal(events.Count, await Scalar("SELECT count(*) FROM oee_events"));
        // (The DLQ consumer also stores what other tests of this run sent to the run's DLQ topic: only ours count.)
        Assert.Equal(0, await Scalar($"SELECT count(*) FROM dead_letters WHERE source_topic = '{topic}'"));
        Assert.False(historian.HasExited || engine.HasExited, "a host stopped during the outage");

        // A host started while its database is away waits for it instead of failing.
        await pg.StopAsync();
        using var late = ChildProcess.Start(Repo.HistorianDll, Env("pg"));
        await Task.Delay(TimeSpan.FromSeconds(5));
        Assert.False(late.HasExited, "a historian started without its database exited:\n" + late.Output);
        await pg.StartAsync();
        await Eventually.TrueAsync(async () => (await StackFixture.ConsumerStateAsync(late)).Assignments > 0, TimeSpan.FromSeconds(120), () => "the late historian to join:\n" + late.Output);
    }
}
