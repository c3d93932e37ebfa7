using System.Text.RegularExpressions;
using Ms5.Integration.Tests.Support;

namespace Ms5.Integration.Tests.Adapters;

/// <summary>The README's "Query the historian" examples run against the real PostgreSQL and InfluxDB.</summary>
[Collection("stack")]
public sealed partial class ReadmeQueryTests(StackFixture stack)
{
    [GeneratedRegex("```(sql|influxql)\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CodeBlock();

    private static List<(string Lang, string Query)> Blocks() =>
        CodeBlock().Matches(File.ReadAllText(Path.Combine(Repo.Root, "README.md"))).Select(m => (m.Groups[1].Value, m.Groups[2].Value.Trim())).ToList();

    [Fact]
    public async Task SqlExamples_RunOnTheHistorian()
    {
        var sql = Blocks().Where(b => b.Lang == "sql").ToList();
        Assert.True(sql.Count >= 3, "the README lost its SQL examples");
        foreach (var (_, query) in sql)
        {
            await using var cmd = stack.Db.CreateCommand(query);
            await using var r = await cmd.ExecuteReaderAsync();
            Assert.True(r.FieldCount >= 3, query);
        }
    }

    [Fact]
    public async Task InfluxQlExamples_RunOnInfluxDb()
    {
        var influxql = Blocks().Where(b => b.Lang == "influxql").ToList();
        Assert.True(influxql.Count >= 2, "the README lost its InfluxQL examples");
        foreach (var (_, query) in influxql)
        {
            var body = await stack.Influx.QueryAsync(query);
            Assert.DoesNotContain("\"error\"", body, StringComparison.Ordinal);
        }
    }
}

[Collection("stack")]
public sealed class ReaderRoleTests(StackFixture stack)
{
    [Fact]
    public async Task ReaderRole_CanSelect_ButNotWrite()
    {
        var cs = new Npgsql.NpgsqlConnectionStringBuilder(stack.Pg) { Username = "ms5_reader", Password = null }.ConnectionString;
        await using var conn = new Npgsql.NpgsqlConnection(cs);
        await conn.OpenAsync();
        // The reader sees exactly what the owner sees (a known row first, so the count is not 0 by accident).
        await stack.ScalarAsync("INSERT INTO dead_letters (stage, source_topic, source_partition, source_offset, reason, problems, payload) VALUES ('reader-test', 'reader-test', -1, 0, 'x', '[]', 'reader-test'::bytea) ON CONFLICT DO NOTHING RETURNING 1");
        await using (var select = new Npgsql.NpgsqlCommand("SELECT count(*) FROM dead_letters WHERE stage = 'reader-test'", conn))
        {
            Assert.Equal(1L, Convert.ToInt64(await select.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture));
        }

        await using var delete = new Npgsql.NpgsqlCommand("DELETE FROM raw_events", conn);
        var ex = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => delete.ExecuteNonQueryAsync());
        Assert.Equal(Npgsql.PostgresErrorCodes.InsufficientPrivilege, ex.SqlState);
    }
}
