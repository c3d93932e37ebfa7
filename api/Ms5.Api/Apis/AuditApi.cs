using Ms5.Analytics.Access;
using Ms5.Postgres.Access;
using Npgsql;

namespace Ms5.Api.Apis;

public sealed record AuditListResponse(int Count, IReadOnlyList<AuditEntry> Entries);

/// <summary>
/// GET /api/audit?from=&amp;to=&amp;user=&amp;action=&amp;limit= (admin): the audit trail, newest first. action matches exactly, or as
/// a prefix when it ends in '.' (action=andon. for every Andon action).
/// </summary>
internal static class AuditApi
{
    private static readonly string[] Allowed = ["from", "to", "user", "action", "limit"];

    public static void MapAuditApi(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/audit", GetAsync).WithName("GetAudit").WithTags("users").RequireAuthorization(AccessPolicies.Admin)
            .WithSummary("The audit trail: logins, lockouts, user/role/key changes, Andon actions, calendar changes, reports.").ProducesValidationProblem();

    private static async Task<IResult> GetAsync(HttpRequest request, NpgsqlDataSource db, CancellationToken ct)
    {
        var q = request.Query;
        var errors = new Dictionary<string, string[]>();
        if (q.Keys.Where(k => !Allowed.Contains(k)).ToList() is { Count: > 0 } unknown)
        {
            errors["query"] = [$"unknown parameter(s): {string.Join(", ", unknown)}; allowed: {string.Join(", ", Allowed)}"];
        }

        DateTimeOffset? from = q["from"].ToString() is { Length: > 0 } f ? QueryParams.Instant(f, "from", errors) : null;
        DateTimeOffset? to = q["to"].ToString() is { Length: > 0 } t ? QueryParams.Instant(t, "to", errors) : null;
        if (from is { } a && to is { } b && b <= a)
        {
            errors["to"] = ["must be after from"];
        }

        var user = q["user"].ToString() is { Length: > 0 } u ? u : null;
        var action = q["action"].ToString() is { Length: > 0 } x ? x : null;
        if (user is { Length: > 256 } || action is { Length: > 100 })
        {
            errors["user"] = ["user must be at most 256 and action at most 100 characters"];
        }

        var limit = 500;
        if (q["limit"].ToString() is { Length: > 0 } l && (!int.TryParse(l, out limit) || limit is < 1 or > 10_000))
        {
            errors["limit"] = [$"must be a whole number from 1 to 10000, got '{(l.Length > 20 ? l[..20] + "..." : l)}'"];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid query for /api/audit");
        }

        var entries = await AuditStore.QueryAsync(db, from, to, user, action, limit, ct);
        return TypedResults.Ok(new AuditListResponse(entries.Count, entries));
    }
}
