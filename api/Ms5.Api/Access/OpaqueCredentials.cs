using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Ms5.Analytics.Access;
using Ms5.Postgres.Access;
using Npgsql;

namespace Ms5.Api.Access;

/// <summary>Where an opaque credential (not a JWT) came from.</summary>
internal enum CredentialSource
{
    /// <summary>X-Api-Key: KEY, or Authorization: Bearer KEY.</summary>
    Header,

    /// <summary>?key=KEY on GET /andon or /ws (a TV's first visit; a WebSocket client that cannot set headers).</summary>
    Query,

    /// <summary>The ms5_session cookie (a person after the login page, or a TV after its first visit).</summary>
    Cookie,
}

/// <summary>
/// Resolves API keys and browser sessions to identities. Lookups are by SHA-256 and are kept for a few seconds
/// (a gateway posting every second must not cost a query per request); revoking a key, changing a user's roles,
/// locking or deleting them through this API instance forgets them at once, and other instances within
/// <see cref="CacheFor"/>.
/// </summary>
internal sealed class OpaqueCredentials(NpgsqlDataSource db, IServiceScopeFactory scopes, TimeProvider time)
{
    public const string CookieName = "ms5_session";
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, (ClaimsPrincipal? Principal, string? Failure, DateTimeOffset Until, Guid? KeyId)> _cache = new(StringComparer.Ordinal);

    /// <summary>How long a credential checked good may still be used while PostgreSQL cannot be asked.</summary>
    public static readonly TimeSpan OutageGrace = TimeSpan.FromMinutes(15);

    private readonly ConcurrentDictionary<string, (ClaimsPrincipal Principal, DateTimeOffset At)> _lastGood = new(StringComparer.Ordinal);

    /// <summary>Forgets one browser session's cached answer (its sign-out).</summary>
    public void ForgetSession(string secret)
    {
        var cacheKey = "s:" + Convert.ToHexString(Secrets.Hash(secret));
        _cache.TryRemove(cacheKey, out _);
        _lastGood.TryRemove(cacheKey, out _);
    }

    /// <summary>Forgets every cached answer (after a revocation or a role change on this instance).</summary>
    public void Forget()
    {
        _cache.Clear();
        _lastGood.Clear();
    }

    /// <summary>The credential a request carries, if any (headers first, then the cookie, then ?key= where allowed).</summary>
    public static (string? Secret, CredentialSource Source) Find(HttpRequest request)
    {
        if (request.Headers["X-Api-Key"].ToString() is { Length: > 0 } header)
        {
            return (header.Trim(), CredentialSource.Header);
        }

        var auth = request.Headers.Authorization.ToString();
        if (auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && auth[7..].Trim() is var bearer && bearer.StartsWith(Secrets.ApiKeyPrefix, StringComparison.Ordinal))
        {
            return (bearer, CredentialSource.Header);
        }

        // A key in the address wins over a cookie: a TV given a new board key after its old one was revoked.
        if (AcceptsKeyInQuery(request) && request.Query["key"].ToString() is { Length: > 0 } q)
        {
            return (q, CredentialSource.Query);
        }

        if (request.Cookies[CookieName] is { Length: > 0 } cookie)
        {
            return (cookie, CredentialSource.Cookie);
        }

        return (null, CredentialSource.Header);
    }

    /// <summary>Only the board page and the live WebSocket take a key in the URL.</summary>
    public static bool AcceptsKeyInQuery(HttpRequest request) =>
        HttpMethods.IsGet(request.Method) && (request.Path.Equals("/andon", StringComparison.Ordinal) || request.Path.Equals("/ws", StringComparison.Ordinal));

    public async Task<(ClaimsPrincipal? Principal, string? Failure)> ResolveAsync(string secret, CredentialSource source, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var cacheKey = (source == CredentialSource.Cookie ? "s:" : "k:") + Convert.ToHexString(Secrets.Hash(secret));
        if (_cache.TryGetValue(cacheKey, out var hit) && hit.Until > now)
        {
            return (hit.Principal, hit.Failure);
        }

        ClaimsPrincipal? principal;
        string? failure;
        Guid? keyId;
        try
        {
            (principal, failure, keyId) = source == CredentialSource.Cookie ? await SessionAsync(secret, now, ct) : await KeyAsync(secret, now, ct);
        }
        catch (Exception ex) when (ex.IsDatabaseUnavailable())
        {
            // PostgreSQL is away: a credential that was valid a moment ago stays valid for a while, so gateways keep
            // ingesting (that needs Kafka only) and boards keep showing the floor; anything never seen is a 503.
            if (_lastGood.TryGetValue(cacheKey, out var good) && now - good.At < OutageGrace)
            {
                return (good.Principal, null);
            }

            throw;
        }

        if (_cache.Count > 50_000)
        {
            // Bounded: a flood of made-up keys cannot grow it (each costs its caller a lookup, limited per address).
            _cache.Clear();
        }

        _cache[cacheKey] = (principal, failure, now + CacheFor, keyId);
        if (principal is not null)
        {
            _lastGood[cacheKey] = (principal, now);
        }
        else
        {
            _lastGood.TryRemove(cacheKey, out _);
        }

        if (_lastGood.Count > 100_000)
        {
            _lastGood.Clear();
        }
        if (keyId is { } id)
        {
            await ApiKeyStore.TouchAsync(db, id, now, ct);
        }

        return (principal, failure);
    }

    private async Task<(ClaimsPrincipal?, string?, Guid?)> KeyAsync(string secret, DateTimeOffset now, CancellationToken ct)
    {
        if (!Secrets.LooksLike(secret, Secrets.ApiKeyPrefix))
        {
            return (null, "not an MS5 API key (they start with ms5k_)", null);
        }

        var key = await ApiKeyStore.FindByHashAsync(db, Secrets.Hash(secret), ct);
        if (key is null)
        {
            return (null, "unknown API key", null);
        }

        if (key.RevokedAt is not null)
        {
            return (null, "this API key has been revoked", null);
        }

        if (!key.IsValidAt(now))
        {
            return (null, $"this API key expired at {key.ExpiresAt:u}", null);
        }

        return (KeyPrincipal(key, "apikey"), null, key.Id);
    }

    private async Task<(ClaimsPrincipal?, string?, Guid?)> SessionAsync(string secret, DateTimeOffset now, CancellationToken ct)
    {
        if (!Secrets.LooksLike(secret, Secrets.SessionPrefix))
        {
            return (null, "malformed session cookie: sign in again", null);
        }

        var session = await SessionStore.FindWebSessionAsync(db, Secrets.Hash(secret), now, ct);
        if (session is null)
        {
            return (null, "the session has ended: sign in again", null);
        }

        if (session.ApiKeyId is { } keyId)
        {
            var key = await ApiKeyStore.GetAsync(db, keyId, ct);
            return key is not null && key.IsValidAt(now)
                ? (KeyPrincipal(key, "board"), null, key.Id)
                : (null, "the board key of this screen has been revoked or has expired", null);
        }

        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<Ms5User>>();
        var user = await users.FindByIdAsync(session.UserId!);
        if (user is null)
        {
            return (null, "the account no longer exists", null);
        }

        var roles = await users.GetRolesAsync(user);
        var options = scope.ServiceProvider.GetRequiredService<AccessOptions>();
        var pending = options.IsProduction && roles.Contains(AccessRoles.Admin) && !user.TwoFactorEnabled;
        return (UserPrincipal(user, roles, "session", Convert.ToHexString(Secrets.Hash(secret))[..16], pending), null, null);
    }

    public static ClaimsPrincipal UserPrincipal(Ms5User user, IEnumerable<string> roles, string kind, string family, bool twoFactorPending)
    {
        var claims = new List<Claim>
        {
            new(Ms5Claims.Subject, user.Id), new(Ms5Claims.Name, user.UserName!), new(Ms5Claims.Kind, kind), new(Ms5Claims.Family, family),
        };
        claims.AddRange(roles.Select(r => new Claim(Ms5Claims.Role, r)));
        if (twoFactorPending)
        {
            claims.Add(new Claim(Ms5Claims.TwoFactorPending, "required"));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, kind, Ms5Claims.Name, Ms5Claims.Role));
    }

    private static ClaimsPrincipal KeyPrincipal(ApiKeyRecord key, string kind)
    {
        var claims = new List<Claim> { new(Ms5Claims.Subject, key.Id.ToString()), new(Ms5Claims.Name, "key:" + key.Name), new(Ms5Claims.Kind, kind) };
        // A TV's cookie stands for the board only, whatever else its key may do.
        claims.AddRange((kind == "board" ? [ApiScopes.Board] : key.Scopes).Select(s => new Claim(Ms5Claims.Scope, s)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, kind, Ms5Claims.Name, Ms5Claims.Role));
    }
}
