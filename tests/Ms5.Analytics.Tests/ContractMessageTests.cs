using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ms5.Analytics.Contracts;
using Ms5.Analytics.Oee;

namespace Ms5.Analytics.Tests;

/// <summary>
/// ms5.oee.v1 and ms5.andon.v1 as the engine writes them (the records and <see cref="ContractJson"/>): valid against
/// their schemas, byte for byte the format the hand-written writers produced, and read back strictly where the schema is.
/// </summary>
public sealed class ContractMessageTests
{
    private static readonly DateTimeOffset From = new(2026, 11, 26, 5, 45, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset To = new(2026, 11, 26, 6, 0, 30, 250, TimeSpan.Zero);
    private static readonly Guid AndonId = Guid.Parse("1c8d7e2f-4a54-4b6f-8e80-7b3a2d1e9f22");
    private static readonly DateTimeOffset Since = new(2026, 11, 26, 6, 5, 0, TimeSpan.Zero);

    private static readonly OeeComponents Worked = new()
    {
        CalendarSeconds = 930.25, PlannedSeconds = 930.25, RunSeconds = 837.2, UnplannedStopSeconds = 93.05, MicroStopSeconds = 12.5,
        GoodCount = 304, RejectCount = 16, StartupRejectCount = 4, IdealSeconds = 669.8,
    };

    // Pinned from the field-by-field writers these records replaced (OeePublisher.ToJson, AndonJson.Message):
    // consumers outside MS5 (kcat, Grafana) read exactly this.
    private const string WorkedOeeWire = """{"scope":"machine","id":"press-01","window":"15m","from":"2026-11-26T05:45:00+00:00","to":"2026-11-26T06:00:30.25+00:00","availability":0.8999731255038969,"performance":0.8000477783086478,"quality":0.95,"oee":0.6840204246170384,"teep":0.6840204246170384,"plannedSeconds":930.25,"runSeconds":837.2,"unplannedStopSeconds":93.05,"setupSeconds":0,"microStopSeconds":12.5,"plannedStopSeconds":0,"goodCount":304,"rejectCount":16,"startupRejectCount":4,"idealSeconds":669.8,"computedAt":"2026-11-26T06:00:30.25+00:00","lastEventAt":"2026-11-26T06:00:29.5+00:00"}""";
    private const string RaisedAndonWire = """{"transition":"raised","transitionLevel":1,"at":"2026-11-26T06:05:00+00:00","actor":"system","andon":{"id":"1c8d7e2f-4a54-4b6f-8e80-7b3a2d1e9f22","status":"raised","plantId":"demo","lineId":"line-1","machineId":"press-01","rule":"down","kind":"stop","severity":"critical","level":1,"summary":"down: jam","since":"2026-11-26T06:05:00+00:00","raisedAt":"2026-11-26T06:05:00+00:00","raisedBy":"system","acknowledgedAt":null,"acknowledgedBy":null,"resolvedAt":null,"resolvedBy":null,"resolution":null}}""";
    private const string ResolvedLineAndonWire = """{"transition":"resolved","transitionLevel":1,"at":"2026-11-26T06:10:00+00:00","actor":"bob","note":"restarted upstream","andon":{"id":"1c8d7e2f-4a54-4b6f-8e80-7b3a2d1e9f22","status":"resolved","plantId":"demo","lineId":"line-1","machineId":"","rule":"manual","kind":"manual","severity":"warning","level":1,"summary":"line stopped","since":"2026-11-26T06:05:00+00:00","raisedAt":"2026-11-26T06:05:00+00:00","raisedBy":"bob","acknowledgedAt":null,"acknowledgedBy":null,"resolvedAt":"2026-11-26T06:10:00+00:00","resolvedBy":"bob","resolution":"manual"}}""";

    private static string Oee(OeeComponents c, DateTimeOffset? lastEventAt, string scope = "machine", string window = "15m") =>
        Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(OeeWindowMessage.Compute(scope, "press-01", window, From, To, c, To, lastEventAt), ContractJson.Default.OeeWindowMessage));

    private static AndonMessage RaisedAndon() => new()
    {
        Transition = "raised", TransitionLevel = 1, At = Since, Actor = "system",
        Andon = new AndonSnapshot
        {
            Id = AndonId, Status = "raised", PlantId = "demo", LineId = "line-1", MachineId = "press-01", Rule = "down", Kind = "stop",
            Severity = "critical", Level = 1, Summary = "down: jam", Since = Since, RaisedAt = Since, RaisedBy = "system",
            AcknowledgedAt = null, AcknowledgedBy = null, ResolvedAt = null, ResolvedBy = null, Resolution = null,
        },
    };

    /// <summary>An operator's line-level Andon (no machine), resolved by hand with a note.</summary>
    private static AndonMessage ResolvedLineAndon()
    {
        var raised = RaisedAndon();
        return raised with
        {
            Transition = "resolved", At = Since.AddMinutes(5), Actor = "bob", Note = "restarted upstream",
            Andon = raised.Andon with
            {
                Status = "resolved", MachineId = "", Rule = "manual", Kind = "manual", Severity = "warning", Summary = "line stopped",
                RaisedBy = "bob", ResolvedAt = Since.AddMinutes(5), ResolvedBy = "bob", Resolution = "manual",
            },
        };
    }

    private static string Andon(AndonMessage m) => Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(m, ContractJson.Default.AndonMessage));

    private static IReadOnlyList<string> Errors(string schema, string json) => ContractSchemas.Errors(Some.RepoRoot, schema, Encoding.UTF8.GetBytes(json));

    [Fact]
    public void OeeMessage_AfterABatch_IsTheWireFormatOfBefore_AndValidates()
    {
        var json = Oee(Worked, To.AddMilliseconds(-750));

        Assert.Equal(WorkedOeeWire, json);
        Assert.Empty(Errors("oee.v1", json));
    }

    [Fact]
    public void OeeMessage_WithNothingPlannedOrMade_WritesExplicitNullRatios_AndValidates()
    {
        var json = Oee(new OeeComponents { CalendarSeconds = 60, PlannedStopSeconds = 60 }, null, scope: "plant", window: "shift");

        Assert.Contains("\"availability\":null,\"performance\":null,\"quality\":null,\"oee\":null,\"teep\":null,", json, StringComparison.Ordinal);
        Assert.Empty(Errors("oee.v1", json));
    }

    [Fact]
    public void OeeMessage_OfATick_OmitsLastEventAt_AndValidates()
    {
        var json = Oee(Worked, null, scope: "line", window: "1h");

        Assert.EndsWith(",\"computedAt\":\"2026-11-26T06:00:30.25+00:00\"}", json, StringComparison.Ordinal);
        Assert.DoesNotContain("lastEventAt", json, StringComparison.Ordinal);
        Assert.Empty(Errors("oee.v1", json));
    }

    [Fact]
    public void AndonMessage_RaisedByARule_IsTheWireFormatOfBefore_WithoutNote_AndValidates()
    {
        var json = Andon(RaisedAndon());

        Assert.Equal(RaisedAndonWire, json);
        Assert.Empty(Errors("andon.v1", json));
    }

    [Fact]
    public void AndonMessage_LineLevelResolvedByHand_HasEmptyMachineId_AndValidates()
    {
        var json = Andon(ResolvedLineAndon());

        Assert.Equal(ResolvedLineAndonWire, json);
        Assert.Empty(Errors("andon.v1", json));
    }

    [Fact]
    public void AndonMessage_Escalated_ThenAcknowledged_Validates()
    {
        var raised = RaisedAndon();
        var escalated = raised with { Transition = "escalated", TransitionLevel = 3, Andon = raised.Andon with { Status = "escalated", Level = 3 } };
        var acked = escalated with
        {
            Transition = "acknowledged", Actor = "alice", Note = "on my way",
            Andon = escalated.Andon with { Status = "acknowledged", AcknowledgedAt = Since.AddMinutes(20), AcknowledgedBy = "alice" },
        };

        Assert.Equal((0, 0), (Errors("andon.v1", Andon(escalated)).Count, Errors("andon.v1", Andon(acked)).Count));
    }

    [Fact]
    public void AndonMessage_WithAssignee_WritesIt_RoundTrips_AndValidates()
    {
        var raised = RaisedAndon();
        var assigned = raised with { Andon = raised.Andon with { Assignee = "jane" } };

        var json = Andon(assigned);

        Assert.Equal(RaisedAndonWire.Replace("\"resolution\":null}}", "\"resolution\":null,\"assignee\":\"jane\"}}", StringComparison.Ordinal), json);
        Assert.Empty(Errors("andon.v1", json));
        Assert.Equal(assigned, JsonSerializer.Deserialize(json, ContractJson.Default.AndonMessage));
    }

    [Fact]
    public void AndonMessage_WithEmptyAssignee_IsRefusedBySchema()
    {
        var raised = RaisedAndon();

        Assert.NotEmpty(Errors("andon.v1", Andon(raised with { Andon = raised.Andon with { Assignee = "" } })));
    }

    [Fact]
    public void Messages_RoundTrip_RecordToJsonToRecord()
    {
        var oee = OeeWindowMessage.Compute("machine", "press-01", "15m", From, To, Worked, To, To.AddSeconds(-1));
        var noLast = oee with { LastEventAt = null, Availability = null };

        Assert.Equal(oee, JsonSerializer.Deserialize(JsonSerializer.SerializeToUtf8Bytes(oee, ContractJson.Default.OeeWindowMessage), ContractJson.Default.OeeWindowMessage));
        Assert.Equal(noLast, JsonSerializer.Deserialize(JsonSerializer.SerializeToUtf8Bytes(noLast, ContractJson.Default.OeeWindowMessage), ContractJson.Default.OeeWindowMessage));
        Assert.Equal(ResolvedLineAndon(), JsonSerializer.Deserialize(Andon(ResolvedLineAndon()), ContractJson.Default.AndonMessage));
        Assert.Equal(RaisedAndon(), JsonSerializer.Deserialize(Andon(RaisedAndon()), ContractJson.Default.AndonMessage));
    }

    [Theory]
    [InlineData("oee.v1", WorkedOeeWire)]
    [InlineData("andon.v1", RaisedAndonWire)]
    [InlineData("andon.v1", ResolvedLineAndonWire)]
    public void WireMessages_RoundTrip_JsonToRecordToJson_ByteForByte(string schema, string wire)
    {
        var again = schema == "oee.v1"
            ? JsonSerializer.Serialize(JsonSerializer.Deserialize(wire, ContractJson.Default.OeeWindowMessage)!, ContractJson.Default.OeeWindowMessage)
            : JsonSerializer.Serialize(JsonSerializer.Deserialize(wire, ContractJson.Default.AndonMessage)!, ContractJson.Default.AndonMessage);

        Assert.Equal(wire, again);
    }

    /// <summary>Schema and record agree on every field: leaving it out is refused by both, or accepted by both.</summary>
    [Theory]
    [InlineData("oee.v1", WorkedOeeWire)]
    [InlineData("andon.v1", ResolvedLineAndonWire)]
    public void EachField_Removed_IsRefusedOrAcceptedByBothSchemaAndRecord(string schema, string wire)
    {
        foreach (var (path, parent, name) in Fields(JsonNode.Parse(wire)!.AsObject()))
        {
            var edited = JsonNode.Parse(wire)!.AsObject();
            Locate(edited, parent).Remove(name);
            var json = edited.ToJsonString();
            var optional = name is "lastEventAt" or "note";

            Assert.True(optional == (Errors(schema, json).Count == 0), $"schema on missing {path}: {string.Join("; ", Errors(schema, json))}");
            Assert.True(optional == Reads(schema, json), $"record on missing {path}");
        }
    }

    /// <summary>
    /// Schema and record agree on nulls: a field the schema lets be null reads as null, any other null is refused by
    /// both. The one leniency: the optional fields (never written as null, so the schema refuses it) read null as absent.
    /// </summary>
    [Theory]
    [InlineData("oee.v1", WorkedOeeWire, "availability,performance,quality,oee,teep")]
    [InlineData("andon.v1", ResolvedLineAndonWire, "acknowledgedAt,acknowledgedBy,resolvedAt,resolvedBy,resolution")]
    public void EachField_SetToNull_IsRefusedOrAcceptedByBothSchemaAndRecord(string schema, string wire, string nullable)
    {
        var mayBeNull = nullable.Split(',').ToHashSet(StringComparer.Ordinal);
        foreach (var (path, parent, name) in Fields(JsonNode.Parse(wire)!.AsObject()))
        {
            var edited = JsonNode.Parse(wire)!.AsObject();
            Locate(edited, parent)[name] = null;
            var json = edited.ToJsonString();

            Assert.True(mayBeNull.Contains(name) == (Errors(schema, json).Count == 0), $"schema on null {path}");
            Assert.True((mayBeNull.Contains(name) || name is "lastEventAt" or "note") == Reads(schema, json), $"record on null {path}");
        }
    }

    [Fact]
    public void Reading_IgnoresUnknownFields_AsTheSchemasAllow()
    {
        var json = WorkedOeeWire.Replace("{\"scope\"", "{\"future\":{\"x\":1},\"scope\"", StringComparison.Ordinal);

        Assert.Empty(Errors("oee.v1", json));
        Assert.Equal(304, JsonSerializer.Deserialize(json, ContractJson.Default.OeeWindowMessage)!.GoodCount);
    }

    private static bool Reads(string schema, string json)
    {
        try
        {
            return (schema == "oee.v1"
                ? JsonSerializer.Deserialize(json, ContractJson.Default.OeeWindowMessage) as object
                : JsonSerializer.Deserialize(json, ContractJson.Default.AndonMessage)) is not null;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Every property of the message and of its nested objects: (path, parent property or "", name).</summary>
    private static IEnumerable<(string Path, string Parent, string Name)> Fields(JsonObject o) =>
        o.SelectMany(p => p.Value is JsonObject inner
            ? inner.Select(q => ($"{p.Key}.{q.Key}", p.Key, q.Key)).Prepend((p.Key, "", p.Key))
            : [(p.Key, "", p.Key)]).ToList();

    private static JsonObject Locate(JsonObject root, string parent) => parent.Length == 0 ? root : root[parent]!.AsObject();
}
