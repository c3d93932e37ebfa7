using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Ms5.Analytics.Access;
using Ms5.Analytics.Orders;
using Ms5.Api.Access;
using Ms5.Postgres;

namespace Ms5.Api.Apis;

/// <summary>
/// Production orders (README "Production orders"): POST /api/orders creates one (planned) for a line or for machines;
/// GET /api/orders[?plant=&amp;line=&amp;machine=&amp;status=&amp;from=&amp;to=&amp;limit=] and GET /api/orders/{id} return orders with
/// their progress (summed from the OEE minute components); PUT /api/orders/{id} changes target, plan, product or note
/// while planned or released; GET /api/orders/{id}/history lists every change. Lifecycle transitions are in
/// <see cref="OrderTransitionsApi"/>. Every change is audited and written to the order's history (the ms5.orders.v1 outbox).
/// </summary>
internal static class OrdersApi
{
    private static readonly string[] CreateFields = ["orderId", "product", "targetQuantity", "lineId", "machineIds", "plannedStart", "plannedEnd", "note", "at"];
    private static readonly string[] EditFields = ["product", "targetQuantity", "plannedStart", "plannedEnd", "note", "version", "at"];
    private static readonly string[] ListParams = ["plant", "line", "machine", "status", "from", "to", "limit"];

    internal const string Example = """{"orderId": "PO-4711", "product": "bracket-a", "targetQuantity": 20000, "machineIds": ["press-01"], "plannedStart": "2026-11-26T06:00:00Z", "plannedEnd": "2026-11-26T14:00:00Z"}""";

    public static void MapOrdersApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/orders", ListAsync).RequireAuthorization(AccessPolicies.Read).WithName("ListOrders").WithTags("orders")
            .WithSummary("Production orders by planned start, each with its progress.").ProducesValidationProblem();
        app.MapPost("/api/orders", CreateAsync).RequireAuthorization(AccessPolicies.Planning).WithName("CreateOrder").WithTags("orders")
            .WithSummary("Plan a production order for a line or for machines.").Accepts<JsonElement>("application/json")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        app.MapGet("/api/orders/{id}", GetAsync).RequireAuthorization(AccessPolicies.Read).WithName("GetOrder").WithTags("orders")
            .WithSummary("One production order with its progress.").ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        app.MapPut("/api/orders/{id}", UpdateAsync).RequireAuthorization(AccessPolicies.Planning).WithName("UpdateOrder").WithTags("orders")
            .WithSummary("Change a planned or released order's target, plan, product or note.").Accepts<JsonElement>("application/json")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        app.MapGet("/api/orders/{id}/history", HistoryAsync).RequireAuthorization(AccessPolicies.Read).WithName("GetOrderHistory").WithTags("orders")
            .WithSummary("Every change of an order: what, when (business time and recorded), by whom.").ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        app.MapOrderTransitionsApi();
    }

    private static async Task<Results<Ok<OrderListResponse>, ValidationProblem>> ListAsync(HttpRequest request, OrderStore orders, TimeProvider time, CancellationToken ct)
    {
        var q = request.Query;
        var errors = new Dictionary<string, string[]>();
        foreach (var k in q.Keys.Where(k => !ListParams.Contains(k)))
        {
            errors[k] = [$"unknown parameter; allowed: {string.Join(", ", ListParams)}"];
        }

        OrderStatus? status = null;
        if (q["status"].ToString() is { Length: > 0 } s && (status = OrderNames.ParseStatus(s)) is null)
        {
            errors["status"] = [$"must be one of {string.Join(", ", OrderNames.Statuses.Select(OrderNames.Of))}, got '{OrderFields.Short(s)}'"];
        }

        DateTimeOffset? from = q["from"].ToString() is { Length: > 0 } f ? QueryParams.Instant(f, "from", errors) : null;
        DateTimeOffset? to = q["to"].ToString() is { Length: > 0 } t ? QueryParams.Instant(t, "to", errors) : null;
        if (from is { } a && to is { } b && b <= a)
        {
            errors["to"] = ["must be after from"];
        }

        var limit = 200;
        if (q["limit"].ToString() is { Length: > 0 } l && (!int.TryParse(l, out limit) || limit < 1 || limit > 1000))
        {
            errors["limit"] = [$"must be a whole number from 1 to 1000, got '{OrderFields.Short(l)}'"];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid query for GET /api/orders");
        }

        var list = await orders.ListAsync(new OrderFilter(Text(q["plant"]), Text(q["line"]), Text(q["machine"]), status, from, to, limit), ct);
        return TypedResults.Ok(new OrderListResponse(await WithProgressAsync(orders, list, time.GetUtcNow(), ct)));
    }

    private static async Task<Results<Ok<OrderResponse>, ValidationProblem, ProblemHttpResult>> GetAsync(string id, OrderStore orders, TimeProvider time, CancellationToken ct)
    {
        if (BadId(id) is { } bad)
        {
            return bad;
        }

        return await orders.GetAsync(id, ct) is { } stored
            ? TypedResults.Ok(await WithProgressAsync(orders, stored, time.GetUtcNow(), ct))
            : NotFound(id);
    }

    private static async Task<Results<Created<OrderResponse>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        HttpRequest request, OrderStore orders, PlantStore plants, ApiOptions options, AuditTrail audit, TimeProvider time, CancellationToken ct)
    {
        var (body, bodyError) = await JsonBody.ReadObjectAsync(request, Example, ct);
        if (bodyError is not null)
        {
            return bodyError;
        }

        var now = time.GetUtcNow();
        var errors = new Dictionary<string, string[]>();
        OrderFields.RejectUnknown(body, CreateFields, errors);
        var orderId = JsonBody.Text(body, "orderId", required: true, errors);
        if (orderId is not null && !OrderIds.IsValid(orderId))
        {
            errors["orderId"] = ["must start with a letter or digit and hold only letters, digits, '.', '_', ':' or '-' (at most 128)"];
        }

        var product = OrderPlanning.ProductText(body, required: true, errors);
        var target = OrderFields.Quantity(body, "targetQuantity", required: true, errors);
        var lineId = JsonBody.Text(body, "lineId", required: false, errors);
        var machineIds = OrderFields.Ids(body, "machineIds", errors);
        if (!errors.ContainsKey("lineId") && !errors.ContainsKey("machineIds") && (lineId is null) == (machineIds is null))
        {
            errors[lineId is null ? "lineId" : "machineIds"] = ["give exactly one of lineId (the line's active machines) or machineIds"];
        }

        var start = OrderFields.Instant(body, "plannedStart", required: true, errors);
        var end = OrderFields.Instant(body, "plannedEnd", required: true, errors);
        OrderPlanning.CheckPlan(start, end, errors);
        var note = JsonBody.Text(body, "note", required: false, errors);
        var at = OrderFields.At(body, now, options.MaxClockSkew, errors);
        if (errors.Count > 0)
        {
            return Invalid(errors, "Invalid order");
        }

        var (plant, machines) = await OrderPlanning.ResolveMachinesAsync(orders, plants, lineId, machineIds, errors, ct);
        if (errors.Count > 0)
        {
            return Invalid(errors, "Invalid order");
        }

        var order = new ProductionOrder
        {
            OrderId = orderId!, PlantId = plant!.PlantId, Product = product!, TargetQuantity = target!.Value, LineId = lineId, MachineIds = machines,
            PlannedStart = start!.Value.ToUniversalTime(), PlannedEnd = end!.Value.ToUniversalTime(), Note = note,
        };
        var by = request.HttpContext.User.Actor();
        var write = await orders.CreateAsync(order, by, at, ct);
        await audit.RecordAsync(request.HttpContext, "order.create", order.OrderId, Outcome(write),
            $"{order.Product} × {order.TargetQuantity} on {string.Join(",", order.MachineIds)}");
        return write.Outcome switch
        {
            OrderWriteOutcome.Done => TypedResults.Created($"/api/orders/{Uri.EscapeDataString(order.OrderId)}", await WithProgressAsync(orders, write.Order!, now, ct)),
            OrderWriteOutcome.Duplicate => Conflict("Duplicate order id", $"order '{order.OrderId}' exists already", null),
            _ => OverlapConflict(write.Conflict!),
        };
    }

    private static async Task<Results<Ok<OrderResponse>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        string id, HttpRequest request, OrderStore orders, ApiOptions options, AuditTrail audit, TimeProvider time, CancellationToken ct)
    {
        if (BadId(id) is { } bad)
        {
            return bad;
        }

        var (body, bodyError) = await JsonBody.ReadObjectAsync(request, """{"targetQuantity": 25000}""", ct);
        if (bodyError is not null)
        {
            return bodyError;
        }

        var now = time.GetUtcNow();
        var errors = new Dictionary<string, string[]>();
        OrderFields.RejectUnknown(body, EditFields, errors, name => name is "orderId" or "lineId" or "machineIds" or "status" or "actualStart" or "actualEnd"
            ? $"cannot be changed here (status: POST /api/orders/{{id}}/release|start|complete|cancel; machines: cancel and plan a new order)"
            : null);
        var product = OrderPlanning.ProductText(body, required: false, errors);
        var target = OrderFields.Quantity(body, "targetQuantity", required: false, errors);
        var start = OrderFields.Instant(body, "plannedStart", required: false, errors);
        var end = OrderFields.Instant(body, "plannedEnd", required: false, errors);
        var note = JsonBody.Text(body, "note", required: false, errors);
        int? version = null;
        if (OrderFields.Has(body, "version"))
        {
            version = body.GetProperty("version") is { ValueKind: JsonValueKind.Number } v && v.TryGetInt32(out var n) && n > 0 ? n : null;
            if (version is null)
            {
                errors["version"] = ["must be the order's version (a positive whole number) from GET /api/orders/{id}"];
            }
        }

        var at = OrderFields.At(body, now, options.MaxClockSkew, errors);
        if (errors.Count == 0 && product is null && target is null && start is null && end is null && note is null)
        {
            errors["$"] = ["change at least one of product, targetQuantity, plannedStart, plannedEnd, note"];
        }

        if (errors.Count > 0)
        {
            return Invalid(errors, "Invalid order change");
        }

        if (await orders.GetAsync(id, ct) is not { } stored)
        {
            return NotFound(id);
        }

        OrderPlanning.CheckPlan(start ?? stored.Order.PlannedStart, end ?? stored.Order.PlannedEnd, errors);
        if (errors.Count > 0)
        {
            return Invalid(errors, "Invalid order change");
        }

        var write = await orders.UpdateAsync(id, new OrderEdit(product, target, start?.ToUniversalTime(), end?.ToUniversalTime(), note), request.HttpContext.User.Actor(), at, version, ct);
        await audit.RecordAsync(request.HttpContext, "order.update", id, Outcome(write), OrderPlanning.Changes(stored.Order, write.Order?.Order));
        return write.Outcome switch
        {
            OrderWriteOutcome.Done => TypedResults.Ok(await WithProgressAsync(orders, write.Order!, now, ct)),
            OrderWriteOutcome.NotFound => NotFound(id),
            OrderWriteOutcome.VersionMismatch => Conflict("Order changed meanwhile", $"order '{id}' is at version {write.Order!.Order.Version}, not {version}; read it again", write.Order.Order),
            OrderWriteOutcome.NotFromStatus => StatusConflict(write.Order!.Order, "changed", "planned, released"),
            OrderWriteOutcome.PlanInverted => Invalid(
                new Dictionary<string, string[]> { ["plannedEnd"] = [$"must be after plannedStart (the order is now planned {write.Order!.Order.PlannedStart:O} to {write.Order.Order.PlannedEnd:O})"] },
                "Invalid order change"),
            _ => OverlapConflict(write.Conflict!),
        };
    }

    private static async Task<Results<Ok<OrderHistoryResponse>, ValidationProblem, ProblemHttpResult>> HistoryAsync(string id, OrderStore orders, CancellationToken ct)
    {
        if (BadId(id) is { } bad)
        {
            return bad;
        }

        var history = await orders.HistoryAsync(id, ct);
        if (history.Count == 0)
        {
            return NotFound(id);
        }

        return TypedResults.Ok(new OrderHistoryResponse(id, history.Select(h => new OrderHistoryItem(h.Seq, h.Kind, h.At, h.RecordedAt, h.Actor,
            h.BeforeJson is null ? null : JsonDocument.Parse(h.BeforeJson).RootElement.Clone(), JsonDocument.Parse(h.AfterJson).RootElement.Clone())).ToList()));
    }

    internal static async Task<OrderResponse> WithProgressAsync(OrderStore orders, StoredOrder stored, DateTimeOffset now, CancellationToken ct) =>
        OrderResponse.From(stored, await orders.ProgressAsync(stored.Order, now, ct));

    private static async Task<IReadOnlyList<OrderResponse>> WithProgressAsync(OrderStore orders, IReadOnlyList<StoredOrder> list, DateTimeOffset now, CancellationToken ct)
    {
        var progress = await orders.ProgressAsync(list.Select(s => s.Order).ToList(), now, ct);
        return list.Select((s, i) => OrderResponse.From(s, progress[i])).ToList();
    }

    internal static string Outcome(OrderWrite write) => write.Ok ? "success" : write.Outcome switch
    {
        OrderWriteOutcome.NotFound => "not_found",
        OrderWriteOutcome.Duplicate => "duplicate",
        OrderWriteOutcome.PlanOverlap => "plan_overlap",
        OrderWriteOutcome.RunningConflict => "running_conflict",
        OrderWriteOutcome.EndConflict => "end_conflict",
        OrderWriteOutcome.NotFromStatus => "wrong_status",
        OrderWriteOutcome.BeforePreviousTransition => "before_start",
        OrderWriteOutcome.PlanInverted => "invalid_plan",
        _ => "version_mismatch",
    };

    internal static ValidationProblem? BadId(string id) => OrderIds.IsValid(id)
        ? null
        : TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["id"] = [$"'{OrderFields.Short(id)}' is not an order id"] }, title: "Invalid order id");

    internal static ValidationProblem Invalid(Dictionary<string, string[]> errors, string title) => TypedResults.ValidationProblem(errors, title: title);

    internal static ProblemHttpResult NotFound(string id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown order", detail: $"no order '{OrderFields.Short(id)}'");

    internal static ProblemHttpResult Conflict(string title, string detail, ProductionOrder? conflicting, Dictionary<string, object?>? more = null)
    {
        var ext = more ?? [];
        if (conflicting is not null)
        {
            ext["conflictingOrderId"] = conflicting.OrderId;
            ext["conflictingStatus"] = OrderNames.Of(conflicting.Status);
        }

        return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: title, detail: detail, extensions: ext);
    }

    internal static ProblemHttpResult StatusConflict(ProductionOrder order, string verb, string allowedFrom) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Not allowed in this status",
            detail: $"order '{order.OrderId}' is {OrderNames.Of(order.Status)}; it can be {verb} only while {allowedFrom}",
            extensions: new Dictionary<string, object?> { ["status"] = OrderNames.Of(order.Status) });

    private static ProblemHttpResult OverlapConflict(ProductionOrder other) =>
        Conflict("Overlapping plan", $"order '{other.OrderId}' ({OrderNames.Of(other.Status)}) is planned on a common machine ({string.Join(", ", other.MachineIds)}) "
            + $"from {other.PlannedStart:O} to {other.PlannedEnd:O}", other);

    private static string? Text(Microsoft.Extensions.Primitives.StringValues v) => v.ToString() is { Length: > 0 } s ? s : null;
}
