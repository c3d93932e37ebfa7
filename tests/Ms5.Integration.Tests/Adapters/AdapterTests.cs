using System.Text;
using Ms5.Analytics.Events;
using Ms5.Influx;
using Ms5.Postgres;
using Npgsql;

namespace Ms5.Integration.Tests.Adapters;

/// <summary>Pure parts of the adapters: wire formats and conversions, no service needed.</summary>
public sealed class AdapterTests
{
    private static readonly Guid Id = Guid.Parse("6f1c0a4e-8d2b-4c1e-9a57-3b0f5e2d7c11");

    [Fact]
    public void LineProtocol_StateEvent_EscapesTagsAndStrings()
    {
        var sb = new StringBuilder();
        var e = MachineEvent.StateChange(Id, "press 01,a=b", new DateTimeOffset(2026, 11, 26, 6, 0, 0, TimeSpan.Zero), MachineState.Down, "say \"hi\"\\");
        LineProtocol.Append(sb, e, "line-1");
        var line = sb.ToString();
        Assert.StartsWith("machine_state,line=line-1,machine=press\\ 01\\,a\\=b,state=down reason=\"say \\\"hi\\\"\\\\\",event_id=\"6f1c0a4e-8d2b-4c1e-9a57-3b0f5e2d7c11\" ", line, StringComparison.Ordinal);
        Assert.EndsWith("\n", line, StringComparison.Ordinal);
    }

    [Fact]
    public void LineProtocol_Timestamp_StaysInsideTheSourceMillisecond_AndIsStablePerEvent()
    {
        var ts = new DateTimeOffset(2026, 11, 26, 6, 0, 0, 123, TimeSpan.Zero);
        var e = MachineEvent.Counts(Id, "m", ts, 1, 0);
        var ns = LineProtocol.TimestampNanos(e);
        var msNanos = (ts.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;
        Assert.InRange(ns, msNanos, msNanos + 999_999);
        Assert.Equal(ns, LineProtocol.TimestampNanos(e with { }));
        Assert.NotEqual(ns, LineProtocol.TimestampNanos(e with { EventId = Guid.NewGuid() }));
    }

    [Fact]
    public void LineProtocol_CountAndCounter_AreIntegerFields()
    {
        var sb = new StringBuilder();
        var ts = DateTimeOffset.UnixEpoch.AddSeconds(1);
        LineProtocol.Append(sb, MachineEvent.Counts(Id, "m", ts, 10, 2), "l");
        LineProtocol.Append(sb, MachineEvent.Counters(Id, "m", ts, 123456, 789), "l");
        var lines = sb.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("machine_count,line=l,machine=m good=10i,reject=2i,event_id=", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("machine_counter,line=l,machine=m good_total=123456i,reject_total=789i,event_id=", lines[1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("postgresql://ms5@127.0.0.1:55432/ms5", "127.0.0.1", 55432, "ms5", "ms5", null)]
    [InlineData("postgres://u%40x:p%3Ass@db.example:6432/hist?sslmode=require&application_name=ms5", "db.example", 6432, "hist", "u@x", "p:ss")]
    [InlineData("postgresql://localhost/plant", "localhost", 5432, "plant", null, null)]
    public void PgConnectionString_ConvertsLibpqUris(string uri, string host, int port, string db, string? user, string? password)
    {
        var b = new NpgsqlConnectionStringBuilder(PgConnectionString.Convert(uri));
        Assert.Equal(host, b.Host);
        Assert.Equal(port, b.Port);
        Assert.Equal(db, b.Database);
        Assert.Equal(user, b.Username);
        Assert.Equal(password, b.Password);
    }

    [Fact]
    public void PgConnectionString_PassesKeyValueStringsThrough()
    {
        const string Cs = "Host=h;Port=1;Database=d";
        Assert.Equal(Cs, PgConnectionString.Convert(Cs));
    }

    [Fact]
    public void EventCursor_RoundTrips_AndRejectsGarbage()
    {
        var c = new EventCursor(new DateTimeOffset(2026, 11, 26, 6, 0, 0, 5, TimeSpan.Zero), Id);
        Assert.True(EventCursor.TryDecode(c.Encode(), out var back));
        Assert.Equal(c, back);
        Assert.False(EventCursor.TryDecode("not-a-cursor", out _));
        Assert.False(EventCursor.TryDecode(Convert.ToBase64String(Encoding.ASCII.GetBytes("99999999999999999999:x")), out _));
    }
}
