using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Ms5.Analytics.Plant;
using Ms5.Integration.Tests.Api;
using Ms5.Integration.Tests.Support;
using Ms5.Postgres;

namespace Ms5.Integration.Tests.Anomalies;

/// <summary>
/// Downtime anomaly training and flags through the API against the run's PostgreSQL. History is written straight
/// into state_intervals (no engine): four machines with a 150–250 s jam every two hours for 14 days, plus four
/// anomalies: a 45-minute jam on m1, a burst of 15 short stops within an hour on m2, a reason m3 never has
/// (electrical), and a jam on m4 that has been open for 40 minutes. Training through POST /api/ml/downtime/train
/// must store a ready version and flag exactly those four stops, with explanations; training again gives the same
/// flag ids; feedback is stored and audited; too little history is a 200 with status insufficient_history.
/// </summary>
[Collection(StackCollections.Andon)]
public sealed class AnomaliesApiTests(StackFixture stack)
{
    private static string PlantJson(string plant, string line, IEnumerable<string> machines) => $$"""
        { "plantId": "{{plant}}", "name": "Anomaly plant", "timeZone": "UTC",
          "reasonCodes": [ { "code": "jam", "category": "unplanned" }, { "code": "electrical", "category": "unplanned" } ],
          "shifts": [ { "name": "day", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "00:00", "end": "23:59" } ],
          "lines": [ { "id": "{{line}}", "name": "Anomaly line", "machines": [
            {{string.Join(", ", machines.Select(m => $$"""{ "id": "{{m}}", "name": "{{m}}", "idealCycleSeconds": 2.0 }"""))}} ] } ] }
        """;

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static Uri U(string relative) => new(relative, UriKind.Relative);

    private static DateTimeOffset HourStart(DateTimeOffset t) => new(t.Year, t.Month, t.Day, t.Hour, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// No shift pile-ups: the burst on m2 starts an hour into the all-day shift, and its first stops (still under the burst
    /// bound, so counted for the shift) come near the pile-up bound; whether they pass it depends on the hour-of-week
    /// rates of the window, i.e. on the clock time the test runs at (they did between 01:00 and 04:00 UTC). Pile-ups
    /// have their own tests (AnomalyScorerTests); these tests are about the four anomalies.
    /// </summary>
    private static readonly Dictionary<string, string> NoPileups = new() { ["Ms5:Ml:Downtime:Baseline:MinShiftBound"] = "1000" };

    /// <summary>
    /// The rules alone: the ML.NET pattern model needs more stops than these plants have, so the flags are exactly the
    /// rules' (the pattern model has its own tests, and the re-ranker test trains it).
    /// </summary>
    private static readonly Dictionary<string, string> RulesOnly = new(NoPileups) { ["Ms5:Ml:Downtime:Pattern:MinStops"] = "1000000" };

    private sealed record Stop(string Machine, DateTimeOffset Start, double Seconds, string Reason, bool Open = false);

    private async Task SavePlantAsync(string plant, string line, string[] machines)
    {
        var json = PlantJson(plant, line, machines);
        await new PlantStore(stack.Db).SaveAsync(PlantConfigParser.Parse(json), json);
    }

    /// <summary>Writes each machine's stops and the running intervals between them, from <paramref name="from"/> on.</summary>
    private async Task SeedAsync(IEnumerable<Stop> stops, DateTimeOffset from)
    {
        var machines = new List<string>();
        var starts = new List<DateTime>();
        var ends = new List<DateTime?>();
        var states = new List<string>();
        var reasons = new List<string?>();
        foreach (var m in stops.GroupBy(s => s.Machine))
        {
            var at = from;
            foreach (var s in m.OrderBy(s => s.Start))
            {
                Assert.True(s.Start >= at, $"overlapping seed stops on {s.Machine} at {s.Start:O}");
                if (s.Start > at)
                {
                    machines.Add(m.Key);
                    starts.Add(at.UtcDateTime);
                    ends.Add(s.Start.UtcDateTime);
                    states.Add("running");
                    reasons.Add(null);
                }

                machines.Add(m.Key);
                starts.Add(s.Start.UtcDateTime);
                ends.Add(s.Open ? null : s.Start.AddSeconds(s.Seconds).UtcDateTime);
                states.Add("down");
                reasons.Add(s.Reason);
                at = s.Start.AddSeconds(s.Seconds);
            }

            if (!m.Last().Open)
            {
                machines.Add(m.Key);
                starts.Add(at.UtcDateTime);
                ends.Add(null);
                states.Add("running");
                reasons.Add(null);
            }
        }

        await using var cmd = stack.Db.CreateCommand("""
            INSERT INTO state_intervals (machine_id, start_ts, end_ts, state, reason, event_id)
            SELECT m, s, e, st, r, gen_random_uuid() FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[], $4::text[], $5::text[]) AS u(m, s, e, st, r)
            """);
        cmd.Parameters.AddWithValue(machines.ToArray());
        cmd.Parameters.AddWithValue(starts.ToArray());
        cmd.Parameters.Add(new Npgsql.NpgsqlParameter { Value = ends.Select(e => e is { } v ? (object)v : DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.TimestampTz });
        cmd.Parameters.AddWithValue(states.ToArray());
        cmd.Parameters.Add(new Npgsql.NpgsqlParameter { Value = reasons.Select(r => (object?)r ?? DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text });
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// The normal history and the four anomalies of plant <paramref name="p"/> (machines p-m1..p-m4), ending now.
    /// Returns the anomalies: (machine, start, kind).
    /// </summary>
    private async Task<List<(string Machine, DateTimeOffset Start, string Kind)>> SeedNormalAndAnomalousAsync(string p, DateTimeOffset now)
    {
        var machines = Enumerable.Range(1, 4).Select(i => $"{p}-m{i}").ToArray();
        await SavePlantAsync(p, $"{p}-line", machines);
        var hour = HourStart(now);
        var from = hour.AddDays(-15);
        var stopRegularAt = hour.AddHours(-3);
        var rnd = new Random(42);
        var stops = new List<Stop>();
        var longDay = hour.AddDays(-10).Date;
        var burstDay = hour.AddDays(-8).Date;
        var unseenDay = hour.AddDays(-6).Date;
        var longStart = new DateTimeOffset(longDay.AddHours(10).AddMinutes(30), TimeSpan.Zero);
        var burstStart = new DateTimeOffset(burstDay.AddHours(1), TimeSpan.Zero);
        var unseenStart = new DateTimeOffset(unseenDay.AddHours(14).AddMinutes(30), TimeSpan.Zero);
        var openStart = now.AddMinutes(-40);
        foreach (var m in machines)
        {
            for (var t = new DateTimeOffset(from.Date, TimeSpan.Zero).AddMinutes(30); t < stopRegularAt; t = t.AddHours(2))
            {
                if (t < from)
                {
                    continue;
                }

                var seconds = 150 + rnd.Next(0, 101);
                if (m.EndsWith("-m1", StringComparison.Ordinal) && t == longStart)
                {
                    stops.Add(new Stop(m, t, 45 * 60, "jam"));
                }
                else if (m.EndsWith("-m2", StringComparison.Ordinal) && t >= burstStart.AddHours(-1) && t < burstStart.AddHours(3))
                {
                    // Around the burst the machine has no other stops.
                }
                else if (m.EndsWith("-m3", StringComparison.Ordinal) && t == unseenStart)
                {
                    stops.Add(new Stop(m, t, seconds, "electrical"));
                }
                else
                {
                    stops.Add(new Stop(m, t, seconds, "jam"));
                }
            }
        }

        for (var i = 0; i < 15; i++)
        {
            stops.Add(new Stop(machines[1], burstStart.AddMinutes(4 * i), 90, "jam"));
        }

        stops.Add(new Stop(machines[3], openStart, 0, "jam", Open: true));
        // m2 reported a minute-long jam five minutes before now: the plant is live, so stops are judged as of now.
        stops.Add(new Stop(machines[1], now.AddMinutes(-6), 60, "jam"));
        await SeedAsync(stops, from);
        return
        [
            (machines[0], longStart, "long_stop"),
            (machines[2], unseenStart, "unseen_reason"),
            (machines[3], openStart, "long_stop"),
        ];
    }

    private static async Task<JsonElement> OkJsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement;
    }

    private static string Q(DateTimeOffset t) => Uri.EscapeDataString(t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));

    [Fact]
    public async Task Train_FlagsExactlyTheAnomalousStops_WithExplanations_Deterministically_AndStoresFeedback()
    {
        var utc = DateTimeOffset.UtcNow;
        var now = new DateTimeOffset(utc.UtcTicks - (utc.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
        var expected = await SeedNormalAndAnomalousAsync("anm-a", now);
        await using var api = new ApiFactory(stack, settings: RulesOnly);
        var client = api.CreateClient();

        using (var none = await client.GetAsync(U("/api/ml/downtime/model?plant=anm-a")))
        {
            Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
        }

        var trained = await OkJsonAsync(await client.PostAsync(U("/api/ml/downtime/train"), Json("""{"plantId": "anm-a", "days": 14}""")));
        Assert.Equal("ready", trained.GetProperty("status").GetString());
        Assert.Equal(1, trained.GetProperty("version").GetInt32());
        var metrics = trained.GetProperty("metrics");
        Assert.Equal(4, metrics.GetProperty("machinesCovered").GetInt32());
        Assert.True(metrics.GetProperty("stops").GetInt32() > 4 * 150, metrics.ToString());
        Assert.Equal(14, trained.GetProperty("window").GetProperty("days").GetDouble());
        Assert.Equal(4, trained.GetProperty("flags").GetInt32());
        Assert.StartsWith("needs at least 1000000 closed stops", metrics.GetProperty("pattern").GetProperty("status").GetString(), StringComparison.Ordinal);

        var model = await OkJsonAsync(await client.GetAsync(U("/api/ml/downtime/model?plant=anm-a")));
        Assert.Equal(("ready", 1), (model.GetProperty("status").GetString(), model.GetProperty("version").GetInt32()));
        Assert.Equal(trained.GetProperty("trainedAt").GetDateTimeOffset(), model.GetProperty("trainedAt").GetDateTimeOffset());
        Assert.Equal(4, model.GetProperty("metrics").GetProperty("machinesCovered").GetInt32());
        Assert.Equal(1, await stack.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'ml.train' AND target = 'anm-a' AND outcome = 'ready'"));

        var range = $"from={Q(now.AddDays(-16))}&to={Q(now.AddMinutes(1))}";
        var list = await OkJsonAsync(await client.GetAsync(U($"/api/downtime/anomalies?plant=anm-a&{range}")));
        var items = list.GetProperty("items").EnumerateArray().ToList();
        Assert.True(items.Count == 4, list.ToString());
        Assert.All(items, i => Assert.True(i.GetProperty("flagged").GetBoolean()));
        Assert.All(items, i => Assert.Equal(1, i.GetProperty("modelVersion").GetInt32()));
        Assert.All(items, i => Assert.InRange(i.GetProperty("score").GetDouble(), 0.5, 1.0));
        foreach (var (machine, start, kind) in expected)
        {
            Assert.Contains(items, i => i.GetProperty("machineId").GetString() == machine && i.GetProperty("kind").GetString() == kind
                && i.GetProperty("start").GetDateTimeOffset() == start);
        }

        var burst = Assert.Single(items, i => i.GetProperty("kind").GetString() == "burst");
        Assert.Equal("anm-a-m2", burst.GetProperty("machineId").GetString());
        Assert.Matches("^1[0-5] stops on anm-a-m2 in the last hour; usually ", burst.GetProperty("explanation").GetString());

        var longStop = items.Single(i => i.GetProperty("machineId").GetString() == "anm-a-m1");
        Assert.Equal(2700, longStop.GetProperty("seconds").GetDouble());
        Assert.False(longStop.GetProperty("open").GetBoolean());
        Assert.Equal("anm-a-line", longStop.GetProperty("lineId").GetString());
        Assert.Equal("jam", longStop.GetProperty("reason").GetString());
        Assert.StartsWith("jam on anm-a-m1 lasted 45 min; normally ", longStop.GetProperty("explanation").GetString(), StringComparison.Ordinal);
        var unseen = items.Single(i => i.GetProperty("machineId").GetString() == "anm-a-m3");
        Assert.Equal("electrical on anm-a-m3: never seen on this machine in 14 days", unseen.GetProperty("explanation").GetString());
        var open = items.Single(i => i.GetProperty("machineId").GetString() == "anm-a-m4");
        Assert.True(open.GetProperty("open").GetBoolean());
        Assert.Equal(JsonValueKind.Null, open.GetProperty("end").ValueKind);
        Assert.Contains("has lasted", open.GetProperty("explanation").GetString(), StringComparison.Ordinal);

        // Filters: one machine, and a score floor above every flag.
        var m1 = await OkJsonAsync(await client.GetAsync(U($"/api/downtime/anomalies?machine=anm-a-m1&{range}")));
        Assert.Equal(longStop.GetProperty("id").GetString(), Assert.Single(m1.GetProperty("items").EnumerateArray()).GetProperty("id").GetString());
        var line = await OkJsonAsync(await client.GetAsync(U($"/api/downtime/anomalies?line=anm-a-line&{range}&minScore=0.5")));
        Assert.Equal(4, line.GetProperty("items").GetArrayLength());
        var floor = await OkJsonAsync(await client.GetAsync(U($"/api/downtime/anomalies?plant=anm-a&{range}&minScore=1")));
        Assert.Equal(0, floor.GetProperty("items").GetArrayLength());

        // Feedback: stored with who gave it, audited; a confirmed stop is left out of the next training.
        var id = longStop.GetProperty("id").GetString()!;
        var fb = await OkJsonAsync(await client.PostAsync(U($"/api/downtime/anomalies/{id}/feedback"), Json("""{"label": "confirmed", "note": "die change went wrong"}""")));
        Assert.Equal("confirmed", fb.GetProperty("label").GetString());
        Assert.Equal(1, await stack.ScalarAsync("SELECT count(*) FROM downtime_anomaly_feedback WHERE anomaly_id = $1::uuid AND label = 'confirmed' AND note = 'die change went wrong'", id));
        Assert.Equal(1, await stack.ScalarAsync("SELECT count(*) FROM audit_log WHERE action = 'anomaly.feedback' AND target = $1 AND outcome = 'confirmed'", id));

        // Training again: version 2, the same flags under the same ids, each stored once.
        var again = await OkJsonAsync(await client.PostAsync(U("/api/ml/downtime/train"), Json("""{"plantId": "anm-a", "days": 14}""")));
        Assert.Equal(("ready", 2), (again.GetProperty("status").GetString(), again.GetProperty("version").GetInt32()));
        Assert.Equal(1, again.GetProperty("metrics").GetProperty("excludedConfirmed").GetInt32());
        var relisted = (await OkJsonAsync(await client.GetAsync(U($"/api/downtime/anomalies?plant=anm-a&{range}")))).GetProperty("items").EnumerateArray().ToList();
        // The confirmed stop, now left out of what is normal, is also an unusual combination to the ML.NET pattern model.
        var added = relisted.Where(i => !items.Any(j => j.GetProperty("id").GetString() == i.GetProperty("id").GetString())).ToList();
        Assert.All(added, i => Assert.Equal(("unusual_pattern", "anm-a-m1", longStop.GetProperty("start").GetDateTimeOffset()),
            (i.GetProperty("kind").GetString(), i.GetProperty("machineId").GetString(), i.GetProperty("start").GetDateTimeOffset())));
        Assert.Equal(items.Select(i => i.GetProperty("id").GetString()).Order(), relisted.Except(added).Select(i => i.GetProperty("id").GetString()).Order());
        Assert.All(relisted, i => Assert.Equal(2, i.GetProperty("modelVersion").GetInt32()));
        Assert.Equal(4 + added.Count, await stack.ScalarAsync("SELECT count(*) FROM downtime_anomalies WHERE plant_id = 'anm-a'"));
        Assert.Equal(2, await stack.ScalarAsync("SELECT count(*) FROM downtime_models WHERE plant_id = 'anm-a' AND status = 'ready' AND baseline IS NOT NULL"));
    }

    [Fact]
    public async Task Train_WithEnoughLabels_TrainsTheReranker_WhoseProbabilityBecomesTheFlagsScore()
    {
        var utc = DateTimeOffset.UtcNow;
        var now = new DateTimeOffset(utc.UtcTicks - (utc.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
        await SeedNormalAndAnomalousAsync("anm-r", now);
        await using var api = new ApiFactory(stack, settings: NoPileups);
        var client = api.CreateClient();
        var first = await OkJsonAsync(await client.PostAsync(U("/api/ml/downtime/train"), Json("""{"plantId": "anm-r", "days": 14}""")));
        Assert.Equal("needs at least 30 labelled flags, has 0 (0 confirmed, 0 dismissed)", first.GetProperty("metrics").GetProperty("reranker").GetProperty("status").GetString());
        // 4 machines, a stop every 2 h, 14 days (and the hours up to now): enough for the ML.NET pattern model, trained on the stops the rules do not flag.
        var pattern = first.GetProperty("metrics").GetProperty("pattern");
        Assert.InRange(pattern.GetProperty("trainingStops").GetInt32(), 600, 4 * 12 * 15);
        Assert.True(pattern.GetProperty("threshold").GetDouble() > pattern.GetProperty("typicalScore").GetDouble(), pattern.ToString());

        // 40 normal stops of m1..m3 stored as long-stop flags, then labelled by users: those over 200 s confirmed.
        var store = new AnomalyStore(stack.Db);
        var plant = PlantConfigParser.Parse((await new PlantStore(stack.Db).ConfigAsync("anm-r"))!);
        var history = await store.HistoryAsync("anm-r", now.AddDays(-13), now.AddDays(-1));
        var extractor = new Ms5.Analytics.Anomalies.StopFeatureExtractor(plant);
        var picked = history.Where(h => !h.MachineId.EndsWith("-m4", StringComparison.Ordinal))
            .SelectMany(h => extractor.Stops(h, now)).Where(s => !s.Open && s.Seconds < 300).OrderBy(s => s.Start).Take(40).ToList();
        var kind = Ms5.Analytics.Anomalies.AnomalyKind.LongStop;
        var fakes = picked.Select(s => new Ms5.Analytics.Anomalies.AnomalyScore(
            Ms5.Analytics.Anomalies.AnomalyId.For("anm-r", s.MachineId, s.Start, kind), kind, s.MachineId, s.LineId, s.Reason, s.Start, s.End,
            s.Seconds, s.Seconds, 100, 0.6, true, "labelled in a test")).ToList();
        await store.UpsertAsync("anm-r", 1, fakes);
        foreach (var f in fakes)
        {
            var label = f.Seconds > 200 ? "confirmed" : "dismissed";
            using var r = await client.PostAsync(U($"/api/downtime/anomalies/{f.Id}/feedback"), Json($$"""{"label": "{{label}}"}"""));
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        }

        var confirmed = fakes.Count(f => f.Seconds > 200);
        Assert.InRange(confirmed, 5, 35);
        var second = await OkJsonAsync(await client.PostAsync(U("/api/ml/downtime/train"), Json("""{"plantId": "anm-r", "days": 14}""")));
        var reranker = second.GetProperty("metrics").GetProperty("reranker");
        Assert.Equal((40, confirmed, 40 - confirmed), (reranker.GetProperty("labels").GetInt32(), reranker.GetProperty("confirmed").GetInt32(), reranker.GetProperty("dismissed").GetInt32()));
        Assert.InRange(reranker.GetProperty("crossValidatedAuc").GetDouble(), 0.8, 1.0);
        Assert.Equal(1, await stack.ScalarAsync("SELECT count(*) FROM downtime_models WHERE plant_id = 'anm-r' AND version = 2 AND reranker IS NOT NULL"));

        // The flags stay the rules' flags; their scores are now the re-ranker's probabilities: the 45-minute jam looks
        // like the confirmed (long) ones, the relabelled normal stops are no longer flagged.
        var range = $"from={Q(now.AddDays(-16))}&to={Q(now.AddMinutes(1))}";
        var flagged = (await OkJsonAsync(await client.GetAsync(U($"/api/downtime/anomalies?plant=anm-r&{range}"))))
            .GetProperty("items").EnumerateArray().ToList();
        Assert.All(flagged, i => Assert.True(i.GetProperty("flagged").GetBoolean()));
        Assert.Equal(4, flagged.Count(i => i.GetProperty("kind").GetString() != "unusual_pattern"));

        // The 40 stored as flags in the test are judged normal by training: flagged=false lists them, any lists both.
        var unflagged = (await OkJsonAsync(await client.GetAsync(U($"/api/downtime/anomalies?plant=anm-r&{range}&flagged=false"))))
            .GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(40, unflagged.Count);
        Assert.All(unflagged, i => Assert.Equal(("long_stop", false, 2), (i.GetProperty("kind").GetString(), i.GetProperty("flagged").GetBoolean(), i.GetProperty("modelVersion").GetInt32())));
        Assert.All(unflagged, i => Assert.StartsWith("jam on anm-r-m", i.GetProperty("explanation").GetString(), StringComparison.Ordinal));
        var any = (await OkJsonAsync(await client.GetAsync(U($"/api/downtime/anomalies?plant=anm-r&{range}&flagged=any")))).GetProperty("items").GetArrayLength();
        Assert.Equal(flagged.Count + 40, any);
        var longJam = flagged.Single(i => i.GetProperty("machineId").GetString() == "anm-r-m1" && i.GetProperty("kind").GetString() == "long_stop");
        Assert.InRange(longJam.GetProperty("score").GetDouble(), 0.5, 1.0);
        Assert.All(flagged, i => Assert.Equal(2, i.GetProperty("modelVersion").GetInt32()));
    }

    [Fact]
    public async Task Train_WithoutAnEnd_OnAPlantWhoseHistoryEndedLongAgo_LearnsUpToItsNewestEvent()
    {
        var end = new DateTimeOffset(DateTimeOffset.UtcNow.AddDays(-30).Date.AddHours(15).AddMinutes(10), TimeSpan.Zero);
        var expected = await SeedNormalAndAnomalousAsync("anm-old", end);
        await using var api = new ApiFactory(stack, settings: RulesOnly);
        var client = api.CreateClient();

        var trained = await OkJsonAsync(await client.PostAsync(U("/api/ml/downtime/train"), Json("""{"plantId": "anm-old", "days": 14}""")));

        // The newest event is m2's return to running 5 minutes before the end: the window ends at its hour, and m4's
        // jam, open since 40 minutes before the end, is judged as of then (35 minutes), not as lasting 30 days.
        var last = end.AddMinutes(-5);
        Assert.Equal("ready", trained.GetProperty("status").GetString());
        Assert.Equal(HourStart(last), trained.GetProperty("window").GetProperty("to").GetDateTimeOffset());
        var items = (await OkJsonAsync(await client.GetAsync(U($"/api/downtime/anomalies?plant=anm-old&from={Q(end.AddDays(-16))}&to={Q(end)}"))))
            .GetProperty("items").EnumerateArray().ToList();
        foreach (var (machine, start, kind) in expected)
        {
            Assert.Contains(items, i => i.GetProperty("machineId").GetString() == machine && i.GetProperty("kind").GetString() == kind
                && i.GetProperty("start").GetDateTimeOffset() == start && i.GetProperty("flagged").GetBoolean());
        }

        var open = items.Single(i => i.GetProperty("machineId").GetString() == "anm-old-m4");
        Assert.Equal((35 * 60.0, true), (open.GetProperty("seconds").GetDouble(), open.GetProperty("open").GetBoolean()));
        Assert.Equal(4, trained.GetProperty("flags").GetInt32());
    }

    [Fact]
    public async Task Train_WithAnEndInThePast_LearnsThatPeriod_AndFlagsItsAnomalies_AsOfThatEnd()
    {
        var end = new DateTimeOffset(DateTimeOffset.UtcNow.AddDays(-40).Date.AddHours(9).AddMinutes(20), TimeSpan.Zero);
        var expected = await SeedNormalAndAnomalousAsync("anm-past", end);
        await using var api = new ApiFactory(stack, settings: RulesOnly);
        var client = api.CreateClient();

        var body = $$"""{"plantId": "anm-past", "days": 14, "to": "{{end.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}}"}""";
        var trained = await OkJsonAsync(await client.PostAsync(U("/api/ml/downtime/train"), Json(body)));
        Assert.Equal("ready", trained.GetProperty("status").GetString());
        Assert.Equal(HourStart(end), trained.GetProperty("window").GetProperty("to").GetDateTimeOffset());
        Assert.Equal(HourStart(end).AddDays(-14), trained.GetProperty("window").GetProperty("from").GetDateTimeOffset());
        Assert.Equal(4, trained.GetProperty("flags").GetInt32());

        var items = (await OkJsonAsync(await client.GetAsync(U($"/api/downtime/anomalies?plant=anm-past&from={Q(end.AddDays(-16))}&to={Q(end.AddMinutes(1))}"))))
            .GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(4, items.Count);
        foreach (var (machine, start, kind) in expected)
        {
            Assert.Contains(items, i => i.GetProperty("machineId").GetString() == machine && i.GetProperty("kind").GetString() == kind
                && i.GetProperty("start").GetDateTimeOffset() == start);
        }

        // The stop open at the end was judged by how long it had lasted then: 40 minutes.
        var open = items.Single(i => i.GetProperty("machineId").GetString() == "anm-past-m4");
        Assert.Equal(2400, open.GetProperty("seconds").GetDouble());
        Assert.StartsWith("jam on anm-past-m4 has lasted 40 min so far", open.GetProperty("explanation").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Train_WithTooLittleHistory_Is200WithStatusInsufficientHistory_AndAClearDetail()
    {
        var machines = new[] { "anm-few-m1", "anm-few-m2", "anm-few-m3" };
        await SavePlantAsync("anm-few", "anm-few-line", machines);
        var hour = HourStart(DateTimeOffset.UtcNow);
        var from = hour.AddDays(-3);
        var stops = Enumerable.Range(0, 25).Select(i => new Stop(machines[0], from.AddHours(2 * i), 200, "jam"))
            .Concat(Enumerable.Range(0, 3).Select(i => new Stop(machines[1], from.AddHours(3 * i), 200, "jam")));
        await SeedAsync(stops, from.AddHours(-1));
        await using var api = new ApiFactory(stack);
        var client = api.CreateClient();

        var trained = await OkJsonAsync(await client.PostAsync(U("/api/ml/downtime/train"), Json("""{"plantId": "anm-few"}""")));
        Assert.Equal("insufficient_history", trained.GetProperty("status").GetString());
        var detail = trained.GetProperty("statusDetail").GetString()!;
        Assert.Contains("needs at least 20 stops per machine", detail, StringComparison.Ordinal);
        Assert.EndsWith("1 of 3 machines have enough", detail, StringComparison.Ordinal);
        Assert.Equal(28, trained.GetProperty("window").GetProperty("days").GetDouble());
        Assert.Equal(0, trained.GetProperty("flags").GetInt32());

        var model = await OkJsonAsync(await client.GetAsync(U("/api/ml/downtime/model?plant=anm-few")));
        Assert.Equal(("insufficient_history", detail), (model.GetProperty("status").GetString(), model.GetProperty("statusDetail").GetString()));
        Assert.Equal(0, await stack.ScalarAsync("SELECT count(*) FROM downtime_anomalies WHERE plant_id = 'anm-few'"));
        Assert.Equal(0, await stack.ScalarAsync("SELECT count(*) FROM downtime_models WHERE plant_id = 'anm-few' AND baseline IS NOT NULL"));
    }

    [Theory]
    [InlineData("GET", "/api/downtime/anomalies?plant=anm-v&colour=red", null, "query")]
    [InlineData("GET", "/api/downtime/anomalies?from=2026-01-05T00:00:00Z", null, "scope")]
    [InlineData("GET", "/api/downtime/anomalies?plant=anm-v&machine=anm-v-m1", null, "scope")]
    [InlineData("GET", "/api/downtime/anomalies?plant=anm-v&from=yesterday", null, "from")]
    [InlineData("GET", "/api/downtime/anomalies?plant=anm-v&to=2026-13-01T00:00:00Z", null, "to")]
    [InlineData("GET", "/api/downtime/anomalies?plant=anm-v&from=2026-01-05T01:00:00Z&to=2026-01-05T00:00:00Z", null, "to")]
    [InlineData("GET", "/api/downtime/anomalies?plant=anm-v&minScore=1.5", null, "minScore")]
    [InlineData("GET", "/api/downtime/anomalies?plant=anm-v&minScore=-0.1", null, "minScore")]
    [InlineData("GET", "/api/downtime/anomalies?plant=anm-v&minScore=high", null, "minScore")]
    [InlineData("GET", "/api/downtime/anomalies?plant=anm-v&flagged=maybe", null, "flagged")]
    [InlineData("GET", "/api/downtime/anomalies?plant=anm-v&to=0001-01-01T00:00:00Z", null, "to")]
    [InlineData("POST", "/api/ml/downtime/train", "{\"plantId\": \"anm-v\", \"to\": \"0001-01-01T00:00:00Z\"}", "to")]
    [InlineData("GET", "/api/ml/downtime/model", null, "plant")]
    [InlineData("GET", "/api/ml/downtime/model?plant=anm-v&version=2", null, "query")]
    [InlineData("POST", "/api/ml/downtime/train", "{}", "plantId")]
    [InlineData("POST", "/api/ml/downtime/train", """{"plantId": "anm-v", "days": 0}""", "days")]
    [InlineData("POST", "/api/ml/downtime/train", """{"plantId": "anm-v", "days": "28"}""", "days")]
    [InlineData("POST", "/api/ml/downtime/train", """{"plantId": "anm-v", "window": 3}""", "body")]
    [InlineData("POST", "/api/ml/downtime/train", """{"plantId": "anm-v", "to": "2999-01-01T00:00:00Z"}""", "to")]
    [InlineData("POST", "/api/ml/downtime/train", """{"plantId": "anm-v", "to": "last week"}""", "to")]
    [InlineData("POST", "/api/downtime/anomalies/5f0c7d0e-0000-5000-8000-000000000000/feedback", """{"label": "maybe"}""", "label")]
    [InlineData("POST", "/api/downtime/anomalies/5f0c7d0e-0000-5000-8000-000000000000/feedback", "{}", "label")]
    public async Task BadRequests_Are400NamingTheParameter(string method, string path, string? body, string key)
    {
        await SavePlantAsync("anm-v", "anm-v-line", ["anm-v-m1"]);
        await using var api = new ApiFactory(stack);
        using var request = new HttpRequestMessage(new HttpMethod(method), U(path)) { Content = body is null ? null : Json(body) };
        using var response = await api.CreateClient().SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {text}");
        var errors = JsonDocument.Parse(text).RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty(key, out _), errors.ToString());
    }

    [Theory]
    [InlineData("GET", "/api/downtime/anomalies?machine=anm-no-such-machine", null)]
    [InlineData("GET", "/api/downtime/anomalies?plant=anm-no-such-plant", null)]
    [InlineData("GET", "/api/ml/downtime/model?plant=anm-no-such-plant", null)]
    [InlineData("GET", "/api/ml/downtime/model?plant=anm-v", null)]
    [InlineData("POST", "/api/ml/downtime/train", """{"plantId": "anm-no-such-plant"}""")]
    [InlineData("POST", "/api/downtime/anomalies/5f0c7d0e-0000-5000-8000-000000000000/feedback", """{"label": "dismissed"}""")]
    [InlineData("POST", "/api/downtime/anomalies/not-a-uuid/feedback", """{"label": "confirmed"}""")]
    public async Task UnknownThings_Are404(string method, string path, string? body)
    {
        await SavePlantAsync("anm-v", "anm-v-line", ["anm-v-m1"]);
        await using var api = new ApiFactory(stack);
        using var request = new HttpRequestMessage(new HttpMethod(method), U(path)) { Content = body is null ? null : Json(body) };
        using var response = await api.CreateClient().SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }
}
