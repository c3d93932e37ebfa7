using System.Globalization;
using Ms5.Analytics.Plant;
using Ms5.Analytics.Reports;
using Ms5.Integration.Tests.Support;
using Ms5.Kafka;
using Ms5.Postgres;
using Ms5.Reports.Tests;

namespace Ms5.Integration.Tests.Reports;

/// <summary>
/// The reports host as it runs (two processes, one Quartz cluster on this run's database, schema from MS5's
/// migrations): reports that fell due before the hosts started are caught up, each exactly once; a holiday gets
/// none; scheduled reports are e-mailed through an SMTP server run by the test; a late event makes revision 2.
/// </summary>
// Its own stack fixture (database, topics), not the shared "stack" collection: its report hosts form a Quartz cluster
// of their own in it, so it runs beside the serial collection instead of adding minutes to it.
public sealed class ReportsHostTests(StackFixture stack) : IClassFixture<StackFixture>
{
    private static string PlantJson(DateOnly holiday) => $$"""
        { "plantId": "rep-live", "name": "Live Report Plant", "timeZone": "UTC",
          "reasonCodes": [ { "code": "jam", "category": "unplanned" } ],
          "shifts": [ { "name": "a", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "00:00", "end": "12:00" },
                      { "name": "b", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "12:00", "end": "00:00" } ],
          "holidays": ["{{holiday:yyyy-MM-dd}}"],
          "reports": { "email": true, "recipients": ["boss@example.com"] },
          "lines": [ { "id": "rl-line", "name": "Live line", "reportRecipients": ["lead@example.com"],
                       "machines": [ { "id": "rl-1", "name": "Live 1", "idealCycleSeconds": 2.0 } ] } ] }
        """;

    private ChildProcess StartHost(int smtpPort) => ChildProcess.Start(Repo.Dll("reports/Ms5.ReportsHost", "Ms5.ReportsHost"), new Dictionary<string, string>
    {
        ["MS5_PG"] = stack.Pg,
        ["Reports__MetricsPort"] = TestPorts.Next().ToString(CultureInfo.InvariantCulture),
        ["Reports__CatchUp"] = "2.00:00:00",
        ["Reports__RevisionCheckInterval"] = "00:00:01",
        ["Reports__RevisionQuietPeriod"] = "00:00:01",
        ["Reports__Smtp__Host"] = "127.0.0.1",
        ["Reports__Smtp__Port"] = smtpPort.ToString(CultureInfo.InvariantCulture),
        ["Reports__Smtp__Security"] = "none",
        ["Reports__Smtp__From"] = "ms5@example.com",
    });

    [Fact]
    public async Task TwoHosts_CatchUpMissedReportsOnce_SkipTheHoliday_EmailThem_AndReviseAfterLateData()
    {
        var now = DateTimeOffset.UtcNow;
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var holiday = today.AddDays(-2);
        var json = PlantJson(holiday);
        var plant = PlantConfigParser.Parse(json);
        await new PlantStore(stack.Db).SaveAsync(plant, json);

        // rl-1 runs from the start of the holiday until a few minutes ago, 10 parts a minute (the holiday too: data, but no shift).
        var topic = $"test.{stack.RunId}.replive";
        await TopicAdmin.EnsureAsync(stack.Kafka, new Dictionary<string, int> { [topic] = 1 });
        var start = new DateTimeOffset(holiday.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var end = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero).AddMinutes(-3);
        var events = new List<(string?, string)> { ("rl-1", Some.State(Guid.NewGuid(), "rl-1", start, "running")) };
        for (var t = start; t < end; t = t.AddMinutes(1))
        {
            events.Add(("rl-1", Some.Count(Guid.NewGuid(), "rl-1", t.AddSeconds(20), 10, 0)));
        }

        using var engine = stack.StartStream("replive", topic, sinks: "oee");
        using var historian = stack.StartStream("replive", topic, sinks: "pg");
        await StackFixture.WaitForAssignmentAsync(engine, 1);
        await StackFixture.WaitForAssignmentAsync(historian, 1);
        await stack.ProduceAsync(topic, events);
        await stack.WaitForDrainAsync($"test.{stack.RunId}.replive.oee", topic, TimeSpan.FromSeconds(120));
        await stack.WaitForDrainAsync($"test.{stack.RunId}.replive.pg", topic, TimeSpan.FromSeconds(120));

        // What the calendar says is due in the 2-day catch-up window (pure code, unit-tested separately).
        var grace = TimeSpan.FromMinutes(5);
        var expected = new List<string>();
        foreach (var kind in new[] { ReportKind.Shift, ReportKind.Day, ReportKind.Week })
        {
            foreach (var due in ReportSchedule.Due(plant.Calendar, kind, now - TimeSpan.FromDays(2), now, grace))
            {
                if (due.Span.To <= start)
                {
                    continue; // no data in the span: no (empty) report
                }

                if (kind == ReportKind.Shift)
                {
                    expected.Add(due.Span.SeriesKey("rep-live", "rl-line"));
                }

                expected.Add(due.Span.SeriesKey("rep-live", null));
            }
        }

        Assert.Contains(expected, k => k.StartsWith("shift|line|rl-line|", StringComparison.Ordinal));
        Assert.DoesNotContain(expected, k => k.Contains($"|{holiday:yyyy-MM-dd}T", StringComparison.Ordinal) && k.StartsWith("shift", StringComparison.Ordinal));

        await using var smtp = await SmtpTestServer.StartAsync();
        using var host1 = StartHost(smtp.Port);
        using var host2 = StartHost(smtp.Port);
        await stack.WaitUntilAsync(() => stack.ScalarAsync("SELECT count(DISTINCT series_key) FROM reports WHERE plant_id = 'rep-live'"), expected.Count,
            "reports caught up\nhost 1:\n" + host1.Output + "\nhost 2:\n" + host2.Output, TimeSpan.FromSeconds(120));

        // Each exactly once, by whichever host; both hosts were in the cluster.
        Assert.Equal(expected.Count, await stack.ScalarAsync("SELECT count(*) FROM reports WHERE plant_id = 'rep-live'"));
        var stored = new List<string>();
        await using (var cmd = stack.Db.CreateCommand("SELECT series_key FROM reports WHERE plant_id = 'rep-live' ORDER BY series_key"))
        await using (var r = await cmd.ExecuteReaderAsync())
        {
            while (await r.ReadAsync())
            {
                stored.Add(r.GetString(0));
            }
        }

        Assert.Equal(expected.Order(StringComparer.Ordinal), stored);
        Assert.Equal(0, await stack.ScalarAsync("SELECT count(*) FROM reports WHERE plant_id = 'rep-live' AND day = $1 AND kind = 'shift'", holiday));
        Assert.Equal(2, await stack.ScalarAsync("SELECT count(DISTINCT instance_name) FROM qrtz_scheduler_state"));
        Assert.True(await stack.ScalarAsync("SELECT count(*) FROM qrtz_triggers WHERE job_name = 'shift|rep-live'") <= 1);

        // E-mailed: line shift reports to the line lead, plant reports to the plant manager, each with its PDF.
        await stack.WaitUntilAsync(() => Task.FromResult((long)smtp.Received.Count), expected.Count, "report mails\n" + host1.Output);
        var lineMails = smtp.Received.Where(m => m.To.SequenceEqual(["lead@example.com"])).ToList();
        Assert.Equal(expected.Count(k => k.StartsWith("shift|line|", StringComparison.Ordinal)), lineMails.Count);
        Assert.All(lineMails, m => Assert.Contains(m.Message.Attachments.OfType<MimeKit.MimePart>(), a => a.FileName?.EndsWith(".pdf", StringComparison.Ordinal) == true && a.ContentType.MimeType == "application/pdf"));
        // The mail arrives before the host records emailed_at (its next statement): wait for that, not for a moment.
        await stack.WaitUntilAsync(() => stack.ScalarAsync("SELECT count(*) FROM reports WHERE plant_id = 'rep-live' AND emailed_at IS NULL"), 0,
            "emailed_at recorded\nhost 1:\n" + host1.Output, TimeSpan.FromSeconds(30));

        // A late event in yesterday's shift "a": the line's and the plant's report of that shift get revision 2.
        var yesterdayA = new DateTimeOffset(today.AddDays(-1).ToDateTime(new TimeOnly(3, 0, 40)), TimeSpan.Zero);
        await stack.ProduceAsync(topic, [("rl-1", Some.Count(Guid.NewGuid(), "rl-1", yesterdayA, 7, 0))]);
        var lineKey = ReportPeriods.Shift(plant.Calendar, today.AddDays(-1), "a").Span!.SeriesKey("rep-live", "rl-line");
        await stack.WaitUntilAsync(() => stack.ScalarAsync("SELECT count(*) FROM reports WHERE series_key = $1", lineKey), 2,
            "revision 2 of " + lineKey + "\nhost 1:\n" + host1.Output + "\nhost 2:\n" + host2.Output, TimeSpan.FromSeconds(90));
        var changes = await stack.ScalarTextAsync("SELECT changes::text FROM reports WHERE series_key = $1 AND revision = 2", lineKey);
        Assert.Contains("good 7,200 → 7,207", changes ?? "", StringComparison.Ordinal);
        Assert.Equal(1, await stack.ScalarAsync("SELECT count(*) FROM reports WHERE series_key = $1 AND revision = 1 AND pdf IS NOT NULL", lineKey));
    }
}
