namespace Ms5.Stream.Hosting;

/// <summary>
/// Historian settings (configuration section "Stream", e.g. env Stream__MaxClockSkew=00:05:00).
/// Connections come from MS5_KAFKA_BOOTSTRAP, MS5_PG, MS5_INFLUX_URL and MS5_INFLUX_DB.
/// </summary>
public sealed class StreamOptions
{
    public const string Section = "Stream";

    /// <summary>Which consumers this process runs: "pg", "influx", "oee" (the OEE engine; opt-in while it is being built), comma-separated.</summary>
    public string Sinks { get; set; } = "pg,influx";

    public string Topic { get; set; } = Kafka.Topics.MachineEvents;
    public string DlqTopic { get; set; } = Kafka.Topics.MachineEventsDlq;
    public string PgGroup { get; set; } = "ms5.historian-pg";
    public string InfluxGroup { get; set; } = "ms5.historian-influx";
    public string OeeGroup { get; set; } = "ms5.oee-engine";

    /// <summary>Where the engine publishes rolling OEE (15 min, 1 h, current shift per machine, line, plant).</summary>
    public string OeeTopic { get; set; } = Kafka.Topics.Oee;

    /// <summary>Where Andon transitions are published.</summary>
    public string AndonTopic { get; set; } = Kafka.Topics.Andon;

    /// <summary>Events older than now − this are late: still applied (buckets are recomputed), and counted.</summary>
    public TimeSpan OeeGrace { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often the OEE engine closes finished minutes for every machine.</summary>
    public TimeSpan OeeTickInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Events stamped later than now + this are refused (DLQ): a wrong source clock.</summary>
    public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>A batch is written when it has this many messages…</summary>
    public int MaxBatchSize { get; set; } = 20_000;

    /// <summary>…or when its first message is this old.</summary>
    public TimeSpan MaxBatchDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest wait between retries of a failed write (the first is 200 ms, doubling).</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Port of /metrics and /healthz on 127.0.0.1.</summary>
    public int MetricsPort { get; set; } = 59464;

    public IEnumerable<string> Validate()
    {
        var sinks = SinkList();
        if (sinks.Count == 0 || sinks.Any(s => s is not ("pg" or "influx" or "oee")))
        {
            yield return $"Stream:Sinks must list pg, influx and/or oee, got '{Sinks}'";
        }

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

        if (OeeGrace < TimeSpan.Zero || OeeTickInterval < TimeSpan.FromMilliseconds(100))
        {
            yield return "Stream:OeeGrace must not be negative and Stream:OeeTickInterval must be at least 100 ms";
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

    public IReadOnlyList<string> SinkList() => Sinks.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
