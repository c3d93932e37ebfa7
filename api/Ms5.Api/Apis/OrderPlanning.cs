using System.Text.Json;
using Ms5.Analytics.Events;
using Ms5.Analytics.Orders;
using Ms5.Analytics.Plant;
using Ms5.Postgres;

namespace Ms5.Api.Apis;

/// <summary>The order APIs' checks that need the plant: which machines an order runs on, its product, its plan; and the audit text of a change.</summary>
internal static class OrderPlanning
{
    private static readonly TimeSpan MaxPlan = TimeSpan.FromDays(366);

    /// <summary>A line's active machines, or the named machines (all known, active and of one plant), and their plant.</summary>
    internal static async Task<(PlantConfig? Plant, IReadOnlyList<string> Machines)> ResolveMachinesAsync(
        OrderStore orders, PlantStore plants, string? lineId, IReadOnlyList<string>? machineIds, Dictionary<string, string[]> errors, CancellationToken ct)
    {
        var all = await plants.MachinesAsync(ct);
        List<MachineInfo> chosen;
        if (lineId is not null)
        {
            chosen = all.Where(m => m.LineId == lineId && m.Active).ToList();
            if (chosen.Count == 0)
            {
                errors["lineId"] = [$"'{OrderFields.Short(lineId)}' is not a line with active machines (see GET /api/machines)"];
                return (null, []);
            }
        }
        else
        {
            var known = all.ToDictionary(m => m.MachineId, StringComparer.Ordinal);
            var unknown = machineIds!.Where(m => !known.TryGetValue(m, out var info) || !info.Active).ToList();
            if (unknown.Count > 0)
            {
                errors["machineIds"] = [$"unknown or inactive machine(s): {OrderFields.Short(string.Join(", ", unknown))} (see GET /api/machines)"];
                return (null, []);
            }

            chosen = machineIds!.Select(m => known[m]).ToList();
            if (chosen.Select(m => m.PlantId).Distinct(StringComparer.Ordinal).Count() > 1)
            {
                errors["machineIds"] = [$"must all be on one plant; got {string.Join(", ", chosen.Select(m => $"{m.MachineId} ({m.PlantId})"))}"];
                return (null, []);
            }
        }

        var plant = await orders.PlantAsync(chosen[0].PlantId, ct);
        if (plant is null)
        {
            errors[lineId is null ? "machineIds" : "lineId"] = [$"plant '{chosen[0].PlantId}' is not loaded"];
        }

        return (plant, chosen.Select(m => m.MachineId).ToList());
    }

    internal static string? ProductText(JsonElement body, bool required, Dictionary<string, string[]> errors)
    {
        var product = JsonBody.Text(body, "product", required, errors);
        if (product is { Length: > EventParser.MaxProductLength })
        {
            errors["product"] = [$"must be at most {EventParser.MaxProductLength} characters"];
            return null;
        }

        return product;
    }

    internal static void CheckPlan(DateTimeOffset? start, DateTimeOffset? end, Dictionary<string, string[]> errors)
    {
        if (start is { } s && end is { } e)
        {
            if (e <= s)
            {
                errors["plannedEnd"] = ["must be after plannedStart"];
            }
            else if (e - s > MaxPlan)
            {
                errors["plannedEnd"] = [$"must be at most {MaxPlan.TotalDays:0} days after plannedStart"];
            }
        }
    }

    internal static string Changes(ProductionOrder before, ProductionOrder? after)
    {
        if (after is null)
        {
            return "";
        }

        var parts = new List<string>();
        void Add<T>(string name, T a, T b)
        {
            if (!EqualityComparer<T>.Default.Equals(a, b))
            {
                parts.Add($"{name}: {a} -> {b}");
            }
        }

        Add("product", before.Product, after.Product);
        Add("targetQuantity", before.TargetQuantity, after.TargetQuantity);
        Add("plannedStart", before.PlannedStart, after.PlannedStart);
        Add("plannedEnd", before.PlannedEnd, after.PlannedEnd);
        Add("note", before.Note, after.Note);
        return string.Join("; ", parts);
    }
}
