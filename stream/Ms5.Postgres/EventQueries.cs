using System.Text;
using Ms5.Analytics.Events;
using Npgsql;

namespace Ms5.Postgres;

/// <summary>A page of raw events and the cursor for the next page (null on the last page).</summary>
public sealed record EventPage(IReadOnlyList<MachineEvent> Events, string? NextCursor);

/// <summary>Reads raw events in (ts, event_id) order with keyset pagination: stable under concurrent inserts of later data.</summary>
public sealed class EventQueries(NpgsqlDataSource db)
{
    public const int MaxLimit = 100_000;

    public async Task<EventPage> PageAsync(string? machine, DateTimeOffset? from, DateTimeOffset? to, int limit, EventCursor? after, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, MaxLimit);
        var sql = new StringBuilder("SELECT event_id, machine_id, ts, type, state, reason, good, reject, good_total, reject_total, product FROM raw_events WHERE true");
        await using var cmd = db.CreateCommand();
        if (machine is not null)
        {
            sql.Append(" AND machine_id = @machine");
            cmd.Parameters.AddWithValue("machine", machine);
        }

        if (from is { } f)
        {
            sql.Append(" AND ts >= @from");
            cmd.Parameters.AddWithValue("from", f.UtcDateTime);
        }

        if (to is { } t)
        {
            sql.Append(" AND ts < @to");
            cmd.Parameters.AddWithValue("to", t.UtcDateTime);
        }

        if (after is { } c)
        {
            sql.Append(" AND (ts, event_id) > (@cts, @cid)");
            cmd.Parameters.AddWithValue("cts", c.Ts.UtcDateTime);
            cmd.Parameters.AddWithValue("cid", c.EventId);
        }

        sql.Append(" ORDER BY ts, event_id LIMIT @limit");
        cmd.Parameters.AddWithValue("limit", limit + 1);
        cmd.CommandText = sql.ToString();

        var events = new List<MachineEvent>(Math.Min(limit, 10_000));
        var more = false;
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            if (events.Count == limit)
            {
                more = true;
                break;
            }

            events.Add(Read(r));
        }

        var next = more ? new EventCursor(events[^1].Ts, events[^1].EventId).Encode() : null;
        return new EventPage(events, next);
    }

    private static MachineEvent Read(NpgsqlDataReader r)
    {
        ContractNames.TryParseType(r.GetString(3), out var type);
        MachineState? state = r.IsDBNull(4) ? null : ContractNames.TryParseState(r.GetString(4), out var s) ? s : null;
        return new MachineEvent(
            r.GetGuid(0),
            r.GetString(1),
            new DateTimeOffset(r.GetDateTime(2), TimeSpan.Zero),
            type,
            state,
            r.IsDBNull(5) ? null : r.GetString(5),
            r.IsDBNull(6) ? null : r.GetInt64(6),
            r.IsDBNull(7) ? null : r.GetInt64(7),
            r.IsDBNull(8) ? null : r.GetInt64(8),
            r.IsDBNull(9) ? null : r.GetInt64(9),
            r.IsDBNull(10) ? null : r.GetString(10));
    }
}

/// <summary>Opaque page cursor: the (ts, event_id) of the last event returned.</summary>
public readonly record struct EventCursor(DateTimeOffset Ts, Guid EventId)
{
    public string Encode() => Convert.ToBase64String(Encoding.ASCII.GetBytes($"{Ts.UtcTicks}:{EventId:N}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static bool TryDecode(string text, out EventCursor cursor)
    {
        cursor = default;
        try
        {
            var b64 = text.Replace('-', '+').Replace('_', '/');
            b64 = b64.PadRight(b64.Length + ((4 - (b64.Length % 4)) % 4), '=');
            var parts = Encoding.ASCII.GetString(Convert.FromBase64String(b64)).Split(':');
            if (parts.Length == 2 && long.TryParse(parts[0], System.Globalization.CultureInfo.InvariantCulture, out var ticks)
                && ticks >= DateTimeOffset.MinValue.UtcTicks && ticks <= DateTimeOffset.MaxValue.UtcTicks && Guid.TryParseExact(parts[1], "N", out var id))
            {
                cursor = new EventCursor(new DateTimeOffset(ticks, TimeSpan.Zero), id);
                return true;
            }
        }
        catch (FormatException)
        {
        }

        return false;
    }
}
