using System.Globalization;
using System.Text.Json.Nodes;

namespace Ms5.Benchmarks;

/// <summary>
/// The report benchmark's plant: 12 lines × 40 machines grown from the demo plant. Line n repeats the demo line
/// n mod 3 (Stamping, Welding, Assembly) ten times over, machine by machine (ideal cycle, count mode, reason codes,
/// simulation profile), so every line has increment and cumulative-counter machines; every machine makes its
/// line's products (the demo's where it has them, otherwise its line's family at 1×, 1.2×, 1.5× the ideal cycle).
/// Reason codes, the three-shift calendar with its breaks and holidays and the Andon rules are the demo plant's
/// (the low-OEE rule covers the assembly lines).
/// </summary>
internal static class ReportsPlant
{
    public const string PlantId = "bench-plant";

    private static readonly (string Prefix, string Name, string[] Products)[] Families =
    [
        ("press", "Press", ["BRK-100", "BRK-200", "BRK-300"]),
        ("weld", "Weld cell", ["FRM-A", "FRM-B"]),
        ("asm", "Assembly", ["ASM-S", "ASM-L"]),
    ];

    private static readonly double[] ProductFactors = [1.0, 1.2, 1.5];

    public static string Build(string demoJson, int lines, int machinesPerLine)
    {
        var root = JsonNode.Parse(demoJson)!.AsObject();
        var demoLines = root["lines"]!.AsArray();
        root["plantId"] = PlantId;
        root["name"] = $"MS5 Bench Plant ({lines} lines × {machinesPerLine} machines)";
        var built = new JsonArray();
        var assemblyLines = new JsonArray();
        for (var l = 0; l < lines; l++)
        {
            var template = demoLines[l % demoLines.Count]!.AsObject();
            var family = Families[l % Families.Length];
            var templateMachines = template["machines"]!.AsArray();
            var lineId = $"line-{l + 1:00}";
            if (family.Prefix == "asm")
            {
                assemblyLines.Add(lineId);
            }

            var machines = new JsonArray();
            for (var i = 0; i < machinesPerLine; i++)
            {
                var m = templateMachines[i % templateMachines.Count]!.DeepClone().AsObject();
                m["id"] = $"l{l + 1:00}-{family.Prefix}-{i + 1:00}";
                m["name"] = $"{family.Name} {i + 1:00}";
                if (m["products"] is null)
                {
                    var ideal = m["idealCycleSeconds"]!.GetValue<double>();
                    var products = new JsonObject();
                    for (var p = 0; p < family.Products.Length; p++)
                    {
                        products[family.Products[p]] = Math.Round(ideal * ProductFactors[p], 2);
                    }

                    m["products"] = products;
                }

                machines.Add(m);
            }

            built.Add(new JsonObject
            {
                ["id"] = lineId,
                ["name"] = $"{template["name"]} {(l / demoLines.Count) + 1}",
                ["machines"] = machines,
            });
        }

        root["lines"] = built;
        foreach (var rule in root["andon"]?["rules"]?.AsArray() ?? [])
        {
            if (rule?["lines"] is not null)
            {
                rule["lines"] = assemblyLines.DeepClone();
            }
        }

        return root.ToJsonString();
    }

    public static string Describe(int lines, int machinesPerLine) =>
        string.Create(CultureInfo.InvariantCulture, $"{lines} lines × {machinesPerLine} machines = {lines * machinesPerLine} machines");
}
