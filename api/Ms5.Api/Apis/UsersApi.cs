using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Ms5.Analytics.Access;
using Ms5.Api.Access;
using Ms5.Postgres.Access;
using Npgsql;

namespace Ms5.Api.Apis;

public sealed record UserResponse(string UserName, IReadOnlyList<string> Roles, bool LockedOut, DateTimeOffset? LockoutEnd, bool TwoFactorEnabled, DateTimeOffset? LastLoginAt, DateTimeOffset CreatedAt);

public sealed record UserListResponse(int Count, IReadOnlyList<UserResponse> Users);

/// <summary>
/// Accounts (admin): POST /api/users {userName, password, roles[]} → 201; GET /api/users; GET /api/users/{userName};
/// PUT /api/users/{userName}/roles {roles[]} (or the bare array); POST /api/users/{userName}/unlock; DELETE /api/users/{userName}.
/// A password that breaks a rule is a 400 naming the rule. The last administrator cannot be removed or demoted, and nobody
/// deletes their own account.
/// </summary>
internal static partial class UsersApi
{
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$")]
    private static partial Regex UserNamePattern();

    public static void MapUsersApi(this IEndpointRouteBuilder app)
    {
        var users = app.MapGroup("/api/users").WithTags("users").RequireAuthorization(AccessPolicies.Admin);
        users.MapPost("/", CreateAsync).WithName("CreateUser").WithSummary("Create an account with roles.")
            .Accepts<JsonElement>("application/json").Produces<UserResponse>(201).ProducesValidationProblem().ProducesProblem(409);
        users.MapGet("/", ListAsync).WithName("ListUsers").WithSummary("Every account.");
        users.MapGet("/{userName}", GetAsync).WithName("GetUser").WithSummary("One account: roles, lockedOut, twoFactorEnabled, lastLoginAt.").ProducesProblem(404);
        users.MapPut("/{userName}/roles", SetRolesAsync).WithName("SetUserRoles").WithSummary("Replace an account's roles (its sessions end).")
            .Accepts<JsonElement>("application/json").ProducesValidationProblem().ProducesProblem(404).ProducesProblem(409);
        users.MapPost("/{userName}/unlock", UnlockAsync).WithName("UnlockUser").WithSummary("Lift a lockout and reset the failed-attempt count.").ProducesProblem(404);
        users.MapDelete("/{userName}", DeleteAsync).WithName("DeleteUser").WithSummary("Delete an account (its sessions end).").ProducesProblem(404).ProducesProblem(409);
    }

    private static async Task<IResult> CreateAsync(HttpContext ctx, UserManager<Ms5User> users, AuditTrail audit, TimeProvider time)
    {
        var (body, bodyError) = await JsonBody.ReadObjectAsync(ctx.Request, "{\"userName\": \"jane\", \"password\": \"...\", \"roles\": [\"operator\"]}", ctx.RequestAborted);
        if (bodyError is not null)
        {
            return bodyError;
        }

        var errors = new Dictionary<string, string[]>();
        var userName = JsonBody.Text(body, "userName", required: true, errors);
        if (userName is not null && !UserNamePattern().IsMatch(userName))
        {
            errors["userName"] = ["must be 2-64 characters: letters, digits and . _ @ - (starting with a letter or digit)"];
        }

        string? password = null;
        if (!body.TryGetProperty("password", out var pw) || pw.ValueKind != JsonValueKind.String || pw.GetString() is not { Length: > 0 } p)
        {
            errors["password"] = ["is required (a string)"];
        }
        else
        {
            password = p;
        }

        var roles = Roles(body.TryGetProperty("roles", out var r) ? r : default, errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid user");
        }

        if (await users.FindByNameAsync(userName!) is not null)
        {
            await audit.RecordAsync(ctx, "user.create", userName!, "conflict");
            return TypedResults.Problem(statusCode: 409, title: "User exists", detail: $"there is already an account '{userName}'");
        }

        var user = new Ms5User { UserName = userName, CreatedAt = time.GetUtcNow() };
        var created = await users.CreateAsync(user, password!);
        if (!created.Succeeded)
        {
            await audit.RecordAsync(ctx, "user.create", userName!, "refused", string.Join("; ", created.Errors.Select(e => e.Code)));
            return PasswordProblem(created, "password");
        }

        await users.AddToRolesAsync(user, roles!);
        await audit.RecordAsync(ctx, "user.create", userName!, "success", "roles " + string.Join(",", roles!));
        return TypedResults.Created($"/api/users/{Uri.EscapeDataString(userName!)}", await DescribeAsync(users, user, time));
    }

    private static async Task<IResult> ListAsync(UserManager<Ms5User> users, TimeProvider time, CancellationToken ct)
    {
        var all = await users.Users.OrderBy(u => u.UserName).ToListAsync(ct);
        var list = new List<UserResponse>(all.Count);
        foreach (var u in all)
        {
            list.Add(await DescribeAsync(users, u, time));
        }

        return TypedResults.Ok(new UserListResponse(list.Count, list));
    }

    private static async Task<IResult> GetAsync(string userName, UserManager<Ms5User> users, TimeProvider time) =>
        await users.FindByNameAsync(userName) is { } user ? TypedResults.Ok(await DescribeAsync(users, user, time)) : NotFound(userName);

    private static async Task<IResult> SetRolesAsync(string userName, HttpContext ctx, UserManager<Ms5User> users, NpgsqlDataSource db, AuditTrail audit,
        OpaqueCredentials credentials, RevokedFamilies revoked, TimeProvider time)
    {
        if (await users.FindByNameAsync(userName) is not { } user)
        {
            return NotFound(userName);
        }

        JsonElement body;
        try
        {
            if (!ctx.Request.HasJsonContentType())
            {
                return TypedResults.Problem(statusCode: 415, title: "Unsupported media type", detail: "send JSON: {\"roles\": [\"operator\"]}");
            }

            using var doc = await JsonDocument.ParseAsync(ctx.Request.Body, cancellationToken: ctx.RequestAborted);
            body = doc.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            return TypedResults.Problem(statusCode: 400, title: "Invalid body", detail: $"not valid JSON: {ex.Message}");
        }

        var errors = new Dictionary<string, string[]>();
        var roles = Roles(body.ValueKind == JsonValueKind.Object ? (body.TryGetProperty("roles", out var r) ? r : default) : body, errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid roles");
        }

        var current = await users.GetRolesAsync(user);
        if (current.Contains(AccessRoles.Admin) && !roles!.Contains(AccessRoles.Admin) && (await users.GetUsersInRoleAsync(AccessRoles.Admin)).Count <= 1)
        {
            return TypedResults.Problem(statusCode: 409, title: "Last administrator", detail: $"'{userName}' is the only admin: make someone else admin first");
        }

        await users.RemoveFromRolesAsync(user, current.Except(roles!));
        await users.AddToRolesAsync(user, roles!.Except(current));
        await SessionStore.RevokeUserAsync(db, user.Id, time.GetUtcNow(), ctx.RequestAborted);
        credentials.Forget();
        revoked.ForgetAll();
        await audit.RecordAsync(ctx, "user.roles", userName, "success", $"{string.Join(",", current)} -> {string.Join(",", roles!)}");
        return TypedResults.Ok(await DescribeAsync(users, user, time));
    }

    private static async Task<IResult> UnlockAsync(string userName, HttpContext ctx, UserManager<Ms5User> users, AccessDbContext db, AuditTrail audit, TimeProvider time)
    {
        if (await users.FindByNameAsync(userName) is not { } user)
        {
            return NotFound(userName);
        }

        await db.Users.Where(u => u.Id == user.Id).ExecuteUpdateAsync(s => s.SetProperty(u => u.AccessFailedCount, 0).SetProperty(u => u.LockoutEnd, (DateTimeOffset?)null));
        await audit.RecordAsync(ctx, "user.unlock", userName, "success");
        // ExecuteUpdate bypasses the change tracker: the tracked account still shows the lockout until reloaded.
        await db.Entry(user).ReloadAsync();
        return TypedResults.Ok(await DescribeAsync(users, user, time));
    }

    private static async Task<IResult> DeleteAsync(string userName, HttpContext ctx, UserManager<Ms5User> users, AuditTrail audit, OpaqueCredentials credentials, RevokedFamilies revoked)
    {
        if (await users.FindByNameAsync(userName) is not { } user)
        {
            return NotFound(userName);
        }

        if (ctx.User.UserId() == user.Id)
        {
            return TypedResults.Problem(statusCode: 409, title: "Own account", detail: "you cannot delete the account you are signed in with");
        }

        if (await users.IsInRoleAsync(user, AccessRoles.Admin) && (await users.GetUsersInRoleAsync(AccessRoles.Admin)).Count <= 1)
        {
            return TypedResults.Problem(statusCode: 409, title: "Last administrator", detail: $"'{userName}' is the only admin: make someone else admin first");
        }

        await users.DeleteAsync(user);
        credentials.Forget();
        revoked.ForgetAll();
        await audit.RecordAsync(ctx, "user.delete", userName, "success");
        return TypedResults.NoContent();
    }

    /// <summary>A non-empty array of known role names (duplicates dropped), else an error on "roles".</summary>
    private static List<string>? Roles(JsonElement value, Dictionary<string, string[]> errors)
    {
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() == 0)
        {
            errors["roles"] = [$"must be a non-empty array of roles: {string.Join(", ", AccessRoles.All)}"];
            return null;
        }

        var roles = new List<string>();
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || !AccessRoles.IsKnown(item.GetString()!))
            {
                errors["roles"] = [$"'{(item.ValueKind == JsonValueKind.String ? Short(item.GetString()!) : item.ValueKind.ToString())}' is not a role; roles: {string.Join(", ", AccessRoles.All)}"];
                return null;
            }

            if (!roles.Contains(item.GetString()!))
            {
                roles.Add(item.GetString()!);
            }
        }

        return roles;
    }

    internal static IResult PasswordProblem(IdentityResult result, string field) =>
        TypedResults.ValidationProblem(
            new Dictionary<string, string[]> { [field] = result.Errors.Select(e => $"{e.Description} (rule {e.Code})").ToArray() },
            title: "Password refused", detail: "the password breaks: " + string.Join(", ", result.Errors.Select(e => e.Code)));

    private static async Task<UserResponse> DescribeAsync(UserManager<Ms5User> users, Ms5User u, TimeProvider time) =>
        new(u.UserName!, (await users.GetRolesAsync(u)).OrderBy(AccessRoles.Rank).ToList(), u.LockoutEnd > time.GetUtcNow(), u.LockoutEnd > time.GetUtcNow() ? u.LockoutEnd : null,
            u.TwoFactorEnabled, u.LastLoginAt, u.CreatedAt);

    private static IResult NotFound(string userName) =>
        TypedResults.Problem(statusCode: 404, title: "Unknown user", detail: $"no account '{Short(userName)}'");

    private static string Short(string s) => s.Length <= 64 ? s : string.Concat(s.AsSpan(0, 61), "...");
}
