namespace Ms5.Analytics.Access;

/// <summary>
/// The named authorization policies of the API and who passes each: a human account by its roles
/// (<see cref="AccessRoles"/>, ranked), an API key by its scopes (<see cref="ApiScopes"/>, listed per policy).
/// Unknown roles and scopes never pass; an unknown policy name is a programming error and throws.
/// </summary>
public static class AccessPolicies
{
    /// <summary>The shop-floor board.</summary>
    public const string Board = "board";

    /// <summary>Reading OEE, Andons, reports and plant data.</summary>
    public const string Read = "read";

    /// <summary>Pulling and acknowledging Andons.</summary>
    public const string AndonOperate = "andon.operate";

    /// <summary>Resolving Andons.</summary>
    public const string AndonResolve = "andon.resolve";

    /// <summary>Editing the shift calendar (holidays, extra working days).</summary>
    public const string CalendarWrite = "calendar.write";

    /// <summary>Planning production: production orders (create, release, start, complete, cancel) and operator assignments.</summary>
    public const string Planning = "planning";

    /// <summary>Creating and changing report schedules and deliveries.</summary>
    public const string ReportsWrite = "reports.write";

    /// <summary>The machine-learning features.</summary>
    public const string Ml = "ml";

    /// <summary>Sending machine events.</summary>
    public const string Ingest = "ingest";

    /// <summary>Users, API keys, the audit log and plant configuration.</summary>
    public const string Admin = "admin";

    /// <summary>The caller's own account (/api/auth/me, logout, 2FA): any known role or any known scope.</summary>
    public const string Self = "self";

    public static IReadOnlyList<string> All { get; } =
        Array.AsReadOnly([Board, Read, AndonOperate, AndonResolve, CalendarWrite, Planning, ReportsWrite, Ml, Ingest, Admin, Self]);

    /// <summary>A null minimum role means any known role.</summary>
    private sealed record Rule(string? MinimumRole, IReadOnlyList<string> Scopes);

    private static readonly IReadOnlyList<string> AdminOnly = Array.AsReadOnly([ApiScopes.Admin]);

    private static readonly Dictionary<string, Rule> Rules = new(StringComparer.Ordinal)
    {
        [Board] = new(AccessRoles.Viewer, Array.AsReadOnly([ApiScopes.Board, ApiScopes.Read, ApiScopes.Admin])),
        [Read] = new(AccessRoles.Viewer, Array.AsReadOnly([ApiScopes.Read, ApiScopes.Admin])),
        [AndonOperate] = new(AccessRoles.Operator, AdminOnly),
        [AndonResolve] = new(AccessRoles.Supervisor, AdminOnly),
        [CalendarWrite] = new(AccessRoles.Supervisor, AdminOnly),
        [Planning] = new(AccessRoles.Supervisor, AdminOnly),
        [ReportsWrite] = new(AccessRoles.Engineer, AdminOnly),
        [Ml] = new(AccessRoles.Engineer, AdminOnly),
        [Ingest] = new(AccessRoles.Admin, Array.AsReadOnly([ApiScopes.Ingest, ApiScopes.Admin])),
        [Admin] = new(AccessRoles.Admin, AdminOnly),
        [Self] = new(null, ApiScopes.All),
    };

    /// <exception cref="ArgumentException"><paramref name="policy"/> is not one of <see cref="All"/>.</exception>
    public static bool AllowsRoles(string policy, IEnumerable<string> roles)
    {
        var rule = RuleOf(policy);
        ArgumentNullException.ThrowIfNull(roles);
        return rule.MinimumRole is { } minimum ? AccessRoles.AtLeast(roles, minimum) : roles.Any(AccessRoles.IsKnown);
    }

    /// <exception cref="ArgumentException"><paramref name="policy"/> is not one of <see cref="All"/>.</exception>
    public static bool AllowsScopes(string policy, IEnumerable<string> scopes)
    {
        var rule = RuleOf(policy);
        ArgumentNullException.ThrowIfNull(scopes);
        return scopes.Any(scope => scope is not null && rule.Scopes.Contains(scope, StringComparer.Ordinal));
    }

    /// <summary>The lowest role that passes; null for <see cref="Self"/>, which any known role passes.</summary>
    public static string? MinimumRole(string policy) => RuleOf(policy).MinimumRole;

    /// <summary>The API-key scopes that pass, in a fixed order.</summary>
    public static IReadOnlyList<string> Scopes(string policy) => RuleOf(policy).Scopes;

    /// <summary>Who passes, in one line for the OpenAPI document, e.g. "role operator or higher, or an API key with scope admin".</summary>
    public static string Describe(string policy)
    {
        var rule = RuleOf(policy);
        var roles = rule.MinimumRole switch
        {
            null => "any role",
            AccessRoles.Admin => "role admin",
            var minimum => $"role {minimum} or higher",
        };
        var scopes = rule.Scopes.Count == ApiScopes.All.Count
            ? "any scope"
            : rule.Scopes.Count == 1
                ? $"scope {rule.Scopes[0]}"
                : $"scope {string.Join(", ", rule.Scopes.Take(rule.Scopes.Count - 1))} or {rule.Scopes[^1]}";
        return $"{roles}, or an API key with {scopes}";
    }

    private static Rule RuleOf(string policy) =>
        policy is not null && Rules.TryGetValue(policy, out var rule)
            ? rule
            : throw new ArgumentException($"Unknown access policy '{policy}'.", nameof(policy));
}
