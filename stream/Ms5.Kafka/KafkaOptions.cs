using Microsoft.Extensions.Configuration;
using Ms5.ServiceDefaults;
using Confluent.Kafka;

namespace Ms5.Kafka;

/// <summary>
/// Where Kafka is and how MS5 talks to it. <see cref="BootstrapServers"/> comes from MS5_KAFKA_BOOTSTRAP;
/// when unset, from the dev broker's file <c>$MS5_HOME/kafka.bootstrap</c> written by <c>./ms5 up</c>.
/// </summary>
public sealed class KafkaOptions
{
    public string BootstrapServers { get; set; } = "";

    /// <summary>Dev broker control URL (create topics with partition counts); empty against a real cluster.</summary>
    public string? DevBrokerUrl { get; set; }

    /// <summary>How long a producer keeps retrying one message before reporting it failed (librdkafka message.timeout.ms).</summary>
    public TimeSpan DeliveryTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long a consumer's fetch may wait for data at the broker. librdkafka's 500 ms default adds up to half a
    /// second to every event's way to the OEE; 100 ms costs a few idle fetches per second.
    /// </summary>
    public TimeSpan FetchWait { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Producer linger: a little latency buys large batches.</summary>
    public TimeSpan Linger { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>From the MS5_* variables (tools and tests outside a host).</summary>
    public static KafkaOptions FromEnvironment() => FromConfiguration(Ms5Settings.Current());

    /// <summary>From <c>Ms5:KafkaBootstrap</c> (MS5_KAFKA_BOOTSTRAP), else the dev broker's file under <c>Ms5:Home</c>.</summary>
    public static KafkaOptions FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var bootstrap = configuration[$"{Ms5Settings.Section}:KafkaBootstrap"];
        var control = configuration[$"{Ms5Settings.Section}:KafkaDevBrokerUrl"];
        if (string.IsNullOrWhiteSpace(bootstrap))
        {
            var file = Path.Combine(Ms5Home.From(configuration), "kafka.bootstrap");
            if (File.Exists(file))
            {
                bootstrap = File.ReadAllText(file).Trim();
                control ??= "http://127.0.0.1:59092";
            }
        }

        if (string.IsNullOrWhiteSpace(bootstrap))
        {
            throw new InvalidOperationException("MS5_KAFKA_BOOTSTRAP is not set and no dev broker is running (start it with ./ms5 up).");
        }

        return new KafkaOptions { BootstrapServers = bootstrap, DevBrokerUrl = string.IsNullOrWhiteSpace(control) ? null : control };
    }

    /// <summary>Idempotent, acks=all, keyed, batched: what every MS5 producer uses.</summary>
    public ProducerConfig ProducerConfig(string clientId) => new()
    {
        BootstrapServers = BootstrapServers,
        ClientId = clientId,
        EnableIdempotence = true,
        Acks = Acks.All,
        LingerMs = Linger.TotalMilliseconds,
        BatchNumMessages = 10_000,
        BatchSize = 1_000_000,
        CompressionType = CompressionType.Lz4,
        MessageSendMaxRetries = int.MaxValue,
        MessageTimeoutMs = (int)DeliveryTimeout.TotalMilliseconds,
        QueueBufferingMaxMessages = 500_000,
        Partitioner = Partitioner.Murmur2Random,
    };

    /// <summary>Manual offset handling: sinks commit only after their writes are durable.</summary>
    public ConsumerConfig ConsumerConfig(string groupId, string clientId) => new()
    {
        BootstrapServers = BootstrapServers,
        GroupId = groupId,
        ClientId = clientId,
        EnableAutoCommit = false,
        EnableAutoOffsetStore = false,
        // A group with no stored offsets starts at the beginning: nothing is skipped. The same rule
        // applies when a stored offset lies past the end (the dev broker restarted empty).
        AutoOffsetReset = AutoOffsetReset.Earliest,
        FetchMaxBytes = 16 * 1024 * 1024,
        FetchWaitMaxMs = (int)FetchWait.TotalMilliseconds,
        MaxPartitionFetchBytes = 4 * 1024 * 1024,
        QueuedMaxMessagesKbytes = 256 * 1024,
        // librdkafka postpones a partition's next fetch by this much whenever the local queue holds queued.min.messages
        // (100,000) or more, or queued.max.messages.kbytes. A backlog fills that queue at every fetch round; with the
        // default (1 s) the consumer emptied it in ~0.2 s and then waited for messages while the broker had plenty: the
        // OEE engine sat 0.3-0.5 s without a write several times per 1M-event drain. Live traffic never fills the
        // queue, so this costs it nothing.
        FetchQueueBackoffMs = 20,
        PartitionAssignmentStrategy = PartitionAssignmentStrategy.CooperativeSticky,
        SessionTimeoutMs = 10_000,
        HeartbeatIntervalMs = 1_000,
        AllowAutoCreateTopics = false,
    };
}

/// <summary>The local stack's data folder: MS5_HOME, else .ms5 in the repository root.</summary>
public static class Ms5Home
{
    public static string Path => From(Ms5Settings.Current());

    public static string From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        {
            var env = configuration[$"{Ms5Settings.Section}:Home"];
            if (!string.IsNullOrWhiteSpace(env))
            {
                return env;
            }

            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "MS5.sln")))
            {
                dir = dir.Parent;
            }

            return System.IO.Path.Combine(dir?.FullName ?? Directory.GetCurrentDirectory(), ".ms5");
        }
    }
}
