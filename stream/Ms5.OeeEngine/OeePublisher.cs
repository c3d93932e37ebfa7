using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Ms5.Analytics.Plant;
using Ms5.Analytics.Contracts;
using Ms5.Analytics.Oee;
using Ms5.Postgres;
using Prometheus;

namespace Ms5.OeeEngine;

/// <summary>
/// Publishes rolling OEE windows to ms5.oee.v1 (key "scope:id", one JSON message per scope and window):
/// every machine, line and plant after each engine tick (at least every tick interval), and the machines
/// of each engine batch right after it commits, with <c>lastEventAt</c>, the newest event they include.
/// </summary>
internal sealed class OeePublisher(IProducer<byte[]?, byte[]?> producer, string topic, LiveOee live, PlantDirectory plants)
{
    private static readonly Counter Published = Metrics.CreateCounter("ms5_oee_published_total", "Rolling OEE messages published.");

    public async Task PublishAsync(DateTimeOffset now, CancellationToken ct)
    {
        var sends = new List<Task>();
        var scopes = await live.ComputeAsync(now, ct);
        Telemetry.SetLive(scopes, plants.All);
        foreach (var scope in scopes)
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

    /// <summary>The windows of machines just recomputed by an engine batch.</summary>
    public async Task PublishMachinesAsync(IEnumerable<(MachineOeeContext Machine, IReadOnlyList<(WindowBounds Window, OeeComponents Sum)> Windows, DateTimeOffset? LastEventAt)> machines, DateTimeOffset now, CancellationToken ct)
    {
        var sends = new List<Task>();
        foreach (var (machine, windows, lastEventAt) in machines)
        {
            var scope = new LiveScope("machine", machine.MachineId, windows.Select(w => new LiveWindow(w.Window.Name, w.Window.From, w.Window.To, w.Sum)).ToList());
            var key = Encoding.UTF8.GetBytes($"machine:{machine.MachineId}");
            foreach (var w in scope.Windows)
            {
                sends.Add(producer.ProduceAsync(topic, new Message<byte[]?, byte[]?> { Key = key, Value = ToJson(scope, w, now, lastEventAt) }, ct));
            }
        }

        await Task.WhenAll(sends);
        Published.Inc(sends.Count);
    }

    internal static byte[] ToJson(LiveScope scope, LiveWindow w, DateTimeOffset computedAt, DateTimeOffset? lastEventAt = null) =>
        JsonSerializer.SerializeToUtf8Bytes(
            OeeWindowMessage.Compute(scope.Scope, scope.Id, w.Window, w.From, w.To, w.Components, computedAt, lastEventAt),
            ContractJson.Default.OeeWindowMessage);
}
