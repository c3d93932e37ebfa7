using System.Text.Json;
using System.Text.Json.Nodes;
using Ms5.Analytics.Contracts;
using Ms5.Analytics.Orders;

namespace Ms5.Postgres;

/// <summary>An order's fields as order_history JSON (the API's property names), whole or only what changed.</summary>
internal static class OrderJson
{
    /// <summary>The order as the ms5.orders.v1 message's "order" object.</summary>
    public static JsonObject Snapshot(ProductionOrder o) =>
        JsonSerializer.SerializeToNode(OrderSnapshot.From(o), ContractJson.Default.OrderSnapshot)!.AsObject();

    /// <summary>The fields that differ: their old values and their new ones.</summary>
    public static (JsonObject Before, JsonObject After) Diff(ProductionOrder before, ProductionOrder after)
    {
        var a = Snapshot(before);
        var b = Snapshot(after);
        var old = new JsonObject();
        var now = new JsonObject();
        foreach (var (name, value) in b)
        {
            if (name != "version" && !JsonNode.DeepEquals(a[name], value))
            {
                old[name] = a[name]?.DeepClone();
                now[name] = value?.DeepClone();
            }
        }

        return (old, now);
    }
}
