using System.Text.Json.Nodes;
using Ms5.Analytics.Plant;

namespace Ms5.Analytics.Tests;

public class PlantConfigParserTests
{
    private const string IdRule = "must be 1-128 characters of letters, digits, '.', '_', ':' or '-', starting with a letter or digit";

    [Fact]
    public void Parse_DemoPlant_HasThreeLinesOfFourMachines()
    {
        var plant = Some.DemoPlant;

        Assert.Equal("demo", plant.PlantId);
        Assert.Equal("MS5 Demo Plant", plant.Name);
        Assert.Equal(["line-1", "line-2", "line-3"], plant.Lines.Select(l => l.Id));
        Assert.Equal(["Stamping", "Welding", "Assembly"], plant.Lines.Select(l => l.Name));
        Assert.All(plant.Lines, l => Assert.Equal(4, l.Machines.Count));
        Assert.Equal(
            ["press-01", "press-02", "press-03", "press-04", "weld-01", "weld-02", "weld-03", "weld-04", "asm-01", "asm-02", "asm-03", "asm-04"],
            plant.Machines.Select(m => m.Id));
        Assert.All(plant.Lines, l => Assert.All(l.Machines, m => Assert.Equal(l.Id, m.LineId)));
    }

    [Fact]
    public void Parse_DemoPlant_UsesBerlinTimeAndItsCalendar()
    {
        var plant = Some.DemoPlant;

        Assert.Equal("Europe/Berlin", plant.TimeZone.Id);
        Assert.Same(plant.TimeZone, plant.Calendar.TimeZone);
        Assert.Equal(["early", "late", "night"], plant.Calendar.Shifts.Select(s => s.Name));
        Assert.Equal([new DateOnly(2026, 12, 25), new DateOnly(2026, 12, 26), new DateOnly(2027, 1, 1)], plant.Calendar.Holidays.Order());
        var night = plant.Calendar.Shifts[2];
        Assert.Equal(new TimeOnly(22, 0), night.Start);
        Assert.Equal(new TimeOnly(6, 0), night.End);
        Assert.True(night.CrossesMidnight);
        Assert.Equal([DayOfWeek.Sunday, DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday], night.Days.Order());
        Assert.Equal([new ShiftBreak(new TimeOnly(2, 0), new TimeOnly(2, 30))], night.Breaks);
    }

    [Fact]
    public void Parse_DemoPlant_HasExactMachineParameters()
    {
        var machines = Some.DemoPlant.Machines.ToDictionary(m => m.Id);

        Assert.Equal(TimeSpan.FromSeconds(2.5), machines["press-03"].IdealCycleTime);
        Assert.Equal(TimeSpan.FromSeconds(15), machines["asm-04"].IdealCycleTime);
        Assert.Equal("Press 03", machines["press-03"].Name);
        Assert.Equal(["press-04", "weld-02", "asm-03"], machines.Values.Where(m => m.CountMode == CountMode.Cumulative).Select(m => m.Id));
        Assert.Equal(9, machines.Values.Count(m => m.CountMode == CountMode.Increment));
        Assert.Equal(["jam", "tool_break", "electrical", "no_material", "micro_stop", "changeover", "warmup"], machines["press-01"].ReasonCodes);
        Assert.Equal(TimeSpan.FromSeconds(2.4), machines["press-01"].IdealCycle.For("BRK-200"));
        Assert.Empty(machines["press-02"].ReasonCodes);
    }

    [Fact]
    public void Parse_DemoPlant_HasReasonCodesWithCategories()
    {
        var plant = Some.DemoPlant;

        Assert.Equal(12, plant.ReasonCodes.Count);
        Assert.Equal(new ReasonCode("break", ReasonCategory.Planned, "Scheduled break"), plant.FindReason("break"));
        Assert.Equal(ReasonCategory.MicroStop, plant.FindReason("micro_stop")!.Category);
        Assert.Equal(ReasonCategory.Setup, plant.FindReason("changeover")!.Category);
        Assert.Equal(ReasonCategory.Quality, plant.FindReason("quality_check")!.Category);
        Assert.Null(plant.FindReason("Jam"));
    }

    [Fact]
    public void Parse_MinimalPlant_UsesDefaults()
    {
        var plant = PlantConfigParser.Parse(Some.PlantJson());

        Assert.Equal("p1", plant.Name);
        var machine = Assert.Single(plant.Machines);
        Assert.Equal(new Machine("m1", "m1", "l1", TimeSpan.FromSeconds(2), CountMode.Increment, []) with { ReasonCodes = machine.ReasonCodes }, machine);
        Assert.Equal("l1", plant.Lines[0].Name);
        Assert.Equal("jam", plant.ReasonCodes[0].Description);
        Assert.Empty(plant.Calendar.Shifts);
    }

    [Fact]
    public void Parse_WhenFileHasCommentsAndTrailingCommas_AcceptsIt()
    {
        const string json = """
            // plant for tests
            {
              "plantId": "p1", /* inline */
              "timeZone": "UTC",
              "reasonCodes": [ { "code": "jam", "category": "unplanned", }, ],
              "shifts": [ { "name": "day", "days": ["Monday", "tue"], "start": "06:00", "end": "14:00", }, ],
              "lines": [ { "id": "l1", "machines": [ { "id": "m1", "idealCycleSeconds": 2, "countMode": "cumulative", }, ], }, ],
            }
            """;

        var plant = PlantConfigParser.Parse(json);

        Assert.Equal(CountMode.Cumulative, Assert.Single(plant.Machines).CountMode);
        Assert.Equal([DayOfWeek.Monday, DayOfWeek.Tuesday], plant.Calendar.Shifts[0].Days.Order());
    }

    [Fact]
    public void TryParse_BrokenPlant_ReportsEveryProblemWithItsPath()
    {
        const string json = """
            {
              "name": "broken",
              "timeZone": "Mars/Olympus_Mons",
              "reasonCodes": [
                { "code": "jam", "category": "unplanned" },
                { "code": "bad code", "category": "sometimes" },
                { "code": "jam", "category": "quality" }
              ],
              "shifts": [
                { "name": "early", "days": ["Mon", "Funday", 3], "start": "25:00", "end": "14:00",
                  "breaks": [ { "start": "09:30", "end": "9.45" } ] }
              ],
              "holidays": ["2026-12-25", "2026-13-01", "25.12.2026"],
              "lines": [
                { "id": "l1", "machines": [
                  { "id": "m1", "idealCycleSeconds": 2, "reasonCodes": ["jam", "nope"] },
                  { "id": "m2" }
                ] },
                { "id": "l2", "machines": [
                  { "id": "m1", "idealCycleSeconds": 0 },
                  { "id": "m3", "idealCycleSeconds": -1.5, "countMode": "pulses" },
                  { "id": "m4", "idealCycleSeconds": "2" }
                ] },
                { "id": "l1", "machines": [ { "id": "m5", "idealCycleSeconds": 100000 } ] }
              ]
            }
            """;

        var problems = Some.PlantProblems(json);

        Assert.Equal(
            [
                "$.plantId: is required",
                "$.timeZone: 'Mars/Olympus_Mons' is not a known IANA time zone (e.g. Europe/Berlin, America/Chicago)",
                "$.reasonCodes[1].code: 'bad code' " + IdRule,
                "$.reasonCodes[1].category: must be one of unplanned, micro_stop, setup, planned, idle, quality, startup; got 'sometimes'",
                "$.reasonCodes[2].code: 'jam' is listed twice",
                "$.shifts[0].days[1]: must be a weekday: Mon, Tue, Wed, Thu, Fri, Sat or Sun",
                "$.shifts[0].days[2]: must be a weekday: Mon, Tue, Wed, Thu, Fri, Sat or Sun",
                "$.shifts[0].start: must be a wall-clock time HH:mm, got '25:00'",
                "$.shifts[0].breaks[0].end: must be a wall-clock time HH:mm, got '9.45'",
                "$.holidays[1]: must be a date yyyy-MM-dd",
                "$.holidays[2]: must be a date yyyy-MM-dd",
                "$.lines[0].machines[0].reasonCodes[1]: 'nope' is not in the plant's reasonCodes",
                "$.lines[0].machines[1].idealCycleSeconds: is required (ideal seconds per part, e.g. 2.5)",
                "$.lines[1].machines[0].idealCycleSeconds: must be a number from 0.001 to 86400",
                "$.lines[1].machines[0].id: machine 'm1' is listed twice in the plant",
                "$.lines[1].machines[1].idealCycleSeconds: must be a number from 0.001 to 86400",
                "$.lines[1].machines[1].countMode: must be 'increment' (count events) or 'cumulative' (counter events), got 'pulses'",
                "$.lines[1].machines[2].idealCycleSeconds: must be a number from 0.001 to 86400",
                "$.lines[2].id: line 'l1' is listed twice",
                "$.lines[2].machines[0].idealCycleSeconds: must be a number from 0.001 to 86400",
            ],
            problems);
    }

    [Fact]
    public void Parse_BrokenPlant_ThrowsWithEveryProblem()
    {
        var json = Some.PlantJson(p =>
        {
            p.Remove("plantId");
            Some.FirstMachine(p)["countMode"] = "pulses";
        });

        var ex = Assert.Throws<PlantConfigException>(() => PlantConfigParser.Parse(json));

        Assert.Equal(
            [
                "$.plantId: is required",
                "$.lines[0].machines[0].countMode: must be 'increment' (count events) or 'cumulative' (counter events), got 'pulses'",
            ],
            ex.Problems);
        Assert.Equal(
            "invalid plant configuration:\n  $.plantId: is required\n  $.lines[0].machines[0].countMode: must be 'increment' (count events) or 'cumulative' (counter events), got 'pulses'",
            ex.Message);
    }

    [Theory]
    [InlineData("demo plant")]
    [InlineData("-demo")]
    [InlineData("démo")]
    [InlineData("demo/1")]
    public void TryParse_WhenPlantIdHasBadCharacters_ReportsPlantId(string id)
    {
        var problems = Some.PlantProblems(Some.PlantJson(p => p["plantId"] = id));

        Assert.Equal([$"$.plantId: '{id}' {IdRule}"], problems);
    }

    [Fact]
    public void TryParse_WhenIdHas129Characters_ReportsIt()
    {
        var id = new string('m', 129);

        var problems = Some.PlantProblems(Some.PlantJson(p => Some.FirstMachine(p)["id"] = id));

        Assert.Equal([$"$.lines[0].machines[0].id: '{id}' {IdRule}"], problems);
    }

    [Theory]
    [InlineData("\"\"")]
    [InlineData("\"  \"")]
    [InlineData("42")]
    [InlineData("null")]
    public void TryParse_WhenPlantIdIsNotANonEmptyString_ReportsIt(string raw)
    {
        var problems = Some.PlantProblems(Some.PlantJson(p => p["plantId"] = JsonNode.Parse(raw)));

        Assert.Equal(["$.plantId: must be a non-empty string"], problems);
    }

    [Fact]
    public void TryParse_WhenMachineIdRepeatsAcrossLines_ReportsTheSecond()
    {
        var problems = Some.PlantProblems(Some.PlantJson(p => p["lines"]!.AsArray().Add(JsonNode.Parse("""{"id":"l2","machines":[{"id":"m1","idealCycleSeconds":1}]}"""))));

        Assert.Equal(["$.lines[1].machines[0].id: machine 'm1' is listed twice in the plant"], problems);
    }

    [Theory]
    [InlineData("0", "$.lines[0].machines[0].idealCycleSeconds: must be a number from 0.001 to 86400")]
    [InlineData("-2", "$.lines[0].machines[0].idealCycleSeconds: must be a number from 0.001 to 86400")]
    [InlineData("0.0005", "$.lines[0].machines[0].idealCycleSeconds: must be a number from 0.001 to 86400")]
    [InlineData("86400.5", "$.lines[0].machines[0].idealCycleSeconds: must be a number from 0.001 to 86400")]
    public void TryParse_WhenIdealCycleIsOutOfRange_ReportsIt(string raw, string expected)
    {
        var problems = Some.PlantProblems(Some.PlantJson(p => Some.FirstMachine(p)["idealCycleSeconds"] = JsonNode.Parse(raw)));

        Assert.Equal([expected], problems);
    }

    [Theory]
    [InlineData("0.001", 10_000L)]
    [InlineData("86400", 864_000_000_000L)]
    public void Parse_WhenIdealCycleIsAtItsLimits_AcceptsIt(string raw, long ticks)
    {
        var plant = PlantConfigParser.Parse(Some.PlantJson(p => Some.FirstMachine(p)["idealCycleSeconds"] = JsonNode.Parse(raw)));

        Assert.Equal(ticks, plant.Machines.Single().IdealCycleTime.Ticks);
    }

    [Fact]
    public void TryParse_WhenIdealCycleIsMissing_ReportsRequired()
    {
        var problems = Some.PlantProblems(Some.PlantJson(p => Some.FirstMachine(p).Remove("idealCycleSeconds")));

        Assert.Equal(["$.lines[0].machines[0].idealCycleSeconds: is required (ideal seconds per part, e.g. 2.5)"], problems);
    }

    [Fact]
    public void TryParse_WhenIdealCycleIsNull_ReportsRequired()
    {
        var problems = Some.PlantProblems(Some.PlantJson(p => Some.FirstMachine(p)["idealCycleSeconds"] = null));

        Assert.Equal(["$.lines[0].machines[0].idealCycleSeconds: is required (ideal seconds per part, e.g. 2.5)"], problems);
    }

    [Theory]
    [InlineData("\"Cumulative\"", "got 'Cumulative'")]
    [InlineData("\"\"", "got ''")]
    public void TryParse_WhenCountModeIsInvalid_ReportsIt(string raw, string tail)
    {
        var problems = Some.PlantProblems(Some.PlantJson(p => Some.FirstMachine(p)["countMode"] = JsonNode.Parse(raw)));

        Assert.Equal([$"$.lines[0].machines[0].countMode: must be 'increment' (count events) or 'cumulative' (counter events), {tail}"], problems);
    }

    [Fact]
    public void TryParse_WhenCountModeIsNotAString_ReportsIt()
    {
        var problems = Some.PlantProblems(Some.PlantJson(p => Some.FirstMachine(p)["countMode"] = 1));

        Assert.Equal(["$.lines[0].machines[0].countMode: must be a string"], problems);
    }

    [Fact]
    public void TryParse_WhenMachineReasonIsNotInPlantList_ReportsItsIndex()
    {
        var problems = Some.PlantProblems(Some.PlantJson(p => Some.FirstMachine(p)["reasonCodes"] = new JsonArray("jam", "JAM", 5)));

        Assert.Equal(
            [
                "$.lines[0].machines[0].reasonCodes[1]: 'JAM' is not in the plant's reasonCodes",
                "$.lines[0].machines[0].reasonCodes[2]: '' is not in the plant's reasonCodes",
            ],
            problems);
    }

    [Theory]
    [InlineData("Unplanned")]
    [InlineData("micro-stop")]
    [InlineData("")]
    public void TryParse_WhenCategoryIsUnknown_ReportsIt(string category)
    {
        var problems = Some.PlantProblems(Some.PlantJson(p => p["reasonCodes"]![0]!["category"] = category));

        var expected = category.Length == 0
            ? "$.reasonCodes[0].category: must be a non-empty string"
            : $"$.reasonCodes[0].category: must be one of unplanned, micro_stop, setup, planned, idle, quality, startup; got '{category}'";
        Assert.Equal([expected], problems);
    }

    [Theory]
    [InlineData("6:00")]
    [InlineData("06:00:00")]
    [InlineData("24:00")]
    [InlineData("6am")]
    public void TryParse_WhenShiftTimeIsNotHHmm_ReportsIt(string start)
    {
        var problems = Some.PlantProblems(Some.PlantJson(p => p["shifts"] = new JsonArray(new JsonObject
        {
            ["name"] = "early",
            ["days"] = new JsonArray("Mon"),
            ["start"] = start,
            ["end"] = "14:00",
        })));

        Assert.Equal([$"$.shifts[0].start: must be a wall-clock time HH:mm, got '{start}'"], problems);
    }

    [Fact]
    public void TryParse_WhenShiftStartEqualsEnd_ReportsIt()
    {
        var problems = Some.PlantProblems(Some.PlantJson(p => p["shifts"] = JsonNode.Parse("""[{"name":"all","days":["Mon"],"start":"06:00","end":"06:00"}]""")));

        Assert.Equal(["$.shifts[0]: start and end are equal; a 24-hour shift is written as two shifts"], problems);
    }

    [Fact]
    public void TryParse_WhenShiftHasNoDays_ReportsIt()
    {
        var problems = Some.PlantProblems(Some.PlantJson(p => p["shifts"] = JsonNode.Parse("""[{"name":"x","days":[],"start":"06:00","end":"14:00"}]""")));

        Assert.Equal(["$.shifts[0].days: must not be empty"], problems);
    }

    [Theory]
    [InlineData("timeZone", "$.timeZone: is required")]
    [InlineData("reasonCodes", "$.reasonCodes: is required")]
    [InlineData("lines", "$.lines: is required")]
    public void TryParse_WhenRequiredTopLevelPropertyIsMissing_ReportsIt(string property, string expected)
    {
        var problems = Some.PlantProblems(Some.PlantJson(p => p.Remove(property)));

        Assert.Equal([expected], problems);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"plantId\":")]
    public void TryParse_WhenFileIsNotJson_ReportsRoot(string json)
    {
        var problems = Some.PlantProblems(json);

        var problem = Assert.Single(problems);
        Assert.StartsWith("$: not valid JSON: ", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_WhenRootIsAnArray_ReportsRoot()
    {
        Assert.Equal(["$: must be a JSON object"], Some.PlantProblems("[]"));
    }

    [Fact]
    public void TryParse_WhenSimulationValuesAreOutOfRange_ReportsThem()
    {
        var problems = Some.PlantProblems(Some.PlantJson(p => Some.FirstMachine(p)["simulation"] = JsonNode.Parse("""{"rejectRate":1.5,"speedFactor":0,"mtbfMinutes":0.01,"mttrMinutes":"4"}""")));

        Assert.Equal(
            [
                "$.lines[0].machines[0].simulation.rejectRate: must be a number from 0 to 1",
                "$.lines[0].machines[0].simulation.mtbfMinutes: must be a number from 0.1 to 1000000",
                "$.lines[0].machines[0].simulation.mttrMinutes: must be a number from 0.01 to 100000",
                "$.lines[0].machines[0].simulation.speedFactor: must be a number from 0.01 to 1.5",
            ],
            problems);
    }

    [Fact]
    public void TryParse_WhenIdEndsWithNewline_ReportsIt()
    {
        var problems = Some.PlantProblems(Some.PlantJson(p => Some.FirstMachine(p)["id"] = "m1\n"));

        Assert.Equal([$"$.lines[0].machines[0].id: 'm1\n' {IdRule}"], problems);
    }
}
