using System.Globalization;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Ms5.Analytics.Contracts;
using Ms5.Influx;
using Ms5.Postgres;
using Prometheus;

namespace Ms5.OeeEngine.Anomalies;

/// <summary>
/// Publishes new and changed downtime flags to ms5.anomaly.v1 (key = machine id) and mirrors them into InfluxDB
/// (measurement downtime_anomaly, tags plant, line, machine, kind, reason; time = the stop's start, so a flag's later
/// change replaces its point). PostgreSQL holds the flags; both are notifications: a failure is logged and counted.
/// </summary>
internal sealed class AnomalyPublisher(IProducer<byte[]?, byte[]?> producer, string topic, InfluxWriter influx, ILogger<AnomalyPublisher> logger)
{
    public const string Measurement = "downtime_anomaly";

    private static readonly Counter Published = Metrics.CreateCounter(Telemetry.AnomalyFlags, "Downtime flags published to ms5.anomaly.v1 (new or changed), by kind.", "kind");
    private static readonly Counter Failures = Metrics.CreateCounter("ms5_anomaly_publish_failures_total", "Failed publications of downtime flags, by sink (kafka, influx).", "sink");

    /// <summary>The message of a stored flag judged as of <paramref name="at"/>.</summary>
    public static AnomalyMessage Message(StoredAnomaly a, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(a);
        return new AnomalyMessage
        {
            Id = a.Id, PlantId = a.PlantId, MachineId = a.MachineId, LineId = a.LineId, Kind = a.Kind, Reason = a.Reason,
            Start = a.Start, End = a.End, Seconds = a.Seconds, Score = a.Score, Flagged = a.Flagged, Open = a.Open,
            Explanation = a.Explanation, ModelVersion = a.ModelVersion, At = at,
        };
    }

    public async Task PublishAsync(IReadOnlyList<AnomalyMessage> flags, CancellationToken ct)
    {
        if (flags.Count == 0)
        {
            return;
        }

        var sends = flags.Select(f => producer.ProduceAsync(topic, new Message<byte[]?, byte[]?>
        {
            Key = Encoding.UTF8.GetBytes(f.MachineId),
            Value = JsonSerializer.SerializeToUtf8Bytes(f, ContractJson.Default.AnomalyMessage),
        }, ct)).ToList();
        try
        {
            await Task.WhenAll(sends);
            foreach (var f in flags)
            {
                Published.WithLabels(f.Kind).Inc();
            }
        }
        catch (ProduceException<byte[]?, byte[]?> ex)
        {
            Failures.WithLabels("kafka").Inc();
            logger.LogWarning("Could not publish {Count} downtime flag(s) to {Topic}: {Reason}", flags.Count, topic, ex.Error.Reason);
        }

        try
        {
            await influx.WriteAsync(LineProtocolOf(flags), ct);
        }
        catch (Exception ex) when (ex is InfluxWriteException or HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            Failures.WithLabels("influx").Inc();
            logger.LogWarning("Could not mirror {Count} downtime flag(s) to InfluxDB: {Reason}", flags.Count, ex.Message);
        }
    }

    internal static string LineProtocolOf(IEnumerable<AnomalyMessage> flags)
    {
        var sb = new StringBuilder();
        foreach (var f in flags)
        {
            sb.Append(Measurement)
              .Append(",kind=").Append(LineProtocol.EscapeTag(f.Kind))
              .Append(",line=").Append(LineProtocol.EscapeTag(f.LineId))
              .Append(",machine=").Append(LineProtocol.EscapeTag(f.MachineId))
              .Append(",plant=").Append(LineProtocol.EscapeTag(f.PlantId))
              .Append(",reason=").Append(LineProtocol.EscapeTag(f.Reason))
              .Append(" score=").Append(f.Score.ToString("R", CultureInfo.InvariantCulture))
              .Append(",seconds=").Append(f.Seconds.ToString("R", CultureInfo.InvariantCulture))
              .Append(",flagged=").Append(f.Flagged ? "true" : "false")
              .Append(",open=").Append(f.Open ? "true" : "false")
              .Append(",model_version=").Append(f.ModelVersion.ToString(CultureInfo.InvariantCulture)).Append('i')
              .Append(",id=\"").Append(f.Id.ToString("D")).Append('"')
              .Append(' ').Append(((f.Start.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100).ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        return sb.ToString();
    }
}
