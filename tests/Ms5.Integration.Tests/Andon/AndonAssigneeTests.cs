using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Ms5.Alertmanager;
using Ms5.Analytics.Assignments;
using Ms5.Analytics.Events;
using Ms5.Analytics.Plant;
using Ms5.Integration.Tests.Support;
using Ms5.Postgres;

namespace Ms5.Integration.Tests.Andon;

/// <summary>
/// Andons carry the operator assigned to their machine for the shift in force when they are raised: events through
/// Kafka into the engine process, the assignment made with PUT /api/assignments on a real API process, the alert read
/// back from a real Alertmanager (label <c>assignee</c>), the ms5.andon.v1 message, GET /api/andon, and the board
/// (GET /api/board and the page in headless Chromium).
/// </summary>
[Collection(StackCollections.Andon)]
public sealed class AndonAssigneeTests(StackFixture stack) : IAsyncLifetime
{
    // Three shifts cover every hour (UTC): whatever the time the test runs, a shift is in force.
    private const string PlantJson = """
        { "plantId": "asgan-t", "timeZone": "UTC",
          "reasonCodes": [ { "code": "jam", "category": "unplanned" } ],
          "shifts": [
            { "name": "a", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "00:00", "end": "08:00" },
            { "name": "b", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "08:00", "end": "16:00" },
            { "name": "c", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "16:00", "end": "00:00" } ],
          "andon": { "rules": [
            { "id": "down-fast", "kind": "stop", "states": ["down"], "seconds": 2, "severity": "critical" },
            { "id": "manual", "kind": "manual", "severity": "warning" } ] },
          "lines": [ { "id": "asgan-line", "name": "Assigned line", "machines": [
            { "id": "asgan-1", "name": "Press ASG-1", "idealCycleSeconds": 1.0 }, { "id": "asgan-2", "name": "Press ASG-2", "idealCycleSeconds": 1.0 },
            { "id": "asgan-3", "name": "Press ASG-3", "idealCycleSeconds": 1.0 } ] } ] }
        """;

    private TestAlertmanager? _am;

    public async Task InitializeAsync() =>
        _am = await TestAlertmanager.StartAsync("""
            route:
              receiver: nobody
            receivers:
              - name: nobody
            """);

    public Task DisposeAsync()
    {
        _am?.Dispose();
        return Task.CompletedTask;
    }

    private static (string?, string) Message(MachineEvent e) => (e.MachineId, EventJson.ToJson(e));

    private async Task<Dictionary<string, IReadOnlyDictionary<string, string>>> AlertsByMachineAsync()
    {
        using var http = new HttpClient { BaseAddress = _am!.Url };
        var alerts = await new AlertmanagerClient(http).GetAsync(["alertname=\"MS5Andon\"", "plant=\"asgan-t\""]);
        // Alertmanager drops empty labels: a line-level Andon's alert has no "machine" label (key "" here).
        return alerts.GroupBy(a => a.Labels.GetValueOrDefault("machine", "")).ToDictionary(g => g.Key, g => g.First().Labels);
    }

    private static async Task AssignAsync(HttpClient admin, ShiftSlot slot, string machine, string user)
    {
        var body = $$"""{"day":"{{slot.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}}","shift":"{{slot.Shift}}","machineId":"{{machine}}","userName":"{{user}}"}""";
        var resp = await admin.PutAsync(new Uri("api/assignments", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.True(resp.StatusCode == HttpStatusCode.OK, $"PUT /api/assignments: {(int)resp.StatusCode} {await resp.Content.ReadAsStringAsync()}");
    }

    private static JsonElement Single(JsonElement list) => Assert.Single(list.GetProperty("andons").EnumerateArray());

    [Fact]
    public async Task AndonOnAnAssignedMachine_CarriesTheOperator_ToAlertmanagerTheTopicTheApiAndTheBoard()
    {
        var plant = PlantConfigParser.Parse(PlantJson);
        await new PlantStore(stack.Db).SaveAsync(plant, PlantJson);
        using var api = await ApiProcess.StartAsync(stack, "asgan");
        var env = stack.StreamEnv("asgan", api.Topic, sinks: "oee");
        env["MS5_ALERTMANAGER_URL"] = _am!.Url.ToString();
        env["Stream__AndonTopic"] = api.AndonTopic;
        var engine = ChildProcess.Start(Repo.EngineDll, env);
        try
        {
            await StackFixture.WaitForAssignmentAsync(engine, 1);
            using var admin = api.Client();
            var (jane, _) = await TestAccess.CreateUserAsync(admin, "operator", "asg-jane");
            var now = DateTimeOffset.UtcNow;
            now = now.AddTicks(-(now.UtcTicks % TimeSpan.TicksPerMillisecond));

            // jane runs asgan-1 and asgan-3 in the shift the Andon will be raised in (2 s from now) and in the one the
            // board is looked at in (a shift change may fall between); asgan-2 has nobody.
            foreach (var slot in new[] { now.AddSeconds(2), now.AddMinutes(2) }.Select(t => ShiftSlot.At(plant.Calendar, t)!.Value).Distinct())
            {
                await AssignAsync(admin, slot, "asgan-1", jane);
                await AssignAsync(admin, slot, "asgan-3", jane);
            }

            await stack.ProduceAsync(api.Topic, [
                Message(MachineEvent.StateChange(Guid.NewGuid(), "asgan-1", now.AddMinutes(-1), MachineState.Running)),
                Message(MachineEvent.StateChange(Guid.NewGuid(), "asgan-2", now.AddMinutes(-1), MachineState.Running)),
                Message(MachineEvent.StateChange(Guid.NewGuid(), "asgan-1", now, MachineState.Down, "jam")),
                Message(MachineEvent.StateChange(Guid.NewGuid(), "asgan-2", now, MachineState.Down, "jam"))]);

            // Alertmanager holds both alerts: the assigned machine's labelled with its operator, the other without the label.
            Dictionary<string, IReadOnlyDictionary<string, string>> alerts = [];
            await Eventually.TrueAsync(async () => (alerts = await AlertsByMachineAsync()).ContainsKey("asgan-1") && alerts.ContainsKey("asgan-2"),
                TimeSpan.FromSeconds(30), () => "alerts for asgan-1 and asgan-2 in Alertmanager; engine: " + engine.Output);
            Assert.Equal(jane, alerts["asgan-1"]["assignee"]);
            Assert.False(alerts["asgan-2"].ContainsKey("assignee"), string.Join(", ", alerts["asgan-2"]));

            // The API and the ms5.andon.v1 message say the same.
            var an1 = Single(await admin.GetFromJsonAsync<JsonElement>(new Uri("api/andon?active=true&machine=asgan-1", UriKind.Relative)));
            var an2 = Single(await admin.GetFromJsonAsync<JsonElement>(new Uri("api/andon?active=true&machine=asgan-2", UriKind.Relative)));
            Assert.Equal((jane, JsonValueKind.Null), (an1.GetProperty("assignee").GetString(), an2.GetProperty("assignee").ValueKind));
            var messages = stack.ReadAll(api.AndonTopic, 2, TimeSpan.FromSeconds(10))
                .Select(m => JsonDocument.Parse(m.Message.Value!).RootElement.GetProperty("andon")).ToList();
            var raised1 = messages.First(m => m.GetProperty("machineId").GetString() == "asgan-1");
            var raised2 = messages.First(m => m.GetProperty("machineId").GetString() == "asgan-2");
            Assert.Equal((jane, false), (raised1.GetProperty("assignee").GetString(), raised2.TryGetProperty("assignee", out _)));

            // A pulled Andon on an assigned machine carries the operator too; a line's Andon has none.
            var pull = await admin.PostAsJsonAsync(new Uri("api/andon", UriKind.Relative), new { machineId = "asgan-3", summary = "coolant leak" });
            var line = await admin.PostAsJsonAsync(new Uri("api/andon", UriKind.Relative), new { lineId = "asgan-line", summary = "no parts" });
            Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Created), (pull.StatusCode, line.StatusCode));
            Assert.Equal(jane, (await pull.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("assignee").GetString());
            Assert.Equal(JsonValueKind.Null, (await line.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("assignee").ValueKind);
            await Eventually.TrueAsync(async () => (alerts = await AlertsByMachineAsync()).ContainsKey("asgan-3") && alerts.ContainsKey(""),
                TimeSpan.FromSeconds(30), () => "alerts for the pulled Andons; engine: " + engine.Output);
            Assert.Equal((jane, false), (alerts["asgan-3"]["assignee"], alerts[""].ContainsKey("assignee")));

            // The board: JSON for other clients, and the page a TV shows (names as text).
            var board = await admin.GetFromJsonAsync<JsonElement>(new Uri("api/board", UriKind.Relative));
            var machines = board.GetProperty("lines").EnumerateArray().Single(l => l.GetProperty("id").GetString() == "asgan-line").GetProperty("machines").EnumerateArray()
                .ToDictionary(m => m.GetProperty("id").GetString()!);
            Assert.Equal((jane, JsonValueKind.Null), (machines["asgan-1"].GetProperty("operator").GetString(), machines["asgan-2"].GetProperty("operator").ValueKind));
            Assert.Equal(jane, Assert.Single(machines["asgan-1"].GetProperty("andons").EnumerateArray()).GetProperty("assignee").GetString());

            var (_, boardKey) = await TestAccess.CreateKeyAsync(admin, "asg-tv", "board");
            await using var chromium = await HeadlessChromium.StartAsync(TestPorts.Next());
            await chromium.NavigateAsync(new Uri(api.Url, $"andon?line=asgan-line&key={boardKey}").ToString());
            await chromium.WaitForAsync("!!document.querySelector('#tile-asgan-1 .operator')?.textContent", TimeSpan.FromSeconds(20), () => "the board with asgan-1's operator; api: " + api.Output);
            Assert.Equal($"operator: {jane}", (await chromium.EvaluateAsync("document.querySelector('#tile-asgan-1 .operator').textContent")).GetString());
            Assert.Equal("", (await chromium.EvaluateAsync("document.querySelector('#tile-asgan-2 .operator').textContent")).GetString());

            // The assignee is who was on the machine when the Andon was raised: removing the assignment later leaves it.
            var raiseSlot = ShiftSlot.At(plant.Calendar, now.AddSeconds(2))!.Value;
            var clear = $$"""{"day":"{{raiseSlot.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}}","shift":"{{raiseSlot.Shift}}","machineId":"asgan-1","userName":null}""";
            Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync(new Uri("api/assignments", UriKind.Relative), new StringContent(clear, Encoding.UTF8, "application/json"))).StatusCode);
            var after = Single(await admin.GetFromJsonAsync<JsonElement>(new Uri("api/andon?active=true&machine=asgan-1", UriKind.Relative)));
            Assert.Equal(jane, after.GetProperty("assignee").GetString());
        }
        finally
        {
            engine.Dispose();
        }
    }
}
