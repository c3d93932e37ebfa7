using System.Globalization;
using Ms5.Integration.Tests.Support;
using Xunit.Abstractions;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace Ms5.Integration.Tests.Deploy;

/// <summary>
/// infra/compose/compose.yaml read as YAML (anchors and merge keys resolved): what it names exists in the repository
/// (build files, env files, bind mounts), nothing is published twice, every long-running service has a healthcheck,
/// depends_on and secrets name what is defined, and the deploy proxy alone publishes the API's port. `docker compose
/// config` runs as well where the compose plugin is installed.
/// </summary>
public sealed class ComposeTests(ITestOutputHelper output)
{
    private static readonly string ComposeDir = Path.Combine(Repo.Root, "infra", "compose");

    private static Dictionary<object, object> Compose()
    {
        using var reader = new StringReader(File.ReadAllText(Path.Combine(ComposeDir, "compose.yaml")));
        var yaml = new DeserializerBuilder().Build().Deserialize<Dictionary<object, object>>(new MergingParser(new Parser(reader)));
        return yaml;
    }

    private static Dictionary<string, Dictionary<object, object>> Services(Dictionary<object, object> compose) =>
        ((Dictionary<object, object>)compose["services"]).ToDictionary(kv => (string)kv.Key, kv => (Dictionary<object, object>)kv.Value, StringComparer.Ordinal);

    private static IEnumerable<string> Strings(object? value) => value switch
    {
        null => [],
        string s => [s],
        List<object> list => list.Select(o => Convert.ToString(o, CultureInfo.InvariantCulture)!),
        Dictionary<object, object> map => map.Keys.Select(k => (string)k),
        _ => throw new InvalidOperationException($"unexpected YAML node {value.GetType().Name}"),
    };

    private static string? Get(Dictionary<object, object> map, string key) => map.TryGetValue(key, out var v) ? v as string : null;

    [Fact]
    public void EveryService_IsBuiltOrPulledFromWhatExists_ReadsExistingEnvFiles_AndMountsExistingPaths()
    {
        var compose = Compose();
        var services = Services(compose);
        var volumes = Strings(compose.GetValueOrDefault("volumes")).ToHashSet(StringComparer.Ordinal);
        var built = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, s) in services)
        {
            if (s.GetValueOrDefault("build") is Dictionary<object, object> build)
            {
                var context = Path.GetFullPath(Path.Combine(ComposeDir, Get(build, "context") ?? "."));
                Assert.True(Directory.Exists(context), $"{name}: build context {context} does not exist");
                var dockerfile = Path.Combine(context, Get(build, "dockerfile") ?? "Dockerfile");
                Assert.True(File.Exists(dockerfile), $"{name}: {dockerfile} does not exist");
                built.Add(Get(s, "image") ?? name);
            }
        }

        Assert.Contains("ms5:latest", built);
        var dockerfileText = File.ReadAllText(Path.Combine(Repo.Root, "infra", "docker", "Dockerfile"));
        var entrypoint = File.ReadAllText(Path.Combine(Repo.Root, "infra", "docker", "entrypoint.sh"));
        foreach (var (name, s) in services)
        {
            var image = Get(s, "image");
            Assert.True(image is not null || s.ContainsKey("build"), $"{name} has neither image nor build");
            if (image is not null && !built.Contains(image))
            {
                // Third-party images are pinned to a version.
                Assert.Matches(@"^[a-z0-9./-]+:[A-Za-z0-9._-]+$", image);
                Assert.DoesNotMatch(":latest$", image);
            }

            if (image == "ms5:latest")
            {
                // The program the command names is dispatched by the entrypoint and published by the Dockerfile.
                var program = Strings(s.GetValueOrDefault("command")).First();
                Assert.Contains($"\n  {program}", entrypoint, StringComparison.Ordinal);
                var dir = program == "historian" ? "historian" : program;
                Assert.Contains($"-o /out/{dir}", dockerfileText, StringComparison.Ordinal);
            }

            foreach (var envFile in Strings(s.GetValueOrDefault("env_file")))
            {
                Assert.True(File.Exists(Path.Combine(ComposeDir, envFile)), $"{name}: env_file {envFile} does not exist");
            }

            foreach (var volume in Strings(s.GetValueOrDefault("volumes")))
            {
                var source = volume.Split(':')[0];
                if (source.StartsWith('.'))
                {
                    var path = Path.GetFullPath(Path.Combine(ComposeDir, source));
                    Assert.True(File.Exists(path) || Directory.Exists(path), $"{name}: mounts {path}, which does not exist");
                    Assert.StartsWith(Repo.Root + Path.DirectorySeparatorChar, path, StringComparison.Ordinal);
                }
                else if (source.StartsWith('/'))
                {
                    // Host paths: only the node exporter reads the host's root file system.
                    Assert.Equal(("node-exporter", "/"), (name, source));
                }
                else
                {
                    Assert.True(volumes.Contains(source), $"{name}: volume {source} is not declared under volumes:");
                }
            }
        }
    }

    [Fact]
    public void Ports_AreUnique_TheProxyAlonePublishesTheApiPort_AndForwardsToTheApi()
    {
        var services = Services(Compose());
        var published = services.SelectMany(s => Strings(s.Value.GetValueOrDefault("ports")).Select(p => (Service: s.Key, Host: p.Split(':')[0]))).ToList();
        Assert.All(published.GroupBy(p => p.Host), g => Assert.True(g.Count() == 1, $"host port {g.Key} published by {string.Join(", ", g.Select(p => p.Service))}"));
        Assert.Equal(["proxy"], published.Where(p => p.Host == "8080").Select(p => p.Service));
        Assert.False(services["api"].ContainsKey("ports"), "the API publishes no port: the proxy owns 8080");

        var proxy = (Dictionary<object, object>)services["proxy"]["environment"];
        Assert.Equal("http://0.0.0.0:8080", Get(proxy, "Proxy__PublicUrl"));
        Assert.Equal("http://api:8080", Get(proxy, "Proxy__Upstream"));
        Assert.StartsWith("http://127.0.0.1:", Get(proxy, "Proxy__AdminUrl"), StringComparison.Ordinal);
        Assert.StartsWith("/var/lib/ms5-proxy/", Get(proxy, "Proxy__StateFile"), StringComparison.Ordinal);
        Assert.StartsWith("/run/secrets/", Get(proxy, "Proxy__AdminTokenFile"), StringComparison.Ordinal);
        var api = (Dictionary<object, object>)services["api"]["environment"];
        Assert.Equal("http://0.0.0.0:8080", Get(api, "MS5_API_URL"));
        // The API believes X-Forwarded-For from the proxy's fixed address only.
        var proxyAddress = Get((Dictionary<object, object>)((Dictionary<object, object>)services["proxy"]["networks"])["default"], "ipv4_address");
        Assert.Equal(proxyAddress, Get(api, "Ms5__Auth__TrustedProxies"));
    }

    [Fact]
    public void LongRunningServices_HaveHealthchecks_AndDependsOnAndSecretsNameWhatExists()
    {
        var compose = Compose();
        var services = Services(compose);
        var secrets = Strings(compose.GetValueOrDefault("secrets")).ToHashSet(StringComparer.Ordinal);
        foreach (var (name, s) in services)
        {
            if (Get(s, "restart") != "no")
            {
                Assert.True(s.GetValueOrDefault("healthcheck") is Dictionary<object, object> h && Strings(h.GetValueOrDefault("test")).Any(),
                    $"{name} has no healthcheck");
            }

            foreach (var dependency in Strings(s.GetValueOrDefault("depends_on")))
            {
                Assert.True(services.ContainsKey(dependency), $"{name} depends on {dependency}, which is not a service");
                var condition = s["depends_on"] is Dictionary<object, object> d && d[dependency] is Dictionary<object, object> c ? Get(c, "condition") : null;
                if (condition == "service_healthy")
                {
                    Assert.True(services[dependency].ContainsKey("healthcheck"), $"{name} waits for {dependency} to be healthy, which has no healthcheck");
                }
            }

            foreach (var secret in s.GetValueOrDefault("secrets") is List<object> list
                         ? list.Select(o => o is Dictionary<object, object> m ? Get(m, "source")! : (string)o)
                         : [])
            {
                Assert.True(secrets.Contains(secret), $"{name} uses secret {secret}, which is not defined under secrets:");
            }
        }

        Assert.Equal(["proxy", "reports", "grafana", "node-exporter", "postgres-exporter"],
            new[] { "proxy", "reports", "grafana", "node-exporter", "postgres-exporter" }.Where(services.ContainsKey));
    }

    [Fact]
    public async Task DockerComposeConfig_AcceptsTheFile_WhereThePluginIsInstalled()
    {
        (int Code, string Output) version;
        try
        {
            version = await ChildProcess.RunProgramAsync("docker", new Dictionary<string, string>(), TimeSpan.FromSeconds(30), "compose", "version");
        }
        catch (System.ComponentModel.Win32Exception)
        {
            version = (-1, "docker is not installed");
        }

        if (version.Code != 0)
        {
            output.WriteLine($"SKIPPED: `docker compose config` not run, the docker compose plugin is not installed here ({version.Output.Trim()})");
            return;
        }

        // Interpolated variables get stand-ins; the secrets' files are not needed for config.
        var env = new Dictionary<string, string>
        {
            ["MS5_PG_PASSWORD"] = "x", ["MS5_INFLUX_PASSWORD"] = "x", ["MS5_INFLUX_TOKEN"] = "x",
            ["MS5_GRAFANA_ADMIN_PASSWORD"] = "x", ["MS5_PG_READER_PASSWORD"] = "x",
        };
        var (code, text) = await ChildProcess.RunProgramAsync("docker", env, TimeSpan.FromSeconds(60), "compose", "-f", Path.Combine(ComposeDir, "compose.yaml"), "config", "--quiet");
        Assert.True(code == 0, text);
    }
}
