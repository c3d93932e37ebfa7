using System.Text.Json.Serialization;
using Ms5.Analytics.Oee;

namespace Ms5.Analytics.Contracts;

/// <summary>
/// One ms5.oee.v1 message: a rolling window of one machine, line or plant (analytics/contract/oee.v1.schema.json).
/// Property order is the wire order. The ratios are required but null when undefined (written as explicit nulls,
/// as Grafana and kcat readers expect); <see cref="LastEventAt"/> is left out entirely when absent.
/// </summary>
public sealed record OeeWindowMessage
{
    public required string Scope { get; init; }
    public required string Id { get; init; }
    public required string Window { get; init; }
    public required DateTimeOffset From { get; init; }
    public required DateTimeOffset To { get; init; }
    public required double? Availability { get; init; }
    public required double? Performance { get; init; }
    public required double? Quality { get; init; }
    public required double? Oee { get; init; }
    public required double? Teep { get; init; }
    public required double PlannedSeconds { get; init; }
    public required double RunSeconds { get; init; }
    public required double UnplannedStopSeconds { get; init; }
    public required double SetupSeconds { get; init; }
    public required double MicroStopSeconds { get; init; }
    public required double PlannedStopSeconds { get; init; }
    public required long GoodCount { get; init; }
    public required long RejectCount { get; init; }
    public required long StartupRejectCount { get; init; }
    public required double IdealSeconds { get; init; }
    public required DateTimeOffset ComputedAt { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? LastEventAt { get; init; }

    /// <summary>The message of one window's summed components; the KPIs are computed here so every producer agrees.</summary>
    public static OeeWindowMessage Compute(string scope, string id, string window, DateTimeOffset from, DateTimeOffset to, OeeComponents c, DateTimeOffset computedAt, DateTimeOffset? lastEventAt = null)
    {
        var k = OeeKpis.From(c);
        return new OeeWindowMessage
        {
            Scope = scope,
            Id = id,
            Window = window,
            From = from,
            To = to,
            Availability = k.Availability,
            Performance = k.Performance,
            Quality = k.Quality,
            Oee = k.Oee,
            Teep = k.Teep,
            PlannedSeconds = c.PlannedSeconds,
            RunSeconds = c.RunSeconds,
            UnplannedStopSeconds = c.UnplannedStopSeconds,
            SetupSeconds = c.SetupSeconds,
            MicroStopSeconds = c.MicroStopSeconds,
            PlannedStopSeconds = c.PlannedStopSeconds,
            GoodCount = c.GoodCount,
            RejectCount = c.RejectCount,
            StartupRejectCount = c.StartupRejectCount,
            IdealSeconds = c.IdealSeconds,
            ComputedAt = computedAt,
            LastEventAt = lastEventAt,
        };
    }
}
