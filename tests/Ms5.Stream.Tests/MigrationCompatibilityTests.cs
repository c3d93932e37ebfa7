using Ms5.Postgres;

namespace Ms5.Stream.Tests;

public sealed class MigrationCompatibilityTests
{
    [Theory]
    [InlineData("CREATE TABLE IF NOT EXISTS t (id bigint PRIMARY KEY, name text NOT NULL);")]
    [InlineData("ALTER TABLE orders ADD COLUMN note text;")]
    [InlineData("ALTER TABLE orders ADD COLUMN IF NOT EXISTS priority int NOT NULL DEFAULT 0;")]
    [InlineData("ALTER TABLE orders ADD COLUMN total bigint GENERATED ALWAYS AS (a + b) STORED NOT NULL;")]
    [InlineData("CREATE INDEX IF NOT EXISTS orders_by_line ON orders (line_id);")]
    [InlineData("ALTER TABLE orders ALTER COLUMN note DROP NOT NULL;")]
    [InlineData("ALTER TABLE orders ALTER COLUMN note SET DEFAULT 'x';")]
    [InlineData("COMMENT ON COLUMN orders.note IS 'DROP TABLE orders; RENAME';")]
    [InlineData("-- DROP TABLE orders;\nCREATE TABLE a (x int);")]
    [InlineData("CREATE OR REPLACE FUNCTION f() RETURNS void AS $$ BEGIN DROP TABLE x; END $$ LANGUAGE plpgsql;")]
    [InlineData("INSERT INTO reason_codes (code) VALUES ('drop column'), ('it''s; DROP TABLE x');")]
    public void Expanding_statements_pass(string sql) => Assert.Empty(MigrationCompatibility.Check("0100_x", sql));

    [Theory]
    [InlineData("DROP TABLE orders;", "drops an object the serving release may use")]
    [InlineData("drop index if exists orders_by_line;", "drops an object the serving release may use")]
    [InlineData("ALTER TABLE orders DROP COLUMN note;", "drops a column or constraint the serving release may use")]
    [InlineData("ALTER TABLE orders DROP note;", "drops a column or constraint the serving release may use")]
    [InlineData("ALTER TABLE downtime_anomalies DROP CONSTRAINT downtime_anomalies_kind_check;", "drops a column or constraint the serving release may use")]
    [InlineData("ALTER TABLE orders RENAME COLUMN note TO remark;", "renames what the serving release refers to by name")]
    [InlineData("ALTER TABLE orders RENAME TO work_orders;", "renames what the serving release refers to by name")]
    [InlineData("ALTER TABLE orders ALTER COLUMN qty TYPE numeric;", "changes a column's type under the serving release")]
    [InlineData("ALTER TABLE orders ALTER qty SET DATA TYPE bigint;", "changes a column's type under the serving release")]
    [InlineData("ALTER TABLE orders ALTER COLUMN note SET NOT NULL;", "makes a column NOT NULL: the serving release's inserts without it fail")]
    [InlineData("ALTER TABLE orders ALTER COLUMN note DROP DEFAULT;", "drops a default the serving release's inserts rely on")]
    [InlineData("ALTER TABLE orders ADD CONSTRAINT qty_positive CHECK (qty > 0) NOT VALID;", "adds a constraint that can refuse the serving release's writes")]
    [InlineData("ALTER TABLE orders ADD COLUMN priority int NOT NULL;", "adds a NOT NULL column without a default: the serving release's inserts fail")]
    [InlineData("CREATE UNIQUE INDEX orders_ext ON orders (external_id);", "a new unique index can refuse the serving release's writes")]
    [InlineData("TRUNCATE raw_events;", "removes data the serving release may read")]
    [InlineData("DELETE FROM andons WHERE true;", "removes data the serving release may read")]
    public void Breaking_statements_are_named(string sql, string reason)
    {
        var problem = Assert.Single(MigrationCompatibility.Check("0100_x", sql));
        Assert.Equal(reason, problem.Reason);
        Assert.Equal(1, problem.Line);
        Assert.Equal("0100_x", problem.Version);
    }

    [Fact]
    public void Each_action_of_an_alter_table_is_checked_and_lines_are_those_of_the_statement()
    {
        const string sql = "-- expand and contract in one file\nCREATE TABLE a (x int);\n\nALTER TABLE orders\n  ADD COLUMN note text,\n  ADD COLUMN qty numeric(12, 3) DEFAULT 0,\n  DROP COLUMN old_qty;\nALTER TABLE b ADD COLUMN c int;";
        var problem = Assert.Single(MigrationCompatibility.Check("0101_y", sql));
        Assert.Equal(4, problem.Line);
        Assert.Equal("drops a column or constraint the serving release may use", problem.Reason);
        Assert.Equal("ALTER TABLE orders ADD COLUMN note text, ADD COLUMN qty numeric(12, 3) DEFAULT 0, DROP COLUMN old_qty", problem.Statement);
        Assert.Equal("0101_y.sql line 4: drops a column or constraint the serving release may use: ALTER TABLE orders ADD COLUMN note text, ADD COLUMN qty numeric(12, 3) DEFAULT 0, DROP COLUMN old_qty", problem.ToString());
    }

    [Fact]
    public void Markers_decide_for_the_whole_file()
    {
        Assert.Empty(MigrationCompatibility.Check("0102", "-- ms5:expand-safe: table z was never used by a release\nDROP TABLE z;"));
        Assert.Equal("table z was never used by a release", MigrationCompatibility.Marker("-- ms5:expand-safe: table z was never used by a release\n", "expand-safe"));
        var contract = Assert.Single(MigrationCompatibility.Check("0103", "-- ms5:contract\nALTER TABLE orders ADD COLUMN x int;"));
        Assert.StartsWith("a contract migration", contract.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_shipped_migration_from_0019_on_only_expands()
    {
        // The deploys of this wave run beside the release before them: their migrations must be expand-only.
        var shipped = Directory.GetFiles(Path.Combine(RepoRoot(), "stream", "Ms5.Postgres", "Migrations"), "*.sql")
            .Where(f => string.CompareOrdinal(Path.GetFileName(f), "0019") >= 0).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(shipped);
        Assert.All(shipped, f => Assert.Empty(MigrationCompatibility.Check(Path.GetFileNameWithoutExtension(f), File.ReadAllText(f))));
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "MS5.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("MS5.sln not found above " + AppContext.BaseDirectory);
    }
}
