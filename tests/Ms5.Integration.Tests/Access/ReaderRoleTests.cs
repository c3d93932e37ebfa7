using Ms5.Integration.Tests.Support;
using Npgsql;

namespace Ms5.Integration.Tests.Access;

/// <summary>The analysts' read-only database role reads plant data, never accounts, keys, sessions or the audit trail.</summary>
[Collection("stack")]
public sealed class ReaderRoleTests(StackFixture stack)
{
    [Theory]
    [InlineData("users")]
    [InlineData("user_tokens")]
    [InlineData("refresh_tokens")]
    [InlineData("api_keys")]
    [InlineData("web_sessions")]
    [InlineData("audit_log")]
    public async Task Reader_CannotSelect_AccessTables(string table)
    {
        await using var conn = await stack.Db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await using (var role = new NpgsqlCommand("SET LOCAL ROLE ms5_reader", conn, tx))
        {
            await role.ExecuteNonQueryAsync();
        }

        await using (var plant = new NpgsqlCommand("SELECT count(*) FROM machines", conn, tx))
        {
            Assert.True((long)(await plant.ExecuteScalarAsync())! > 0);
        }

        await using var secret = new NpgsqlCommand($"SELECT count(*) FROM {table}", conn, tx);
        var ex = await Assert.ThrowsAsync<PostgresException>(() => secret.ExecuteScalarAsync());
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, ex.SqlState);
    }
}
