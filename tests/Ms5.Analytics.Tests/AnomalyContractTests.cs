using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ms5.Analytics.Contracts;

namespace Ms5.Analytics.Tests;

/// <summary>ms5.anomaly.v1 as the engine writes it (<see cref="AnomalyMessage"/> and <see cref="ContractJson"/>): the wire format, valid against analytics/contract/anomaly.v1.schema.json, read back strictly.</summary>
public sealed class AnomalyContractTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 26, 6, 0, 0, TimeSpan.Zero);

    private const string OpenWire = """{"id":"0f5e8f4c-2d7a-5b3e-9c1d-7a2b3c4d5e6f","plantId":"demo","machineId":"press-01","lineId":"line-1","kind":"long_stop","reason":"jam","start":"2026-11-26T06:00:00+00:00","end":null,"seconds":1500,"score":0.625,"flagged":true,"open":true,"explanation":"jam on press-01 has lasted 25 min so far","modelVersion":3,"at":"2026-11-26T06:25:00+00:00"}""";

    private static AnomalyMessage Open() => new()
    {
        Id = Guid.Parse("0f5e8f4c-2d7a-5b3e-9c1d-7a2b3c4d5e6f"), PlantId = "demo", MachineId = "press-01", LineId = "line-1", Kind = "long_stop",
        Reason = "jam", Start = Start, End = null, Seconds = 1500, Score = 0.625, Flagged = true, Open = true,
        Explanation = "jam on press-01 has lasted 25 min so far", ModelVersion = 3, At = Start.AddMinutes(25),
    };

    private static AnomalyMessage Closed() => Open() with
    {
        End = Start.AddMinutes(41), Seconds = 2460, Score = 0.71, Open = false, Explanation = "jam on press-01 lasted 41 min", At = Start.AddMinutes(41.25),
    };

    private static string Json(AnomalyMessage m) => Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(m, ContractJson.Default.AnomalyMessage));

    private static IReadOnlyList<string> Errors(string json) => ContractSchemas.Errors(Some.RepoRoot, "anomaly.v1", Encoding.UTF8.GetBytes(json));

    private static bool Reads(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, ContractJson.Default.AnomalyMessage) is not null;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    [Fact]
    public void OpenFlag_IsWrittenWithAnExplicitNullEnd_AndValidates()
    {
        var json = Json(Open());

        Assert.Equal(OpenWire, json);
        Assert.Empty(Errors(json));
    }

    [Fact]
    public void ClosedFlag_Validates_AndRoundTrips()
    {
        var json = Json(Closed());

        Assert.Contains("\"end\":\"2026-11-26T06:41:00+00:00\",\"seconds\":2460,\"score\":0.71,\"flagged\":true,\"open\":false,", json, StringComparison.Ordinal);
        Assert.Empty(Errors(json));
        Assert.Equal(Closed(), JsonSerializer.Deserialize(json, ContractJson.Default.AnomalyMessage));
        Assert.Equal(OpenWire, JsonSerializer.Serialize(JsonSerializer.Deserialize(OpenWire, ContractJson.Default.AnomalyMessage)!, ContractJson.Default.AnomalyMessage));
    }

    [Fact]
    public void OpenAndEnd_MustAgree_ScoreStaysInZeroToOne_AndKindIsKnown()
    {
        Assert.NotEmpty(Errors(Json(Open() with { End = Start.AddMinutes(30) })));
        Assert.NotEmpty(Errors(Json(Closed() with { Open = true })));
        Assert.NotEmpty(Errors(Json(Closed() with { Open = false, End = null })));
        Assert.NotEmpty(Errors(Json(Open() with { Score = 1.2 })));
        Assert.NotEmpty(Errors(Json(Open() with { Kind = "long" })));
        Assert.NotEmpty(Errors(Json(Open() with { ModelVersion = 0 })));
    }

    /// <summary>Every field is required by both the schema and the record; only end may be null (while open).</summary>
    [Fact]
    public void EachField_RemovedOrNull_IsRefusedByBothSchemaAndRecord_ExceptANullEnd()
    {
        foreach (var name in JsonNode.Parse(OpenWire)!.AsObject().Select(p => p.Key).ToList())
        {
            var removed = JsonNode.Parse(OpenWire)!.AsObject();
            removed.Remove(name);
            Assert.True(Errors(removed.ToJsonString()).Count > 0, $"schema on missing {name}");
            Assert.False(Reads(removed.ToJsonString()), $"record on missing {name}");

            var nulled = JsonNode.Parse(OpenWire)!.AsObject();
            nulled[name] = null;
            Assert.True((name == "end") == (Errors(nulled.ToJsonString()).Count == 0), $"schema on null {name}");
            Assert.True((name == "end") == Reads(nulled.ToJsonString()), $"record on null {name}");
        }
    }

    [Fact]
    public void SchemaExamples_Validate()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Some.RepoRoot, "analytics", "contract", "anomaly.v1.schema.json")));
        var examples = doc.RootElement.GetProperty("examples").EnumerateArray().ToList();

        Assert.Equal(2, examples.Count);
        Assert.All(examples, e => Assert.Empty(ContractSchemas.Errors(Some.RepoRoot, "anomaly.v1", e)));
    }

    [Fact]
    public void SchemaKinds_AreTheWireNamesOfEveryAnomalyKind()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Some.RepoRoot, "analytics", "contract", "anomaly.v1.schema.json")));
        var kinds = doc.RootElement.GetProperty("properties").GetProperty("kind").GetProperty("enum").EnumerateArray().Select(e => e.GetString()).ToList();

        Assert.Equal(Anomalies.AnomalyKinds.All.Select(Anomalies.AnomalyKinds.Name), kinds);
    }
}
