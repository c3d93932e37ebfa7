using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Ms5.Analytics.Plant;
using Ms5.Integration.Tests.Support;
using Ms5.Postgres;

namespace Ms5.Integration.Tests.Api;

/// <summary>
/// The reports page (/reports) in headless Chromium against a real API process, signed in through the login page as
/// an engineer (the role that may generate reports): a shift report generated through the form (201) shows in the list and its PDF downloads under the report's file name; a range report big enough to be
/// made in the background (202) is followed until it is ready; an unknown shift shows the API's 404 detail in the
/// form. The data is written straight into the minute buckets and state intervals (no engine), for a UTC plant whose
/// shift ended yesterday. A screenshot is kept in .ms5/artifacts/reports-page.png.
/// </summary>
[Collection(StackCollections.Web)]
public sealed class ReportsPageTests(StackFixture stack)
{
    private const string PlantJson = """
        { "plantId": "rpt-page", "name": "Report page plant", "timeZone": "UTC",
          "reasonCodes": [ { "code": "jam", "category": "unplanned" } ],
          "shifts": [ { "name": "early", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "06:00", "end": "14:00" } ],
          "lines": [ { "id": "rpt-line", "name": "Report line", "machines": [
            { "id": "rpt-m1", "name": "Press RP-1", "idealCycleSeconds": 2.0 },
            { "id": "rpt-m2", "name": "Press RP-2", "idealCycleSeconds": 2.0 } ] } ] }
        """;

    private static readonly string[] Machines = ["rpt-m1", "rpt-m2"];

    /// <summary>
    /// Each machine down (jam) for the shift's first 30 minutes, then running, 25 good and 1 reject a minute at a 2 s
    /// ideal cycle, from 06:00 to 16:00 UTC (the shift and two hours after it); buckets complete to then.
    /// </summary>
    private async Task SeedAsync(DateOnly day)
    {
        await new PlantStore(stack.Db).SaveAsync(PlantConfigParser.Parse(PlantJson), PlantJson);
        var start = new DateTimeOffset(day.ToDateTime(new TimeOnly(6, 0)), TimeSpan.Zero);
        var end = start.AddHours(10);
        var upAt = start.AddMinutes(30);
        await ExecuteAsync("""
            INSERT INTO oee_minute (machine_id, minute, calendar_seconds, planned_seconds, run_seconds, unplanned_stop_seconds, setup_seconds,
                                    micro_stop_seconds, planned_stop_seconds, good_count, reject_count, ideal_seconds, failure_count)
            SELECT m, t, 60, 60, CASE WHEN t < $3 THEN 0 ELSE 60 END, CASE WHEN t < $3 THEN 60 ELSE 0 END, 0, 0, 0,
                   CASE WHEN t < $3 THEN 0 ELSE 25 END, CASE WHEN t < $3 THEN 0 ELSE 1 END, CASE WHEN t < $3 THEN 0 ELSE 52 END,
                   CASE WHEN t = $1 THEN 1 ELSE 0 END
            FROM unnest($4::text[]) m, generate_series($1::timestamptz, $2::timestamptz - interval '1 minute', interval '1 minute') t
            ON CONFLICT DO NOTHING
            """, start.UtcDateTime, end.UtcDateTime, upAt.UtcDateTime, Machines);
        await ExecuteAsync("""
            INSERT INTO state_intervals (machine_id, start_ts, end_ts, state, reason, event_id)
            SELECT m, $1, $2, 'down', 'jam', gen_random_uuid() FROM unnest($4::text[]) m
            UNION ALL
            SELECT m, $2, $3, 'running', NULL, gen_random_uuid() FROM unnest($4::text[]) m
            ON CONFLICT DO NOTHING
            """, start.UtcDateTime, upAt.UtcDateTime, end.UtcDateTime, Machines);
        await ExecuteAsync("""
            INSERT INTO oee_progress (machine_id, computed_to) SELECT m, $1 FROM unnest($2::text[]) m
            ON CONFLICT (machine_id) DO UPDATE SET computed_to = greatest(oee_progress.computed_to, excluded.computed_to)
            """, end.UtcDateTime, Machines);
    }

    private async Task ExecuteAsync(string sql, params object[] args)
    {
        await using var cmd = stack.Db.CreateCommand(sql);
        foreach (var a in args)
        {
            cmd.Parameters.AddWithValue(a);
        }

        await cmd.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task ReportsPage_GeneratesAShiftReport_ListsIt_DownloadsItsPdf_FollowsA202_AndShowsAnUnknownShift()
    {
        var day = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-1);
        var dayText = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        await SeedAsync(day);
        // A line shift is 2 machines × 480 minutes: made while the page waits (201). The 10-hour range below is 1200: 202.
        using var api = await ApiProcess.StartAsync(stack, "reports-page", new Dictionary<string, string> { ["Reports__MaxSyncMachineMinutes"] = "1000" });
        var downloads = Directory.CreateTempSubdirectory("ms5-downloads-");
        try
        {
            await using var chromium = await HeadlessChromium.StartAsync(TestPorts.Next());
            await chromium.CallAsync("Browser.setDownloadBehavior", new { behavior = "allow", downloadPath = downloads.FullName });
            using var http = api.Client();
            var (engineer, password) = await TestAccess.CreateUserAsync(http, "engineer", "rpt-engineer");

            // Without a session the page sends the browser to the login page, which brings it back after signing in.
            await chromium.NavigateAsync(new Uri(api.Url, "reports?plant=rpt-page").ToString());
            await LoginPage.SubmitAsync(chromium, engineer, password);
            await chromium.WaitForAsync("location.pathname === '/reports' && document.body?.dataset.ready === 'true'", TimeSpan.FromSeconds(20), () => "the reports page after signing in; api: " + api.Output);
            Assert.Equal("?plant=rpt-page", (await chromium.EvaluateAsync("location.search")).GetString());
            await chromium.WaitForAsync("!document.getElementById('who').hidden", TimeSpan.FromSeconds(10), () => "who is signed in");
            Assert.Equal(engineer, (await chromium.EvaluateAsync("document.getElementById('who-name').textContent")).GetString());
            Assert.Equal("rpt-page", (await chromium.EvaluateAsync("document.getElementById('f-plant').value")).GetString());
            Assert.Equal("No report matches these filters.", (await chromium.EvaluateAsync("document.getElementById('list-status').textContent")).GetString());

            // The line and the day: the shift list is loaded for them, and yesterday's early shift is over.
            await chromium.EvaluateAsync($$"""
                (() => { const s = document.getElementById('g-scope'); s.value = 'line:rpt-line'; s.dispatchEvent(new Event('change'));
                         const d = document.getElementById('g-day'); d.value = '{{dayText}}'; d.dispatchEvent(new Event('change')); })()
                """);
            await Eventually.TrueAsync(async () => await TrueAsync(chromium, "[...document.getElementById('g-shift').options].some(o => o.value === 'early' && !o.disabled)"),
                TimeSpan.FromSeconds(10), () => "the shift list of the day; the list now: " + chromium.EvaluateAsync(
                    "document.getElementById('g-scope').value + ' / ' + [...document.getElementById('g-scope').options].map(o => o.value).join(',') + ' | ' + document.getElementById('g-day').value + ' | ' + [...document.getElementById('g-shift').options].map(o => o.value + ':' + o.textContent + (o.disabled ? ' (disabled)' : '')).join('; ') + ' | ' + document.getElementById('g-error').textContent").GetAwaiter().GetResult());
            await chromium.EvaluateAsync("document.getElementById('g-shift').value = 'early'; document.getElementById('g-submit').click()");

            var formError = "";
            await Eventually.TrueAsync(
                async () =>
                {
                    formError = (await chromium.EvaluateAsync("document.getElementById('g-error').textContent")).GetString() ?? "";
                    return await TrueAsync(chromium, "!document.getElementById('g-result').hidden && !!document.querySelector('#reports tbody tr.fresh')");
                },
                TimeSpan.FromSeconds(30), () => $"the report in the form and the list; form error: '{formError}'\napi: {api.Output}");
            var id = (await chromium.EvaluateAsync("document.querySelector('#reports tbody tr.fresh').dataset.id")).GetString()!;
            var item = await http.GetFromJsonAsync<JsonElement>(new Uri($"api/reports/{id}", UriKind.Relative));
            Assert.Equal(("shift", "early", dayText, "ready", "rpt-line"), (item.GetProperty("kind").GetString(), item.GetProperty("shift").GetString(),
                item.GetProperty("day").GetString(), item.GetProperty("status").GetString(), item.GetProperty("lineId").GetString()));
            var row = $"#reports tbody tr[data-id='{id}']";
            Assert.Equal("Report line", (await chromium.EvaluateAsync($"document.querySelector(\"{row} th .scope\").textContent")).GetString());
            Assert.Equal(Pct(item.GetProperty("oee").GetDouble()), (await chromium.EvaluateAsync($"document.querySelector(\"{row} td.oee\").textContent")).GetString());
            Assert.Contains("ready", (await chromium.EvaluateAsync($"document.querySelector(\"{row} .badge\").textContent")).GetString(), StringComparison.Ordinal);
            Assert.Equal($"{dayText} 06:00 – 14:00", (await chromium.EvaluateAsync($"document.querySelector(\"{row} td[data-label=Period] > span\").textContent")).GetString());

            // Its PDF, through the link in the list: a download under the report's own file name.
            var fileName = item.GetProperty("fileName").GetString() + ".pdf";
            await chromium.EvaluateAsync($"document.querySelector(\"{row} a.pdf\").click()");
            var pdf = Path.Combine(downloads.FullName, fileName);
            await Eventually.TrueAsync(() => File.Exists(pdf), TimeSpan.FromSeconds(20),
                () => $"{fileName} in the download folder; there: {string.Join(", ", downloads.EnumerateFiles().Select(f => f.Name))}");
            var bytes = await File.ReadAllBytesAsync(pdf);
            Assert.Equal("%PDF"u8.ToArray(), bytes[..4]);

            // A range of 10 hours: the API answers 202 and makes it in the background; the page follows it until it is ready.
            var from = new DateTimeOffset(day.ToDateTime(new TimeOnly(6, 0)), TimeSpan.Zero).ToUnixTimeMilliseconds();
            await chromium.EvaluateAsync($$"""
                (() => { const f = window.fetch; window.answers = [];
                         window.fetch = async (url, init) => { const r = await f(url, init); answers.push(`${r.status} ${init?.method ?? 'GET'} ${url}`); return r; };
                         document.querySelector('input[name=kind][value=range]').click();
                         document.getElementById('g-from').value = toLocalInput(new Date({{from}}));
                         document.getElementById('g-to').value = toLocalInput(new Date({{from + (10 * 3600 * 1000)}}));
                         document.getElementById('g-submit').click(); })()
                """);
            Assert.True((await chromium.EvaluateAsync("document.getElementById('g-result').hidden")).GetBoolean());
            await Eventually.TrueAsync(async () => await TrueAsync(chromium, "!document.getElementById('g-result').hidden || !document.getElementById('g-error').hidden"),
                TimeSpan.FromSeconds(60), () => "the range report; api: " + api.Output);
            Assert.True((await chromium.EvaluateAsync("document.getElementById('g-error').hidden")).GetBoolean(), (await chromium.EvaluateAsync("document.getElementById('g-error').textContent")).GetString());
            var range = (await http.GetFromJsonAsync<JsonElement>(new Uri("api/reports?plant=rpt-page&kind=range", UriKind.Relative))).EnumerateArray().Single();
            var answers = (await chromium.EvaluateAsync("answers")).EnumerateArray().Select(a => a.GetString()!).ToList();
            Assert.Contains("202 POST /api/reports", answers);
            Assert.Contains($"200 GET /api/reports/{range.GetProperty("id").GetString()}", answers);
            Assert.Equal(("ready", "request"), (range.GetProperty("status").GetString(), range.GetProperty("trigger").GetString()));
            await Eventually.TrueAsync(async () => await TrueAsync(chromium, $"!!document.querySelector(\"#reports tbody tr[data-id='{range.GetProperty("id").GetString()}'] a.pdf\")"),
                TimeSpan.FromSeconds(10), () => "the range report in the list");

            // A shift the plant does not have (a page left open while the calendar changed): the API's 404 detail, in the form.
            await chromium.EvaluateAsync("""
                (() => { document.querySelector('input[name=kind][value=shift]').click();
                         const s = document.getElementById('g-shift'); s.add(new Option('nosuch', 'nosuch')); s.value = 'nosuch';
                         document.getElementById('g-submit').click(); })()
                """);
            await Eventually.TrueAsync(async () => await TrueAsync(chromium, "!document.getElementById('g-error').hidden"), TimeSpan.FromSeconds(10), () => "the form's error");
            Assert.Equal("plant 'rpt-page' has no shift 'nosuch' (its shifts: early)", (await chromium.EvaluateAsync("document.querySelector('#g-error p').textContent")).GetString());
            Assert.True((await chromium.EvaluateAsync("document.getElementById('g-result').hidden")).GetBoolean());

            var png = await chromium.ScreenshotAsync();
            var dir = Path.Combine(Repo.Root, ".ms5", "artifacts");
            Directory.CreateDirectory(dir);
            await File.WriteAllBytesAsync(Path.Combine(dir, "reports-page.png"), png);
            Assert.True(png.Length > 10_000 && png[1] == (byte)'P' && png[2] == (byte)'N' && png[3] == (byte)'G');
        }
        finally
        {
            downloads.Delete(recursive: true);
        }
    }

    private static string Pct(double fraction) => (fraction * 100).ToString("0.0", CultureInfo.InvariantCulture);

    private static async Task<bool> TrueAsync(HeadlessChromium chromium, string expression) =>
        (await chromium.EvaluateAsync(expression)).ValueKind == JsonValueKind.True;
}
