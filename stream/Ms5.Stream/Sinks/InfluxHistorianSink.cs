using System.Text;
using Confluent.Kafka;
using Ms5.Analytics.Events;
using Ms5.Influx;
using Ms5.Kafka;
using Ms5.Postgres;
using Prometheus;

namespace Ms5.Stream.Sinks;

/// <summary>
/// Raw events → InfluxDB line protocol, at least once; points are idempotent (same event, same series
/// and timestamp), so a replay after a crash rewrites identical points. Invalid messages are skipped
/// here: the PostgreSQL historian owns DLQ routing, so each bad message is dead-lettered once.
/// </summary>
internal sealed class InfluxHistorianSink(
    KafkaOptions kafka,
    string topic,
    string groupId,
    InfluxWriter influx,
    MachineDirectory machines,
    EventRules rules,
    TimeProvider time,
    int maxBatch,
    TimeSpan maxDelay,
    TimeSpan maxRetryDelay,
    ILogger<InfluxHistorianSink> logger)
    : BatchConsumer<InfluxBatch>(kafka, topic, groupId, maxBatch, maxDelay, maxRetryDelay, logger)
{
    private static readonly Counter Points = Metrics.CreateCounter("ms5_historian_influx_events_total", "Messages by outcome.", "outcome");

    protected override InfluxBatch Prepare(IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> messages)
    {
        var lines = new StringBuilder(messages.Count * 160);
        var now = time.GetUtcNow();
        int written = 0, skipped = 0;
        foreach (var m in messages)
        {
            var parsed = EventParser.Parse(m.Message.Value);
            if (parsed.Event is not { } evt || rules.Check(evt, now).Count > 0 || machines.LineOf(evt.MachineId) is not { } line)
            {
                skipped++;
                continue;
            }

            LineProtocol.Append(lines, evt, line);
            written++;
        }

        return new InfluxBatch(lines.ToString(), written, skipped);
    }

    protected override async Task WriteAsync(InfluxBatch batch, CancellationToken ct)
    {
        var written = batch.Points;
        if (written > 0)
        {
            try
            {
                await influx.WriteAsync(batch.Lines, ct);
            }
            catch (InfluxWriteException ex) when (ex.IsPermanent)
            {
                // A refused batch would block the partition forever; write point by point to keep
                // every acceptable point and log the refused ones.
                written = await WriteOneByOneAsync(batch.Lines, ct);
            }
        }

        Points.WithLabels("written").Inc(written);
        Points.WithLabels("skipped_invalid").Inc(batch.Skipped);
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

/// <summary>Line protocol for one batch: the points and how many messages were skipped as invalid.</summary>
internal sealed record InfluxBatch(string Lines, int Points, int Skipped);
