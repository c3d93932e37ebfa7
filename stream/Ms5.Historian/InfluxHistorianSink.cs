using System.Text;
using Ms5.Analytics.Events;
using Ms5.Influx;
using Ms5.Kafka;
using Ms5.Kafka.Consuming;
using Prometheus;

namespace Ms5.Historian;

/// <summary>
/// Raw events → InfluxDB line protocol, at least once; points are idempotent (same event, same series
/// and timestamp), so a replay after a crash rewrites identical points. Invalid messages are skipped
/// here (see <see cref="SkipDeadLetters"/>): the PostgreSQL historian owns DLQ routing.
/// </summary>
internal sealed class InfluxHistorianSink(KafkaOptions kafka, ConsumerSettings settings, EventPipeline pipeline, InfluxWriter influx, TimeProvider time, ILogger<InfluxHistorianSink> logger)
    : EventConsumer(kafka, settings, pipeline, time, logger)
{
    public const string MetricName = Telemetry.InfluxPoints;
    private static readonly Counter Points = Metrics.CreateCounter(MetricName, "Messages by outcome.", "outcome");

    protected override async Task HandleAsync(EventBatch batch, CancellationToken ct)
    {
        var lines = new StringBuilder(batch.Events.Count * 160);
        var written = 0;
        foreach (var e in batch.Events)
        {
            if (Pipeline.Machines.LineOf(e.Event.MachineId) is { } line)
            {
                LineProtocol.Append(lines, e.Event, line);
                written++;
            }
        }

        if (written > 0)
        {
            try
            {
                await influx.WriteAsync(lines.ToString(), ct);
            }
            catch (InfluxWriteException ex) when (ex.IsPermanent)
            {
                // A refused batch would block the partition forever; write point by point to keep
                // every acceptable point and log the refused ones.
                written = await WriteOneByOneAsync(lines.ToString(), ct);
            }
        }

        Points.WithLabels("written").Inc(written);
    }

    private async Task<int> WriteOneByOneAsync(string lines, CancellationToken ct)
    {
        var ok = 0;
        foreach (var point in lines.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            try
            {
                await influx.WriteAsync(point + "\n", ct);
                ok++;
            }
            catch (InfluxWriteException ex) when (ex.IsPermanent)
            {
                Points.WithLabels("refused").Inc();
                Logger.LogError("InfluxDB refused a point: {Reason}; point: {Point}", ex.Message, point);
            }
        }

        return ok;
    }
}
