using System.Buffers;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Ms5.Analytics.Access;

namespace Ms5.Api.Access;

/// <summary>The claims every MS5 identity carries, whichever way it authenticated, and what the endpoints read from them.</summary>
public static class Ms5Claims
{
    public const string Name = "name";
    public const string Role = "role";
    public const string Scope = "scope";
    public const string Subject = "sub";

    /// <summary>How it authenticated: user (MS5 access token), session (browser cookie), apikey, board (a TV's cookie from a board key), oidc.</summary>
    public const string Kind = "ms5_kind";

    /// <summary>The refresh-token family (or browser session) an access token belongs to: logout revokes it.</summary>
    public const string Family = "sid";

    /// <summary>Present (value "required") on an admin's token in the production profile until they enrol two-factor authentication.</summary>
    public const string TwoFactorPending = "ms5_2fa";
}

internal static class PrincipalExtensions
{
    public static string Actor(this ClaimsPrincipal p) => p.FindFirst(Ms5Claims.Name)?.Value ?? "anonymous";

    public static IReadOnlyList<string> Roles(this ClaimsPrincipal p) => p.FindAll(Ms5Claims.Role).Select(c => c.Value).Where(AccessRoles.IsKnown).Distinct().ToList();

    public static IReadOnlyList<string> Scopes(this ClaimsPrincipal p) => p.FindAll(Ms5Claims.Scope).SelectMany(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(ApiScopes.IsKnown).Distinct().ToList();

    public static string Kind(this ClaimsPrincipal p) => p.FindFirst(Ms5Claims.Kind)?.Value ?? "";

    public static string? UserId(this ClaimsPrincipal p) => p.Kind() is "user" or "session" ? p.FindFirst(Ms5Claims.Subject)?.Value : null;

    /// <summary>What the audit trail records as the actor's role: the highest role, or "key:" and the scopes.</summary>
    public static string RoleForAudit(this ClaimsPrincipal p)
    {
        var roles = p.Roles();
        if (roles.Count > 0)
        {
            return roles.MaxBy(AccessRoles.Rank)!;
        }

        var scopes = p.Scopes();
        return scopes.Count > 0 ? "key:" + string.Join(',', scopes) : "none";
    }
}

/// <summary>Secrets MS5 hands out (API keys, refresh tokens, session cookies): 256 random bits; stored is their SHA-256 only.</summary>
internal static class Secrets
{
    public const string ApiKeyPrefix = "ms5k_";
    public const string RefreshPrefix = "ms5r_";
    public const string SessionPrefix = "ms5s_";

    public static string New(string prefix) => prefix + Base64Url(RandomNumberGenerator.GetBytes(32));

    public static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    /// <summary>Whether <paramref name="s"/> is shaped like a secret with this prefix (so a malformed one never reaches the database).</summary>
    public static bool LooksLike(string s, string prefix) =>
        s.Length == prefix.Length + 43 && s.StartsWith(prefix, StringComparison.Ordinal) && s.AsSpan(prefix.Length).IndexOfAnyExcept(Base64UrlChars) < 0;

    private static readonly SearchValues<char> Base64UrlChars = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
