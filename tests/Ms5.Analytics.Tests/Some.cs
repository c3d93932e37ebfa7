using System.Text;
using System.Text.Json.Nodes;
using Ms5.Analytics.Events;
using Ms5.Analytics.Plant;
using Ms5.Analytics.Simulation;

namespace Ms5.Analytics.Tests;

/// <summary>Short test data: contract-v1 events and plant files, valid unless edited.</summary>
internal static class Some
{
    public const string EventId = "6f1c0a4e-8d2b-4c1e-9a57-3b0f5e2d7c11";
    public const string Machine = "press-01";
    public const string TsText = "2026-11-26T06:00:00.000Z";

    public static readonly Guid Id = Guid.Parse(EventId);
    public static readonly DateTimeOffset Ts = new(2026, 11, 26, 6, 0, 0, TimeSpan.Zero);
    public static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    public static string RepoRoot { get; } = FindRoot();

    public static string DemoPlantPath => Path.Combine(RepoRoot, "infra", "plants", "demo-plant.json");

    public static PlantConfig DemoPlant { get; } = PlantConfigParser.Parse(File.ReadAllText(DemoPlantPath));

    /// <summary>The demo plant's simulator settings (its machines' <c>simulation</c> objects).</summary>
    public static IReadOnlyDictionary<string, SimulationProfile> DemoProfiles { get; } = SimulationProfiles.Parse(File.ReadAllText(DemoPlantPath));

    /// <summary>A valid state event (running), edited by <paramref name="edit"/>.</summary>
    public static string State(Action<JsonObject>? edit = null) =>
        Event(new JsonObject { ["type"] = "state", ["state"] = "running" }, edit);

    /// <summary>A valid count event (good 10, reject 1), edited by <paramref name="edit"/>.</summary>
    public static string Count(Action<JsonObject>? edit = null) =>
        Event(new JsonObject { ["type"] = "count", ["good"] = 10, ["reject"] = 1 }, edit);

    /// <summary>A valid counter event (123456 / 789), edited by <paramref name="edit"/>.</summary>
    public static string Counter(Action<JsonObject>? edit = null) =>
        Event(new JsonObject { ["type"] = "counter", ["goodTotal"] = 123456, ["rejectTotal"] = 789 }, edit);

    public static EventParseResult Parse(string json) => EventParser.Parse(Encoding.UTF8.GetBytes(json));

    public static string[] Fields(EventParseResult result) => result.Problems.Select(p => p.Field).ToArray();

    /// <summary>A minimal valid plant: one line, one machine "m1", one reason "jam", no shifts; edited by <paramref name="edit"/>.</summary>
    public static string PlantJson(Action<JsonObject>? edit = null)
    {
        var plant = new JsonObject
        {
            ["plantId"] = "p1",
            ["timeZone"] = "Europe/Berlin",
            ["reasonCodes"] = new JsonArray(new JsonObject { ["code"] = "jam", ["category"] = "unplanned" }),
            ["lines"] = new JsonArray(new JsonObject
            {
                ["id"] = "l1",
                ["machines"] = new JsonArray(new JsonObject { ["id"] = "m1", ["idealCycleSeconds"] = 2.0 }),
            }),
        };
        edit?.Invoke(plant);
        return plant.ToJsonString();
    }

    /// <summary>The single machine object of <see cref="PlantJson"/>.</summary>
    public static JsonObject FirstMachine(JsonObject plant) => plant["lines"]![0]!["machines"]![0]!.AsObject();

    public static List<string> PlantProblems(string json)
    {
        var problems = new List<string>();
        var config = PlantConfigParser.TryParse(json, problems);
        Assert.Null(config);
        return problems;
    }

    public static DateTimeOffset Utc(string iso) => DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture).ToUniversalTime();

    private static string Event(JsonObject typed, Action<JsonObject>? edit)
    {
        var o = new JsonObject { ["eventId"] = EventId, ["machineId"] = Machine, ["ts"] = TsText };
        foreach (var (key, value) in typed.ToList())
        {
            typed.Remove(key);
            o[key] = value;
        }

        edit?.Invoke(o);
        return o.ToJsonString();
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "MS5.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("MS5.sln not found above " + AppContext.BaseDirectory);
    }
}
