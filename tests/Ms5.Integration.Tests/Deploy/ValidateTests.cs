extern alias ops;

using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Ms5.Integration.Tests.Support;
using Ms5.Kafka;
using ops::Ms5.Ops;
using ops::Ms5.Ops.Checks;

namespace Ms5.Integration.Tests.Deploy;

/// <summary>
/// `Ms5.Ops validate` as a process against real services: this run's database, topics and InfluxDB database, an API
/// process, the historian and the OEE engine on the API's topic, a Prometheus with the repository's rules scraping
/// them, an Alertmanager with the shipped configuration. Every check passes; `smoke` passes each leg and leaves no
/// plant behind; then with MS5_INFLUX_URL on a closed port only the influxdb check fails, naming InfluxDB, and the
/// exit code is 1.
/// </summary>
[Collection("stack-api")]
public sealed class ValidateTests(StackFixture stack)
{
    private static readonly string OpsDll = Repo.Dll("infra/Ms5.Ops", "Ms5.Ops");

    private static readonly string[] CheckNames =
        ["process api", "process stream", "process oee", "api", "postgres", "kafka", "influxdb", "websocket", "prometheus", "alertmanager", "smoke", "headroom", "logs"];

    [Fact]
    public async Task Validate_HealthyDeployment_PassesEveryCheck_AndAClosedInfluxPortFailsOnlyInfluxdb()
    {
        var amDir = Path.Combine(Repo.Root, "infra", "alertmanager");
        var templates = Directory.GetFiles(Path.Combine(amDir, "templates")).ToDictionary(f => Path.Combine("templates", Path.GetFileName(f)), File.ReadAllText);
        using var alertmanager = await TestAlertmanager.StartAsync(await File.ReadAllTextAsync(Path.Combine(amDir, "alertmanager.yml")), templates);
        using var api = await ApiProcess.StartAsync(stack, "validate");
        using var historian = stack.StartStream("validate", api.Topic);
        // The engine notifies this Alertmanager: its /readyz counts it as a dependency.
        var engineEnv = stack.StreamEnv("validate-oee", api.Topic, sinks: "oee");
        engineEnv["MS5_ALERTMANAGER_URL"] = alertmanager.Url.ToString();
        using var engine = ChildProcess.Start(Repo.EngineDll, engineEnv);
        await StackFixture.WaitForAssignmentAsync(historian, 2);
        await StackFixture.WaitForAssignmentAsync(engine, 1);
        var streamPort = historian.Environment["Stream__MetricsPort"];
        var enginePort = engine.Environment["Stream__MetricsPort"];
        using var prometheus = await TestPrometheus.StartAsync(
        [
            new ScrapeTarget("api", api.Url.Authority),
            new ScrapeTarget("stream", $"127.0.0.1:{streamPort}"),
            new ScrapeTarget("oee", $"127.0.0.1:{enginePort}"),
        ],
        // Scrapes may take 5 s: with the default 1 s, one slow answer of the API's /metrics on a loaded CI machine made
        // Prometheus report it down ("context deadline exceeded") just when validate asked.
        interval: TimeSpan.FromSeconds(5));
        await AllTargetsUpAsync(prometheus.Url);
        var home = Directory.CreateTempSubdirectory("ms5-validate-home-").FullName;
        var logs = Directory.CreateDirectory(Path.Combine(home, "logs")).FullName;
        await File.WriteAllTextAsync(Path.Combine(logs, "api.log"),
            $$"""{"Timestamp":"{{DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ}}","EventId":0,"LogLevel":"Information","Category":"Program","Message":"started"}""" + "\n");
        var env = new Dictionary<string, string>
        {
            ["MS5_API_URL"] = api.Url.ToString().TrimEnd('/'),
            ["MS5_API_TOKEN"] = stack.AdminKey,
            ["MS5_PG"] = stack.Pg,
            ["MS5_KAFKA_BOOTSTRAP"] = stack.Kafka.BootstrapServers,
            ["MS5_KAFKA_DEVBROKER_URL"] = stack.Kafka.DevBrokerUrl ?? "",
            ["MS5_INFLUX_URL"] = stack.Influx.Options.Url.ToString(),
            ["MS5_INFLUX_DB"] = stack.DbName,
            ["MS5_PROMETHEUS_URL"] = prometheus.Url.ToString(),
            ["MS5_ALERTMANAGER_URL"] = alertmanager.Url.ToString(),
            ["MS5_HOME"] = home,
            ["MS5_LOG_DIR"] = logs,
            ["MS5_PROCESS_HEALTH"] = $"api={api.Url}healthz;stream=http://127.0.0.1:{streamPort}/healthz;oee=http://127.0.0.1:{enginePort}/healthz",
        };
        try
        {
            // 120 s: on a CI machine with every core busy the smoke check's temporary plant alone took 15 s, and its events
            // reached the historian and the engine after the 40 s the test allowed before.
            var (code, output) = await ChildProcess.RunAsync(OpsDll, env, TimeSpan.FromSeconds(150), "validate", "--json", "--timeout", "120s");
            var checks = Checks(output);

            Assert.True(checks.All(c => c.Status == "PASS"), output);
            Assert.Equal(CheckNames, checks.Select(c => c.Name));
            Assert.Equal(0, code);

            (code, output) = await ChildProcess.RunAsync(OpsDll, env, TimeSpan.FromSeconds(150), "smoke", "--url", api.Url.ToString(), "--timeout", "120s");
            var legs = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).SkipLast(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();

            Assert.Equal([("plant", "PASS"), ("ingest", "PASS"), ("historian", "PASS"), ("oee", "PASS"), ("board", "PASS"), ("cleanup", "PASS")], legs.Select(l => (l[0], l[1])));
            Assert.Equal(0, code);
            Assert.Equal(0L, await stack.ScalarAsync("SELECT count(*) FROM plants WHERE plant_id LIKE 'smoke-%'"));

            var closed = TestPorts.Next();
            env["MS5_INFLUX_URL"] = $"http://127.0.0.1:{closed}";
            (code, output) = await ChildProcess.RunAsync(OpsDll, env, TimeSpan.FromSeconds(150), "validate", "--json", "--timeout", "120s");
            checks = Checks(output);

            Assert.Equal(1, code);
            Assert.Equal(["influxdb"], checks.Where(c => c.Status != "PASS").Select(c => c.Name));
            Assert.Equal($"influxdb http://127.0.0.1:{closed} db {stack.DbName}: Connection refused (ConnectionRefused)", checks.Single(c => c.Name == "influxdb").Detail);
        }
        finally
        {
            Directory.Delete(home, true);
        }
    }

    [Fact]
    public async Task KafkaCheck_RoundTripsAUniqueMessage_ThroughTheBroker()
    {
        var topic = $"test.{stack.RunId}.kafka-check";
        var settings = new OpsSettings(null, null, null, stack.Kafka.BootstrapServers, null, null, null, null, null, null)
        {
            Configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Ms5:KafkaBootstrap"] = stack.Kafka.BootstrapServers,
                ["Ms5:KafkaDevBrokerUrl"] = stack.Kafka.DevBrokerUrl,
            }).Build(),
        };
        try
        {
            var first = await CheckRunner.RunOneAsync(KafkaCheck.Create(settings, topic), TimeSpan.FromSeconds(20), CancellationToken.None);
            var second = await CheckRunner.RunOneAsync(KafkaCheck.Create(settings, topic), TimeSpan.FromSeconds(20), CancellationToken.None);

            Assert.Equal(CheckStatus.Pass, first.Status);
            Assert.EndsWith($"read back at {topic} [[0]] @0", first.Detail, StringComparison.Ordinal);
            Assert.EndsWith($"read back at {topic} [[0]] @1", second.Detail, StringComparison.Ordinal);
            Assert.StartsWith($"{stack.Kafka.BootstrapServers}: {topic} produce ", first.Detail, StringComparison.Ordinal);
        }
        finally
        {
            await TopicAdmin.DeleteDevTopicAsync(stack.Kafka, topic);
        }
    }

    private sealed record CheckRow(string Name, string Status, long Ms, string Detail);

    private static List<CheckRow> Checks(string output)
    {
        using var doc = JsonDocument.Parse(output);
        return doc.RootElement.GetProperty("checks").EnumerateArray()
            .Select(c => new CheckRow(c.GetProperty("name").GetString()!, c.GetProperty("status").GetString()!, c.GetProperty("ms").GetInt64(), c.GetProperty("detail").GetString()!))
            .ToList();
    }

    /// <summary>Prometheus has scraped every target at least once and all are up (validate would rightly fail before).</summary>
    private static async Task AllTargetsUpAsync(Uri prometheus)
    {
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            using var doc = JsonDocument.Parse(await http.GetStringAsync(new Uri(prometheus, "api/v1/targets?state=active")));
            var health = doc.RootElement.GetProperty("data").GetProperty("activeTargets").EnumerateArray().Select(t => t.GetProperty("health").GetString()).ToList();
            if (health.Count > 0 && health.All(h => h == "up"))
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Prometheus targets not up: " + string.Join(", ", health));
            }

            await Task.Delay(200);
        }
    }
}
