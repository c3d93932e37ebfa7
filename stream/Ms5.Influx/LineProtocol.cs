using System.Globalization;
using System.Text;
using Ms5.Analytics.Events;

namespace Ms5.Influx;

/// <summary>
/// Contract events as InfluxDB line protocol. Measurements: machine_state (tags line, machine, state;
/// fields reason, event_id), machine_count (good, reject), machine_counter (good_total, reject_total).
/// Timestamps are nanoseconds; InfluxDB keeps one point per series and time, so two events of one
/// machine in the same millisecond would overwrite each other. A sub-millisecond offset derived from
/// the event id keeps them apart and keeps replays idempotent (same event, same point).
/// </summary>
public static class LineProtocol
{
    public const string StateMeasurement = "machine_state";
    public const string CountMeasurement = "machine_count";
    public const string CounterMeasurement = "machine_counter";

    public static void Append(StringBuilder sb, MachineEvent e, string line)
    {
        ArgumentNullException.ThrowIfNull(sb);
        ArgumentNullException.ThrowIfNull(e);
        switch (e.Type)
        {
            case EventType.State:
                sb.Append(StateMeasurement).Append(",line=").Append(EscapeTag(line)).Append(",machine=").Append(EscapeTag(e.MachineId))
                  .Append(",state=").Append(ContractNames.Of(e.State!.Value))
                  .Append(" reason=\"").Append(EscapeString(e.Reason ?? "")).Append('"');
                if (e.Product is not null)
                {
                    sb.Append(",product=\"").Append(EscapeString(e.Product)).Append('"');
                }

                break;
            case EventType.Count:
                sb.Append(CountMeasurement).Append(",line=").Append(EscapeTag(line)).Append(",machine=").Append(EscapeTag(e.MachineId))
                  .Append(" good=").Append(e.Good!.Value.ToString(CultureInfo.InvariantCulture)).Append('i')
                  .Append(",reject=").Append(e.Reject!.Value.ToString(CultureInfo.InvariantCulture)).Append('i');
                break;
            case EventType.Counter:
                sb.Append(CounterMeasurement).Append(",line=").Append(EscapeTag(line)).Append(",machine=").Append(EscapeTag(e.MachineId))
                  .Append(" good_total=").Append(e.GoodTotal!.Value.ToString(CultureInfo.InvariantCulture)).Append('i')
                  .Append(",reject_total=").Append(e.RejectTotal!.Value.ToString(CultureInfo.InvariantCulture)).Append('i');
                break;
        }

        sb.Append(",event_id=\"").Append(e.EventId.ToString("D")).Append("\" ")
          .Append(TimestampNanos(e).ToString(CultureInfo.InvariantCulture)).Append('\n');
    }

    internal static long TimestampNanos(MachineEvent e)
    {
        var ticks = e.Ts.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        var nanos = ticks * 100;
        // Whole-millisecond source times get up to 999,999 ns of offset, finer ones up to 99 ns:
        // the offset never moves a point past the source clock's own resolution.
        var jitterRange = ticks % TimeSpan.TicksPerMillisecond == 0 ? 1_000_000 : 100;
        var h = (uint)e.EventId.GetHashCode() % (uint)jitterRange;
        return nanos + h;
    }

    public static string EscapeTag(string s) =>
        s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace(",", "\\,", StringComparison.Ordinal)
         .Replace("=", "\\=", StringComparison.Ordinal).Replace(" ", "\\ ", StringComparison.Ordinal);

    internal static string EscapeString(string s) =>
        s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
}
