using Ms5.Integration.Tests.Support;

namespace Ms5.Integration.Tests.Historian;

[Collection("stack-oee")]
public sealed class StateIntervalTests(StackFixture stack)
{
    [Fact]
    public async Task OutOfOrderStateEvents_YieldHalfOpenIntervalsInEventTime()
    {
        var t0 = new DateTimeOffset(2026, 11, 2, 6, 0, 0, TimeSpan.Zero);
        var running = Guid.CreateVersion7();
        var down = Guid.CreateVersion7();
        var back = Guid.CreateVersion7();
        var setup = Guid.CreateVersion7();

        // Arrival order: 06:20, 06:00, then (later batch) 06:10, then a late one at 05:50.
        await stack.ProduceAsync(stack.Topic, [("asm-04", Some.State(back, "asm-04", t0.AddMinutes(20), "running")), ("asm-04", Some.State(running, "asm-04", t0, "running"))]);
        await stack.WaitUntilAsync(() => stack.ScalarAsync("SELECT count(*) FROM state_intervals WHERE machine_id = 'asm-04'"), 2, "first two intervals");
        await stack.ProduceAsync(stack.Topic, [("asm-04", Some.State(down, "asm-04", t0.AddMinutes(10), "down", "electrical"))]);
        await stack.ProduceAsync(stack.Topic, [("asm-04", Some.State(setup, "asm-04", t0.AddMinutes(-10), "setup", "changeover"))]);
        await stack.WaitUntilAsync(() => stack.ScalarAsync("SELECT count(*) FROM state_intervals WHERE machine_id = 'asm-04'"), 4, "all intervals");

        await using var cmd = stack.Db.CreateCommand("SELECT state, coalesce(reason, ''), start_ts, end_ts FROM state_intervals WHERE machine_id = 'asm-04' ORDER BY start_ts");
        await using var r = await cmd.ExecuteReaderAsync();
        var rows = new List<(string, string, DateTime, DateTime?)>();
        while (await r.ReadAsync())
        {
            rows.Add((r.GetString(0), r.GetString(1), r.GetDateTime(2), r.IsDBNull(3) ? null : r.GetDateTime(3)));
        }

        Assert.Equal(
            [
                ("setup", "changeover", t0.AddMinutes(-10).UtcDateTime, t0.UtcDateTime),
                ("running", "", t0.UtcDateTime, t0.AddMinutes(10).UtcDateTime),
                ("down", "electrical", t0.AddMinutes(10).UtcDateTime, t0.AddMinutes(20).UtcDateTime),
                ("running", "", t0.AddMinutes(20).UtcDateTime, null),
            ],
            rows);
    }
}
