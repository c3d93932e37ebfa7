using Ms5.Analytics.Events;
using Ms5.Analytics.Oee;
using Ms5.Integration.Tests.Support;
using Ms5.Postgres;
using Npgsql;

namespace Ms5.Integration.Tests.Oee;

/// <summary>
/// The engine's compact event store (<see cref="OeeEventStore"/>, migration 0024) against the run's PostgreSQL. The
/// oracle is the old layout: the same history stored as one row per event (through the <c>oee_events</c> view's
/// trigger) under another machine id must give the same answers as the history kept in chunks.
/// </summary>
[Collection("stack-oee")]
public sealed class OeeEventStoreTests(StackFixture stack)
{
    private static readonly DateTimeOffset Start = new(2026, 10, 5, 6, 0, 0, TimeSpan.Zero);

    /// <summary>Three hours of one machine: states with reasons and products, counts (some empty), a counter that stalls and resets, equal timestamps.</summary>
    private static List<MachineEvent> History(string machine, int seed)
    {
        var rnd = new Random(seed);
        var events = new List<MachineEvent>();
        var t = Start;
        long good = 0, reject = 0;
        MachineState[] states = [MachineState.Running, MachineState.Down, MachineState.Idle, MachineState.Running, MachineState.Setup];
        for (var i = 0; i < 4000; i++)
        {
            t = t.AddMilliseconds(rnd.Next(0, 5) == 0 ? 0 : rnd.Next(100, 5000));
            var id = Guid.CreateVersion7(t);
            switch (rnd.Next(0, 40))
            {
                case 0:
                    var state = states[rnd.Next(states.Length)];
                    events.Add(new MachineEvent(id, machine, t, EventType.State, state, state == MachineState.Running ? null : "jam",
                        Product: rnd.Next(0, 4) == 0 ? $"p{rnd.Next(3)}" : null));
                    break;
                case < 20:
                    events.Add(new MachineEvent(id, machine, t, EventType.Count, Good: rnd.Next(0, 3), Reject: rnd.Next(0, 4) == 0 ? 1 : 0));
                    break;
                case 20 when rnd.Next(0, 20) == 0:
                    (good, reject) = (0, 0); // a PLC reset
                    events.Add(new MachineEvent(id, machine, t, EventType.Counter, GoodTotal: good, RejectTotal: reject));
                    break;
                default:
                    good += rnd.Next(0, 3) == 0 ? 0 : rnd.Next(1, 4); // stalls now and then
                    reject += rnd.Next(0, 10) == 0 ? 1 : 0;
                    events.Add(new MachineEvent(id, machine, t, EventType.Counter, GoodTotal: good, RejectTotal: reject));
                    break;
            }
        }

        return events;
    }

    private static string Key(MachineEvent e) =>
        FormattableString.Invariant($"{e.Ts.UtcTicks}|{e.EventId}|{e.Type}|{e.State}|{e.Reason}|{e.Good}|{e.Reject}|{e.GoodTotal}|{e.RejectTotal}|{e.Product}");

    /// <summary>Writes in batches as the engine does: each batch its own version, its events in any order.</summary>
    private async Task WriteInBatchesAsync(List<MachineEvent> events, int seed)
    {
        var rnd = new Random(seed);
        var version = 0L;
        for (var i = 0; i < events.Count;)
        {
            var n = Math.Min(events.Count - i, rnd.Next(1, 400));
            var batch = events.Skip(i).Take(n).OrderBy(_ => rnd.Next()).ToList();
            await using var conn = await stack.Db.OpenConnectionAsync();
            await using var tx = await conn.BeginTransactionAsync();
            OeeEventStore.Write(conn, batch, new Dictionary<string, long> { [events[0].MachineId] = ++version }, default);
            await tx.CommitAsync();
            i += n;
        }
    }

    private async Task InsertAsRowsAsync(List<MachineEvent> events)
    {
        await using var conn = await stack.Db.OpenConnectionAsync();
        foreach (var chunk in events.Chunk(500))
        {
            await using var cmd = new NpgsqlCommand("""
                INSERT INTO oee_events (machine_id, ts, event_id, type, state, reason, good, reject, good_total, reject_total, product)
                SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[], $11::text[])
                """, conn);
            cmd.Parameters.AddWithValue(chunk.Select(e => e.MachineId).ToArray());
            cmd.Parameters.AddWithValue(chunk.Select(e => e.Ts.UtcDateTime).ToArray());
            cmd.Parameters.AddWithValue(chunk.Select(e => e.EventId).ToArray());
            cmd.Parameters.AddWithValue(chunk.Select(e => ContractNames.Of(e.Type)).ToArray());
            cmd.Parameters.AddWithValue(chunk.Select(e => e.State is { } s ? ContractNames.Of(s) : null).ToArray());
            cmd.Parameters.AddWithValue(chunk.Select(e => e.Reason).ToArray());
            cmd.Parameters.AddWithValue(chunk.Select(e => e.Good).ToArray());
            cmd.Parameters.AddWithValue(chunk.Select(e => e.Reject).ToArray());
            cmd.Parameters.AddWithValue(chunk.Select(e => e.GoodTotal).ToArray());
            cmd.Parameters.AddWithValue(chunk.Select(e => e.RejectTotal).ToArray());
            cmd.Parameters.AddWithValue(chunk.Select(e => e.Product).ToArray());
            await cmd.ExecuteNonQueryAsync();
        }
    }

    private async Task<List<MachineEvent>> LoadAsync(string machine, DateTimeOffset from, DateTimeOffset to)
    {
        await using var conn = await stack.Db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        return (await OeeEventStore.LoadManyAsync(conn, tx, new Dictionary<string, (DateTimeOffset, DateTimeOffset)> { [machine] = (from, to) }, default))[machine];
    }

    [Fact]
    public async Task Chunks_AnswerEveryRangeAsOneRowPerEventDoes()
    {
        var chunked = History("oes-a", 17);
        var rows = chunked.Select(e => e with { MachineId = "oes-b" }).ToList();
        await WriteInBatchesAsync(chunked, 5);
        await InsertAsRowsAsync(rows);

        Assert.Equal(chunked.Count, await stack.ScalarAsync("SELECT count(*) FROM oee_events WHERE machine_id = 'oes-a'"));
        Assert.Equal(chunked.Count, await stack.ScalarAsync("SELECT count(*) FROM oee_events WHERE machine_id = 'oes-b'"));
        Assert.Equal(chunked.Count(e => !OeeEventStore.IsChunked(e)), await stack.ScalarAsync("SELECT count(*) FROM oee_event_rows WHERE machine_id = 'oes-a'"));
        Assert.True(await stack.ScalarAsync("SELECT count(*) FROM oee_count_chunks WHERE machine_id = 'oes-a'") * 5 < chunked.Count, "chunks hold several events each");
        Assert.Equal(0, await stack.ScalarAsync("SELECT count(*) FROM oee_count_chunks WHERE machine_id = 'oes-b'"));

        var end = chunked[^1].Ts;
        var rnd = new Random(3);
        var ranges = new List<(DateTimeOffset, DateTimeOffset)> { (Start, DateTimeOffset.MaxValue), (Start.AddHours(-1), Start), (end.AddMinutes(5), DateTimeOffset.MaxValue) };
        for (var i = 0; i < 25; i++)
        {
            var from = Start.AddSeconds(rnd.Next(0, (int)(end - Start).TotalSeconds));
            from = i % 2 == 0 ? BucketCalculator.Floor(from) : from.AddMilliseconds(rnd.Next(0, 1000));
            ranges.Add((from, i % 3 == 0 ? DateTimeOffset.MaxValue : from.AddSeconds(rnd.Next(1, 3600))));
        }

        foreach (var (from, to) in ranges)
        {
            var fromChunks = (await LoadAsync("oes-a", from, to)).Select(Key).Order(StringComparer.Ordinal).ToList();
            var fromRows = (await LoadAsync("oes-b", from, to)).Select(Key).Order(StringComparer.Ordinal).ToList();
            Assert.True(fromRows.Count > 0);
            Assert.Equal(fromRows, fromChunks);
        }

        // The tail built from a load serves any later range as all events do (the engine's exactness through the store).
        var loaded = new EventTail(await LoadAsync("oes-a", BucketCalculator.Floor(Start.AddMinutes(70)), DateTimeOffset.MaxValue), BucketCalculator.Floor(Start.AddMinutes(70)));
        var all = new EventTail(chunked, DateTimeOffset.MinValue);
        var sliceFrom = BucketCalculator.Floor(Start.AddMinutes(95));
        Assert.Equal(all.Slice(sliceFrom, end).Select(Key), loaded.Slice(sliceFrom, end).Select(Key));
    }

    [Fact]
    public async Task NewestStored_IsTheNewestRowOrChunkEvent_ToTheMicrosecond()
    {
        // A history written in chunks whose newest event is a count (chunk), one whose newest is a state event (row), and
        // one stored as rows only; a machine without events has no entry.
        var chunkLast = History("oes-n1", 41).Take(300).ToList();
        var tip = chunkLast.Last(OeeEventStore.IsChunked);
        chunkLast = [.. chunkLast.Where(e => e.Ts < tip.Ts), tip with { Ts = tip.Ts.AddTicks(7) }];
        var rowLast = History("oes-n2", 43).Take(300).ToList();
        var state = rowLast.Last(e => !OeeEventStore.IsChunked(e));
        rowLast = [.. rowLast.Where(e => e.Ts <= state.Ts)];
        var rowsOnly = History("oes-n3", 47).Take(100).ToList();
        await WriteInBatchesAsync(chunkLast, 3);
        await WriteInBatchesAsync(rowLast, 4);
        await InsertAsRowsAsync(rowsOnly);

        await using var conn = await stack.Db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        var newest = await OeeEventStore.NewestStoredAsync(conn, tx, ["oes-n1", "oes-n2", "oes-n3", "oes-n-none"], default);
        Assert.Equal(3, newest.Count);
        Assert.Equal(EventTail.ToMicroseconds(chunkLast.Max(e => e.Ts)), newest["oes-n1"]);
        Assert.Equal(EventTail.ToMicroseconds(state.Ts), newest["oes-n2"]);
        Assert.Equal(EventTail.ToMicroseconds(rowsOnly.Max(e => e.Ts)), newest["oes-n3"]);
    }

    [Fact]
    public async Task Stored_FindsRowsAndChunkedEvents_AndTheOldNameSkipsDuplicatesOfBoth()
    {
        var history = History("oes-c", 23).Take(600).ToList();
        await WriteInBatchesAsync(history, 9);
        var other = History("oes-c", 29).Take(50).Select(e => e with { Ts = e.Ts.AddDays(1) }).ToList();

        await using (var conn = await stack.Db.OpenConnectionAsync())
        await using (var tx = await conn.BeginTransactionAsync())
        {
            var stored = await OeeEventStore.StoredAsync(conn, tx, [.. history.Where((_, i) => i % 7 == 0), .. other], default);
            Assert.Equal(history.Where((_, i) => i % 7 == 0).Select(OeeEventStore.Key).ToHashSet(), stored);
            // Same id, another ts: another event. The same ts with 100 ns digits PostgreSQL does not keep: the same event.
            var first = history.First(OeeEventStore.IsChunked);
            Assert.Empty(await OeeEventStore.StoredAsync(conn, tx, [first with { Ts = first.Ts.AddMilliseconds(1) }], default));
            var finer = first with { Ts = first.Ts.AddTicks(7) };
            Assert.Equal([OeeEventStore.Key(finer)], await OeeEventStore.StoredAsync(conn, tx, [finer], default));
            Assert.Equal(OeeEventStore.Key(first), OeeEventStore.Key(finer));
        }

        // Count and counter events whose first copy is a row (stored before migration 0024, or by an older release).
        var asRows = History("oes-d", 31).Take(80).ToList();
        await InsertAsRowsAsync(asRows);
        await using (var conn = await stack.Db.OpenConnectionAsync())
        await using (var tx = await conn.BeginTransactionAsync())
        {
            var counts = asRows.Where(OeeEventStore.IsChunked).ToList();
            Assert.NotEmpty(counts);
            Assert.Equal(counts.Select(OeeEventStore.Key).ToHashSet(), await OeeEventStore.StoredAsync(conn, tx, counts, default));
        }

        // An older release writes through the view: duplicates of rows and of chunk events are skipped, new events kept.
        await InsertAsRowsAsync([.. history.Take(100), .. other]);
        Assert.Equal(history.Count + other.Count, await stack.ScalarAsync("SELECT count(*) FROM oee_events WHERE machine_id = 'oes-c'"));
        Assert.Equal(history.Count + other.Count, await stack.ScalarAsync("SELECT count(DISTINCT (ts, event_id)) FROM oee_events WHERE machine_id = 'oes-c'"));
    }

    /// <summary>
    /// Migration 0025: a chunk of 150 events (~6 kB) stays in its page uncompressed, one of 600 (~24 kB) is compressed with
    /// lz4 (where the server has it, else pglz); both read back exactly.
    /// </summary>
    [Fact]
    public async Task Chunks_StayUncompressedUpTo8kB_BiggerOnesAreCompressed_AndReadBackExactly()
    {
        var minute = Start.AddDays(3);
        List<MachineEvent> Counts(string machine, int n) => Enumerable.Range(0, n)
            .Select(i => new MachineEvent(Guid.NewGuid(), machine, minute.AddMilliseconds(i * 59_000 / n), i % 2 == 0 ? EventType.Count : EventType.Counter,
                Good: i % 2 == 0 ? i % 3 : null, Reject: i % 2 == 0 ? i % 2 : null, GoodTotal: i % 2 == 0 ? null : 1_000_000L + i, RejectTotal: i % 2 == 0 ? null : i / 7))
            .ToList();
        var small = Counts("oes-z150", 150);
        var large = Counts("oes-z600", 600);
        await using (var conn = await stack.Db.OpenConnectionAsync())
        await using (var tx = await conn.BeginTransactionAsync())
        {
            OeeEventStore.Write(conn, [.. small, .. large], new Dictionary<string, long> { ["oes-z150"] = 1, ["oes-z600"] = 1 }, default);
            await tx.CommitAsync();
        }

        // lz4 where the server has it (migration 0025 keeps pglz on one without, e.g. an external server).
        var big = await stack.ScalarAsync("SELECT count(*) FROM pg_attribute WHERE attrelid = 'oee_count_chunks'::regclass AND attname = 'ts' AND attcompression = 'l'") == 1 ? "lz4" : "pglz";
        await using (var cmd = stack.Db.CreateCommand("""
            SELECT machine_id, cardinality(event_ids), pg_column_size(event_ids), coalesce(pg_column_compression(event_ids), 'none'), coalesce(pg_column_compression(ts), 'none')
            FROM oee_count_chunks WHERE machine_id IN ('oes-z150', 'oes-z600') ORDER BY machine_id
            """))
        await using (var r = await cmd.ExecuteReaderAsync())
        {
            Assert.True(await r.ReadAsync());
            Assert.Equal(("oes-z150", 150, 150 * 16 + 24, "none", "none"), (r.GetString(0), r.GetInt32(1), r.GetInt32(2), r.GetString(3), r.GetString(4)));
            Assert.True(await r.ReadAsync());
            Assert.Equal(("oes-z600", 600, big), (r.GetString(0), r.GetInt32(1), r.GetString(4)));
            Assert.Contains(r.GetString(3), new[] { big, "none" }); // random ids may not compress: then stored as they are
        }

        foreach (var (machine, events) in new[] { ("oes-z150", small), ("oes-z600", large) })
        {
            var loaded = await LoadAsync(machine, minute, minute.AddMinutes(1));
            Assert.Equal(events.Select(Key), loaded.Select(Key));
        }
    }

    [Fact]
    public void IsChunked_OnlyCountsAndCounterReadingsWithNothingElse()
    {
        var id = Guid.NewGuid();
        Assert.True(OeeEventStore.IsChunked(new MachineEvent(id, "m", Start, EventType.Count, Good: 0, Reject: 0)));
        Assert.True(OeeEventStore.IsChunked(new MachineEvent(id, "m", Start, EventType.Counter, GoodTotal: 5, RejectTotal: 0)));
        Assert.False(OeeEventStore.IsChunked(new MachineEvent(id, "m", Start, EventType.State, MachineState.Running)));
        Assert.False(OeeEventStore.IsChunked(new MachineEvent(id, "m", Start, EventType.Count, Good: 1, Reject: 0, Product: "p")));
        Assert.False(OeeEventStore.IsChunked(new MachineEvent(id, "m", Start, EventType.Count, Reason: "r", Good: 1, Reject: 0)));
        Assert.False(OeeEventStore.IsChunked(new MachineEvent(id, "m", Start, EventType.Count, Good: 1)));
        Assert.False(OeeEventStore.IsChunked(new MachineEvent(id, "m", Start, EventType.Counter, GoodTotal: 1, RejectTotal: 0, Good: 1)));
    }
}
