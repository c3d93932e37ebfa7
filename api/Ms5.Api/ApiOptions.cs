using Ms5.ServiceDefaults;

namespace Ms5.Api;

/// <summary>
/// API settings, configuration section "Ms5" — the section the MS5_* variables map into (see
/// <see cref="Ms5Settings"/>), where the adapters find their connections (Ms5:Pg, Ms5:KafkaBootstrap,
/// Ms5:InfluxUrl, Ms5:InfluxDb); these are the API's own settings beside them.
/// </summary>
public sealed class ApiOptions : ISelfValidatingOptions
{
    public const string Section = Ms5Settings.Section;

    /// <summary>Where the API listens (MS5_API_URL).</summary>
    public string ApiUrl { get; set; } = "http://127.0.0.1:8080";

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

    /// <summary>PEM certificate Kestrel serves HTTPS with (MS5_TLS_CERT_FILE); its key in <see cref="TlsKeyFile"/> (MS5_TLS_KEY_FILE).</summary>
    public string? TlsCertFile { get; set; }

    public string? TlsKeyFile { get; set; }

    public IEnumerable<string> Validate()
    {
        foreach (var (name, variable, file) in new[] { ("TlsCertFile", "MS5_TLS_CERT_FILE", TlsCertFile), ("TlsKeyFile", "MS5_TLS_KEY_FILE", TlsKeyFile) })
        {
            if (file is { Length: > 0 } && !File.Exists(file))
            {
                yield return $"Ms5:{name} ({variable}): no file '{file}'";
            }
        }

        if (TlsKeyFile is { Length: > 0 } && TlsCertFile is not { Length: > 0 })
        {
            yield return "Ms5:TlsKeyFile (MS5_TLS_KEY_FILE) is set without Ms5:TlsCertFile (MS5_TLS_CERT_FILE)";
        }

        if (IngestDeliveryTimeout < TimeSpan.FromSeconds(1))
        {
            yield return "Ms5:IngestDeliveryTimeout must be at least 1 second";
        }

        if (!Uri.TryCreate(ApiUrl, UriKind.Absolute, out _))
        {
            yield return $"Ms5:ApiUrl (MS5_API_URL) must be an absolute URL, got '{ApiUrl}'";
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
