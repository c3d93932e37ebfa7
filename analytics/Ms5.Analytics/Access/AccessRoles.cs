namespace Ms5.Analytics.Access;

/// <summary>
/// The roles a human account can hold, lowest first. A role grants everything the roles below it grant.
/// Names are compared ordinally and are lower case: "Admin" is not a role, and an unknown role grants nothing.
/// </summary>
public static class AccessRoles
{
    public const string Viewer = "viewer";
    public const string Operator = "operator";
    public const string Supervisor = "supervisor";
    public const string Engineer = "engineer";
    public const string Admin = "admin";

    /// <summary>Every role in rank order, <see cref="Viewer"/> to <see cref="Admin"/>.</summary>
    public static IReadOnlyList<string> All { get; } = Array.AsReadOnly([Viewer, Operator, Supervisor, Engineer, Admin]);

    /// <summary>0 for <see cref="Viewer"/> up to 4 for <see cref="Admin"/>; -1 for anything else, null included.</summary>
    public static int Rank(string role) => role switch
    {
        Viewer => 0,
        Operator => 1,
        Supervisor => 2,
        Engineer => 3,
        Admin => 4,
        _ => -1,
    };

    public static bool IsKnown(string role) => Rank(role) >= 0;

    /// <summary>Whether any of <paramref name="roles"/> ranks at or above <paramref name="minimum"/>; unknown roles never count.</summary>
    /// <exception cref="ArgumentException"><paramref name="minimum"/> is not a role (it would otherwise let unknown roles through).</exception>
    public static bool AtLeast(IEnumerable<string> roles, string minimum)
    {
        ArgumentNullException.ThrowIfNull(roles);
        var floor = Rank(minimum);
        if (floor < 0)
        {
            throw new ArgumentException($"Unknown role '{minimum}'.", nameof(minimum));
        }
        return roles.Any(role => Rank(role) >= floor);
    }
}
