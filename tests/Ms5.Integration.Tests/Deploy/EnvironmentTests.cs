using System.Text.RegularExpressions;
using Ms5.Integration.Tests.Support;

namespace Ms5.Integration.Tests.Deploy;

/// <summary>
/// The environment files (infra/env/*.env) and their loader (infra/local/envs.sh), run as ./ms5 runs them: bash with
/// services.sh and envs.sh sourced, a temporary MS5_HOME of its own. A bad line, a missing or malformed setting and an
/// unsafe production setting each stop with the setting named; `./ms5 up --env FILE` stops before anything starts.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class EnvironmentTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ms5-env-test-").FullName;

    private string Home => Path.Combine(_dir, "home");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Shipped(string name) => Path.Combine(Repo.Root, "infra", "env", name + ".env");

    /// <summary>Runs SCRIPT in bash with ./ms5's libraries sourced (set -euo pipefail, as ./ms5 has).</summary>
    private Task<(int ExitCode, string Output)> BashAsync(string script) =>
        ChildProcess.RunProgramAsync("bash", Env(), TimeSpan.FromSeconds(30), "-c",
            "set -euo pipefail; source infra/local/services.sh; source infra/local/envs.sh; " + script);

    private Dictionary<string, string> Env()
    {
        Directory.CreateDirectory(Home);
        return new Dictionary<string, string> { ["MS5_HOME"] = Home };
    }

    /// <summary>The shipped staging file with some lines replaced (NAME → new line, or removed when null).</summary>
    private string StagingWith(params (string Name, string? Line)[] changes)
    {
        var lines = File.ReadAllLines(Shipped("staging")).ToList();
        foreach (var (name, line) in changes)
        {
            var i = lines.FindIndex(l => l.StartsWith(name + "=", StringComparison.Ordinal));
            if (i < 0)
            {
                lines.Add(line!);
            }
            else if (line is null)
            {
                lines.RemoveAt(i);
            }
            else
            {
                lines[i] = line;
            }
        }

        return Write("test.env", lines);
    }

    private string Write(string name, IEnumerable<string> lines)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllLines(path, lines);
        return path;
    }

    private string Secret(string name, string value, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, value + "\n");
        File.SetUnixFileMode(path, mode);
        return path;
    }

    private static string RandomSecret() => Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(36));

    private static List<string> Lines(string output, string prefix) =>
        output.Split('\n').Where(l => l.StartsWith(prefix, StringComparison.Ordinal)).Select(l => l[prefix.Length..].TrimEnd()).ToList();

    [Fact]
    public async Task ShippedStaging_LoadsAndValidates_WithTheLocalStacksAddresses_AndAWeekOfPacedBackfill()
    {
        var (code, output) = await BashAsync(
            "load_env staging; echo \"got:$MS5_PROFILE|$MS5_PG|${MS5_KAFKA_BOOTSTRAP-unset}|$MS5_INFLUX_URL|$MS5_FEATURE_EMAIL|$MS5_SIMULATOR_BACKFILL|$MS5_SIMULATOR_BACKFILL_RATE|${MS5_TLS_CERT_FILE-unset}|$Logging__LogLevel__Default|$Ms5__Auth__LockoutAttempts\"");
        Assert.True(code == 0, output);
        Assert.Equal(
            ["development|postgresql://ms5@127.0.0.1:55432/ms5|unset|http://127.0.0.1:58086|false|7d|5000|unset|Information|5"],
            Lines(output, "got:"));
        Assert.Contains("[ms5] environment staging.env loaded", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ShippedProduction_IsRejectedOnThisMachine_NamingEachMissingFileAndUnsafeSetting()
    {
        var (code, output) = await BashAsync("env_check_for_deploy production");
        Assert.NotEqual(0, code);
        Assert.Equal(
        [
            "MS5_INFLUX_TOKEN_FILE: no file /etc/ms5/secrets/influx.token",
            "MS5_TLS_CERT_FILE: no file /etc/ms5/tls/ms5.crt",
            "MS5_TLS_KEY_FILE: no file /etc/ms5/tls/ms5.key",
            "MS5_AUTH_SIGNING_KEY_FILE: no file /etc/ms5/secrets/jwt-signing.key",
            "MS5_ADMIN_PASSWORD_FILE: no file /etc/ms5/secrets/admin.password",
            "MS5_ADMIN_APIKEY_FILE: no file /etc/ms5/secrets/admin.apikey",
            "Reports__Smtp__PasswordFile: no file /etc/ms5/secrets/smtp.password",
            "MS5_PG: its passfile /etc/ms5/secrets/pgpass is not a readable file",
        ], Lines(output, "[ms5] ERROR: production.env: "));
        Assert.Contains("8 bad, missing or unsafe setting(s); nothing was started", output, StringComparison.Ordinal);

        // The safety check alone: its Kafka, profile and URL are right, the TLS files and secrets are missing.
        (code, output) = await BashAsync("env_parse \"$ENV_DIR/production.env\"; check_env_safe");
        Assert.Equal(1, code);
        Assert.Equal(
        [
            "TLS: MS5_TLS_CERT_FILE: no readable file /etc/ms5/tls/ms5.crt",
            "TLS: MS5_TLS_KEY_FILE: no readable file /etc/ms5/tls/ms5.key",
            "secret: MS5_AUTH_SIGNING_KEY_FILE: no readable file /etc/ms5/secrets/jwt-signing.key",
            "secret: MS5_ADMIN_PASSWORD_FILE: no readable file /etc/ms5/secrets/admin.password",
            "secret: MS5_ADMIN_APIKEY_FILE: no readable file /etc/ms5/secrets/admin.apikey",
            "secret: MS5_INFLUX_TOKEN_FILE: no readable file /etc/ms5/secrets/influx.token",
            "secret: Reports__Smtp__PasswordFile: no readable file /etc/ms5/secrets/smtp.password",
        ], Lines(output, "[ms5] UNSAFE: production.env: "));
    }

    [Theory]
    [InlineData("export MS5_PG=postgresql://x@h/db")]
    [InlineData("MS5_PG = postgresql://x@h/db")]
    [InlineData("source /etc/profile")]
    [InlineData("$(touch MARKER)")]
    [InlineData("MS5-PG=postgresql://x@h/db")]
    public async Task ALineThatIsNotACommentBlankOrNameValue_StopsNamingFileAndLine_AndIsNotExecuted(string line)
    {
        var marker = Path.Combine(_dir, "MARKER");
        var file = Write("bad.env", ["# fine", "", "MS5_PROFILE=development", line.Replace("MARKER", marker, StringComparison.Ordinal)]);
        var (code, output) = await BashAsync($"load_env '{file}'");
        Assert.NotEqual(0, code);
        Assert.Contains("[ms5] ERROR: bad.env:4: not a comment, blank, or NAME=value line: ", output, StringComparison.Ordinal);
        Assert.False(File.Exists(marker), "the line was executed");
    }

    [Fact]
    public async Task AMisspeltMs5Setting_OrOneSetTwice_Stops()
    {
        var file = StagingWith(("MS5_PGG", "MS5_PGG=postgresql://ms5@db/ms5"));
        var (code, output) = await BashAsync($"load_env '{file}'");
        Assert.NotEqual(0, code);
        Assert.Matches(@"\[ms5\] ERROR: test\.env:\d+: unknown setting MS5_PGG ", output);

        file = StagingWith(("Logging__LogLevel__Default", "Logging__LogLevel__Default=Information\nLogging__LogLevel__Default=Debug"));
        (code, output) = await BashAsync($"load_env '{file}'");
        Assert.NotEqual(0, code);
        Assert.Matches(@"\[ms5\] ERROR: test\.env:\d+: Logging__LogLevel__Default is set twice \(first on line \d+\)", output);
    }

    [Fact]
    public async Task MissingAndMalformedSettings_AreEachNamed_InOneRun()
    {
        var file = StagingWith(
            ("MS5_PG", null),
            ("MS5_FEATURE_ML", "MS5_FEATURE_ML="),
            ("MS5_INFLUX_URL", "MS5_INFLUX_URL=influxdb:8086"),
            ("MS5_KAFKA_BOOTSTRAP", "MS5_KAFKA_BOOTSTRAP=kafka-1"),
            ("MS5_FEATURE_REPORTS", "MS5_FEATURE_REPORTS=yes"),
            ("Ms5__Auth__LockoutAttempts", "Ms5__Auth__LockoutAttempts=0"),
            ("Ms5__Auth__RateLimits__ApiBurst", "Ms5__Auth__RateLimits__ApiBurst=lots"),
            ("Reports__Retention", "Reports__Retention=180 days"),
            ("Logging__LogLevel__Default", "Logging__LogLevel__Default=Verbose"),
            ("MS5_TLS_CERT_FILE", $"MS5_TLS_CERT_FILE={Path.Combine(_dir, "none.crt")}"),
            ("MS5_INFLUX_TOKEN", "MS5_INFLUX_TOKEN=abc"));
        var (code, output) = await BashAsync($"load_env '{file}'");
        Assert.NotEqual(0, code);
        Assert.Equal(
        [
            "MS5_PG: missing (required in every environment)",
            "MS5_FEATURE_ML: empty (required in every environment)",
            "MS5_INFLUX_TOKEN: a secret value in an environment file; put it in a file and name that (MS5_INFLUX_TOKEN_FILE / …File)",
            "MS5_KAFKA_BOOTSTRAP: must be host:port[,host:port...], got 'kafka-1'",
            "MS5_INFLUX_URL: not an http(s) URL, got 'influxdb:8086'",
            "MS5_FEATURE_REPORTS: must be true or false, got 'yes'",
            "Ms5__Auth__LockoutAttempts: must be an integer from 1 to 100, got '0'",
            "Ms5__Auth__RateLimits__ApiBurst: must be an integer from 1 to 1000000, got 'lots'",
            "Reports__Retention: not a duration (d.hh:mm:ss, e.g. 00:15:00 or 180.00:00:00), got '180 days'",
            "Logging__LogLevel__Default: Trace, Debug, Information, Warning, Error, Critical or None, got 'Verbose'",
            $"MS5_TLS_CERT_FILE: no file {Path.Combine(_dir, "none.crt")}",
            "MS5_TLS_CERT_FILE: set without MS5_TLS_KEY_FILE",
        ], Lines(output, "[ms5] ERROR: test.env: "));
        Assert.Contains("12 bad or missing setting(s); nothing was started", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Up_WithABrokenFile_StopsNamingTheSetting_BeforeStartingAnything()
    {
        var file = StagingWith(("MS5_API_URL", "MS5_API_URL=127.0.0.1:8080"));
        var (code, output) = await ChildProcess.RunProgramAsync(Path.Combine(Repo.Root, "ms5"), Env(), TimeSpan.FromSeconds(30), "up", "--env", file);
        Assert.NotEqual(0, code);
        Assert.Equal(["MS5_API_URL: not an http(s) URL, got '127.0.0.1:8080'"], Lines(output, "[ms5] ERROR: test.env: "));
        // Nothing was installed, built or started: no service data, no pid file, no log but the empty folders.
        Assert.DoesNotContain("building", output, StringComparison.Ordinal);
        Assert.DoesNotContain(Directory.GetFileSystemEntries(Home, "*", SearchOption.AllDirectories), p => !Directory.Exists(p));

        (code, output) = await ChildProcess.RunProgramAsync(Path.Combine(Repo.Root, "ms5"), Env(), TimeSpan.FromSeconds(30), "up", "--env", "nowhere");
        Assert.NotEqual(0, code);
        Assert.Contains("[ms5] ERROR: no environment 'nowhere' (infra/env has: ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnsafeProductionSettings_AreEachNamed_AndASafeSetPasses()
    {
        // The dev broker's address as ./ms5 records it, a signing key copied from the repository, a default password,
        // a world-readable API key, plain HTTP and the development profile.
        File.WriteAllText(Path.Combine(Directory.CreateDirectory(Home).FullName, "kafka.bootstrap.history"), "127.0.0.1:40111\n");
        var repoLine = File.ReadLines(Shipped("staging")).First();
        var key = Secret("jwt.key", repoLine);
        var password = Secret("admin.password", "password");
        var apikey = Secret("admin.apikey", "ms5k_" + RandomSecret(), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        var file = StagingWith(
            ("MS5_KAFKA_BOOTSTRAP", "MS5_KAFKA_BOOTSTRAP=127.0.0.1:40111"),
            ("Ms5__Auth__PasswordMinLength", "Ms5__Auth__PasswordMinLength=8"),
            ("MS5_AUTH_SIGNING_KEY_FILE", $"MS5_AUTH_SIGNING_KEY_FILE={key}"),
            ("MS5_ADMIN_PASSWORD_FILE", $"MS5_ADMIN_PASSWORD_FILE={password}"),
            ("MS5_ADMIN_APIKEY_FILE", $"MS5_ADMIN_APIKEY_FILE={apikey}"),
            ("MS5_SIMULATOR", "MS5_SIMULATOR=true"));
        var (code, output) = await BashAsync($"load_env '{file}'; check_env_safe");
        Assert.Equal(1, code);
        Assert.Equal(
        [
            "dev broker: MS5_KAFKA_BOOTSTRAP 127.0.0.1:40111 is the local Kafka dev broker's address",
            "TLS: MS5_API_URL must be https://..., got 'http://127.0.0.1:8080'",
            "TLS: MS5_TLS_CERT_FILE is not set",
            "TLS: MS5_TLS_KEY_FILE is not set",
            "2FA: MS5_PROFILE must be production (admins must enrol two-factor authentication), got 'development'",
            $"secret: MS5_AUTH_SIGNING_KEY_FILE: {key} holds a value that appears in the repository (a default or example secret)",
            $"secret: MS5_ADMIN_PASSWORD_FILE: {password} holds a default value",
            $"secret: MS5_ADMIN_APIKEY_FILE: {apikey} is world-readable (mode 604; chmod 600)",
            "simulator: MS5_SIMULATOR must be false in production (simulated events would mix with real ones)",
        ], Lines(output, "[ms5] UNSAFE: test.env: "));

        // The same through the deploy check of a production-profile file: every reason listed, exit non-zero.
        var production = File.ReadAllText(file).Replace("MS5_PROFILE=development", "MS5_PROFILE=production", StringComparison.Ordinal);
        File.WriteAllText(file, production);
        (code, output) = await BashAsync($"env_check_for_deploy '{file}'");
        Assert.NotEqual(0, code);
        Assert.Contains("[ms5] ERROR: test.env: MS5_TLS_CERT_FILE: missing (required with MS5_PROFILE=production)", output, StringComparison.Ordinal);
        Assert.Contains("[ms5] ERROR: test.env: unsafe: dev broker: MS5_KAFKA_BOOTSTRAP 127.0.0.1:40111 is the local Kafka dev broker's address", output, StringComparison.Ordinal);
        Assert.DoesNotContain("2FA", output, StringComparison.Ordinal);

        // Safe: a cluster, HTTPS with a certificate, the production profile, fresh secrets only this account reads.
        var crt = Path.Combine(_dir, "tls.crt");
        var tlsKey = Path.Combine(_dir, "tls.key");
        var (openssl, opensslOutput) = await ChildProcess.RunProgramAsync("openssl", new Dictionary<string, string>(), TimeSpan.FromSeconds(30),
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", tlsKey, "-out", crt, "-days", "2", "-subj", "/CN=ms5.test");
        Assert.True(openssl == 0, opensslOutput);
        File.SetUnixFileMode(tlsKey, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        file = StagingWith(
            ("MS5_PROFILE", "MS5_PROFILE=production"),
            ("MS5_KAFKA_BOOTSTRAP", "MS5_KAFKA_BOOTSTRAP=kafka-1.plant.test:9092,kafka-2.plant.test:9092"),
            ("MS5_API_URL", "MS5_API_URL=https://ms5.plant.test:8443"),
            ("MS5_TLS_CERT_FILE", $"MS5_TLS_CERT_FILE={crt}"),
            ("MS5_TLS_KEY_FILE", $"MS5_TLS_KEY_FILE={tlsKey}"),
            ("MS5_AUTH_SIGNING_KEY_FILE", $"MS5_AUTH_SIGNING_KEY_FILE={Secret("jwt2.key", RandomSecret())}"),
            ("MS5_ADMIN_PASSWORD_FILE", $"MS5_ADMIN_PASSWORD_FILE={Secret("admin2.password", RandomSecret()[..20])}"),
            ("MS5_ADMIN_APIKEY_FILE", $"MS5_ADMIN_APIKEY_FILE={Secret("admin2.apikey", "ms5k_" + RandomSecret())}"),
            ("MS5_SIMULATOR", "MS5_SIMULATOR=false"));
        (code, output) = await BashAsync($"env_check_for_deploy '{file}'");
        Assert.True(code == 0, output);
        Assert.Contains("[ms5] environment test.env loaded", output, StringComparison.Ordinal);
        (code, output) = await BashAsync($"load_env '{file}'; check_env_safe");
        Assert.True(code == 0, output);
        Assert.Contains("[ms5] test.env: production settings are safe", output, StringComparison.Ordinal);
    }

    [Fact]
    public void ShippedFiles_DocumentEverySetting_ListTheSameNames_AndHoldNoSecretValue()
    {
        var names = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var env in new[] { "staging", "production" })
        {
            var lines = File.ReadAllLines(Shipped(env));
            var list = names[env] = [];
            var documented = false;
            for (var i = 0; i < lines.Length; i++)
            {
                var line = lines[i];
                if (line.StartsWith('#'))
                {
                    documented = true;
                    continue;
                }

                if (line.Length == 0)
                {
                    documented = false;
                    continue;
                }

                var m = SettingRegex().Match(line);
                Assert.True(m.Success, $"{env}.env:{i + 1} is not NAME=value: {line}");
                // A setting follows its comment directly, or another setting of the same commented group.
                Assert.True(documented, $"{env}.env:{i + 1}: {m.Groups[1].Value} has no comment above it");
                list.Add(m.Groups[1].Value);
                Assert.DoesNotMatch(@"(?i)(password|token|secret|signingkey)$", m.Groups[1].Value);
                Assert.DoesNotMatch(@"://[^/@\s]*:[^/@\s]*@", m.Groups[2].Value);
            }
        }

        Assert.Equal(names["staging"], names["production"]);
        foreach (var required in new[]
                 {
                     "MS5_PG", "MS5_KAFKA_BOOTSTRAP", "MS5_INFLUX_URL", "MS5_INFLUX_DB", "MS5_INFLUX_TOKEN_FILE", "Reports__Retention",
                     "Ms5__Auth__RateLimits__ApiPerIdentityPerSecond", "Ms5__Auth__PasswordMinLength", "Ms5__Auth__LockoutAttempts",
                     "MS5_PROFILE", "MS5_TLS_CERT_FILE", "MS5_TLS_KEY_FILE", "Logging__LogLevel__Default",
                     "MS5_FEATURE_REPORTS", "MS5_FEATURE_ML", "MS5_FEATURE_EMAIL", "MS5_AUTH_SIGNING_KEY_FILE",
                 })
        {
            Assert.Contains(required, names["staging"]);
        }
    }

    [GeneratedRegex(@"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$")]
    private static partial Regex SettingRegex();
}
