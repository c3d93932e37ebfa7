using System.Buffers;
using System.Text.Json;

namespace Ms5.Analytics.Events;

/// <summary>Writes events in the contract-v1 JSON shape (the same shape the API returns).</summary>
public static class EventJson
{
    public static byte[] ToUtf8(MachineEvent evt)
    {
        var buffer = new ArrayBufferWriter<byte>(192);
        using (var w = new Utf8JsonWriter(buffer))
        {
            Write(w, evt);
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static string ToJson(MachineEvent evt) => System.Text.Encoding.UTF8.GetString(ToUtf8(evt));

    public static void Write(Utf8JsonWriter w, MachineEvent evt)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(evt);
        w.WriteStartObject();
        w.WriteString("eventId", evt.EventId.ToString("D"));
        w.WriteString("machineId", evt.MachineId);
        w.WriteString("ts", Timestamps.Format(evt.Ts));
        w.WriteString("type", ContractNames.Of(evt.Type));
        switch (evt.Type)
        {
            case EventType.State:
                w.WriteString("state", ContractNames.Of(evt.State!.Value));
                if (evt.Reason is not null)
                {
                    w.WriteString("reason", evt.Reason);
                }

                if (evt.Product is not null)
                {
                    w.WriteString("product", evt.Product);
                }

                break;
            case EventType.Count:
                w.WriteNumber("good", evt.Good!.Value);
                w.WriteNumber("reject", evt.Reject!.Value);
                break;
            case EventType.Counter:
                w.WriteNumber("goodTotal", evt.GoodTotal!.Value);
                w.WriteNumber("rejectTotal", evt.RejectTotal!.Value);
                break;
        }

        w.WriteEndObject();
    }
}
