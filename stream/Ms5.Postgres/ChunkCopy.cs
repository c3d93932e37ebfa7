using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Ms5.Analytics.Events;
using Ms5.Analytics.Oee;

namespace Ms5.Postgres;

/// <summary>
/// Rows of <c>oee_count_chunks</c> in PostgreSQL's binary COPY format, encoded here rather than through Npgsql's type
/// converters: a row holds five arrays, and the converters resolve and write every element through a nested write scope
/// (about a tenth of the engine's own managed time in a backlog). Each machine's rows are encoded on its own core into one
/// pooled buffer; the COPY then sends the buffers in order. The bytes are what Npgsql sends for the same values
/// (<c>OeeEventStoreTests</c> stores one history both ways and compares every load): the format is PostgreSQL's
/// "Binary Format" of COPY, each field as its type's send function writes it.
/// </summary>
internal static class ChunkCopy
{
    public const string Command = "COPY oee_count_chunks (machine_id, minute, version, first_ts, last_ts, counters, parts, event_ids, ts, counter, a, b) FROM STDIN (FORMAT BINARY)";

    private const short Fields = 12;
    private const int UuidOid = 2950, TimestampTzOid = 1184, BoolOid = 16, Int8Oid = 20;

    /// <summary>2000-01-01T00:00:00Z, PostgreSQL's epoch, in <see cref="DateTime"/> ticks.</summary>
    private const long PostgresEpochTicks = 630822816000000000L;

    /// <summary>Per row besides the machine id and the arrays' elements: field count, the scalar fields and five array headers.</summary>
    private const int RowOverhead = 2 + 4 + (4 + 8) * 4 + (4 + 4) * 2 + 5 * (4 + 20);

    /// <summary>Per event: its element in each of the five arrays (length word and value).</summary>
    private const int PerEvent = (4 + 16) + (4 + 8) + (4 + 1) + (4 + 8) + (4 + 8);

    /// <summary>The signature, flags and header extension length that open a binary COPY.</summary>
    public static ReadOnlySpan<byte> Header => [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xFF, (byte)'\r', (byte)'\n', 0, 0, 0, 0, 0, 0, 0, 0, 0];

    /// <summary>The field count -1 that ends a binary COPY.</summary>
    public static ReadOnlySpan<byte> Trailer => [0xFF, 0xFF];

    /// <summary>A timestamptz as Npgsql sends a UTC <see cref="DateTime"/>: microseconds since 2000-01-01, the 100 ns digit dropped.</summary>
    public static long Microseconds(DateTime utc) => (utc.Ticks - PostgresEpochTicks) / 10;

    /// <summary>
    /// A machine's chunked events as its rows, one per event-time minute, arrays in (ts, event id) order (sorts
    /// <paramref name="events"/>). The buffer is rented: give it back with <see cref="Return"/> once sent.
    /// </summary>
    public static Encoded Encode(string machine, List<MachineEvent> events, long version)
    {
        EventOrder.Sort(events);
        var name = Encoding.UTF8.GetBytes(machine);
        var minutes = new List<(int Start, int End, DateTimeOffset Minute)>();
        for (var start = 0; start < events.Count;)
        {
            var minute = BucketCalculator.Floor(events[start].Ts);
            var end = start + 1;
            while (end < events.Count && BucketCalculator.Floor(events[end].Ts) == minute)
            {
                end++;
            }

            minutes.Add((start, end, minute));
            start = end;
        }

        var buffer = ArrayPool<byte>.Shared.Rent((minutes.Count * (RowOverhead + name.Length)) + (events.Count * PerEvent));
        var w = new Writer(buffer);
        foreach (var (start, end, minute) in minutes)
        {
            var n = end - start;
            int counters = 0, parts = 0;
            for (var i = start; i < end; i++)
            {
                var e = events[i];
                if (e.Type == EventType.Counter)
                {
                    counters++;
                }
                else if (e.Good!.Value + e.Reject!.Value > 0)
                {
                    parts++;
                }
            }

            w.Int16(Fields);
            w.Int32(name.Length);
            w.Bytes(name);
            w.Timestamp(minute.UtcDateTime);
            w.Int32(8);
            w.Int64(version);
            w.Timestamp(events[start].Ts.UtcDateTime);
            w.Timestamp(events[end - 1].Ts.UtcDateTime);
            w.Int32(4);
            w.Int32(counters);
            w.Int32(4);
            w.Int32(parts);

            w.ArrayHeader(n, 16, UuidOid);
            for (var i = start; i < end; i++)
            {
                w.Int32(16);
                w.Uuid(events[i].EventId);
            }

            w.ArrayHeader(n, 8, TimestampTzOid);
            for (var i = start; i < end; i++)
            {
                w.Int32(8);
                w.Int64(Microseconds(events[i].Ts.UtcDateTime));
            }

            w.ArrayHeader(n, 1, BoolOid);
            for (var i = start; i < end; i++)
            {
                w.Int32(1);
                w.Byte(events[i].Type == EventType.Counter ? (byte)1 : (byte)0);
            }

            w.ArrayHeader(n, 8, Int8Oid);
            for (var i = start; i < end; i++)
            {
                var e = events[i];
                w.Int32(8);
                w.Int64((e.Type == EventType.Counter ? e.GoodTotal : e.Good)!.Value);
            }

            w.ArrayHeader(n, 8, Int8Oid);
            for (var i = start; i < end; i++)
            {
                var e = events[i];
                w.Int32(8);
                w.Int64((e.Type == EventType.Counter ? e.RejectTotal : e.Reject)!.Value);
            }
        }

        return new Encoded(buffer, w.Position, minutes.Count);
    }

    public static void Return(Encoded encoded) => ArrayPool<byte>.Shared.Return(encoded.Buffer);

    /// <summary>Big-endian writes into a buffer sized for them (<see cref="RowOverhead"/>, <see cref="PerEvent"/>).</summary>
    private ref struct Writer(byte[] buffer)
    {
        private readonly Span<byte> _span = buffer;

        public int Position { get; private set; }

        public void Int16(short v)
        {
            BinaryPrimitives.WriteInt16BigEndian(_span[Position..], v);
            Position += 2;
        }

        public void Int32(int v)
        {
            BinaryPrimitives.WriteInt32BigEndian(_span[Position..], v);
            Position += 4;
        }

        public void Int64(long v)
        {
            BinaryPrimitives.WriteInt64BigEndian(_span[Position..], v);
            Position += 8;
        }

        public void Byte(byte v) => _span[Position++] = v;

        public void Bytes(ReadOnlySpan<byte> v)
        {
            v.CopyTo(_span[Position..]);
            Position += v.Length;
        }

        /// <summary>A timestamptz field: its length and value.</summary>
        public void Timestamp(DateTime utc)
        {
            Int32(8);
            Int64(Microseconds(utc));
        }

        /// <summary>A uuid in network order (RFC 4122), as uuid_send writes it.</summary>
        public void Uuid(Guid id)
        {
            id.TryWriteBytes(_span.Slice(Position, 16), bigEndian: true, out _);
            Position += 16;
        }

        /// <summary>
        /// A one-dimensional array field without nulls: its length word (header and elements), then array_send's header:
        /// dimensions, has-nulls flag, element type, the dimension's length and lower bound.
        /// </summary>
        public void ArrayHeader(int n, int elementSize, int elementOid)
        {
            Int32(20 + (n * (4 + elementSize)));
            Int32(1);
            Int32(0);
            Int32(elementOid);
            Int32(n);
            Int32(1);
        }
    }
}

/// <summary>One machine's encoded chunk rows: the first <see cref="Length"/> bytes of a rented <see cref="Buffer"/>.</summary>
internal readonly record struct Encoded(byte[] Buffer, int Length, int Rows);
