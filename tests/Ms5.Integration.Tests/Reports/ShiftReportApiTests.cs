using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Ms5.Analytics.Plant;
using Ms5.Integration.Tests.Api;
using Ms5.Integration.Tests.Support;
using Ms5.Kafka;
using Ms5.Postgres;
using UglyToad.PdfPig;

namespace Ms5.Integration.Tests.Reports;

/// <summary>
/// Shift reports through the real pipeline (Kafka → historian and engine processes → PostgreSQL → API): the worked
/// example (480-minute shift, 60 minutes of breaks, 47 minutes down, ideal 1.0 s, 19,271 parts, 423 rejects → OEE
/// 74.8 %) on a line with a second machine; every number of the report (JSON, machine CSV, stops CSV, PDF text)
/// equals GET /api/oee and GET /api/downtime for the same scope and range; the API's errors; a late event makes
/// revision 2 and keeps revision 1.
/// </summary>
[Collection("stack-api")]
public sealed class ShiftReportApiTests(StackFixture stack)
{
    private static readonly DateTimeOffset ShiftStart = new(2026, 11, 2, 6, 0, 0, TimeSpan.Zero);

    private const string PlantJson = """
        { "plantId": "rep-t", "name": "Report Test Plant", "timeZone": "UTC",
          "reasonCodes": [ { "code": "jam", "category": "unplanned" }, { "code": "break", "category": "planned" }, { "code": "no_shift", "category": "planned" },
                           { "code": "changeover", "category": "setup" } ],
          "shifts": [ { "name": "early", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "06:00", "end": "14:00",
                        "breaks": [ { "start": "09:00", "end": "09:30" }, { "start": "12:00", "end": "12:30" } ] } ],
          "holidays": ["2026-11-03"],
          "lines": [ { "id": "rep-line", "name": "Report line", "machines": [ { "id": "rep-m1", "name": "Press R1", "idealCycleSeconds": 1.0 },
                                                                          { "id": "rep-m2", "name": "Press R2", "idealCycleSeconds": 2.0 } ] },
                     { "id": "rep-line2", "name": "Other line", "machines": [ { "id": "rep-m3", "name": "Weld R3", "idealCycleSeconds": 4.0 } ] } ] }
        """;

    /// <summary>rep-m1: the worked example. rep-m2: running with a 1-minute micro-stop-sized jam and a 20-minute changeover. rep-m3: runs all shift.</summary>
    private static List<(string?, string)> Events()
    {
        var t = ShiftStart;
        var e = new List<(string?, string)>();
        void State(string m, DateTimeOffset at, string s, string? reason = null) => e.Add((m, Some.State(Guid.NewGuid(), m, at, s, reason)));

        e.AddRange(WorkedExample.Events("rep-m1", t));

        State("rep-m2", t, "running");
        State("rep-m2", t.AddMinutes(30), "down", "jam");
        State("rep-m2", t.AddMinutes(31), "running");
        State("rep-m2", t.AddMinutes(200), "setup", "changeover");
        State("rep-m2", t.AddMinutes(220), "running");
        State("rep-m2", t.AddMinutes(470), "idle"); // still idle when the shift ends (and when its report is made)
        for (var m = 0; m < 480; m++)
        {
            e.Add(("rep-m2", Some.Count(Guid.NewGuid(), "rep-m2", t.AddMinutes(m).AddSeconds(45), 20, m % 10 == 0 ? 1 : 0)));
        }

        // rep-m3 makes W-1 for 4 hours, then W-2 (a running state naming the product; one without a product changes nothing).
        e.Add(("rep-m3", Some.State(Guid.NewGuid(), "rep-m3", t, "running").Replace("}", ",\"product\":\"W-1\"}", StringComparison.Ordinal)));
        e.Add(("rep-m3", Some.State(Guid.NewGuid(), "rep-m3", t.AddHours(4), "running").Replace("}", ",\"product\":\"W-2\"}", StringComparison.Ordinal)));
        State("rep-m3", t.AddHours(6), "running");
        State("rep-m3", t.AddHours(8), "planned_stop", "no_shift");
        for (var m = 0; m < 480; m++)
        {
            e.Add(("rep-m3", Some.Count(Guid.NewGuid(), "rep-m3", t.AddMinutes(m).AddSeconds(10), 12, 0)));
        }

        return e;
    }

    private async Task<string> LoadAsync(string name, List<(string?, string)> events)
    {
        await new PlantStore(stack.Db).SaveAsync(PlantConfigParser.Parse(PlantJson), PlantJson);
        var topic = $"test.{stack.RunId}.{name}";
        await TopicAdmin.EnsureAsync(stack.Kafka, new Dictionary<string, int> { [topic] = 3 });
        using var engine = stack.StartStream(name, topic, sinks: "oee");
        using var historian = stack.StartStream(name, topic, sinks: "pg");
        await StackFixture.WaitForAssignmentAsync(engine, 1);
        await StackFixture.WaitForAssignmentAsync(historian, 1);
        await stack.ProduceAsync(topic, events);
        await stack.WaitForDrainAsync($"test.{stack.RunId}.{name}.oee", topic, TimeSpan.FromSeconds(120));
        await stack.WaitForDrainAsync($"test.{stack.RunId}.{name}.pg", topic, TimeSpan.FromSeconds(120));
        return topic;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task WorkedExample_ReportEqualsTheOeeAndDowntimeApis_InJsonCsvAndPdf_AndALateEventMakesRevision2()
    {
        var topic = await LoadAsync("rep", Events());
        await using var api = new ApiFactory(stack);
        var client = api.CreateClient();

        var created = await client.PostAsync(new Uri("/api/reports", UriKind.Relative), Json("""{"kind":"shift","lineId":"rep-line","day":"2026-11-02","shift":"early"}"""));
        var body = await created.Content.ReadAsStringAsync();
        Assert.True(created.StatusCode == HttpStatusCode.Created, body);
        var report = JsonDocument.Parse(body).RootElement;
        var id = report.GetProperty("id").GetString()!;
        Assert.Equal($"/api/reports/{id}", created.Headers.Location!.ToString());
        Assert.Equal(("shift", "rep-line", "early", "2026-11-02", 1, false), (report.GetProperty("kind").GetString(), report.GetProperty("lineId").GetString(),
            report.GetProperty("shift").GetString(), report.GetProperty("day").GetString(), report.GetProperty("revision").GetInt32(), report.GetProperty("revised").GetBoolean()));
        Assert.Equal("2026-11-02T06:00:00+00:00", report.GetProperty("fromLocal").GetString());
        Assert.Equal(1.0, report.GetProperty("completeness").GetDouble());

        // The line's figures equal GET /api/oee for the line over the shift.
        var range = $"from={Some.Ts(ShiftStart)}&to={Some.Ts(ShiftStart.AddHours(8))}";
        var lineOee = JsonDocument.Parse(await client.GetStringAsync(new Uri($"/api/oee?line=rep-line&{range}", UriKind.Relative))).RootElement.GetProperty("groups")[0];
        foreach (var k in new[] { "oee", "availability", "performance", "quality", "teep" })
        {
            Assert.Equal(lineOee.GetProperty(k).GetDouble(), report.GetProperty(k).GetDouble(), 12);
        }

        Assert.Equal(lineOee.GetProperty("goodCount").GetInt64(), report.GetProperty("goodCount").GetInt64());
        Assert.Equal(lineOee.GetProperty("rejectCount").GetInt64(), report.GetProperty("rejectCount").GetInt64());

        // The machine CSV: fixed columns first; each machine's values equal GET /api/oee for that machine.
        var csvResponse = await client.GetAsync(new Uri($"/api/reports/{id}/csv", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, csvResponse.StatusCode);
        Assert.Equal("text/csv", csvResponse.Content.Headers.ContentType!.MediaType);
        Assert.Equal("ms5-rep-line-2026-11-02-early.csv", csvResponse.Content.Headers.ContentDisposition!.FileNameStar ?? csvResponse.Content.Headers.ContentDisposition.FileName);
        var rows = Csv(await csvResponse.Content.ReadAsStringAsync());
        Assert.Equal(["machineId", "lineId", "plantId", "shift", "shiftStartUtc", "shiftEndUtc", "shiftStartLocal", "plannedSeconds", "runSeconds",
            "goodCount", "rejectCount", "idealSeconds", "availability", "performance", "quality", "oee", "teep",
            "unplannedStopSeconds", "setupSeconds", "microStopSeconds", "stopCount", "mtbfSeconds", "mttrSeconds"], rows[0].Take(23));
        Assert.Equal(3, rows.Count);
        var col = rows[0].Select((name, i) => (name, i)).ToDictionary(x => x.name, x => x.i);
        foreach (var row in rows.Skip(1))
        {
            var machine = row[col["machineId"]];
            var m = JsonDocument.Parse(await client.GetStringAsync(new Uri($"/api/oee?machine={machine}&{range}", UriKind.Relative))).RootElement.GetProperty("groups")[0];
            Assert.Equal(("rep-line", "rep-t", "early", "2026-11-02T06:00:00Z", "2026-11-02T14:00:00Z"), (row[col["lineId"]], row[col["plantId"]], row[col["shift"]], row[col["shiftStartUtc"]], row[col["shiftEndUtc"]]));
            foreach (var (csvName, jsonName) in new[] { ("plannedSeconds", "plannedSeconds"), ("runSeconds", "runSeconds"), ("idealSeconds", "idealSeconds"),
                         ("availability", "availability"), ("performance", "performance"), ("quality", "quality"), ("oee", "oee"), ("teep", "teep"),
                         ("mtbfSeconds", "mtbfSeconds"), ("mttrSeconds", "mttrSeconds") })
            {
                var expected = m.GetProperty(jsonName);
                Assert.Equal(expected.ValueKind == JsonValueKind.Null ? "" : expected.GetDouble().ToString("R", CultureInfo.InvariantCulture), row[col[csvName]]);
            }

            Assert.Equal(m.GetProperty("goodCount").GetInt64().ToString(CultureInfo.InvariantCulture), row[col["goodCount"]]);
            Assert.Equal(m.GetProperty("rejectCount").GetInt64().ToString(CultureInfo.InvariantCulture), row[col["rejectCount"]]);
            Assert.Equal(m.GetProperty("failureCount").GetInt64().ToString(CultureInfo.InvariantCulture), row[col["stopCount"]]);
            var stops = m.GetProperty("stopSeconds");
            Assert.Equal(stops.GetProperty("unplanned").GetDouble().ToString("R", CultureInfo.InvariantCulture), row[col["unplannedStopSeconds"]]);
            Assert.Equal(stops.GetProperty("setup").GetDouble().ToString("R", CultureInfo.InvariantCulture), row[col["setupSeconds"]]);
            Assert.Equal(stops.GetProperty("microStop").GetDouble().ToString("R", CultureInfo.InvariantCulture), row[col["microStopSeconds"]]);
        }

        // The worked example's machine: exactly the textbook figures.
        var m1 = rows.Single(r => r[col["machineId"]] == "rep-m1");
        Assert.Equal(("25200", "22380", "18848", "423", "19271"), (m1[col["plannedSeconds"]], m1[col["runSeconds"]], m1[col["goodCount"]], m1[col["rejectCount"]], m1[col["idealSeconds"]]));
        Assert.Equal(74.8, Math.Round(double.Parse(m1[col["oee"]], CultureInfo.InvariantCulture) * 100, 1));

        // The stops CSV equals GET /api/downtime's stops for the line.
        var downtime = JsonDocument.Parse(await client.GetStringAsync(new Uri($"/api/downtime?line=rep-line&{range}", UriKind.Relative))).RootElement;
        var stopRows = Csv(await client.GetStringAsync(new Uri($"/api/reports/{id}/stops.csv", UriKind.Relative)));
        var sc = stopRows[0].Select((name, i) => (name, i)).ToDictionary(x => x.name, x => x.i);
        var apiStops = downtime.GetProperty("stops").EnumerateArray()
            .Select(s => (s.GetProperty("machineId").GetString(), s.GetProperty("reason").GetString() ?? "", s.GetProperty("category").GetString(), s.GetProperty("seconds").GetDouble().ToString("R", CultureInfo.InvariantCulture)))
            .OrderBy(s => s.Item1, StringComparer.Ordinal).ThenBy(s => s.Item4, StringComparer.Ordinal).ToList();
        var csvStops = stopRows.Skip(1).Select(r => ((string?)r[sc["machineId"]], r[sc["reason"]], (string?)r[sc["category"]], r[sc["seconds"]]))
            .OrderBy(s => s.Item1, StringComparer.Ordinal).ThenBy(s => s.Item4, StringComparer.Ordinal).ToList();
        Assert.Equal(apiStops, csvStops);
        Assert.Contains(csvStops, s => s == ("rep-m1", "jam", "unplanned", "2820"));
        Assert.Contains(csvStops, s => s == ("rep-m2", "jam", "micro_stop", "60"));
        Assert.Contains(csvStops, s => s == ("rep-m2", "changeover", "setup", "1200"));

        // The PDF reads back with the same figures; pages are A4.
        var pdfResponse = await client.GetAsync(new Uri($"/api/reports/{id}/pdf", UriKind.Relative));
        Assert.Equal("application/pdf", pdfResponse.Content.Headers.ContentType!.MediaType);
        Assert.Equal("ms5-rep-line-2026-11-02-early.pdf", pdfResponse.Content.Headers.ContentDisposition!.FileNameStar ?? pdfResponse.Content.Headers.ContentDisposition.FileName);
        var pdfBytes = await pdfResponse.Content.ReadAsByteArrayAsync();
        using (var pdf = PdfDocument.Open(pdfBytes))
        {
            Assert.InRange(pdf.NumberOfPages, 1, 12);
            var text = string.Join(" ", pdf.GetPages().SelectMany(p => p.GetWords()).Select(w => w.Text));
            var page1 = pdf.GetPage(1);
            Assert.Equal((595, 842), ((int)Math.Round(page1.Width), (int)Math.Round(page1.Height)));
            // The line's OEE tile, and the worked-example machine's row (A, P, Q, OEE in percent with one decimal).
            foreach (var expected in new[] { "Report line", "early", "Press R2", Percent(lineOee.GetProperty("oee").GetDouble()), "Press R1 88.8 86.1 97.8 74.8" })
            {
                Assert.Contains(expected, text, StringComparison.Ordinal);
            }
        }

        // A late event in the shift (40 more good parts at 07:10:40) changes the buckets; regenerating makes revision 2,
        // marked revised with what changed, and revision 1 stays downloadable.
        using (var engine = stack.StartStream("rep", topic, sinks: "oee"))
        using (var historian = stack.StartStream("rep", topic, sinks: "pg"))
        {
            await stack.ProduceAsync(topic, [("rep-m1", Some.Count(Guid.NewGuid(), "rep-m1", ShiftStart.AddMinutes(10).AddSeconds(40), 40, 0))]);
            await stack.WaitForDrainAsync($"test.{stack.RunId}.rep.oee", topic, TimeSpan.FromSeconds(120));
            await stack.WaitForDrainAsync($"test.{stack.RunId}.rep.pg", topic, TimeSpan.FromSeconds(120));
        }

        Assert.True(await stack.ScalarAsync("SELECT count(*) FROM oee_bucket_changes WHERE machine_id = 'rep-m1'") >= 1, "the engine logs the minutes it recomputed behind its progress");
        var again = await client.PostAsync(new Uri("/api/reports", UriKind.Relative), Json("""{"kind":"shift","lineId":"rep-line","day":"2026-11-02","shift":"early"}"""));
        var second = JsonDocument.Parse(await again.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.Equal((2, true), (second.GetProperty("revision").GetInt32(), second.GetProperty("revised").GetBoolean()));
        var good1 = report.GetProperty("goodCount").GetInt64();
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"good {good1:#,0} → {good1 + 40:#,0}"), second.GetProperty("changes").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(good1 + 40, second.GetProperty("goodCount").GetInt64());
        Assert.Equal("ms5-rep-line-2026-11-02-early-r2", second.GetProperty("fileName").GetString());
        Assert.Equal([1, 2], second.GetProperty("revisions").EnumerateArray().Select(r => r.GetProperty("revision").GetInt32()));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri($"/api/reports/{id}/pdf", UriKind.Relative))).StatusCode);
        var first = await client.GetFromJsonAsync<JsonElement>(new Uri($"/api/reports/{id}", UriKind.Relative));
        Assert.Equal(1, first.GetProperty("revision").GetInt32());

        // Asking again without new data makes no third revision — nor does the idle state open at the shift's end
        // ending an hour after it (the engine recomputes from the stop's start, but nothing inside the shift changes).
        using (var engine = stack.StartStream("rep", topic, sinks: "oee"))
        using (var historian = stack.StartStream("rep", topic, sinks: "pg"))
        {
            await stack.ProduceAsync(topic, [("rep-m2", Some.State(Guid.NewGuid(), "rep-m2", ShiftStart.AddHours(9), "running"))]);
            await stack.WaitForDrainAsync($"test.{stack.RunId}.rep.oee", topic, TimeSpan.FromSeconds(120));
            await stack.WaitForDrainAsync($"test.{stack.RunId}.rep.pg", topic, TimeSpan.FromSeconds(120));
        }

        var same = JsonDocument.Parse(await (await client.PostAsync(new Uri("/api/reports", UriKind.Relative), Json("""{"kind":"shift","lineId":"rep-line","day":"2026-11-02","shift":"early"}"""))).Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(2, same.GetProperty("revision").GetInt32());

        // The plant report covers both lines; the list finds reports by plant, line, kind and day.
        var plant = await client.PostAsync(new Uri("/api/reports", UriKind.Relative), Json("""{"kind":"shift","plantId":"rep-t","day":"2026-11-02","shift":"early"}"""));
        Assert.Equal(HttpStatusCode.Created, plant.StatusCode);
        var plantCsv = Csv(await client.GetStringAsync(new Uri($"{plant.Headers.Location}/csv", UriKind.Relative)));
        Assert.Equal(["rep-m1", "rep-m2", "rep-m3"], plantCsv.Skip(1).Select(r => r[0]).Order(StringComparer.Ordinal));
        using (var plantPdf = PdfDocument.Open(await client.GetByteArrayAsync(new Uri($"{plant.Headers.Location}/pdf", UriKind.Relative))))
        {
            // Products made: rep-m3's counts split at its product change (12 a minute, 240 minutes each).
            var words = string.Join(" ", plantPdf.GetPages().SelectMany(p => p.GetWords()).Select(w => w.Text));
            Assert.Contains("W-1 2,880 0 2,880", words, StringComparison.Ordinal);
            Assert.Contains("W-2 2,880 0 2,880", words, StringComparison.Ordinal);
        }

        var list = await client.GetFromJsonAsync<JsonElement>(new Uri("/api/reports?plant=rep-t&day=2026-11-02&kind=shift", UriKind.Relative));
        Assert.Equal(2, list.GetArrayLength());
        var lineList = await client.GetFromJsonAsync<JsonElement>(new Uri("/api/reports?line=rep-line", UriKind.Relative));
        Assert.Equal(2, lineList[0].GetProperty("revision").GetInt32());
    }

    [Fact]
    public async Task Errors_NameWhatIsWrong()
    {
        await new PlantStore(stack.Db).SaveAsync(PlantConfigParser.Parse(PlantJson), PlantJson);
        await using var api = new ApiFactory(stack);
        var client = api.CreateClient();
        async Task<(HttpStatusCode Status, JsonElement Body)> Post(string json)
        {
            var r = await client.PostAsync(new Uri("/api/reports", UriKind.Relative), Json(json));
            return (r.StatusCode, JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement);
        }

        var (s, b) = await Post("""{"kind":"shift","lineId":"no-such-line","day":"2026-11-02","shift":"early"}""");
        Assert.Equal(HttpStatusCode.NotFound, s);
        Assert.Contains("no-such-line", b.GetProperty("detail").GetString(), StringComparison.Ordinal);

        (s, b) = await Post("""{"kind":"shift","lineId":"rep-line","day":"2026-11-02","shift":"lunch"}""");
        Assert.Equal(HttpStatusCode.NotFound, s);
        Assert.Contains("'lunch'", b.GetProperty("detail").GetString(), StringComparison.Ordinal);

        (s, b) = await Post("""{"kind":"shift","lineId":"rep-line","day":"2026-11-03","shift":"early"}""");
        Assert.Equal(HttpStatusCode.NotFound, s);
        Assert.Contains("holiday", b.GetProperty("detail").GetString(), StringComparison.Ordinal);

        (s, b) = await Post("""{"kind":"shift","plantId":"no-plant","day":"2026-11-02","shift":"early"}""");
        Assert.Equal(HttpStatusCode.NotFound, s);
        Assert.Contains("no-plant", b.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var tomorrow = DateTime.UtcNow.AddDays(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        (s, b) = await Post($$"""{"kind":"shift","lineId":"rep-line","day":"{{tomorrow}}","shift":"early"}""");
        Assert.Equal(HttpStatusCode.Conflict, s);
        Assert.Contains("once it is over", b.GetProperty("detail").GetString(), StringComparison.Ordinal);

        (s, b) = await Post("""{"kind":"shift","lineId":"rep-line","day":"02.11.2026","shift":"early"}""");
        Assert.Equal(HttpStatusCode.BadRequest, s);
        Assert.Contains("YYYY-MM-DD", b.GetProperty("errors").GetProperty("day")[0].GetString(), StringComparison.Ordinal);

        (s, b) = await Post("""{"kind":"monthly","lineId":"rep-line"}""");
        Assert.Equal(HttpStatusCode.BadRequest, s);
        Assert.Contains("monthly", b.GetProperty("errors").GetProperty("kind")[0].GetString(), StringComparison.Ordinal);

        (s, b) = await Post("""{"kind":"shift","lineId":"rep-line","plantId":"rep-t","day":"2026-11-02","shift":"early"}""");
        Assert.Equal(HttpStatusCode.BadRequest, s);
        Assert.True(b.GetProperty("errors").TryGetProperty("lineId", out _));

        (s, b) = await Post("""{"kind":"shift","lineId":"rep-line","day":"2026-11-02"}""");
        Assert.Equal(HttpStatusCode.BadRequest, s);
        Assert.Equal("is required", b.GetProperty("errors").GetProperty("shift")[0].GetString());

        (s, b) = await Post("""{"kind":"range","lineId":"rep-line","from":"2026-11-02T06:00:30Z","to":"2026-11-02T05:00:00Z"}""");
        Assert.Equal(HttpStatusCode.BadRequest, s);
        Assert.True(b.GetProperty("errors").TryGetProperty("from", out _));

        (s, b) = await Post("[1,2]");
        Assert.Equal(HttpStatusCode.BadRequest, s);
        var text = await client.PostAsync(new Uri("/api/reports", UriKind.Relative), new StringContent("kind=shift", Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, text.StatusCode);

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(new Uri("/api/reports/not-an-id", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(new Uri($"/api/reports/{Guid.NewGuid()}/pdf", UriKind.Relative))).StatusCode);
        var badList = await client.GetAsync(new Uri("/api/reports?kind=yearly&color=red", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, badList.StatusCode);
        var errors = JsonDocument.Parse(await badList.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty("kind", out _) && errors.TryGetProperty("query", out _));
    }

    [Fact]
    public async Task ABigRequest_Answers202_AndIsMadeInTheBackground()
    {
        await new PlantStore(stack.Db).SaveAsync(PlantConfigParser.Parse(PlantJson), PlantJson);
        await using var api = new ApiFactory(stack).WithWebHostBuilder(b => b.UseSetting("Reports:MaxSyncMachineMinutes", "10"));
        var client = api.CreateClient();
        var r = await client.PostAsync(new Uri("/api/reports", UriKind.Relative), Json("""{"kind":"range","lineId":"rep-line2","from":"2026-11-01T00:00:00Z","to":"2026-11-01T02:00:00Z"}"""));
        var body = JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
        Assert.Equal("pending", body.GetProperty("status").GetString());
        var location = r.Headers.Location!;
        string status = "pending";
        for (var i = 0; i < 200 && status == "pending"; i++)
        {
            await Task.Delay(100);
            status = (await client.GetFromJsonAsync<JsonElement>(location)).GetProperty("status").GetString()!;
        }

        Assert.Equal("ready", status);
        var pdf = await client.GetByteArrayAsync(new Uri(location + "/pdf", UriKind.Relative));
        Assert.Equal("%PDF", Encoding.ASCII.GetString(pdf, 0, 4));
    }

    private static string Percent(double f) => (f * 100).ToString("0.0", CultureInfo.InvariantCulture) + " %";

    /// <summary>RFC 4180 records (quoted fields, doubled quotes, CRLF).</summary>
    internal static List<string[]> Csv(string text)
    {
        var rows = new List<string[]>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                fields.Add(field.ToString());
                field.Clear();
                rows.Add([.. fields]);
                fields.Clear();
                i++;
            }
            else
            {
                field.Append(c);
            }
        }

        if (field.Length > 0 || fields.Count > 0)
        {
            fields.Add(field.ToString());
            rows.Add([.. fields]);
        }

        return rows;
    }
}
