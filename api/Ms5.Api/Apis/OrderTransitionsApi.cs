using Microsoft.AspNetCore.Http.HttpResults;
using Ms5.Analytics.Access;
using Ms5.Analytics.Orders;
using Ms5.Api.Access;
using Ms5.Postgres;

namespace Ms5.Api.Apis;

/// <summary>
/// POST /api/orders/{id}/release, /start, /complete and /cancel with an optional body {"at": ISO-8601} (business time,
/// default now; may lie in the past so orders can be recorded after the fact, never before the order's previous
/// transition). 409 when the status does not allow it (naming the status) or, for start, when another order runs on a
/// common machine (naming it).
/// </summary>
internal static class OrderTransitionsApi
{
    public static void MapOrderTransitionsApi(this IEndpointRouteBuilder app)
    {
        foreach (var action in Enum.GetValues<OrderAction>())
        {
            var name = OrderNames.Of(action);
            app.MapPost($"/api/orders/{{id}}/{name}", (string id, HttpRequest r, OrderStore o, ApiOptions opt, AuditTrail a, TimeProvider t, CancellationToken ct) =>
                    TransitionAsync(id, action, r, o, opt, a, t, ct))
                .RequireAuthorization(AccessPolicies.Planning).WithName($"{char.ToUpperInvariant(name[0])}{name[1..]}Order").WithTags("orders")
                .WithSummary(Summary(action)).Accepts<System.Text.Json.JsonElement>("application/json")
                .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
                .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        }
    }

    private static string Summary(OrderAction action) => action switch
    {
        OrderAction.Release => "Release a planned order to the floor.",
        OrderAction.Start => "Start a planned or released order (one running order per machine).",
        OrderAction.Complete => "Complete a running order.",
        _ => "Cancel an order that is not finished.",
    };

    private static async Task<Results<Ok<OrderResponse>, ValidationProblem, ProblemHttpResult>> TransitionAsync(
        string id, OrderAction action, HttpRequest request, OrderStore orders, ApiOptions options, AuditTrail audit, TimeProvider time, CancellationToken ct)
    {
        if (OrdersApi.BadId(id) is { } bad)
        {
            return bad;
        }

        var (body, bodyError) = await OrderFields.OptionalObjectAsync(request, """{"at": "2026-11-26T06:00:00Z"}""", ct);
        if (bodyError is not null)
        {
            return bodyError;
        }

        var now = time.GetUtcNow();
        var errors = new Dictionary<string, string[]>();
        OrderFields.RejectUnknown(body, ["at"], errors);
        var at = OrderFields.At(body, now, options.MaxClockSkew, errors).ToUniversalTime();
        if (errors.Count > 0)
        {
            return OrdersApi.Invalid(errors, $"Invalid order {OrderNames.Of(action)}");
        }

        var write = await orders.TransitionAsync(id, action, at, request.HttpContext.User.Actor(), ct);
        await audit.RecordAsync(request.HttpContext, $"order.{OrderNames.Of(action)}", id, OrdersApi.Outcome(write), $"at {at:O}");
        return write.Outcome switch
        {
            OrderWriteOutcome.Done => TypedResults.Ok(await OrdersApi.WithProgressAsync(orders, write.Order!, now, ct)),
            OrderWriteOutcome.NotFound => OrdersApi.NotFound(id),
            OrderWriteOutcome.NotFromStatus => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Not allowed in this status",
                detail: $"order '{id}' is {OrderNames.Of(write.Order!.Order.Status)}; {OrderNames.Of(action)} is allowed only from "
                    + string.Join(" or ", OrderLifecycle.AllowedFrom(action).Select(OrderNames.Of)),
                extensions: new Dictionary<string, object?> { ["status"] = OrderNames.Of(write.Order.Order.Status) }),
            OrderWriteOutcome.BeforePreviousTransition => OrdersApi.Invalid(
                new Dictionary<string, string[]> { ["at"] = [$"must not precede the order's actual start at {write.Order!.Order.ActualStart:O}"] },
                $"Invalid order {OrderNames.Of(action)}"),
            OrderWriteOutcome.EndConflict => OrdersApi.Conflict("Machine busy",
                $"order '{write.Conflict!.OrderId}' started on {string.Join(", ", write.Conflict.MachineIds)} at {write.Conflict.ActualStart:O}, after this order's start and before {at:O}: end this order before it",
                write.Conflict),
            _ => OrdersApi.Conflict("Machine busy", RunningDetail(write.Conflict!, at), write.Conflict),
        };
    }

    private static string RunningDetail(ProductionOrder other, DateTimeOffset at) => other.Status == OrderStatus.Running
        ? $"order '{other.OrderId}' is running on {string.Join(", ", other.MachineIds)} since {other.ActualStart:O}: one running order per machine"
        : $"order '{other.OrderId}' ran on {string.Join(", ", other.MachineIds)} from {other.ActualStart:O} to {other.ActualEnd:O}, which holds {at:O}";
}
