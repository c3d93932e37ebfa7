using Microsoft.Extensions.Configuration;

namespace Ms5.ServiceDefaults;

/// <summary>
/// The MS5_* environment variables, read in this one place and mapped into configuration section
/// <c>Ms5</c> (e.g. MS5_PG → <c>Ms5:Pg</c>), so every host, adapter and test reads the same keys and a
/// setting can also come from appsettings, <c>Ms5__Pg</c> (MS5_* win over both) or the command line (which wins).
/// </summary>
public static class Ms5Settings
{
    public const string Section = "Ms5";

    /// <summary>Environment variable → key in <see cref="Section"/>.</summary>
    public static readonly IReadOnlyDictionary<string, string> Variables = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["MS5_PG"] = "Pg",
        ["MS5_KAFKA_BOOTSTRAP"] = "KafkaBootstrap",
        ["MS5_KAFKA_DEVBROKER_URL"] = "KafkaDevBrokerUrl",
        ["MS5_INFLUX_URL"] = "InfluxUrl",
        ["MS5_INFLUX_DB"] = "InfluxDb",
        ["MS5_INFLUX_TOKEN"] = "InfluxToken",
        ["MS5_INFLUX_TOKEN_FILE"] = "InfluxTokenFile",
        ["MS5_ALERTMANAGER_URL"] = "AlertmanagerUrl",
        ["MS5_PROMETHEUS_URL"] = "PrometheusUrl",
        ["MS5_API_URL"] = "ApiUrl",
        ["MS5_HOME"] = "Home",
        ["MS5_PROFILE"] = "Profile",
        ["MS5_AUTH_SIGNING_KEY_FILE"] = "Auth:SigningKeyFile",
        ["MS5_ADMIN_PASSWORD_FILE"] = "Auth:BootstrapAdminPasswordFile",
        ["MS5_ADMIN_APIKEY_FILE"] = "Auth:BootstrapApiKeyFile",
        ["MS5_TLS_CERT_FILE"] = "TlsCertFile",
        ["MS5_TLS_KEY_FILE"] = "TlsKeyFile",
        ["MS5_FEATURE_REPORTS"] = "Features:Reports",
        ["MS5_FEATURE_ML"] = "Features:Ml",
        ["MS5_FEATURE_EMAIL"] = "Features:Email",
    };

    /// <summary>The non-empty MS5_* variables as configuration pairs.</summary>
    public static IEnumerable<KeyValuePair<string, string?>> FromEnvironment()
    {
        foreach (var (variable, key) in Variables)
        {
            if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value)
            {
                yield return new KeyValuePair<string, string?>($"{Section}:{key}", value);
            }
        }
    }

    /// <summary>Adds the MS5_* variables on top of the sources already there (they win over appsettings).</summary>
    public static IConfigurationBuilder AddMs5Environment(this IConfigurationBuilder builder) =>
        builder.AddInMemoryCollection(FromEnvironment());

    /// <summary>Configuration from the MS5_* variables alone: for tools and tests outside a host.</summary>
    public static IConfiguration Current() => new ConfigurationBuilder().AddMs5Environment().Build();
}
