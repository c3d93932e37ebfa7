using System.Globalization;
using System.Text.Json;
using Ms5.Analytics.Plant;

namespace Ms5.Analytics.Simulation;

/// <summary>
/// Reads the simulator's per-machine settings from a plant file: <c>lines[].machines[].simulation</c>
/// (format in infra/plants/README.md). Problems are reported with their JSON path, like every plant-file problem.
/// </summary>
public static class SimulationProfiles
{
    /// <summary>The profiles of the machines that have a <c>simulation</c> object, by machine id; others use <see cref="SimulationProfile.Default"/>.</summary>
    /// <exception cref="PlantConfigException">The file is not JSON or a simulation value is out of range.</exception>
    public static IReadOnlyDictionary<string, SimulationProfile> Parse(string json)
    {
        var problems = new List<string>();
        var profiles = new Dictionary<string, SimulationProfile>(StringComparer.Ordinal);
        try
        {
            // The same leniency as PlantConfigParser: plant files may hold comments and trailing commas.
            using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            // The plant's structure (lines, machines, ids) is PlantConfigParser's to report; this only collects.
            foreach (var (line, lpath) in Items(doc.RootElement, "lines", "$"))
            {
                foreach (var (machine, mpath) in Items(line, "machines", lpath))
                {
                    if (machine.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String && Read(machine, mpath, problems) is { } profile)
                    {
                        profiles[id.GetString()!] = profile;
                    }
                }
            }
        }
        catch (JsonException ex)
        {
            problems.Add($"$: not valid JSON: {ex.Message}");
        }

        return problems.Count > 0 ? throw new PlantConfigException(problems) : profiles;
    }

    /// <summary>The <c>simulation</c> object of the machine at <paramref name="path"/>; null when it has none.</summary>
    internal static SimulationProfile? Read(JsonElement machine, string path, List<string> problems)
    {
        if (!machine.TryGetProperty("simulation", out var s) || s.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var spath = path + ".simulation";
        var defaults = SimulationProfile.Default;
        return new SimulationProfile(
            RejectRate: Number(s, "rejectRate", spath, 0, 1, problems) ?? defaults.RejectRate,
            MeanTimeBetweenFailures: TimeSpan.FromMinutes(Number(s, "mtbfMinutes", spath, 0.1, 1e6, problems) ?? 0),
            MeanTimeToRepair: TimeSpan.FromMinutes(Number(s, "mttrMinutes", spath, 0.01, 1e5, problems) ?? 0),
            SpeedFactor: Number(s, "speedFactor", spath, 0.01, 1.5, problems) ?? defaults.SpeedFactor);
    }

    private static double? Number(JsonElement obj, string prop, string path, double min, double max, List<string> problems)
    {
        if (!obj.TryGetProperty(prop, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out var d) || d < min || d > max)
        {
            problems.Add($"{path}.{prop}: must be a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}");
            return null;
        }

        return d;
    }

    private static IEnumerable<(JsonElement Item, string Path)> Items(JsonElement obj, string prop, string path)
    {
        if (obj.ValueKind != JsonValueKind.Object || !obj.TryGetProperty(prop, out var arr) || arr.ValueKind != JsonValueKind.Array)
        {
            yield break;
        }

        var i = 0;
        foreach (var item in arr.EnumerateArray())
        {
            yield return (item, $"{path}.{prop}[{i++}]");
        }
    }
}
