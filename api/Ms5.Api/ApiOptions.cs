namespace Ms5.Api;

/// <summary>
/// API settings, configuration section "Ms5". Each connection defaults to its MS5_* environment
/// variable (MS5_PG, MS5_KAFKA_BOOTSTRAP, MS5_INFLUX_URL, MS5_INFLUX_DB), so the same build runs
/// against the local stack or external servers.
/// </summary>
public sealed class ApiOptions
{
    public const string Section = "Ms5";

    /// <summary>libpq URI or Npgsql connection string.</summary>
    public string Pg { get; set; } = Environment.GetEnvironmentVariable("MS5_PG") ?? Postgres.PgConnectionString.DefaultUri;

    /// <summary>Kafka bootstrap servers; empty means the dev broker of ./ms5 up.</summary>
    public string? KafkaBootstrap { get; set; } = Environment.GetEnvironmentVariable("MS5_KAFKA_BOOTSTRAP");

    public string InfluxUrl { get; set; } = Environment.GetEnvironmentVariable("MS5_INFLUX_URL") is { Length: > 0 } u ? u : "http://127.0.0.1:58086";
    public string InfluxDb { get; set; } = Environment.GetEnvironmentVariable("MS5_INFLUX_DB") is { Length: > 0 } d ? d : "ms5";

    public string EventsTopic { get; set; } = Kafka.Topics.MachineEvents;
    public string DlqTopic { get; set; } = Kafka.Topics.MachineEventsDlq;
    public string OeeTopic { get; set; } = Kafka.Topics.Oee;
    public string AndonTopic { get; set; } = Kafka.Topics.Andon;

    /// <summary>Same rule as the historian: events stamped later than now + this are rejected.</summary>
    public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Most events one POST /api/ingest/events may carry.</summary>
    public int MaxIngestBatch { get; set; } = 10_000;

    /// <summary>How long POST /api/ingest/events waits for Kafka to take an event before answering "failed".</summary>
    public TimeSpan IngestDeliveryTimeout { get; set; } = TimeSpan.FromSeconds(15);

    public IEnumerable<string> Validate()
    {
        if (IngestDeliveryTimeout < TimeSpan.FromSeconds(1))
        {
            yield return "Ms5:IngestDeliveryTimeout must be at least 1 second";
        }

        if (string.IsNullOrWhiteSpace(Pg))
        {
            yield return "Ms5:Pg must be set (or MS5_PG)";
        }

        if (!Uri.TryCreate(InfluxUrl, UriKind.Absolute, out _))
        {
            yield return $"Ms5:InfluxUrl must be an absolute URL, got '{InfluxUrl}'";
        }

        if (MaxClockSkew < TimeSpan.Zero)
        {
            yield return "Ms5:MaxClockSkew must not be negative";
        }

        if (MaxIngestBatch is < 1 or > 100_000)
        {
            yield return "Ms5:MaxIngestBatch must be 1-100000";
        }
    }
}
