using Ms5.ServiceDefaults;

namespace Ms5.Kafka.Consuming;

/// <summary>
/// What every consumer host of machine events shares (configuration section "Stream", e.g. env
/// Stream__MaxClockSkew=00:05:00). Connections come from MS5_KAFKA_BOOTSTRAP, MS5_PG, MS5_INFLUX_URL and MS5_INFLUX_DB.
/// </summary>
public abstract class StreamOptions : ISelfValidatingOptions
{
    public const string Section = "Stream";

    public string Topic { get; set; } = Topics.MachineEvents;

    /// <summary>Events stamped later than now + this are refused (DLQ): a wrong source clock.</summary>
    public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>A batch is written when it has this many messages…</summary>
    public int MaxBatchSize { get; set; } = 20_000;

    /// <summary>…or when its first message is this old.</summary>
    public TimeSpan MaxBatchDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest wait between retries of a failed write (the first is 200 ms, doubling).</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Port of /metrics, /healthz and /readyz on 127.0.0.1 (0: any free port).</summary>
    public abstract int MetricsPort { get; set; }

    /// <summary>The loop settings of one consumer group of this host.</summary>
    public ConsumerSettings Consumer(string groupId) => new(Topic, groupId, MaxBatchSize, MaxBatchDelay, MaxRetryDelay);

    public virtual IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(Topic))
        {
            yield return "Stream:Topic must not be empty";
        }

        if (MaxClockSkew < TimeSpan.Zero)
        {
            yield return "Stream:MaxClockSkew must not be negative";
        }

        if (MaxBatchSize is < 1 or > 1_000_000)
        {
            yield return "Stream:MaxBatchSize must be 1-1000000";
        }

        if (MaxBatchDelay <= TimeSpan.Zero || MaxRetryDelay <= TimeSpan.Zero)
        {
            yield return "Stream:MaxBatchDelay and Stream:MaxRetryDelay must be positive";
        }

        if (MetricsPort is < 0 or > 65535)
        {
            yield return "Stream:MetricsPort must be 0-65535";
        }
    }
}
