using System.Buffers;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Ms5.Analytics.Oee;
using Ms5.Postgres;
using Prometheus;

namespace Ms5.Stream.Sinks;

/// <summary>
/// Publishes the rolling OEE windows of every machine, line and plant to ms5.oee.v1 (key "scope:id",
/// one JSON message per scope and window) after each engine tick, i.e. at least every tick interval.
/// </summary>
internal sealed class OeePublisher(IProducer<byte[]?, byte[]?> producer, string topic, LiveOee live, TimeProvider time)
{
    private static readonly Counter Published = Metrics.CreateCounter("ms5_oee_published_total", "Rolling OEE messages published.");

    public async Task PublishAsync(DateTimeOffset to, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var sends = new List<Task>();
        foreach (var scope in await live.ComputeAsync(to, ct))
        {
            foreach (var w in scope.Windows)
            {
                var key = Encoding.UTF8.GetBytes($"{scope.Scope}:{scope.Id}");
                sends.Add(producer.ProduceAsync(topic, new Message<byte[]?, byte[]?> { Key = key, Value = ToJson(scope, w, now) }, ct));
            }
        }

        await Task.WhenAll(sends);
        Published.Inc(sends.Count);
    }

    internal static byte[] ToJson(LiveScope scope, LiveWindow w, DateTimeOffset computedAt)
    {
        var k = OeeKpis.From(w.Components);
        var c = w.Components;
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var j = new Utf8JsonWriter(buffer))
        {
            j.WriteStartObject();
            j.WriteString("scope", scope.Scope);
            j.WriteString("id", scope.Id);
            j.WriteString("window", w.Window);
            j.WriteString("from", w.From);
            j.WriteString("to", w.To);
            Number(j, "availability", k.Availability);
            Number(j, "performance", k.Performance);
            Number(j, "quality", k.Quality);
            Number(j, "oee", k.Oee);
            Number(j, "teep", k.Teep);
            j.WriteNumber("plannedSeconds", c.PlannedSeconds);
            j.WriteNumber("runSeconds", c.RunSeconds);
            j.WriteNumber("unplannedStopSeconds", c.UnplannedStopSeconds);
            j.WriteNumber("setupSeconds", c.SetupSeconds);
            j.WriteNumber("microStopSeconds", c.MicroStopSeconds);
            j.WriteNumber("plannedStopSeconds", c.PlannedStopSeconds);
            j.WriteNumber("goodCount", c.GoodCount);
            j.WriteNumber("rejectCount", c.RejectCount);
            j.WriteNumber("idealSeconds", c.IdealSeconds);
            j.WriteString("computedAt", computedAt);
            j.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void Number(Utf8JsonWriter j, string name, double? value)
    {
        if (value is { } v)
        {
            j.WriteNumber(name, v);
        }
        else
        {
            j.WriteNull(name);
        }
    }
}
