namespace Ms5.Integration.Tests.Access;

/// <summary>
/// What the issue asks, written out by hand (never read from the production code): the policy of every endpoint, and
/// who passes each policy. An endpoint added without an entry here fails <see cref="EndpointPolicyTests"/> and
/// <see cref="RoleMatrixTests"/>: adding one is a decision about who may call it.
/// </summary>
internal static class ExpectedAccess
{
    /// <summary>Marks an endpoint that anyone may call.</summary>
    public const string Anonymous = "(anonymous)";

    /// <summary>The five endpoints that may be anonymous. prometheus-net maps /metrics for every method ("*").</summary>
    public static readonly IReadOnlySet<string> AnonymousEndpoints = new HashSet<string>(StringComparer.Ordinal)
    {
        "GET /healthz", "GET /readyz", "* /metrics", "POST /api/auth/login", "POST /api/auth/refresh",
    };

    /// <summary>"METHOD /route-template" (method "*" when the endpoint takes any) → policy.</summary>
    public static readonly IReadOnlyDictionary<string, string> Policies = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        // Health, metrics, signing in.
        ["GET /healthz"] = Anonymous,
        ["GET /readyz"] = Anonymous,
        ["* /metrics"] = Anonymous,
        ["POST /api/auth/login"] = Anonymous,
        ["POST /api/auth/refresh"] = Anonymous,

        // One's own account.
        ["POST /api/auth/logout"] = "self",
        ["GET /api/auth/me"] = "self",
        ["POST /api/auth/2fa/setup"] = "self",
        ["POST /api/auth/2fa/enable"] = "self",
        ["POST /api/auth/2fa/disable"] = "self",
        ["POST /api/auth/2fa/recovery-codes"] = "self",
        ["POST /api/auth/password"] = "self",

        // Administration: users, keys, audit.
        ["POST /api/users/"] = "admin",
        ["GET /api/users/"] = "admin",
        ["GET /api/users/{userName}"] = "admin",
        ["PUT /api/users/{userName}/roles"] = "admin",
        ["POST /api/users/{userName}/unlock"] = "admin",
        ["DELETE /api/users/{userName}"] = "admin",
        ["POST /api/apikeys/"] = "admin",
        ["GET /api/apikeys/"] = "admin",
        ["GET /api/apikeys/{id}"] = "admin",
        ["DELETE /api/apikeys/{id}"] = "admin",
        ["GET /api/audit"] = "admin",

        // Administration: plant configuration (lines, machines, reason codes; versions).
        ["GET /api/plant"] = "admin",
        ["GET /api/plant/history"] = "admin",
        ["POST /api/plants"] = "admin",
        ["DELETE /api/plants/{id}"] = "admin",
        ["POST /api/lines"] = "admin",
        ["PUT /api/lines/{id}"] = "admin",
        ["POST /api/machines"] = "admin",
        ["PUT /api/machines/{id}"] = "admin",
        ["POST /api/reason-codes"] = "admin",

        // Plant data (read).
        ["GET /api/machines"] = "read",
        ["GET /api/events"] = "read",
        ["GET /api/oee"] = "read",
        ["GET /api/oee/live"] = "read",
        ["GET /api/shifts"] = "read",
        ["GET /api/downtime"] = "read",
        ["GET /api/downtime/anomalies"] = "read",
        ["GET /api/ml/downtime/model"] = "read",
        ["GET /api/plant/calendar"] = "read",
        ["GET /api/assignments"] = "read",
        ["GET /api/andon"] = "read",
        ["GET /api/andon/{id}"] = "read",
        ["GET /api/reports"] = "read",
        ["GET /api/reports/schedule"] = "read",
        ["GET /api/reports/{id}"] = "read",
        ["GET /api/reports/{id}/pdf"] = "read",
        ["GET /api/reports/{id}/csv"] = "read",
        ["GET /api/reports/{id}/stops.csv"] = "read",
        ["GET /api/orders"] = "read",
        ["GET /api/orders/{id}"] = "read",
        ["GET /api/orders/{id}/history"] = "read",
        ["GET /api/schedule"] = "read",
        ["GET /api/reports/{id}/orders.csv"] = "read",

        // Pages and the API reference (read).
        ["GET /"] = "read",
        ["GET /reports"] = "read",
        ["GET /openapi/{documentName}.json"] = "read",
        ["GET /api/reference"] = "read",
        ["GET /docs/{documentName?}"] = "read",
        ["GET /docs/scalar.js"] = "read",
        ["GET /docs/scalar.aspnetcore.js"] = "read",
        ["GET /docs/favicon.svg"] = "read",

        // The floor board.
        ["GET /api/board"] = "board",
        ["* /ws"] = "board",
        ["GET /andon"] = "board",

        // Changes.
        ["POST /api/andon"] = "andon.operate",
        ["POST /api/andon/{id}/ack"] = "andon.operate",
        ["POST /api/andon/{id}/resolve"] = "andon.resolve",
        ["PUT /api/plant/calendar"] = "calendar.write",
        ["PUT /api/assignments"] = "planning",
        ["POST /api/reports"] = "reports.write",

        // Production orders (planning).
        ["POST /api/orders"] = "planning",
        ["PUT /api/orders/{id}"] = "planning",
        ["POST /api/orders/{id}/release"] = "planning",
        ["POST /api/orders/{id}/start"] = "planning",
        ["POST /api/orders/{id}/complete"] = "planning",
        ["POST /api/orders/{id}/cancel"] = "planning",

        // Downtime anomaly models and flags (engineers).
        ["POST /api/ml/downtime/train"] = "ml",
        ["POST /api/downtime/anomalies/{id}/feedback"] = "ml",

        // Machines and tools.
        ["POST /api/ingest/events"] = "ingest",
        ["POST /api/alertmanager/webhook"] = "ingest",
    };

    /// <summary>The identities of the matrix: five accounts (one role each) and four API keys (one scope each).</summary>
    public static readonly IReadOnlyList<string> Identities =
        ["viewer", "operator", "supervisor", "engineer", "admin", "key:ingest", "key:read", "key:board", "key:admin"];

    /// <summary>Policy → the identities it lets through (everyone else gets 403; anonymous gets 401 everywhere).</summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlySet<string>> Allowed = new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal)
    {
        ["read"] = Set("viewer", "operator", "supervisor", "engineer", "admin", "key:read", "key:admin"),
        ["board"] = Set("viewer", "operator", "supervisor", "engineer", "admin", "key:read", "key:board", "key:admin"),
        ["andon.operate"] = Set("operator", "supervisor", "engineer", "admin", "key:admin"),
        ["andon.resolve"] = Set("supervisor", "engineer", "admin", "key:admin"),
        ["calendar.write"] = Set("supervisor", "engineer", "admin", "key:admin"),
        ["planning"] = Set("supervisor", "engineer", "admin", "key:admin"),
        ["reports.write"] = Set("engineer", "admin", "key:admin"),
        ["ml"] = Set("engineer", "admin", "key:admin"),
        ["ingest"] = Set("admin", "key:ingest", "key:admin"),
        ["admin"] = Set("admin", "key:admin"),
        ["self"] = Set("viewer", "operator", "supervisor", "engineer", "admin", "key:ingest", "key:read", "key:board", "key:admin"),
    };

    private static HashSet<string> Set(params string[] items) => new(items, StringComparer.Ordinal);
}
