using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ms5.Analytics.Contracts;
using Ms5.Analytics.Oee;
using Ms5.Analytics.Orders;

namespace Ms5.Analytics.Tests;

/// <summary>ms5.orders.v1 (<see cref="OrderMessage"/> and <see cref="ContractJson"/>): the wire format, valid against analytics/contract/orders.v1.schema.json, read back strictly.</summary>
public sealed class OrderContractTests
{
    private static readonly DateTimeOffset T = new(2026, 11, 26, 6, 0, 0, TimeSpan.Zero);

    private const string StartedWire = """{"kind":"started","orderId":"PO-1","at":"2026-11-26T06:00:00+00:00","actor":"auto:press-01","order":{"orderId":"PO-1","plantId":"demo","product":"bracket-a","targetQuantity":20000,"lineId":null,"machineIds":["press-01"],"plannedStart":"2026-11-26T06:00:00+00:00","plannedEnd":"2026-11-26T14:00:00+00:00","note":null,"status":"running","actualStart":"2026-11-26T06:00:00+00:00","actualEnd":null,"version":2},"progress":null}""";

    private static ProductionOrder Running() => OrderLifecycle.Apply(OrderLifecycleTests.Order(), OrderAction.Start, T);

    private static OrderMessage Started() => OrderMessage.Lifecycle("started", T, "auto:press-01", OrderSnapshot.From(Running()));

    private static OrderMessage Progress()
    {
        var c = new OeeComponents { PlannedSeconds = 25_200, RunSeconds = 22_380, GoodCount = 18_848, RejectCount = 423, IdealSeconds = 19_271 };
        var running = Running();
        return OrderMessage.ForProgress(running, OrderProgressCalculator.Compute(running, T.AddHours(8), c, c with { GoodCount = 728 }, 3600));
    }

    private static string Json(OrderMessage m) => Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(m, ContractJson.Default.OrderMessage));

    private static IReadOnlyList<string> Errors(string json) => ContractSchemas.Errors(Some.RepoRoot, "orders.v1", Encoding.UTF8.GetBytes(json));

    private static bool Reads(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, ContractJson.Default.OrderMessage) is not null;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    [Fact]
    public void LifecycleMessage_IsWrittenWithExplicitNulls_AndValidates()
    {
        var json = Json(Started());

        Assert.Equal(StartedWire, json);
        Assert.Empty(Errors(json));
    }

    [Fact]
    public void ProgressMessage_Validates_AndRoundTrips()
    {
        var json = Json(Progress());

        Assert.Contains("\"goodCount\":18848,\"rejectCount\":423,\"totalCount\":19271,\"percentOfTarget\":0.9424,", json, StringComparison.Ordinal);
        Assert.Empty(Errors(json));
        var back = JsonSerializer.Deserialize(json, ContractJson.Default.OrderMessage)!;
        Assert.Equal(Progress().Progress, back.Progress);
        Assert.Equal(json, Json(back));
    }

    [Fact]
    public void ProgressFigures_OnlyOnProgress_AndKindsAndStatusesAreKnown()
    {
        Assert.NotEmpty(Errors(Json(Started() with { Progress = Progress().Progress })));
        Assert.NotEmpty(Errors(Json(Progress() with { Progress = null })));
        Assert.NotEmpty(Errors(Json(Started() with { Kind = "begun" })));
        Assert.NotEmpty(Errors(Json(Started() with { Order = Started().Order with { Status = "paused" } })));
        Assert.NotEmpty(Errors(Json(Started() with { Order = Started().Order with { TargetQuantity = 0 } })));
    }

    /// <summary>Every field is required by both the schema and the record; only progress may be null at the top.</summary>
    [Fact]
    public void EachField_RemovedOrNull_IsRefusedByBothSchemaAndRecord_ExceptANullProgress()
    {
        foreach (var name in JsonNode.Parse(StartedWire)!.AsObject().Select(p => p.Key).ToList())
        {
            var removed = JsonNode.Parse(StartedWire)!.AsObject();
            removed.Remove(name);
            Assert.True(Errors(removed.ToJsonString()).Count > 0, $"schema on missing {name}");
            Assert.False(Reads(removed.ToJsonString()), $"record on missing {name}");

            var nulled = JsonNode.Parse(StartedWire)!.AsObject();
            nulled[name] = null;
            Assert.True((name == "progress") == (Errors(nulled.ToJsonString()).Count == 0), $"schema on null {name}");
            Assert.True((name == "progress") == Reads(nulled.ToJsonString()), $"record on null {name}");
        }

        foreach (var name in JsonNode.Parse(StartedWire)!["order"]!.AsObject().Select(p => p.Key).ToList())
        {
            var removed = JsonNode.Parse(StartedWire)!.AsObject();
            removed["order"]!.AsObject().Remove(name);
            Assert.True(Errors(removed.ToJsonString()).Count > 0, $"schema on missing order.{name}");
            Assert.False(Reads(removed.ToJsonString()), $"record on missing order.{name}");
        }
    }

    [Fact]
    public void SchemaExamples_Validate_AndKindsAreEveryMessageKind()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Some.RepoRoot, "analytics", "contract", "orders.v1.schema.json")));
        var examples = doc.RootElement.GetProperty("examples").EnumerateArray().ToList();
        var kinds = doc.RootElement.GetProperty("properties").GetProperty("kind").GetProperty("enum").EnumerateArray().Select(e => e.GetString()!).ToList();

        Assert.Equal(2, examples.Count);
        Assert.All(examples, e => Assert.Empty(ContractSchemas.Errors(Some.RepoRoot, "orders.v1", e)));
        Assert.Equal(OrderNames.MessageKinds, kinds);
    }
}
