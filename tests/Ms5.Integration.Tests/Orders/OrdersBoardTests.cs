using System.Net.Http.Json;
using System.Text.Json;
using Ms5.Analytics.Orders;
using Ms5.Analytics.Plant;
using Ms5.Integration.Tests.Support;
using Ms5.Postgres;

namespace Ms5.Integration.Tests.Orders;

/// <summary>
/// The Andon board shows each machine's running order through a real API process, in headless Chromium signed in as a TV:
/// order id, product (as text, never markup), a progress bar of good/target from the OEE minute buckets and the ETA on the
/// plant's clock; GET /api/board carries the same figures; a machine without a running order shows none.
/// </summary>
[Collection("stack-oee")]
public sealed class OrdersBoardTests(StackFixture stack)
{
    private const string PlantJson = """
        { "plantId": "board-o", "timeZone": "Europe/Berlin", "reasonCodes": [ { "code": "jam", "category": "unplanned" } ],
          "lines": [ { "id": "board-o-line", "name": "Orders board line", "machines": [
            { "id": "bo-1", "name": "Press BO-1", "idealCycleSeconds": 1.0 }, { "id": "bo-2", "name": "Press BO-2", "idealCycleSeconds": 1.0 } ] } ] }
        """;

    private const string Product = "<img src=x onerror=alert(1)> Cola";

    /// <summary>The ETA as the board writes it: the plant's clock, with the date when it is not today there.</summary>
    private static string Local(DateTimeOffset eta)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        var local = TimeZoneInfo.ConvertTime(eta, zone);
        return local.ToString(local.Date == TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, zone).Date ? "HH:mm" : "yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Board_RunningOrder_ShowsIdProductProgressBarAndEta()
    {
        await new PlantStore(stack.Db).SaveAsync(PlantConfigParser.Parse(PlantJson), PlantJson);
        var now = DateTimeOffset.UtcNow;
        var start = new DateTimeOffset(now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerMinute, TimeSpan.Zero).AddMinutes(-60);
        var store = new OrderStore(stack.Db);
        var order = new ProductionOrder
        {
            OrderId = "BO-ORD-7", PlantId = "board-o", Product = Product, TargetQuantity = 1000, MachineIds = ["bo-1"],
            PlannedStart = start, PlannedEnd = start.AddHours(3),
        };
        Assert.True((await store.CreateAsync(order, "planner", start)).Ok);
        Assert.True((await store.TransitionAsync(order.OrderId, OrderAction.Start, start, "planner")).Ok);
        // 10 good a minute for the order's 60 minutes: 600 of 1,000.
        await using (var cmd = stack.Db.CreateCommand("""
            INSERT INTO oee_minute (machine_id, minute, calendar_seconds, planned_seconds, run_seconds, unplanned_stop_seconds, setup_seconds,
                                    micro_stop_seconds, planned_stop_seconds, good_count, reject_count, ideal_seconds)
            SELECT 'bo-1', t, 60, 60, 60, 0, 0, 0, 0, 10, 0, 10
            FROM generate_series($1::timestamptz, $1::timestamptz + interval '59 minutes', interval '1 minute') t
            """))
        {
            cmd.Parameters.AddWithValue(start.UtcDateTime);
            Assert.Equal(60, await cmd.ExecuteNonQueryAsync());
        }

        using var api = await ApiProcess.StartAsync(stack, "orders-board");
        using var admin = api.Client();
        var (_, boardKey) = await TestAccess.CreateKeyAsync(admin, "orders-tv", "board");

        // The JSON: the same figures for any client.
        var board = await admin.GetFromJsonAsync<JsonElement>(new Uri("api/board", UriKind.Relative));
        var machines = board.GetProperty("lines").EnumerateArray().Single(l => l.GetProperty("id").GetString() == "board-o-line").GetProperty("machines").EnumerateArray().ToList();
        var json = machines.Single(m => m.GetProperty("id").GetString() == "bo-1").GetProperty("order");
        Assert.Equal(("BO-ORD-7", Product, 1000L, 600L, 0.6),
            (json.GetProperty("orderId").GetString(), json.GetProperty("product").GetString(), json.GetProperty("targetQuantity").GetInt64(), json.GetProperty("goodCount").GetInt64(), json.GetProperty("percentOfTarget").GetDouble()));
        var eta = json.GetProperty("estimatedFinish").GetDateTimeOffset();
        // 400 left at the last 15 minutes' rate: 10 a minute while the window holds 15 bucketed minutes (40 minutes);
        // the API's clock has moved on by a minute or two past the last bucket, so 13-14 of them (520-560 an hour): 40-47 minutes.
        Assert.True(eta >= now.AddMinutes(40) && eta <= DateTimeOffset.UtcNow.AddMinutes(47), $"ETA {eta:O}");
        var etaLocal = Local(eta);
        Assert.Equal(etaLocal, json.GetProperty("estimatedFinishLocal").GetString());
        var none = machines.Single(m => m.GetProperty("id").GetString() == "bo-2");
        Assert.True(!none.TryGetProperty("order", out var noOrder) || noOrder.ValueKind == JsonValueKind.Null, none.ToString());

        // The page, as a TV sees it.
        await using var chromium = await HeadlessChromium.StartAsync(TestPorts.Next());
        await chromium.NavigateAsync(new Uri(api.Url, $"andon?line=board-o-line&key={boardKey}").ToString());
        await chromium.WaitForAsync("document.getElementById('conn')?.className === 'live' && !!document.querySelector('#tile-bo-1 .order .bar')",
            TimeSpan.FromSeconds(20), () => "the board with the order's bar; api: " + api.Output);
        async Task<string?> Text(string js) => (await chromium.EvaluateAsync(js)).GetString();
        Assert.Equal("BO-ORD-7 · " + Product, await Text("document.querySelector('#tile-bo-1 .order-id').textContent"));
        Assert.Equal(0, (await chromium.EvaluateAsync("document.querySelectorAll('#tile-bo-1 img').length")).GetInt32());
        Assert.Equal("60%", await Text("document.querySelector('#tile-bo-1 .bar .fill').style.width"));
        Assert.Equal("60.0", await Text("document.querySelector('#tile-bo-1 .bar').getAttribute('aria-valuenow')"));
        // The ETA moves with the clock (on by a second each second, and by minutes when a bucketed minute leaves the rate
        // window), so the page's ETA is one of the minutes from the API's before the page loaded to the API's after it was read.
        var figures = await Text("document.querySelector('#tile-bo-1 .order-figures').textContent");
        var after = (await admin.GetFromJsonAsync<JsonElement>(new Uri("api/board", UriKind.Relative))).GetProperty("lines").EnumerateArray()
            .Single(l => l.GetProperty("id").GetString() == "board-o-line").GetProperty("machines").EnumerateArray()
            .Single(m => m.GetProperty("id").GetString() == "bo-1").GetProperty("order");
        Assert.Equal(Local(after.GetProperty("estimatedFinish").GetDateTimeOffset()), after.GetProperty("estimatedFinishLocal").GetString());
        var etaAfter = after.GetProperty("estimatedFinish").GetDateTimeOffset();
        Assert.True(etaAfter >= eta, $"ETA before {eta:O}, after {etaAfter:O}");
        var between = new List<string>();
        for (var t = eta.AddTicks(-(eta.UtcTicks % TimeSpan.TicksPerMinute)); t <= etaAfter; t = t.AddMinutes(1))
        {
            between.Add("600 / 1,000 60.0 % · ETA " + Local(t));
        }

        Assert.Contains(figures, between);
        Assert.True((await chromium.EvaluateAsync("document.querySelector('#tile-bo-2 .order').hidden")).GetBoolean());
        Assert.True((await chromium.SaveScreenshotAsync("orders-board.png")).Length > 10_000);
        Assert.Equal("", await Text("document.querySelector('#tile-bo-2 .order').textContent"));
    }
}
