using System.Text.Json;
using System.Xml.Linq;
using Npgsql;

namespace Ms5.Deploy.Tests;

/// <summary>`./ms5 validate` and `./ms5 uat` against the tests' own stack, as an operator runs them after a deploy.</summary>
[Collection(StackCollection.Name)]
public sealed class ValidateAndUatTests(LocalStack stack)
{
    [Fact]
    public async Task Validate_passes_on_the_running_stack_and_names_a_stopped_influxdb()
    {
        var (exit, output) = await stack.Ms5Async(TimeSpan.FromMinutes(2), "validate", "--json");
        var checks = Checks(output);
        // Every check of a healthy stack passes; error lines in its logs are another test's business here (a release
        // that could not start logs its error on purpose).
        Assert.All(checks.Where(c => c.Key != "logs"), c => Assert.True(c.Value.Status == "PASS", $"{c.Key}: {c.Value.Status} {c.Value.Detail}\n{output}"));
        foreach (var name in new[] { "api", "postgres", "kafka", "influxdb", "websocket", "prometheus", "alertmanager", "headroom", "smoke" })
        {
            Assert.True(checks.ContainsKey(name), $"no check {name} in:\n{output}");
        }

        Assert.Equal(checks.Values.All(c => c.Status == "PASS") ? 0 : 1, exit);

        var services = Path.Combine(stack.Root, "infra", "local", "services.sh");
        var (down, downOutput) = await LocalStack.RunAsync(services, TimeSpan.FromMinutes(1), stack.Environment(), "down", "influxdb");
        Assert.True(down == 0, downOutput);
        try
        {
            (exit, output) = await stack.Ms5Async(TimeSpan.FromMinutes(2), "validate", "--json");
            Assert.Equal(1, exit);
            checks = Checks(output);
            Assert.Equal("FAIL", checks["influxdb"].Status);
            Assert.Contains("influx", checks["influxdb"].Detail, StringComparison.OrdinalIgnoreCase);
            Assert.Equal("PASS", checks["postgres"].Status);
            Assert.Equal("PASS", checks["kafka"].Status);

            (exit, output) = await stack.Ms5Async(TimeSpan.FromMinutes(2), "validate");
            Assert.Equal(1, exit);
            Assert.Matches(@"(?m)^influxdb\s+FAIL", output);
        }
        finally
        {
            var (up, upOutput) = await LocalStack.RunAsync(services, TimeSpan.FromMinutes(2), stack.Environment(), "up", "influxdb");
            Assert.True(up == 0, upOutput);
        }
    }

    [Fact]
    public async Task The_acceptance_suite_passes_and_leaves_nothing_behind()
    {
        await using var db = NpgsqlDataSource.Create(stack.PgUri);
        var plantsBefore = await PlantsAsync(db);
        var (exit, output) = await stack.Ms5Async(TimeSpan.FromMinutes(6), "uat");
        Assert.True(exit == 0, "./ms5 uat failed:\n" + output);

        var junit = XDocument.Load(Path.Combine(stack.Home, "uat", "uat-results.xml"));
        var suites = junit.Descendants("testsuite").ToList();
        Assert.True(suites.Count >= 10, $"{suites.Count} areas in the JUnit file");
        Assert.True(suites.Sum(s => (int)s.Attribute("tests")!) >= 30);
        Assert.All(suites, s => Assert.Equal(0, (int)s.Attribute("failures")! + ((int?)s.Attribute("errors") ?? 0)));
        var summary = await File.ReadAllTextAsync(Path.Combine(stack.Home, "uat", "uat-summary.md"));
        Assert.Contains("p95", summary, StringComparison.Ordinal);
        Assert.Equal(plantsBefore, await PlantsAsync(db));
    }

    private static async Task<List<string>> PlantsAsync(NpgsqlDataSource db)
    {
        await using var cmd = db.CreateCommand("SELECT plant_id FROM plants ORDER BY plant_id");
        await using var r = await cmd.ExecuteReaderAsync();
        var ids = new List<string>();
        while (await r.ReadAsync())
        {
            ids.Add(r.GetString(0));
        }

        return ids;
    }

    private static Dictionary<string, (string Status, string Detail)> Checks(string output)
    {
        var start = output.IndexOf('{', StringComparison.Ordinal);
        Assert.True(start >= 0, "no JSON in:\n" + output);
        using var doc = JsonDocument.Parse(output[start..]);
        return doc.RootElement.GetProperty("checks").EnumerateArray().ToDictionary(
            c => c.GetProperty("name").GetString()!,
            c => (c.GetProperty("status").GetString()!, c.GetProperty("detail").GetString() ?? ""));
    }
}
