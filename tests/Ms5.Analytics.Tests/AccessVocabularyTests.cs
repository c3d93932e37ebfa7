using Ms5.Analytics.Access;

namespace Ms5.Analytics.Tests;

public sealed class AccessVocabularyTests
{
    [Fact]
    public void Roles_All_AreInRankOrder()
    {
        Assert.Equal(["viewer", "operator", "supervisor", "engineer", "admin"], AccessRoles.All);
    }

    [Theory]
    [InlineData("viewer", 0)]
    [InlineData("operator", 1)]
    [InlineData("supervisor", 2)]
    [InlineData("engineer", 3)]
    [InlineData("admin", 4)]
    [InlineData("Admin", -1)]
    [InlineData("VIEWER", -1)]
    [InlineData(" admin", -1)]
    [InlineData("", -1)]
    [InlineData("root", -1)]
    [InlineData("read", -1)]
    [InlineData(null, -1)]
    public void Rank_IsOrdinalAndCaseSensitive(string? role, int expected)
    {
        Assert.Equal(expected, AccessRoles.Rank(role!));
        Assert.Equal(expected >= 0, AccessRoles.IsKnown(role!));
    }

    [Theory]
    [InlineData(new[] { "viewer" }, "viewer", true)]
    [InlineData(new[] { "viewer" }, "operator", false)]
    [InlineData(new[] { "engineer" }, "supervisor", true)]
    [InlineData(new[] { "admin" }, "admin", true)]
    [InlineData(new[] { "viewer", "engineer" }, "engineer", true)]
    [InlineData(new[] { "Admin", "root" }, "viewer", false)]
    [InlineData(new string[0], "viewer", false)]
    public void AtLeast_AnyKnownRoleAtOrAboveTheMinimum(string[] roles, string minimum, bool expected)
    {
        Assert.Equal(expected, AccessRoles.AtLeast(roles, minimum));
    }

    [Theory]
    [InlineData("root")]
    [InlineData("Viewer")]
    [InlineData("")]
    public void AtLeast_UnknownMinimum_Throws(string minimum)
    {
        // An unknown minimum ranks -1, which unknown roles would reach: refusing it keeps them out.
        var error = Assert.Throws<ArgumentException>(() => AccessRoles.AtLeast(["root"], minimum));
        Assert.Equal("minimum", error.ParamName);
        Assert.Contains($"'{minimum}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Scopes_All_AreTheFourScopes()
    {
        Assert.Equal(["ingest", "read", "board", "admin"], ApiScopes.All);
    }

    [Theory]
    [InlineData("ingest", true)]
    [InlineData("read", true)]
    [InlineData("board", true)]
    [InlineData("admin", true)]
    [InlineData("Read", false)]
    [InlineData("write", false)]
    [InlineData("*", false)]
    [InlineData("", false)]
    [InlineData("viewer", false)]
    [InlineData(null, false)]
    public void Scopes_IsKnown_IsOrdinal(string? scope, bool expected)
    {
        Assert.Equal(expected, ApiScopes.IsKnown(scope!));
    }

    [Fact]
    public void All_Lists_CannotBeChangedThroughACast()
    {
        Assert.False(AccessRoles.All is string[]);
        Assert.False(ApiScopes.All is string[]);
        Assert.False(AccessPolicies.All is string[]);
    }
}
