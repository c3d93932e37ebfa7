using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Npgsql;

namespace Ms5.Deploy.Tests;

/// <summary>`./ms5 validate` and `./ms5 uat` against the tests' own stack, as an operator runs them after a deploy.</summary>
[Collection(StackCollection.Name)]
public sealed partial class ValidateAndUatTests(LocalStack stack)
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

        var junit = XDocument.Load(Path.Combine(stack.Home, "uat", "uat-results.xml"));
        var suites = junit.Descendants("testsuite").ToList();
        Assert.True(suites.Count >= 10, $"{suites.Count} areas in the JUnit file");
        Assert.True(suites.Sum(s => (int)s.Attribute("tests")!) >= 30);
        // Every functional case passes. The performance area's thresholds (p95 < 250 ms, > 100 requests/s) are the
        // operator's acceptance figures on a deployment's own machine; here the stack shares two cores with the rest
        // of the test suite, so a miss of those two thresholds alone is not this test's failure (speed is measured by
        // benchmarks, never asserted on a loaded machine). Its requests must all succeed and its figures be printed.
        var failed = junit.Descendants("testcase").Where(t => t.Element("failure") is not null)
            .Select(t => (Area: ((string)t.Attribute("classname")!)["uat.".Length..], Name: (string)t.Attribute("name")!, Message: (string)t.Element("failure")!.Attribute("message")!))
            .ToList();
        var functional = failed.Where(f => !(f.Area == "performance" && ThresholdMiss().IsMatch(f.Message))).ToList();
        Assert.True(functional.Count == 0, $"./ms5 uat failed:\n{string.Join('\n', functional.Select(f => $"{f.Area}: {f.Name} — {f.Message}"))}\n\nthe whole output:\n{output}");
        Assert.True(exit == (failed.Count == 0 ? 0 : 1), $"exit code {exit} with {failed.Count} failed case(s):\n{output}");
        Assert.True(suites.Single(s => (string)s.Attribute("name")! == "performance").Elements("testcase").Count() >= 3, "the performance area's cases");
        Assert.Matches(@"requests, 0 errors, p50 [0-9.]+ ms, p95 [0-9.]+ ms, p99 [0-9.]+ ms, [0-9.]+ requests/s", output);

        var summary = await File.ReadAllTextAsync(Path.Combine(stack.Home, "uat", "uat-summary.md"));
        Assert.Contains("p95", summary, StringComparison.Ordinal);
        Assert.Equal(plantsBefore, await PlantsAsync(db));
    }

    [GeneratedRegex(@"^(p95 [0-9.]+ ms ≥ 250 ms|[0-9.]+ requests/s ≤ 100)$")]
    private static partial Regex ThresholdMiss();

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
