using System.Text.Json;
using Ms5.Analytics.Simulation;

namespace Ms5.Ingest.Simulate;

/// <summary>
/// <c>--labels FILE</c>: the injected anomalies as a JSON array, one object per label, so an evaluator can score
/// <c>GET /api/downtime/anomalies</c> against them:
/// <c>{"kind": "long_stop|burst|unusual_reason|night_drift", "machineId", "start", "end", "stops": [{"start", "seconds", "reason"}]}</c>.
/// Times are ISO-8601 UTC ("2026-11-30T10:15:42Z"); a label's window is [start, end) as <see cref="InjectedAnomaly"/> defines it.
/// </summary>
internal static class LabelsFile
{
    public static string KindName(InjectedKind kind) => kind switch
    {
        InjectedKind.LongStop => "long_stop",
        InjectedKind.Burst => "burst",
        InjectedKind.UnusualReason => "unusual_reason",
        InjectedKind.NightDrift => "night_drift",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static void Write(Stream stream, IEnumerable<InjectedAnomaly> labels)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartArray();
        foreach (var label in labels)
        {
            json.WriteStartObject();
            json.WriteString("kind", KindName(label.Kind));
            json.WriteString("machineId", label.MachineId);
            json.WriteString("start", label.Start.UtcDateTime);
            json.WriteString("end", label.End.UtcDateTime);
            json.WriteStartArray("stops");
            foreach (var stop in label.Stops)
            {
                json.WriteStartObject();
                json.WriteString("start", stop.Start.UtcDateTime);
                json.WriteNumber("seconds", stop.Duration.TotalSeconds);
                json.WriteString("reason", stop.Reason);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }
}
