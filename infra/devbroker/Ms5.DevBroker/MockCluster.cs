using System.Runtime.InteropServices;
using Confluent.Kafka;

namespace Ms5.DevBroker;

/// <summary>
/// librdkafka's in-memory mock cluster (test.mock.num.brokers), reached through P/Invoke on the hosting
/// client's handle: its bootstrap address and topic creation with a partition count.
/// </summary>
internal sealed class MockCluster : IDisposable
{
    private const string Lib = "librdkafka";
    private readonly IProducer<byte[], byte[]> _host;
    private readonly IntPtr _cluster;

    static MockCluster()
    {
        // Confluent.Kafka picks one of several librdkafka builds at run time (by which system libraries
        // exist); the mock API must be called in that same loaded copy, so resolve it from the process map.
        NativeLibrary.SetDllImportResolver(typeof(MockCluster).Assembly, (name, _, _) =>
            name == Lib && LoadedLibrdkafka() is { } path ? NativeLibrary.Load(path) : IntPtr.Zero);
    }

    private static string? LoadedLibrdkafka() =>
        File.ReadLines("/proc/self/maps")
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length >= 6 && f[5].Contains("librdkafka", StringComparison.Ordinal))
            .Select(f => f[5])
            .FirstOrDefault();

    public MockCluster(int brokers)
    {
        var config = new ProducerConfig
        {
            ClientId = "ms5-devbroker-host",
            // Any address: with test.mock.num.brokers the client starts the mock cluster and uses it.
            BootstrapServers = "127.0.0.1:1",
        };
        config.Set("test.mock.num.brokers", brokers.ToString(System.Globalization.CultureInfo.InvariantCulture));
        _host = new ProducerBuilder<byte[], byte[]>(config).Build();
        _cluster = rd_kafka_handle_mock_cluster(RawHandle(_host.Handle));
        if (_cluster == IntPtr.Zero)
        {
            throw new InvalidOperationException("librdkafka did not start a mock cluster");
        }

        BootstrapServers = Marshal.PtrToStringUTF8(rd_kafka_mock_cluster_bootstraps(_cluster))
            ?? throw new InvalidOperationException("mock cluster has no bootstrap address");
    }

    public string BootstrapServers { get; }

    /// <summary>Confluent.Kafka keeps the rd_kafka_t* internal; the mock API needs it.</summary>
    private static IntPtr RawHandle(Handle handle)
    {
        const System.Reflection.BindingFlags Flags = System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Public;
        var member = (object?)typeof(Handle).GetField("LibrdkafkaHandle", Flags) ?? typeof(Handle).GetProperty("LibrdkafkaHandle", Flags);
        var safe = member switch
        {
            System.Reflection.FieldInfo f => f.GetValue(handle),
            System.Reflection.PropertyInfo p => p.GetValue(handle),
            _ => null,
        } as SafeHandle ?? throw new InvalidOperationException("this Confluent.Kafka version hides the librdkafka handle");
        return safe.DangerousGetHandle();
    }

    public void CreateTopic(string name, int partitions)
    {
        var err = rd_kafka_mock_topic_create(_cluster, name, partitions, 1);
        // 36 = TOPIC_ALREADY_EXISTS: a client auto-created it first.
        if (err is not 0 and not 36)
        {
            throw new InvalidOperationException($"mock cluster could not create topic {name}: error {err}");
        }
    }

    public void DeleteTopic(string name)
    {
        var err = rd_kafka_mock_topic_delete(_cluster, name);
        if (err != 0)
        {
            throw new InvalidOperationException($"mock cluster could not delete topic {name}: error {err}");
        }
    }

    /// <summary>
    /// Makes the broker answer requests about <paramref name="name"/> with <paramref name="error"/> (NoError clears it):
    /// tests make a topic unwritable the way an ACL or a broken partition would.
    /// </summary>
    public void SetTopicError(string name, Confluent.Kafka.ErrorCode error) => rd_kafka_mock_topic_set_error(_cluster, name, (int)error);

    public void Dispose() => _host.Dispose();

    [DllImport(Lib)]
    private static extern IntPtr rd_kafka_handle_mock_cluster(IntPtr rk);

    [DllImport(Lib)]
    private static extern IntPtr rd_kafka_mock_cluster_bootstraps(IntPtr mcluster);

    [DllImport(Lib, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int rd_kafka_mock_topic_delete(IntPtr mcluster, string topic);

    [DllImport(Lib, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern void rd_kafka_mock_topic_set_error(IntPtr mcluster, string topic, int err);

    [DllImport(Lib, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int rd_kafka_mock_topic_create(IntPtr mcluster, string topic, int partitionCnt, int replicationFactor);
}
