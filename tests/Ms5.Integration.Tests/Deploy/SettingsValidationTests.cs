using System.Globalization;
using Ms5.Integration.Tests.Support;

namespace Ms5.Integration.Tests.Deploy;

/// <summary>
/// The settings the environment files set, read by the hosts themselves: a bad value stops the host at start with the
/// setting's configuration key and variable named (what load_env checks first is checked again where it is used).
/// </summary>
[Collection("stack-api")]
public sealed class SettingsValidationTests(StackFixture stack)
{
    [Theory]
    [InlineData("MS5_INFLUX_URL", "influx:8086", "Ms5:InfluxUrl (MS5_INFLUX_URL) must be an http(s) URL, got 'influx:8086'")]
    [InlineData("MS5_INFLUX_TOKEN_FILE", "/nonexistent/influx.token", "Ms5:InfluxTokenFile (MS5_INFLUX_TOKEN_FILE): no file '/nonexistent/influx.token'")]
    [InlineData("MS5_PG", "postgresql://ms5@[bad/ms5", "Ms5:Pg (MS5_PG) is not a PostgreSQL URI (postgresql://user@host:port/db?sslmode=require)")]
    [InlineData("MS5_FEATURE_ML", "yes", "Ms5:Features:Ml (MS5_FEATURE_ML) must be true or false, got 'yes'")]
    public async Task Historian_WithABadSetting_StopsNamingIt(string variable, string value, string message)
    {
        var env = stack.StreamEnv("settings-" + variable.ToLowerInvariant());
        env[variable] = value;
        var (code, output) = await ChildProcess.RunAsync(Repo.HistorianDll, env, TimeSpan.FromSeconds(60));
        Assert.NotEqual(0, code);
        Assert.Contains(message, output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("MS5_TLS_CERT_FILE", "/nonexistent/ms5.crt", "Ms5:TlsCertFile (MS5_TLS_CERT_FILE): no file '/nonexistent/ms5.crt'")]
    [InlineData("MS5_TLS_KEY_FILE", "/nonexistent/ms5.key", "Ms5:TlsKeyFile (MS5_TLS_KEY_FILE) is set without Ms5:TlsCertFile (MS5_TLS_CERT_FILE)")]
    [InlineData("MS5_FEATURE_REPORTS", "on", "Ms5:Features:Reports (MS5_FEATURE_REPORTS) must be true or false, got 'on'")]
    public async Task Api_WithABadSetting_StopsNamingIt(string variable, string value, string message)
    {
        var env = new Dictionary<string, string>
        {
            ["MS5_PG"] = stack.Pg,
            ["MS5_KAFKA_BOOTSTRAP"] = stack.Kafka.BootstrapServers,
            ["MS5_INFLUX_DB"] = stack.DbName,
            ["MS5_API_URL"] = $"http://127.0.0.1:{TestPorts.Next().ToString(CultureInfo.InvariantCulture)}",
            ["MS5_AUTH_SIGNING_KEY_FILE"] = stack.SigningKeyFile,
            [variable] = value,
        };
        var (code, output) = await ChildProcess.RunAsync(Repo.Dll("api/Ms5.Api", "Ms5.Api"), env, TimeSpan.FromSeconds(60));
        Assert.NotEqual(0, code);
        Assert.Contains(message, output, StringComparison.Ordinal);
    }
}
