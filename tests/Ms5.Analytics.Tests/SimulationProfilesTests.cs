using System.Text.Json.Nodes;
using Ms5.Analytics.Plant;
using Ms5.Analytics.Simulation;

namespace Ms5.Analytics.Tests;

public class SimulationProfilesTests
{
    [Fact]
    public void Parse_DemoPlant_HasExactProfilesForTheMachinesThatSetThem()
    {
        var profiles = Some.DemoProfiles;

        Assert.Equal(["asm-02", "asm-04", "press-03", "weld-03"], profiles.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(new SimulationProfile(0.04, TimeSpan.FromMinutes(30), TimeSpan.Zero, 0.92), profiles["press-03"]);
        Assert.Equal(new SimulationProfile(0.02, TimeSpan.FromMinutes(60), TimeSpan.FromMinutes(8), 0.92), profiles["weld-03"]);
        Assert.Equal(new SimulationProfile(SpeedFactor: 0.8), profiles["asm-02"]);
        Assert.Equal(new SimulationProfile(RejectRate: 0.01), profiles["asm-04"]);
    }

    [Fact]
    public void Profile_WithoutMtbfOrMttr_UsesTheDefaults()
    {
        Assert.Equal(TimeSpan.FromMinutes(4), Some.DemoProfiles["press-03"].Mttr);
        Assert.Equal(TimeSpan.FromMinutes(30), Some.DemoProfiles["press-03"].Mtbf);
        Assert.Equal(TimeSpan.FromMinutes(45), SimulationProfile.Default.Mtbf);
        Assert.Equal(new SimulationProfile(0.02, TimeSpan.Zero, TimeSpan.Zero, 0.92), SimulationProfile.Default);
    }

    [Fact]
    public void Parse_MachineWithoutSimulationObject_IsNotListed()
    {
        Assert.Empty(SimulationProfiles.Parse(Some.PlantJson()));
        Assert.Empty(SimulationProfiles.Parse(Some.PlantJson(p => Some.FirstMachine(p)["simulation"] = "fast")));
    }

    [Fact]
    public void Parse_WhenSimulationValuesAreOutOfRange_ThrowsWithEachJsonPath()
    {
        var json = Some.PlantJson(p => Some.FirstMachine(p)["simulation"] = JsonNode.Parse("""{"rejectRate":-0.1,"speedFactor":2,"mtbfMinutes":"x","mttrMinutes":0}"""));

        var ex = Assert.Throws<PlantConfigException>(() => SimulationProfiles.Parse(json));

        Assert.Equal(
            [
                "$.lines[0].machines[0].simulation.rejectRate: must be a number from 0 to 1",
                "$.lines[0].machines[0].simulation.mtbfMinutes: must be a number from 0.1 to 1000000",
                "$.lines[0].machines[0].simulation.mttrMinutes: must be a number from 0.01 to 100000",
                "$.lines[0].machines[0].simulation.speedFactor: must be a number from 0.01 to 1.5",
            ],
            ex.Problems);
    }

    [Fact]
    public void Parse_WhenFileIsNotJson_ThrowsAtTheRoot()
    {
        var ex = Assert.Throws<PlantConfigException>(() => SimulationProfiles.Parse("{ lines: "));

        Assert.StartsWith("$: not valid JSON: ", Assert.Single(ex.Problems), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_FileWithComments_ReadsIt()
    {
        var json = Some.PlantJson(p => Some.FirstMachine(p)["simulation"] = new JsonObject { ["speedFactor"] = 0.5 }).Insert(1, "// a comment\n");

        Assert.Equal(new SimulationProfile(SpeedFactor: 0.5), SimulationProfiles.Parse(json)["m1"]);
    }
}
