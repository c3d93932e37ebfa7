using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Ms5.Analytics.Access;
using Ms5.Analytics.Assignments;
using Ms5.Api.Access;
using Ms5.Postgres;
using Npgsql;

namespace Ms5.Api.Apis;

public sealed record AssignmentResponse(string Day, string Shift, string MachineId, string LineId, string? UserName, DateTimeOffset? AssignedAt, string? AssignedBy)
{
    internal static AssignmentResponse From(Assignment a) =>
        new(DayText(a.Day), a.Shift, a.MachineId, a.LineId, a.UserName, a.AssignedAt, a.AssignedBy);

    internal static string DayText(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}

/// <summary>PUT's answer: the assignment as it is now (userName null: nobody) and who was assigned before.</summary>
public sealed record AssignmentChangeResponse(AssignmentResponse Assignment, string? PreviousUserName, bool Changed);

public sealed record AssignmentListResponse(IReadOnlyList<AssignmentResponse> Items);

/// <summary>
/// Operator assignments: who runs which machine in which shift. PUT /api/assignments {day, shift, machineId, userName}
/// (supervisor) assigns an account to a machine for one shift (day = the plant's local day the shift starts on, shift =
/// a shift name of the plant's calendar that runs that day); userName null removes the assignment. Each change is kept
/// in assignment_history and audited (assignment.set, assignment.clear); a PUT that changes nothing records nothing.
/// GET /api/assignments[?day=&amp;shift=&amp;line=] lists them (day defaults to each plant's current production day).
/// Andons raised on a machine carry the operator assigned for the shift in force then (AndonStore).
/// </summary>
internal static class AssignmentsApi
{
    private const string Example = """{"day":"2026-11-30","shift":"early","machineId":"press-01","userName":"jane"}""";

    public static void MapAssignmentsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/assignments", ListAsync).RequireAuthorization(AccessPolicies.Read).WithName("ListAssignments").WithTags("assignments")
            .WithSummary("Operator assignments of a production day (default: the current one), optionally of one shift and line.")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        app.MapPut("/api/assignments", PutAsync).RequireAuthorization(AccessPolicies.Planning).WithName("PutAssignment").WithTags("assignments")
            .WithSummary("Assign an operator to a machine for one shift (userName null removes the assignment).").Accepts<JsonElement>("application/json")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
    }

    private static async Task<Results<Ok<AssignmentListResponse>, ValidationProblem, ProblemHttpResult>> ListAsync(
        HttpRequest request, NpgsqlDataSource db, PlantDirectory plants, TimeProvider time, CancellationToken ct)
    {
        var q = request.Query;
        var errors = new Dictionary<string, string[]>();
        var unknown = q.Keys.Where(k => k is not ("day" or "shift" or "line")).ToList();
        if (unknown.Count > 0)
        {
            errors["query"] = [$"unknown parameter(s): {string.Join(", ", unknown)}; allowed: day, shift, line"];
        }

        DateOnly? day = q["day"].ToString() is { Length: > 0 } dayText ? ParseDay(dayText, errors) : null;
        var shift = q["shift"].ToString() is { Length: > 0 } s ? s : null;
        var line = q["line"].ToString() is { Length: > 0 } l ? l : null;
        await plants.RefreshAsync(PlantDirectory.FreshEnough, ct);
        var calendars = plants.All.GroupBy(m => m.PlantId).ToDictionary(g => g.Key, g => g.First().Calendar, StringComparer.Ordinal);
        if (shift is not null && !calendars.Values.Any(c => c.Shifts.Any(p => p.Name == shift)))
        {
            errors["shift"] = [$"'{Short(shift)}' is not a shift of the plant; shifts: {string.Join(", ", calendars.Values.SelectMany(c => c.Shifts.Select(p => p.Name)).Distinct())}"];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid query for /api/assignments");
        }

        if (line is not null && !plants.All.Any(m => m.LineId == line))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown line", detail: $"line '{Short(line)}' is not in the plant configuration (see GET /api/machines)");
        }

        var now = time.GetUtcNow();
        var days = calendars.Select(c => (c.Key, day ?? ShiftSlot.ProductionDay(c.Value, now))).ToList();
        var list = await AssignmentStore.ListAsync(db, days, shift, line, ct);
        return TypedResults.Ok(new AssignmentListResponse(list.Select(AssignmentResponse.From).ToList()));
    }

    private static async Task<Results<Ok<AssignmentChangeResponse>, ValidationProblem, ProblemHttpResult>> PutAsync(
        HttpRequest request, NpgsqlDataSource db, PlantDirectory plants, UserManager<Ms5User> users, AuditTrail audit, TimeProvider time, CancellationToken ct)
    {
        var (body, bodyError) = await JsonBody.ReadObjectAsync(request, Example, ct);
        if (bodyError is not null)
        {
            return bodyError;
        }

        var errors = new Dictionary<string, string[]>();
        var unknown = body.EnumerateObject().Select(p => p.Name).Where(n => n is not ("day" or "shift" or "machineId" or "userName")).ToList();
        if (unknown.Count > 0)
        {
            errors["$"] = [$"unknown field(s): {string.Join(", ", unknown)}; allowed: day, shift, machineId, userName"];
        }

        var dayText = JsonBody.Text(body, "day", required: true, errors);
        var day = dayText is null ? null : ParseDay(dayText, errors);
        var shift = JsonBody.Text(body, "shift", required: true, errors);
        var machineId = JsonBody.Text(body, "machineId", required: true, errors);
        if (!body.TryGetProperty("userName", out _))
        {
            errors["userName"] = ["is required: an account's user name, or null to remove the assignment"];
        }

        var userName = JsonBody.Text(body, "userName", required: false, errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid assignment");
        }

        await plants.RefreshAsync(PlantDirectory.FreshEnough, ct);
        if (await plants.FindAsync(machineId!, ct) is not { } machine)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown machine", detail: $"machine '{Short(machineId!)}' is not in the plant configuration (see GET /api/machines)");
        }

        if (ShiftSlot.Problem(machine.Calendar, day!.Value, shift!) is { } shiftProblem)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["shift"] = [shiftProblem] }, title: "Invalid assignment");
        }

        string? canonical = null;
        if (userName is not null)
        {
            if (await users.FindByNameAsync(userName) is not { UserName: { } found })
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown user", detail: $"there is no account '{Short(userName)}' (see GET /api/users)");
            }

            canonical = found;
        }

        var slot = new ShiftSlot(day.Value, shift!);
        // PostgreSQL keeps microseconds: answer with the instant as it is stored.
        var now = time.GetUtcNow();
        now = now.AddTicks(-(now.UtcTicks % 10));
        var actor = request.HttpContext.User.Actor();
        var change = await AssignmentStore.SetAsync(db, slot, machine.PlantId, machine.LineId, machine.MachineId, canonical, actor, now, ct);
        if (change.Changed)
        {
            var target = $"{machine.MachineId} {AssignmentResponse.DayText(slot.Day)} {slot.Shift}";
            await audit.RecordAsync(request.HttpContext, canonical is null ? "assignment.clear" : "assignment.set", target, "success",
                $"{change.Before ?? "(nobody)"} -> {change.After ?? "(nobody)"}");
        }

        var response = new AssignmentResponse(AssignmentResponse.DayText(slot.Day), slot.Shift, machine.MachineId, machine.LineId, canonical,
            canonical is null ? null : now, canonical is null ? null : actor);
        if (!change.Changed && canonical is not null)
        {
            // Unchanged: answer with the stored assignment (its original time and author).
            var stored = await AssignmentStore.ListAsync(db, [(machine.PlantId, slot.Day)], slot.Shift, machine.LineId, ct);
            if (stored.FirstOrDefault(a => a.MachineId == machine.MachineId) is { } a)
            {
                response = AssignmentResponse.From(a);
            }
        }

        return TypedResults.Ok(new AssignmentChangeResponse(response, change.Before, change.Changed));
    }

    private static DateOnly? ParseDay(string text, Dictionary<string, string[]> errors)
    {
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            return day;
        }

        errors["day"] = [$"must be a date yyyy-MM-dd (the plant's local day the shift starts on), got '{Short(text)}'"];
        return null;
    }

    private static string Short(string s) => s.Length <= 64 ? s : string.Concat(s.AsSpan(0, 61), "...");
}
