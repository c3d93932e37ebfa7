using Ms5.Integration.Tests.Support;

namespace Ms5.Integration.Tests.Monitoring;

/// <summary>
/// infra/alertmanager/alertmanager.yml: amtool accepts it, every case of infra/alertmanager/tests/routes.txt reaches
/// exactly its receivers (amtool config routes test), and a real Alertmanager running it inhibits as documented.
/// </summary>
public sealed class AlertmanagerRoutesTests
{
    public static TheoryData<int, string, string> RouteCases()
    {
        var data = new TheoryData<int, string, string>();
        var lines = File.ReadAllLines(MonitoringFiles.RouteCases);
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var parts = line.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            data.Add(i + 1, parts[0], parts.Length > 1 ? parts[1] : "");
        }

        return data;
    }

    [Fact]
    public async Task Amtool_AcceptsTheConfig()
    {
        var (exit, output) = await MonitoringFiles.RunAsync(MonitoringFiles.Amtool, "check-config", MonitoringFiles.AlertmanagerConfig);
        Assert.True(exit == 0, "amtool check-config failed:\n" + output);
        Assert.Contains("SUCCESS", output, StringComparison.Ordinal);
    }

    [Fact]
    public void RouteCases_AreThere() => Assert.True(RouteCases().Count >= 20, "routes.txt has fewer cases than expected");

    [Theory]
    [MemberData(nameof(RouteCases))]
    public async Task Route_ReachesItsReceivers(int line, string receivers, string labels)
    {
        var args = new List<string> { "config", "routes", "test", "--config.file=" + MonitoringFiles.AlertmanagerConfig };
        args.AddRange(labels.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var (exit, output) = await MonitoringFiles.RunAsync(MonitoringFiles.Amtool, [.. args]);
        var got = output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0 && !l.StartsWith("Warning:", StringComparison.Ordinal)) ?? "";
        Assert.True(exit == 0, $"routes.txt line {line}: amtool failed:\n{output}");
        Assert.True(got == receivers, $"routes.txt line {line} ({labels}): expected {receivers}, amtool routed to {got}");
    }

    /// <summary>
    /// A real Alertmanager with the shipped configuration: the process down silences that process's alerts (not another
    /// process's), a line down silences the machine alerts of that line (not of another line), PostgreSQL down
    /// silences the PostgreSQL writers' symptoms (not the InfluxDB sink's), the broker down the stalled consumers.
    /// </summary>
    [Fact]
    public async Task ShippedConfig_Inhibits_UnderProcessDown_LineDown_AndPostgresDown()
    {
        var dir = Path.GetDirectoryName(MonitoringFiles.AlertmanagerConfig)!;
        var templates = Directory.GetFiles(Path.Combine(dir, "templates")).ToDictionary(f => Path.Combine("templates", Path.GetFileName(f)), File.ReadAllText);
        using var am = await TestAlertmanager.StartAsync(await File.ReadAllTextAsync(MonitoringFiles.AlertmanagerConfig), templates);
        using var http = new HttpClient { BaseAddress = am.Url };
        var client = new Ms5.Alertmanager.AlertmanagerClient(http);
        var run = Guid.NewGuid().ToString("N")[..8];
        Ms5.Alertmanager.Alert Alert(string name, string severity, string team, params (string Key, string Value)[] labels)
        {
            var all = new Dictionary<string, string> { ["alertname"] = name, ["severity"] = severity, ["team"] = team, ["run"] = run };
            foreach (var (k, v) in labels)
            {
                all[k] = v;
            }

            return new(all, new Dictionary<string, string> { ["summary"] = "test" }, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddMinutes(5), "http://127.0.0.1:59090/alerts");
        }

        var targets = new[]
        {
            Alert("Ms5MachineSilent", "warning", "floor", ("service", "oee"), ("plant", "p"), ("line", "L1"), ("machine", "m1")),       // oee down + L1 down
            Alert("Ms5MachineDownUnacknowledged", "critical", "floor", ("service", "oee"), ("plant", "p"), ("line", "L2"), ("machine", "m2")), // oee down
            Alert("Ms5LineOeeBelowTarget", "warning", "floor", ("plant", "p"), ("line", "L1")),                                          // no service label: stays
            Alert("Ms5SinkWriteFailures", "warning", "ops", ("service", "stream"), ("group", "ms5.historian-pg")),                     // PostgreSQL down
            Alert("Ms5SinkWriteFailures", "warning", "ops", ("service", "stream"), ("group", "ms5.historian-influx")),                 // stays
            Alert("Ms5ApiSlowRequests", "warning", "ops", ("service", "api"), ("route", "/api/oee")),                                   // stays
            Alert("Ms5ConsumerStalled", "critical", "ops", ("service", "stream"), ("group", "ms5.historian-influx")),                   // broker down
        };
        await client.PostAsync(targets);
        await client.PostAsync(
        [
            Alert("Ms5ProcessDown", "critical", "ops", ("service", "oee"), ("job", "ms5")),
            Alert("Ms5LineDown", "critical", "floor", ("service", "oee"), ("plant", "p"), ("line", "L1")),
            Alert("Ms5PostgresDown", "critical", "ops", ("job", "postgres")),
            Alert("Ms5ProcessDown", "critical", "ops", ("service", "devbroker"), ("job", "ms5")),
        ]);

        string Key(IReadOnlyDictionary<string, string> l) => l["alertname"] + "/" + (l.GetValueOrDefault("group") ?? l.GetValueOrDefault("line") ?? l.GetValueOrDefault("route") ?? l.GetValueOrDefault("service"));
        var expected = new Dictionary<string, string>
        {
            ["Ms5MachineSilent/L1"] = "suppressed",
            ["Ms5MachineDownUnacknowledged/L2"] = "suppressed",
            ["Ms5LineOeeBelowTarget/L1"] = "active",
            ["Ms5SinkWriteFailures/ms5.historian-pg"] = "suppressed",
            ["Ms5SinkWriteFailures/ms5.historian-influx"] = "active",
            ["Ms5ApiSlowRequests//api/oee"] = "active",
            ["Ms5ConsumerStalled/ms5.historian-influx"] = "suppressed",
            ["Ms5ProcessDown/oee"] = "active",
            ["Ms5ProcessDown/devbroker"] = "active",
            ["Ms5LineDown/L1"] = "suppressed", // a line down comes from the engine's metrics: silenced under its process down
            ["Ms5PostgresDown/"] = "active",
        };
        Dictionary<string, string> states = [];
        var deadline = DateTime.UtcNow.AddSeconds(15);
        do
        {
            await Task.Delay(200);
            states = (await client.GetAsync([$"run=\"{run}\""])).ToDictionary(a => Key(a.Labels), a => a.State);
        }
        while (!expected.All(kv => states.GetValueOrDefault(kv.Key) == kv.Value) && DateTime.UtcNow < deadline);
        Assert.Equal(expected.OrderBy(kv => kv.Key, StringComparer.Ordinal), states.OrderBy(kv => kv.Key, StringComparer.Ordinal));
    }
}
