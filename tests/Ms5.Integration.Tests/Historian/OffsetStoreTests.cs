using Ms5.Analytics.Events;
using Ms5.Integration.Tests.Support;
using Ms5.Postgres;

namespace Ms5.Integration.Tests.Historian;

[Collection("stack-oee")]
public sealed class OffsetStoreTests(StackFixture stack)
{
    [Fact]
    public async Task StoredOffsets_AreIgnored_WhenTheyBelongToAnotherKafkaCluster()
    {
        var group = $"test.{stack.RunId}.offsets";
        var batch = new EventBatch($"test.{stack.RunId}.offsets-topic");
        batch.Advance(0, 41);
        batch.Advance(3, 9);
        await new HistorianWriter(stack.Db, group, "cluster-a:9092", TimeProvider.System).WriteAsync(batch);

        var same = await new HistorianWriter(stack.Db, group, "cluster-a:9092", TimeProvider.System).LoadOffsetsAsync(batch.Topic);
        Assert.Equal(42, same[0]);
        Assert.Equal(10, same[3]);

        // The dev broker came back empty on a new address: start from the beginning, not past the end.
        var other = await new HistorianWriter(stack.Db, group, "127.0.0.1:40000", TimeProvider.System).LoadOffsetsAsync(batch.Topic);
        Assert.Empty(other);
    }

    [Fact]
    public async Task Migrations_RunTwice_ApplyNothingTheSecondTime()
    {
        var applied = await Migrator.MigrateAsync(stack.Pg);
        Assert.Empty(applied);
        Assert.Equal(Ms5.Postgres.Migrator.Scripts().Count(), await stack.ScalarAsync("SELECT count(*) FROM schema_migrations"));
    }
}
