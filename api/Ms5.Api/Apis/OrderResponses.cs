using Ms5.Analytics.Orders;
using Ms5.Postgres;

namespace Ms5.Api.Apis;

/// <summary>
/// An order as GET /api/orders/{id} (and each item of GET /api/orders) returns it: the order, who created and last changed
/// it, and its progress figures top-level (README "Production orders" defines each).
/// </summary>
public sealed record OrderResponse(
    string OrderId, string PlantId, string Product, long TargetQuantity, string? LineId, IReadOnlyList<string> MachineIds,
    DateTimeOffset PlannedStart, DateTimeOffset PlannedEnd, string? Note, string Status, DateTimeOffset? ActualStart, DateTimeOffset? ActualEnd,
    int Version, DateTimeOffset CreatedAt, string CreatedBy, DateTimeOffset UpdatedAt, string UpdatedBy,
    DateTimeOffset AsOf, long GoodCount, long RejectCount, long TotalCount, double PercentOfTarget, long RemainingQuantity,
    double? Availability, double? Performance, double? Quality, double? Oee,
    double? CurrentRate, double? IdealRate, DateTimeOffset? EstimatedFinish, DateTimeOffset? EstimatedFinishAtIdealRate,
    double PlannedGoodCount, double PlanVariance, bool BehindPlan)
{
    internal static OrderResponse From(StoredOrder s, OrderProgress p)
    {
        var o = s.Order;
        return new(o.OrderId, o.PlantId, o.Product, o.TargetQuantity, o.LineId, o.MachineIds, o.PlannedStart, o.PlannedEnd, o.Note,
            OrderNames.Of(o.Status), o.ActualStart, o.ActualEnd, o.Version, s.CreatedAt, s.CreatedBy, s.UpdatedAt, s.UpdatedBy,
            p.AsOf, p.GoodCount, p.RejectCount, p.TotalCount, p.PercentOfTarget, p.RemainingQuantity, p.Availability, p.Performance, p.Quality, p.Oee,
            p.CurrentRate, p.IdealRate, p.EstimatedFinish, p.EstimatedFinishAtIdealRate, p.PlannedGoodCount, p.PlanVariance, p.BehindPlan);
    }
}

public sealed record OrderListResponse(IReadOnlyList<OrderResponse> Items);

/// <summary>One change of an order: Before/After hold the changed fields (Before is null for created).</summary>
public sealed record OrderHistoryItem(int Seq, string Kind, DateTimeOffset At, DateTimeOffset RecordedAt, string Actor, System.Text.Json.JsonElement? Before, System.Text.Json.JsonElement After);

public sealed record OrderHistoryResponse(string OrderId, IReadOnlyList<OrderHistoryItem> Items);

/// <summary>An order on the schedule (a Gantt bar): plan, actuals, and whether its planned window holds the time it needs.</summary>
public sealed record ScheduleItem(
    string OrderId, string Product, long TargetQuantity, string Status, IReadOnlyList<string> MachineIds,
    DateTimeOffset PlannedStart, DateTimeOffset PlannedEnd, DateTimeOffset? ActualStart, DateTimeOffset? ActualEnd,
    double? IdealRate, double? RequiredSeconds, double PlannedProductionSeconds, bool WithinRange, bool Fits, long GoodCount, double PercentOfTarget);

public sealed record ScheduleResponse(
    string LineId, string PlantId, DateTimeOffset From, DateTimeOffset To, double PlannedProductionSeconds, double RequiredSeconds, bool Fits,
    IReadOnlyList<ScheduleItem> Items)
{
    /// <summary>Each machine of the line: the ideal seconds its open orders still need in the range, against the range's production time.</summary>
    public required IReadOnlyList<ScheduleMachine> Machines { get; init; }
}

public sealed record ScheduleMachine(string MachineId, double RequiredSeconds, double PlannedProductionSeconds, bool Fits);
