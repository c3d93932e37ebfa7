using Ms5.Analytics.Access;
using Microsoft.AspNetCore.Http.HttpResults;
using Ms5.Postgres;

namespace Ms5.Api.Apis;

/// <summary>GET /api/machines: the plant's machines with their line and ideal cycle time.</summary>
internal static class MachinesApi
{
    public static void MapMachinesApi(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/machines", ListAsync)
            .RequireAuthorization(AccessPolicies.Read).WithName("ListMachines").WithTags("plant").WithSummary("All configured machines, by line.");

    private static async Task<Ok<MachinesResponse>> ListAsync(PlantStore plants, CancellationToken ct)
    {
        var machines = await plants.MachinesAsync(ct);
        return TypedResults.Ok(new MachinesResponse(machines.Count, machines));
    }
}

public sealed record MachinesResponse(int Count, IReadOnlyList<MachineInfo> Machines);
