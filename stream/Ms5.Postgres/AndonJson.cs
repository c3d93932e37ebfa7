using System.Text.Json;

namespace Ms5.Postgres;

/// <summary>The JSON shapes of Andons: the API's and the ms5.andon.v1 messages.</summary>
public static class AndonJson
{
    /// <summary>The ms5.andon.v1 message of a transition: the transition and the Andon as it is after it. Key = machine id.</summary>
    public static byte[] Message(AndonRecord a, AndonTransition t)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(t);
        using var stream = new MemoryStream();
        using (var j = new Utf8JsonWriter(stream))
        {
            j.WriteStartObject();
            j.WriteString("transition", t.Transition);
            j.WriteNumber("transitionLevel", t.Level);
            j.WriteString("at", t.At);
            j.WriteString("actor", t.Actor);
            if (t.Note is not null)
            {
                j.WriteString("note", t.Note);
            }

            j.WritePropertyName("andon");
            Write(j, a);
            j.WriteEndObject();
        }

        return stream.ToArray();
    }

    public static void Write(Utf8JsonWriter j, AndonRecord a)
    {
        ArgumentNullException.ThrowIfNull(j);
        ArgumentNullException.ThrowIfNull(a);
        j.WriteStartObject();
        j.WriteString("id", a.Id);
        j.WriteString("status", a.Status);
        j.WriteString("plantId", a.PlantId);
        j.WriteString("lineId", a.LineId);
        j.WriteString("machineId", a.MachineId);
        j.WriteString("rule", a.RuleId);
        j.WriteString("kind", a.Kind);
        j.WriteString("severity", a.Severity);
        j.WriteNumber("level", a.Level);
        j.WriteString("summary", a.Summary);
        j.WriteString("since", a.Since);
        j.WriteString("raisedAt", a.RaisedAt);
        j.WriteString("raisedBy", a.RaisedBy);
        Optional(j, "acknowledgedAt", a.AckedAt);
        Optional(j, "acknowledgedBy", a.AckedBy);
        Optional(j, "resolvedAt", a.ResolvedAt);
        Optional(j, "resolvedBy", a.ResolvedBy);
        Optional(j, "resolution", a.Resolution);
        j.WriteEndObject();
    }

    private static void Optional(Utf8JsonWriter j, string name, DateTimeOffset? v)
    {
        if (v is { } x)
        {
            j.WriteString(name, x);
        }
        else
        {
            j.WriteNull(name);
        }
    }

    private static void Optional(Utf8JsonWriter j, string name, string? v)
    {
        if (v is not null)
        {
            j.WriteString(name, v);
        }
        else
        {
            j.WriteNull(name);
        }
    }
}
