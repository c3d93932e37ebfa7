using System.Text;
using Confluent.Kafka;
using Ms5.Analytics.Plant;
using Ms5.Influx;
using Ms5.Kafka;
using Ms5.Postgres;
using Npgsql;

namespace Ms5.Integration.Tests.Support;

/// <summary>
/// The real local stack with per-run names: database ms5_test_RUN, Influx database ms5_test_RUN,
/// topics test.RUN.*, consumer groups test.RUN.*. A stream host (historian sinks) runs as a child process.
/// </summary>
public sealed class StackFixture : IAsyncLifetime
{
    public string RunId { get; } = Guid.NewGuid().ToString("N")[..10];
    public string DbName => $"ms5_test_{RunId}";
    public string Topic => $"test.{RunId}.events";
    public string DlqTopic => $"test.{RunId}.dlq";

    /// <summary>This run's administrator API key: every API the tests start registers it (Ms5:Auth:BootstrapApiKeyFile) and sends it.</summary>
    public string AdminKey { get; } = "ms5k_" + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The file holding <see cref="AdminKey"/> (mode 0600, like ./ms5 up's .ms5/secrets/admin.apikey).</summary>
    public string AdminKeyFile { get; } = Path.Combine(Path.GetTempPath(), $"ms5-test-{Guid.NewGuid():N}.apikey");

    /// <summary>A file holding the token signing key every test API shares.</summary>
    public string SigningKeyFile { get; } = Path.Combine(Path.GetTempPath(), $"ms5-test-{Guid.NewGuid():N}.jwt");
    public string Pg { get; private set; } = "";
    public NpgsqlDataSource Db { get; private set; } = null!;
    public KafkaOptions Kafka { get; private set; } = null!;
    public InfluxWriter Influx { get; private set; } = null!;
    internal ChildProcess? Stream { get; private set; }
    private string _adminPg = "";
    private readonly HttpClient _http = new();
    private IProducer<byte[]?, byte[]?>? _producer;

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(AdminKeyFile, AdminKey);
        await File.WriteAllTextAsync(SigningKeyFile, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(48)));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(AdminKeyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.SetUnixFileMode(SigningKeyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        _adminPg = PgConnectionString.FromEnvironment();
        await using (var admin = new NpgsqlConnection(_adminPg))
        {
            await admin.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE {DbName}", admin);
            await cmd.ExecuteNonQueryAsync();
        }

        Pg = PgConnectionString.WithDatabase(_adminPg, DbName);
        Db = NpgsqlDataSource.Create(Pg);
        await Migrator.MigrateAsync(Pg);
        var json = await File.ReadAllTextAsync(Repo.DemoPlant);
        await new PlantStore(Db).SaveAsync(PlantConfigParser.Parse(json), json);

        Kafka = KafkaOptions.FromEnvironment();
        await TopicAdmin.EnsureAsync(Kafka, new Dictionary<string, int> { [Topic] = 6, [DlqTopic] = 2 });
        _producer = new ProducerBuilder<byte[]?, byte[]?>(Kafka.ProducerConfig($"test-{RunId}")).Build();

        var influxOptions = InfluxOptions.FromEnvironment();
        influxOptions.Database = DbName;
        Influx = new InfluxWriter(_http, influxOptions);
        await Influx.QueryAsync($"CREATE DATABASE {DbName}");

        Stream = StartStream("shared");
        await WaitForAssignmentAsync(Stream, 2);
    }

    /// <summary>Environment of a stream host bound to this run's database, topics and groups.</summary>
    public Dictionary<string, string> StreamEnv(string groupSuffix, string? topic = null, string sinks = "pg,influx") => new()
    {
        ["MS5_PG"] = Pg,
        ["MS5_INFLUX_DB"] = DbName,
        ["MS5_KAFKA_BOOTSTRAP"] = Kafka.BootstrapServers,
        ["MS5_KAFKA_DEVBROKER_URL"] = Kafka.DevBrokerUrl ?? "",
        ["Stream__Topic"] = topic ?? Topic,
        ["Stream__DlqTopic"] = DlqTopic,
        ["Stream__PgGroup"] = $"test.{RunId}.{groupSuffix}.pg",
        ["Stream__InfluxGroup"] = $"test.{RunId}.{groupSuffix}.influx",
        ["Stream__OeeGroup"] = $"test.{RunId}.{groupSuffix}.oee",
        ["Stream__DlqGroup"] = $"test.{RunId}.{groupSuffix}.dlq",
        ["Stream__OeeTopic"] = $"test.{RunId}.oee-out",
        ["Stream__AndonTopic"] = $"test.{RunId}.andon-out",
        // Nobody listens there: a test that wants notifications runs its own Alertmanager; the local stack's stays clean.
        ["MS5_ALERTMANAGER_URL"] = $"http://127.0.0.1:{TestPorts.Next()}/",
        ["Stream__Sinks"] = sinks,
        // Its own port: tests read the host's /metrics (partition assignment) instead of its log.
        ["Stream__MetricsPort"] = TestPorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Stream__MaxBatchDelay"] = "00:00:00.100",
        ["Stream__MaxRetryDelay"] = "00:00:02",
    };

    /// <summary>The historian host (sinks "pg", "influx") or, for sinks "oee", the OEE engine host.</summary>
    internal ChildProcess StartStream(string groupSuffix, string? topic = null, string sinks = "pg,influx") =>
        ChildProcess.Start(sinks == "oee" ? Repo.EngineDll : Repo.HistorianDll, StreamEnv(groupSuffix, topic, sinks));

    /// <summary>Waits until the host's consumers received <paramref name="assignments"/> partition assignments in all (its /metrics).</summary>
    internal static async Task WaitForAssignmentAsync(ChildProcess process, int assignments)
    {
        // Two minutes: joining a group whose member is busy with a batch waits for that batch (cooperative rebalance), and on
        // a loaded two-core machine (four test lanes, CI) one join took longer than a minute.
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while ((await ConsumerStateAsync(process)).Assignments < assignments)
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"the host did not get {assignments} partition assignment(s):\n" + process.Output);
            }

            await Task.Delay(200);
        }
    }

    private static readonly HttpClient MetricsClient = new() { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Partition assignments received and partitions owned now, summed over the host's consumer groups (0, 0 while it is not answering yet or answers slower than 5 s).</summary>
    internal static async Task<(double Assignments, double Partitions)> ConsumerStateAsync(ChildProcess process)
    {
        var port = process.Environment["Stream__MetricsPort"];
        string text;
        try
        {
            text = await MetricsClient.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            // Not answering yet, or too slowly on a loaded machine (several hosts starting at once): the caller's deadline decides.
            return (0, 0);
        }

        return (SumOf(text, "ms5_consumer_assignments_total"), SumOf(text, "ms5_consumer_partitions"));
    }

    /// <summary>The sum of a metric's series whose labels contain <paramref name="labels"/> (e.g. <c>lanes="2"</c>), read from the host's /metrics.</summary>
    internal static async Task<double> MetricSumAsync(ChildProcess process, string metric, string labels = "")
    {
        var port = process.Environment["Stream__MetricsPort"];
        var text = await MetricsClient.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
        return SumOf(text, metric, labels);
    }

    private static double SumOf(string metricsText, string metric, string labels = "") => metricsText.Split('\n')
        .Where(l => l.StartsWith(metric + "{", StringComparison.Ordinal) && l.Contains(labels, StringComparison.Ordinal))
        .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));

    public async Task ProduceAsync(string topic, IEnumerable<(string? Key, string Value)> messages)
    {
        var sends = messages.Select(m => _producer!.ProduceAsync(topic, new Message<byte[]?, byte[]?>
        {
            Key = m.Key is null ? null : Encoding.UTF8.GetBytes(m.Key),
            Value = Encoding.UTF8.GetBytes(m.Value),
        })).ToList();
        await Task.WhenAll(sends);
    }

    public Task ProduceRawAsync(string topic, byte[]? key, byte[]? value) =>
        _producer!.ProduceAsync(topic, new Message<byte[]?, byte[]?> { Key = key, Value = value });

    public async Task<long> ScalarAsync(string sql, params object[] args)
    {
        await using var cmd = Db.CreateCommand(sql);
        foreach (var a in args)
        {
            cmd.Parameters.Add(a is byte[][] blobs
                ? new NpgsqlParameter { Value = blobs, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Bytea }
                : new NpgsqlParameter { Value = a });
        }

        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Polls until the condition holds; fails with the last observed value and the stream host's log.</summary>
    public async Task<string?> ScalarTextAsync(string sql, params object[] args)
    {
        await using var cmd = Db.CreateCommand(sql);
        foreach (var a in args)
        {
            cmd.Parameters.AddWithValue(a);
        }

        return (string?)await cmd.ExecuteScalarAsync();
    }

    public async Task WaitUntilAsync(Func<Task<long>> observe, long expected, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        long last;
        while ((last = await observe()) != expected)
        {
            if (DateTime.UtcNow > deadline)
            {
                // What was expected first: callers often append a process's whole log to what, and reports keep only the start.
                var nl = what.IndexOf('\n', StringComparison.Ordinal);
                var (head, rest) = nl < 0 ? (what, "") : (what[..nl], what[(nl + 1)..]);
                throw new TimeoutException($"{head}: expected {expected}, still {last}.\n{(rest.Length > 0 ? rest + "\n" : "")}stream log:\n{Stream?.Output}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>Reads every message of a topic from the beginning (all partitions) until it has been idle briefly.</summary>
    public List<ConsumeResult<byte[]?, byte[]?>> ReadAll(string topic, int expectedAtLeast, TimeSpan timeout)
    {
        var config = Kafka.ConsumerConfig($"test.{RunId}.reader.{Guid.NewGuid():N}", "test-reader");
        config.EnablePartitionEof = true;
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config).Build();
        consumer.Subscribe(topic);
        var results = new List<ConsumeResult<byte[]?, byte[]?>>();
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var cr = consumer.Consume(TimeSpan.FromMilliseconds(500));
            if (cr is null || cr.IsPartitionEOF)
            {
                if (results.Count >= expectedAtLeast && cr is null)
                {
                    break;
                }

                continue;
            }

            results.Add(cr);
        }

        consumer.Close();
        return results;
    }

    public async Task DisposeAsync()
    {
        File.Delete(AdminKeyFile);
        File.Delete(SigningKeyFile);
        Stream?.Dispose();
        _producer?.Dispose();
        await Db.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await using (var admin = new NpgsqlConnection(_adminPg))
        {
            await admin.OpenAsync();
            await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS {DbName} WITH (FORCE)", admin);
            await cmd.ExecuteNonQueryAsync();
        }

        try
        {
            await Influx.QueryAsync($"DROP DATABASE {DbName}");
        }
        catch (HttpRequestException)
        {
        }

        _http.Dispose();
    }
}

/// <summary>
/// The serial collections sharing one stack fixture each (database, topics, historian host): tests in one run one after
/// another, the collections beside each other. "stack": access, contracts, adapters, live anomaly scoring;
/// "stack-andon": Andon, the dashboard queries, the anomaly API; "stack-oee": the engine, plant configuration, historian;
/// "stack-crash": the engine's crash and duplicate tests, orders; "stack-api": the API's reports, shifts, ingest, deploy;
/// "stack-web": the pages in a browser. Balanced to 5 to 12 minutes each (of a 18-minute run on two cores).
/// </summary>
public static class StackCollections
{
    public const string Stack = "stack";
    public const string Andon = "stack-andon";
    public const string Oee = "stack-oee";
    public const string Crash = "stack-crash";
    public const string Api = "stack-api";
    public const string Web = "stack-web";

    /// <summary>In the order they start (<see cref="StackCollectionFirst"/>).</summary>
    public static readonly string[] Names = [Oee, Stack, Api, Web, Crash, Andon];
}

[CollectionDefinition(StackCollections.Stack)]
public sealed class StackCollection : ICollectionFixture<StackFixture>;

[CollectionDefinition(StackCollections.Andon)]
public sealed class StackAndonCollection : ICollectionFixture<StackFixture>;

[CollectionDefinition(StackCollections.Oee)]
public sealed class StackOeeCollection : ICollectionFixture<StackFixture>;

[CollectionDefinition(StackCollections.Crash)]
public sealed class StackCrashCollection : ICollectionFixture<StackFixture>;

[CollectionDefinition(StackCollections.Api)]
public sealed class StackApiCollection : ICollectionFixture<StackFixture>;

[CollectionDefinition(StackCollections.Web)]
public sealed class StackWebCollection : ICollectionFixture<StackFixture>;

/// <summary>Waiting for a PostgreSQL consumer group to catch up with a topic.</summary>
public static class DrainExtensions
{
    /// <summary>Waits until the group's offsets stored in PostgreSQL reach the end of every partition.</summary>
    public static async Task WaitForDrainAsync(this StackFixture stack, string group, string topic, TimeSpan? timeout = null)
    {
        var high = stack.HighWatermarks(topic);
        await stack.WaitUntilAsync(
            () => stack.ScalarAsync("SELECT coalesce(sum(next_offset), 0) FROM kafka_offsets WHERE consumer_group = $1 AND topic = $2", group, topic),
            high, $"{group} offsets on {topic}", timeout);
    }

    public static long HighWatermarks(this StackFixture stack, string topic)
    {
        using var admin = new Confluent.Kafka.AdminClientBuilder(new Confluent.Kafka.AdminClientConfig { BootstrapServers = stack.Kafka.BootstrapServers }).Build();
        var meta = admin.GetMetadata(topic, TimeSpan.FromSeconds(10));
        using var consumer = new Confluent.Kafka.ConsumerBuilder<byte[], byte[]>(stack.Kafka.ConsumerConfig($"test.{stack.RunId}.wm", "wm")).Build();
        return meta.Topics[0].Partitions.Sum(p => consumer.QueryWatermarkOffsets(new Confluent.Kafka.TopicPartition(topic, p.PartitionId), TimeSpan.FromSeconds(10)).High.Value);
    }
}
