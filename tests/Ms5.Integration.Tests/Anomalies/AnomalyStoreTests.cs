using Ms5.Analytics.Anomalies;
using Ms5.Integration.Tests.Support;
using Ms5.Postgres;

namespace Ms5.Integration.Tests.Anomalies;

/// <summary>
/// <see cref="AnomalyStore"/> against the run's PostgreSQL: a flag is stored once per id; an open stop's flag is
/// updated when the stop ends (end, seconds, score, explanation); a later score of the stop still open never replaces
/// the closed one; an unflagged score adds nothing; versions count up per plant; feedback needs a known flag.
/// </summary>
[Collection("stack-api")]
public sealed class AnomalyStoreTests(StackFixture stack)
{
    private static readonly DateTimeOffset Start = new(2026, 11, 26, 6, 0, 0, TimeSpan.Zero);

    private static AnomalyScore Long(string plant, string machine, DateTimeOffset? end, double seconds, double score, bool flagged, string text) =>
        new(AnomalyId.For(plant, machine, Start, AnomalyKind.LongStop), AnomalyKind.LongStop, machine, "line-x", "jam", Start, end,
            seconds, seconds, 600, score, flagged, text);

    [Fact]
    public async Task Upsert_StoresEachFlagOnce_UpdatesAnOpenStopWhenItEnds_AndNeverReopensIt()
    {
        var store = new AnomalyStore(stack.Db);
        var open = Long("ast-p", "ast-m1", null, 900, 0.6, true, "jam on ast-m1 has lasted 15 min so far");
        Assert.Equal(1, await store.UpsertAsync("ast-p", 1, [open]));
        Assert.Equal(0, await store.UpsertAsync("ast-p", 1, [open]));

        var stored = await store.GetAsync(open.Id);
        Assert.NotNull(stored);
        Assert.True(stored.Open);
        Assert.Null(stored.End);

        var closed = Long("ast-p", "ast-m1", Start.AddMinutes(41), 2460, 0.8, true, "jam on ast-m1 lasted 41 min");
        Assert.Equal(1, await store.UpsertAsync("ast-p", 2, [closed]));
        stored = await store.GetAsync(open.Id);
        Assert.NotNull(stored);
        Assert.Equal((false, Start.AddMinutes(41), 2460.0, 0.8, "jam on ast-m1 lasted 41 min", 2),
            (stored.Open, stored.End, stored.Seconds, stored.Score, stored.Explanation, stored.ModelVersion));

        // A replay that scores the stop while it was still open does not reopen it.
        Assert.Equal(0, await store.UpsertAsync("ast-p", 3, [open]));
        Assert.False((await store.GetAsync(open.Id))!.Open);
        Assert.Equal(1, await stack.ScalarAsync("SELECT count(*) FROM downtime_anomalies WHERE plant_id = 'ast-p'"));

        // An unflagged score of a stop never flagged adds nothing; of a stored flag, it updates it.
        var normal = Long("ast-p", "ast-m2", Start.AddMinutes(3), 180, 0.1, false, "jam on ast-m2 lasted 3 min");
        Assert.Equal(0, await store.UpsertAsync("ast-p", 3, [normal]));
        Assert.Null(await store.GetAsync(normal.Id));
        var unflagged = Long("ast-p", "ast-m1", Start.AddMinutes(41), 2460, 0.45, false, "jam on ast-m1 lasted 41 min");
        Assert.Equal(1, await store.UpsertAsync("ast-p", 4, [unflagged]));
        Assert.False((await store.GetAsync(open.Id))!.Flagged);

        var listed = await store.QueryAsync(OeeScope.Machine, "ast-m1", Start.AddHours(-1), Start.AddHours(1), 0, 10);
        Assert.Equal(open.Id, Assert.Single(listed).Id);
        Assert.Empty(await store.QueryAsync(OeeScope.Machine, "ast-m1", Start.AddHours(-1), Start.AddHours(1), 0.5, 10));
        Assert.Empty(await store.QueryAsync(OeeScope.Machine, "ast-m1", Start.AddHours(1), Start.AddHours(2), 0, 10));
    }

    [Fact]
    public async Task Versions_CountUpPerPlant_AndTheNewestReadyIsTheModelInUse()
    {
        var store = new AnomalyStore(stack.Db);
        var t = new DateTimeOffset(2026, 11, 29, 0, 0, 0, TimeSpan.Zero);
        DowntimeModelRow Row(string plant, DowntimeModelStatus status) =>
            new(plant, 0, t, t.AddDays(-28), t, status, status == DowntimeModelStatus.Ready ? null : "needs more", "[]", "{}", """{"stops": 1}""",
                status == DowntimeModelStatus.Ready ? """{"plantId": "x"}""" : null);

        Assert.Null(await store.LatestAsync("ast-v"));
        Assert.Equal(1, await store.SaveModelAsync(Row("ast-v", DowntimeModelStatus.Ready)));
        Assert.Equal(2, await store.SaveModelAsync(Row("ast-v", DowntimeModelStatus.InsufficientHistory)));
        Assert.Equal(1, await store.SaveModelAsync(Row("ast-w", DowntimeModelStatus.Failed)));
        Assert.Equal(1, (await store.LatestReadyAsync("ast-v"))!.Version);
        var latest = (await store.LatestAsync("ast-v"))!;
        Assert.Equal((2, DowntimeModelStatus.InsufficientHistory, "needs more", t), (latest.Version, latest.Status, latest.StatusDetail, latest.TrainedAt));
        Assert.Null(await store.LatestReadyAsync("ast-w"));
    }

    [Fact]
    public async Task Feedback_NeedsAKnownFlag_AndTheNewestLabelCounts()
    {
        var store = new AnomalyStore(stack.Db);
        Assert.False(await store.AddFeedbackAsync(Guid.NewGuid(), "confirmed", null, "tester", DateTimeOffset.UtcNow));

        var flag = Long("ast-f", "ast-f1", Start.AddMinutes(41), 2460, 0.8, true, "jam on ast-f1 lasted 41 min");
        await store.UpsertAsync("ast-f", 1, [flag]);
        Assert.True(await store.AddFeedbackAsync(flag.Id, "confirmed", "bearing", "tester", Start.AddHours(1)));
        Assert.Contains(("ast-f1", Start), await store.ConfirmedStopsAsync("ast-f", Start.AddDays(-1), Start.AddDays(1)));

        Assert.True(await store.AddFeedbackAsync(flag.Id, "dismissed", null, "tester", Start.AddHours(2)));
        Assert.Equal("dismissed", (await store.LatestFeedbackAsync(flag.Id))!.Value.Label);
        Assert.Empty(await store.ConfirmedStopsAsync("ast-f", Start.AddDays(-1), Start.AddDays(1)));
        await Assert.ThrowsAsync<ArgumentException>(() => store.AddFeedbackAsync(flag.Id, "maybe", null, "tester", Start));
    }

    [Fact]
    public async Task UpsertChanges_AreNotable_WhenNew_Ended_Unflagged_OrRejudgedByAnotherVersion_NotWhenAnOpenStopOnlyGrows()
    {
        var store = new AnomalyStore(stack.Db);
        var open = Long("ast-c", "ast-c1", null, 900, 0.6, true, "jam on ast-c1 has lasted 15 min so far");

        var first = Assert.Single(await store.UpsertChangesAsync("ast-c", 1, [open]));
        Assert.Equal((open.Id, true, true, "ast-c", "long_stop", 900.0), (first.Row.Id, first.Notable, first.Row.Open, first.Row.PlantId, first.Row.Kind, first.Row.Seconds));
        Assert.Empty(await store.UpsertChangesAsync("ast-c", 1, [open]));

        var longer = Assert.Single(await store.UpsertChangesAsync("ast-c", 1, [open with { Seconds = 960, Score = 0.62, Explanation = "jam on ast-c1 has lasted 16 min so far" }]));
        Assert.Equal((false, 960.0, true), (longer.Notable, longer.Row.Seconds, longer.Row.Open));

        var rejudged = Assert.Single(await store.UpsertChangesAsync("ast-c", 2, [open with { Seconds = 960, Score = 0.62, Explanation = "jam on ast-c1 has lasted 16 min so far" }]));
        Assert.Equal((true, 2), (rejudged.Notable, rejudged.Row.ModelVersion));

        var ended = Assert.Single(await store.UpsertChangesAsync("ast-c", 2, [Long("ast-c", "ast-c1", Start.AddMinutes(41), 2460, 0.8, true, "jam on ast-c1 lasted 41 min")]));
        Assert.Equal((true, false, (DateTimeOffset?)Start.AddMinutes(41)), (ended.Notable, ended.Row.Open, ended.Row.End));

        var unflagged = Assert.Single(await store.UpsertChangesAsync("ast-c", 2, [Long("ast-c", "ast-c1", Start.AddMinutes(41), 2460, 0.45, false, "jam on ast-c1 lasted 41 min")]));
        Assert.Equal((true, false), (unflagged.Notable, unflagged.Row.Flagged));

        // The count UpsertAsync reports is every row changed, notable or not.
        Assert.Equal(1, await store.UpsertAsync("ast-c", 2, [Long("ast-c", "ast-c1", Start.AddMinutes(41), 2460, 0.46, false, "jam on ast-c1 lasted 41 min")]));
    }

    [Fact]
    public async Task LatestEvent_IsTheNewestStateIntervalStartOfThePlantsMachines()
    {
        var store = new AnomalyStore(stack.Db);
        const string Json = """
            { "plantId": "ast-l", "timeZone": "UTC", "reasonCodes": [ { "code": "jam", "category": "unplanned" } ],
              "shifts": [ { "name": "day", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "00:00", "end": "23:59" } ], "lines": [ { "id": "ast-l-line", "machines": [
              { "id": "ast-l1", "idealCycleSeconds": 1.0 }, { "id": "ast-l2", "idealCycleSeconds": 1.0 } ] } ] }
            """;
        await new PlantStore(stack.Db).SaveAsync(Ms5.Analytics.Plant.PlantConfigParser.Parse(Json), Json);
        Assert.Null(await store.LatestEventAsync("ast-l"));

        await using var cmd = stack.Db.CreateCommand("""
            INSERT INTO state_intervals (machine_id, start_ts, end_ts, state, reason, event_id) VALUES
              ('ast-l1', $1, $2, 'down', 'jam', gen_random_uuid()), ('ast-l1', $2, NULL, 'running', NULL, gen_random_uuid()),
              ('ast-l2', $3, NULL, 'idle', NULL, gen_random_uuid())
            """);
        cmd.Parameters.AddWithValue(Start.UtcDateTime);
        cmd.Parameters.AddWithValue(Start.AddMinutes(5).UtcDateTime);
        cmd.Parameters.AddWithValue(Start.AddMinutes(3).UtcDateTime);
        await cmd.ExecuteNonQueryAsync();

        Assert.Equal(Start.AddMinutes(5), await store.LatestEventAsync("ast-l"));
        Assert.Null(await store.LatestEventAsync("no-such-plant"));
    }

    [Fact]
    public async Task History_HasTheWindowsIntervals_TheIntervalReachingIntoIt_ProductsAndMinuteCounts()
    {
        var store = new AnomalyStore(stack.Db);
        const string Json = """
            { "plantId": "ast-h", "timeZone": "UTC", "reasonCodes": [ { "code": "jam", "category": "unplanned" } ],
              "shifts": [ { "name": "day", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "00:00", "end": "23:59" } ], "lines": [ { "id": "ast-h-line", "machines": [
              { "id": "ast-h1", "idealCycleSeconds": 1.0 } ] } ] }
            """;
        await new PlantStore(stack.Db).SaveAsync(Ms5.Analytics.Plant.PlantConfigParser.Parse(Json), Json);
        var from = Start.AddHours(2);
        // running 06:00–07:30, down 07:30–08:30 (reaching into the window from 08:00), running from 08:30 on.
        foreach (var sql in new[]
        {
            """
            INSERT INTO state_intervals (machine_id, start_ts, end_ts, state, reason, event_id) VALUES
              ('ast-h1', $1, $2, 'running', NULL, gen_random_uuid()),
              ('ast-h1', $2, $3, 'down', 'jam', gen_random_uuid()),
              ('ast-h1', $3, NULL, 'running', NULL, gen_random_uuid())
            """,
            """
            INSERT INTO oee_events (machine_id, ts, event_id, type, state, product)
            SELECT 'ast-h1', $1, gen_random_uuid(), 'state', 'running', 'A' WHERE $2::timestamptz IS NOT NULL
            UNION ALL SELECT 'ast-h1', $3, gen_random_uuid(), 'state', 'running', 'B' WHERE $4::timestamptz IS NOT NULL
            """,
            """
            INSERT INTO oee_minute (machine_id, minute, calendar_seconds, planned_seconds, run_seconds, unplanned_stop_seconds, setup_seconds,
                                    micro_stop_seconds, planned_stop_seconds, good_count, reject_count, ideal_seconds, failure_count)
            SELECT 'ast-h1', t, 60, 60, 60, 0, 0, 0, 0, 30, 2, 30, 0
            FROM generate_series($4::timestamptz - interval '90 minutes', $4::timestamptz + interval '29 minutes', interval '1 minute') t
            WHERE $1::timestamptz IS NOT NULL AND $2::timestamptz IS NOT NULL AND $3::timestamptz IS NOT NULL
            """,
        })
        {
            await using var cmd = stack.Db.CreateCommand(sql);
            cmd.Parameters.AddWithValue(Start.UtcDateTime);
            cmd.Parameters.AddWithValue(Start.AddMinutes(90).UtcDateTime);
            cmd.Parameters.AddWithValue(Start.AddMinutes(150).UtcDateTime);
            cmd.Parameters.AddWithValue(from.UtcDateTime);
            await cmd.ExecuteNonQueryAsync();
        }

        var h = Assert.Single(await store.HistoryAsync("ast-h", from, from.AddHours(1)));

        Assert.Equal([(Start.AddMinutes(90), "jam"), (Start.AddMinutes(150), (string?)null)], h.Intervals.Select(i => (i.Start, i.Reason)));
        Assert.Equal([new ProductChange(Start, "A"), new ProductChange(Start.AddMinutes(150), "B")], h.Products);
        // Minutes from an hour before the window (07:00) to its end, of the 90 minutes before 08:00 and 30 after.
        Assert.Equal(90, h.Counts!.Count);
        Assert.Equal((from.AddHours(-1), 30L, 2L), (h.Counts[0].Ts, h.Counts[0].Good, h.Counts[0].Reject));
    }
}
