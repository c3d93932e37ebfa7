using System.Text.Json.Nodes;

namespace Ms5.Ops.Smoke;

/// <summary>
/// The temporary plant of one smoke run: plant <c>smoke-RUN</c>, one line named smoke-line (<c>smoke-RUN-line</c>: line ids
/// are unique across plants) with one machine <c>smoke-RUN-m1</c>, in the plant file format (infra/plants/README.md),
/// plus "temporary": true so the API marks it for removal with all its data.
/// </summary>
internal sealed record SmokePlant(string RunId)
{
    public string PlantId => $"smoke-{RunId}";

    public string LineId => $"smoke-{RunId}-line";

    public string MachineId => $"smoke-{RunId}-m1";

    public static SmokePlant New() => new(Guid.NewGuid().ToString("N")[..10]);

    public string ToJson() => new JsonObject
    {
        ["plantId"] = PlantId,
        ["name"] = $"MS5 smoke test {RunId}",
        ["timeZone"] = "UTC",
        ["temporary"] = true,
        ["reasonCodes"] = new JsonArray(new JsonObject { ["code"] = "jam", ["category"] = "unplanned", ["description"] = "Material jam" }),
        ["lines"] = new JsonArray(new JsonObject
        {
            ["id"] = LineId,
            ["name"] = "smoke-line",
            ["machines"] = new JsonArray(new JsonObject
            {
                ["id"] = MachineId,
                ["name"] = "Smoke machine 1",
                ["idealCycleSeconds"] = 1.0,
                ["countMode"] = "increment",
            }),
        }),
    }.ToJsonString();
}
