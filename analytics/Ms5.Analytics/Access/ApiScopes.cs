namespace Ms5.Analytics.Access;

/// <summary>
/// The scopes an API key can carry. Scopes are not ranked: each policy lists the scopes that pass it
/// (<see cref="AccessPolicies.Scopes"/>). Names are compared ordinally; an unknown scope grants nothing.
/// </summary>
public static class ApiScopes
{
    /// <summary>Send machine events (the ingest API).</summary>
    public const string Ingest = "ingest";

    /// <summary>Read OEE, Andons, reports and plant data.</summary>
    public const string Read = "read";

    /// <summary>Show the shop-floor board (a wall display's key).</summary>
    public const string Board = "board";

    /// <summary>Everything, as the admin role.</summary>
    public const string Admin = "admin";

    public static IReadOnlyList<string> All { get; } = Array.AsReadOnly([Ingest, Read, Board, Admin]);

    public static bool IsKnown(string scope) => scope is Ingest or Read or Board or Admin;
}
