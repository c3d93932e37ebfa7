using Ms5.Kafka;

namespace Ms5.Integration.Tests.Support;

/// <summary>
/// The API as a real process on a free port (a browser needs a real address; WebApplicationFactory's test server has
/// none), bound to this run's database and Influx database and to its own topics test.RUN.NAME (events, 2
/// partitions), test.RUN.NAME-andon and test.RUN.NAME-oee.
/// </summary>
internal sealed record ApiProcess(ChildProcess Process, Uri Url, string Topic, string AndonTopic, string AdminKey) : IDisposable
{
    /// <summary>An HTTP client for this API sending the run's admin key.</summary>
    public HttpClient Client(TimeSpan? timeout = null)
    {
        var http = new HttpClient(Handler(Url)) { BaseAddress = Url, Timeout = timeout ?? TimeSpan.FromSeconds(100) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AdminKey);
        return http;
    }

    /// <summary>
    /// Starts it and returns once /healthz answers; fails with its output when it does not within a minute.
    /// <paramref name="settings"/>: more environment variables (e.g. Reports__MaxSyncMachineMinutes); <paramref name="url"/>:
    /// where it listens (a free port when not given; the address of a stopped one to start it again there).
    /// </summary>
    public static async Task<ApiProcess> StartAsync(StackFixture stack, string name, IReadOnlyDictionary<string, string>? settings = null, Uri? url = null)
    {
        var topic = $"test.{stack.RunId}.{name}";
        var andonTopic = $"test.{stack.RunId}.{name}-andon";
        var oeeTopic = $"test.{stack.RunId}.{name}-oee";
        await TopicAdmin.EnsureAsync(stack.Kafka, new Dictionary<string, int> { [topic] = 2, [andonTopic] = 1, [oeeTopic] = 1 });
        // settings may give MS5_API_URL (e.g. https://127.0.0.1:PORT with MS5_TLS_CERT_FILE and MS5_TLS_KEY_FILE).
        url ??= settings is not null && settings.TryGetValue("MS5_API_URL", out var given) ? new Uri(given.TrimEnd('/') + "/") : new Uri($"http://127.0.0.1:{TestPorts.Next()}/");
        var env = new Dictionary<string, string>
        {
            ["MS5_API_URL"] = url.ToString().TrimEnd('/'),
            ["Ms5__Pg"] = stack.Pg,
            ["Ms5__KafkaBootstrap"] = stack.Kafka.BootstrapServers,
            ["MS5_KAFKA_DEVBROKER_URL"] = stack.Kafka.DevBrokerUrl ?? "",
            ["Ms5__InfluxDb"] = stack.DbName,
            ["Ms5__EventsTopic"] = topic,
            ["Ms5__OeeTopic"] = oeeTopic,
            ["Ms5__AndonTopic"] = andonTopic,
            ["Ms5__Auth__BootstrapApiKeyFile"] = stack.AdminKeyFile,
            ["Ms5__Auth__SigningKeyFile"] = stack.SigningKeyFile,
        };
        foreach (var (k, v) in TestAccess.Settings)
        {
            env[k.Replace(":", "__", StringComparison.Ordinal)] = v;
        }

        foreach (var (k, v) in settings ?? new Dictionary<string, string>())
        {
            env[k] = v;
        }

        var api = ChildProcess.Start(Repo.Dll("api/Ms5.Api", "Ms5.Api"), env);
        using var http = new HttpClient(Handler(url));
        if (await api.AnswersAsync(http, new Uri(url, "healthz")))
        {
            return new ApiProcess(api, url, topic, andonTopic, stack.AdminKey);
        }

        api.Dispose();
        throw new InvalidOperationException("the API did not start: " + api.Output);
    }

    /// <summary>Over HTTPS the test's own self-signed certificate is accepted (on the loopback address only).</summary>
    private static HttpClientHandler Handler(Uri url) => url.Scheme == Uri.UriSchemeHttps && url.IsLoopback
        ? new HttpClientHandler { ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator }
        : new HttpClientHandler();

    public string Output => Process.Output;

    public void Dispose() => Process.Dispose();
}
