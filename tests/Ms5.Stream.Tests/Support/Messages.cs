using System.Text;
using System.Text.Json.Nodes;
using Confluent.Kafka;

namespace Ms5.Stream.Tests.Support;

/// <summary>Short test data: consumed messages and contract-v1 events, valid unless edited.</summary>
internal static class Messages
{
    public const string Topic = "ms5.machine-events.v1";
    public const string KnownMachine = "press-01";
    public const string EventId = "6f1c0a4e-8d2b-4c1e-9a57-3b0f5e2d7c11";

    /// <summary>A consumed message at <paramref name="partition"/>@<paramref name="offset"/>.</summary>
    public static ConsumeResult<byte[]?, byte[]?> At(int partition, long offset, byte[]? value = null, byte[]? key = null, Headers? headers = null) => new()
    {
        TopicPartitionOffset = new TopicPartitionOffset(Topic, partition, offset),
        Message = new Message<byte[]?, byte[]?> { Key = key, Value = value ?? Bytes(State()), Headers = headers },
    };

    public static TopicPartition Partition(int partition) => new(Topic, partition);

    /// <summary>A valid running state event of <see cref="KnownMachine"/> at <paramref name="ts"/> (default: the clocks' start), edited by <paramref name="edit"/>.</summary>
    public static string State(Action<JsonObject>? edit = null, DateTimeOffset? ts = null)
    {
        var o = new JsonObject
        {
            ["eventId"] = EventId,
            ["machineId"] = KnownMachine,
            ["ts"] = (ts ?? TimerRecordingClock.T0).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture),
            ["type"] = "state",
            ["state"] = "running",
        };
        edit?.Invoke(o);
        return o.ToJsonString();
    }

    public static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    public static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}
