using Ms5.Analytics.Access;

namespace Ms5.Analytics.Tests;

public sealed class AccessPoliciesTests
{
    private static readonly string[] Roles = ["viewer", "operator", "supervisor", "engineer", "admin"];
    private static readonly string[] Scopes = ["ingest", "read", "board", "admin"];

    /// <summary>Strings that are not roles (wrong case, padding, scope names, nonsense): none passes any policy.</summary>
    public static TheoryData<string> NotRoles => ["Admin", "ADMIN", " admin", "admin ", "Viewer", "", "root", "guest", "read", "board", "ingest", "*"];

    /// <summary>Strings that are not scopes (wrong case, role names, wildcards): none passes any policy.</summary>
    public static TheoryData<string> NotScopes => ["Admin", "READ", " read", "", "write", "*", "all", "viewer", "operator", "supervisor", "engineer"];

    [Fact]
    public void All_ListsTheTenPolicies()
    {
        Assert.Equal(
            ["board", "read", "andon.operate", "andon.resolve", "calendar.write", "planning", "reports.write", "ml", "ingest", "admin", "self"],
            AccessPolicies.All);
    }

    // Written out, not derived: the table people agreed on.
    //                         policy            viewer operator supervisor engineer admin
    [Theory]
    [InlineData("board", true, true, true, true, true)]
    [InlineData("read", true, true, true, true, true)]
    [InlineData("andon.operate", false, true, true, true, true)]
    [InlineData("andon.resolve", false, false, true, true, true)]
    [InlineData("calendar.write", false, false, true, true, true)]
    [InlineData("planning", false, false, true, true, true)]
    [InlineData("reports.write", false, false, false, true, true)]
    [InlineData("ml", false, false, false, true, true)]
    [InlineData("ingest", false, false, false, false, true)]
    [InlineData("admin", false, false, false, false, true)]
    [InlineData("self", true, true, true, true, true)]
    public void AllowsRoles_EachRoleAlone(string policy, bool viewer, bool @operator, bool supervisor, bool engineer, bool admin)
    {
        bool[] expected = [viewer, @operator, supervisor, engineer, admin];

        var actual = Roles.Select(role => AccessPolicies.AllowsRoles(policy, [role])).ToArray();

        Assert.Equal(expected, actual);
    }

    //                         policy            ingest read  board  admin
    [Theory]
    [InlineData("board", false, true, true, true)]
    [InlineData("read", false, true, false, true)]
    [InlineData("andon.operate", false, false, false, true)]
    [InlineData("andon.resolve", false, false, false, true)]
    [InlineData("calendar.write", false, false, false, true)]
    [InlineData("planning", false, false, false, true)]
    [InlineData("reports.write", false, false, false, true)]
    [InlineData("ml", false, false, false, true)]
    [InlineData("ingest", true, false, false, true)]
    [InlineData("admin", false, false, false, true)]
    [InlineData("self", true, true, true, true)]
    public void AllowsScopes_EachScopeAlone(string policy, bool ingest, bool read, bool board, bool admin)
    {
        bool[] expected = [ingest, read, board, admin];

        var actual = Scopes.Select(scope => AccessPolicies.AllowsScopes(policy, [scope])).ToArray();

        Assert.Equal(expected, actual);
    }

    [Theory]
    [MemberData(nameof(NotRoles))]
    public void AllowsRoles_UnknownRole_PassesNoPolicy(string role)
    {
        Assert.All(AccessPolicies.All, policy => Assert.False(AccessPolicies.AllowsRoles(policy, [role])));
    }

    [Theory]
    [MemberData(nameof(NotScopes))]
    public void AllowsScopes_UnknownScope_PassesNoPolicy(string scope)
    {
        Assert.All(AccessPolicies.All, policy => Assert.False(AccessPolicies.AllowsScopes(policy, [scope])));
    }

    [Fact]
    public void NoRolesOrScopes_PassNoPolicy_NotEvenSelf()
    {
        Assert.All(AccessPolicies.All, policy =>
        {
            Assert.False(AccessPolicies.AllowsRoles(policy, []));
            Assert.False(AccessPolicies.AllowsScopes(policy, []));
        });
    }

    [Theory]
    [InlineData("reports.write", new[] { "viewer", "engineer" }, true)]
    [InlineData("andon.resolve", new[] { "root", "supervisor" }, true)]
    [InlineData("andon.resolve", new[] { "viewer", "operator" }, false)]
    [InlineData("admin", new[] { "Admin", "engineer" }, false)]
    [InlineData("self", new[] { "guest", "viewer" }, true)]
    public void AllowsRoles_SeveralRoles_TheHighestKnownOneCounts(string policy, string[] roles, bool expected)
    {
        Assert.Equal(expected, AccessPolicies.AllowsRoles(policy, roles));
    }

    [Theory]
    [InlineData("read", new[] { "board", "read" }, true)]
    [InlineData("read", new[] { "ingest", "board" }, false)]
    [InlineData("ingest", new[] { "read", "ingest" }, true)]
    [InlineData("admin", new[] { "Admin", "read" }, false)]
    public void AllowsScopes_SeveralScopes_AnyListedOnePasses(string policy, string[] scopes, bool expected)
    {
        Assert.Equal(expected, AccessPolicies.AllowsScopes(policy, scopes));
    }

    [Theory]
    [InlineData("board", "viewer")]
    [InlineData("read", "viewer")]
    [InlineData("andon.operate", "operator")]
    [InlineData("andon.resolve", "supervisor")]
    [InlineData("calendar.write", "supervisor")]
    [InlineData("planning", "supervisor")]
    [InlineData("reports.write", "engineer")]
    [InlineData("ml", "engineer")]
    [InlineData("ingest", "admin")]
    [InlineData("admin", "admin")]
    [InlineData("self", null)]
    public void MinimumRole_PerPolicy(string policy, string? expected)
    {
        Assert.Equal(expected, AccessPolicies.MinimumRole(policy));
    }

    [Theory]
    [InlineData("board", "board,read,admin")]
    [InlineData("read", "read,admin")]
    [InlineData("andon.operate", "admin")]
    [InlineData("andon.resolve", "admin")]
    [InlineData("calendar.write", "admin")]
    [InlineData("planning", "admin")]
    [InlineData("reports.write", "admin")]
    [InlineData("ml", "admin")]
    [InlineData("ingest", "ingest,admin")]
    [InlineData("admin", "admin")]
    [InlineData("self", "ingest,read,board,admin")]
    public void Scopes_PerPolicy(string policy, string expected)
    {
        Assert.Equal(expected, string.Join(',', AccessPolicies.Scopes(policy)));
    }

    [Theory]
    [InlineData("board", "role viewer or higher, or an API key with scope board, read or admin")]
    [InlineData("read", "role viewer or higher, or an API key with scope read or admin")]
    [InlineData("andon.operate", "role operator or higher, or an API key with scope admin")]
    [InlineData("andon.resolve", "role supervisor or higher, or an API key with scope admin")]
    [InlineData("calendar.write", "role supervisor or higher, or an API key with scope admin")]
    [InlineData("planning", "role supervisor or higher, or an API key with scope admin")]
    [InlineData("reports.write", "role engineer or higher, or an API key with scope admin")]
    [InlineData("ml", "role engineer or higher, or an API key with scope admin")]
    [InlineData("ingest", "role admin, or an API key with scope ingest or admin")]
    [InlineData("admin", "role admin, or an API key with scope admin")]
    [InlineData("self", "any role, or an API key with any scope")]
    public void Describe_PerPolicy(string policy, string expected)
    {
        Assert.Equal(expected, AccessPolicies.Describe(policy));
    }

    [Theory]
    [InlineData("Board")]
    [InlineData("andon.pull")]
    [InlineData("")]
    public void UnknownPolicy_EveryMethodThrowsNamingIt(string policy)
    {
        Action[] calls =
        [
            () => AccessPolicies.AllowsRoles(policy, ["admin"]),
            () => AccessPolicies.AllowsScopes(policy, ["admin"]),
            () => AccessPolicies.MinimumRole(policy),
            () => AccessPolicies.Scopes(policy),
            () => AccessPolicies.Describe(policy),
        ];

        Assert.All(calls, call =>
        {
            var error = Assert.Throws<ArgumentException>(call);
            Assert.Equal("policy", error.ParamName);
            Assert.StartsWith($"Unknown access policy '{policy}'.", error.Message, StringComparison.Ordinal);
        });
    }
}
