using Microsoft.AspNetCore.Http.HttpResults;
using Ms5.Analytics.Access;
using Ms5.Analytics.Orders;
using Ms5.Analytics.Plant;
using Ms5.Postgres;

namespace Ms5.Api.Apis;

/// <summary>
/// GET /api/schedule?line=&amp;from=&amp;to=: the orders on a line (planned for it or on its machines) whose planned or actual
/// window overlaps [from, to), by planned start, with planned vs actual times (a Gantt-ready list), the plant calendar's
/// planned production time in the range, and whether the open orders fit it at their ideal rate (README "Schedule").
/// </summary>
internal static class ScheduleApi
{
    private static readonly TimeSpan MaxRange = TimeSpan.FromDays(92);
    private static readonly string[] Params = ["line", "from", "to"];

    public static void MapScheduleApi(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/schedule", GetAsync).RequireAuthorization(AccessPolicies.Read).WithName("GetSchedule").WithTags("orders")
            .WithSummary("A line's orders in a range with planned vs actual times and whether they fit the planned production time.")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<Results<Ok<ScheduleResponse>, ValidationProblem, ProblemHttpResult>> GetAsync(HttpRequest request, OrderStore orders, PlantStore plants, TimeProvider time, CancellationToken ct)
    {
        var q = request.Query;
        var errors = new Dictionary<string, string[]>();
        foreach (var k in q.Keys.Where(k => !Params.Contains(k)))
        {
            errors[k] = [$"unknown parameter; allowed: {string.Join(", ", Params)}"];
        }

        var line = q["line"].ToString();
        if (line.Length == 0)
        {
            errors["line"] = ["is required"];
        }

        DateTimeOffset? from = null, to = null;
        foreach (var name in new[] { "from", "to" })
        {
            var text = q[name].ToString();
            var value = text.Length == 0 ? null : QueryParams.Instant(text, name, errors);
            if (text.Length == 0)
            {
                errors[name] = ["is required (ISO-8601)"];
            }

            if (name == "from")
            {
                from = value;
            }
            else
            {
                to = value;
            }
        }

        if (from is { } f && to is { } t && (t <= f || t - f > MaxRange))
        {
            errors["to"] = [t <= f ? "must be after from" : $"must be at most {MaxRange.TotalDays:0} days after from"];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid query for GET /api/schedule");
        }

        var machines = (await plants.MachinesAsync(ct)).Where(m => m.LineId == line).ToList();
        if (machines.Count == 0 || await orders.PlantAsync(machines[0].PlantId, ct) is not { } plant)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown line", detail: $"line '{OrderFields.Short(line)}' is not in the plant configuration (see GET /api/machines)");
        }

        var range = (From: from!.Value.ToUniversalTime(), To: to!.Value.ToUniversalTime());
        var list = await orders.ListAsync(new OrderFilter(LineId: line, From: range.From, To: range.To, Limit: 10_000), ct);
        var progress = await orders.ProgressAsync(list.Select(s => s.Order).ToList(), time.GetUtcNow(), ct);
        var items = list.Select((s, i) => Item(plant, s.Order, progress[i], range)).ToList();
        var planned = PlannedSeconds(plant.Calendar, range.From, range.To);

        // Machines run in parallel: each machine's load is the ideal time its open orders still need, an order crossing
        // the range's edges counted by the share of its planned production time inside the range.
        var load = machines.ToDictionary(m => m.MachineId, _ => 0.0, StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            var (item, order) = (items[i], list[i].Order);
            if (item.Status is not ("planned" or "released" or "running") || item.RequiredSeconds is not { } need)
            {
                continue;
            }

            var share = item.PlannedProductionSeconds > 0
                ? PlannedSeconds(plant.Calendar, Max(order.PlannedStart, range.From), Min(order.PlannedEnd, range.To)) / item.PlannedProductionSeconds
                : 1;
            foreach (var m in order.MachineIds.Where(load.ContainsKey))
            {
                load[m] += need * share;
            }
        }

        var perMachine = load.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => new ScheduleMachine(kv.Key, kv.Value, planned, kv.Value <= planned)).ToList();
        var open = items.Where(i => i.Status is "planned" or "released" or "running").ToList();
        return TypedResults.Ok(new ScheduleResponse(line, plant.PlantId, range.From, range.To, planned, perMachine.Count == 0 ? 0 : perMachine.Max(m => m.RequiredSeconds),
            perMachine.All(m => m.Fits) && open.All(i => i.Fits), items) { Machines = perMachine });
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static ScheduleItem Item(PlantConfig plant, ProductionOrder o, OrderProgress p, (DateTimeOffset From, DateTimeOffset To) range)
    {
        var rate = OrderStore.IdealRate(plant, o.MachineIds, o.Product);

        // What is still to make: a running order's remaining quantity, a finished one nothing more.
        var quantity = o.Status switch
        {
            OrderStatus.Running => p.RemainingQuantity,
            OrderStatus.Completed or OrderStatus.Cancelled => 0,
            _ => o.TargetQuantity,
        };
        var required = OrderProgressCalculator.RequiredSeconds(quantity, rate);
        var window = PlannedSeconds(plant.Calendar, o.PlannedStart, o.PlannedEnd);
        return new ScheduleItem(o.OrderId, o.Product, o.TargetQuantity, OrderNames.Of(o.Status), o.MachineIds, o.PlannedStart, o.PlannedEnd, o.ActualStart, o.ActualEnd,
            rate, required, window, o.PlannedStart >= range.From && o.PlannedEnd <= range.To, required is { } r && r <= window, p.GoodCount, p.PercentOfTarget);
    }

    /// <summary>Planned production time (the shift calendar's Production segments) in [from, to), in seconds.</summary>
    internal static double PlannedSeconds(ShiftCalendar calendar, DateTimeOffset from, DateTimeOffset to) =>
        calendar.Timeline(from, to).Where(s => s.Status == PlannedStatus.Production).Sum(s => s.Duration.TotalSeconds);
}
