using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Ms5.Analytics.Access;
using Ms5.Postgres.Access;
using Ms5.ServiceDefaults;
using Npgsql;

namespace Ms5.Api.Access;

/// <summary>
/// Access control: accounts (Identity on PostgreSQL), the authentication schemes (MS5's JWTs, an external OpenID Connect
/// provider's JWTs, API keys and browser sessions), one named policy per <see cref="AccessPolicies"/> entry, rate
/// limits, the audit trail and security headers.
/// </summary>
internal static class AccessServices
{
    public const string Scheme = "ms5";
    public const string JwtScheme = "ms5-jwt";
    public const string OidcScheme = "oidc";
    public const string LoginLimit = "login";
    public const string IngestLimit = "ingest";

    public static IHostApplicationBuilder AddMs5Access(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddValidatedOptions<AccessOptions>(builder.Configuration, AccessOptions.Section)
            .PostConfigure(o => o.Profile = builder.Configuration[$"{Ms5Settings.Section}:Profile"] is { Length: > 0 } p ? p : o.Profile);
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<AccessOptions>>().Value);
        services.AddSingleton<SigningKey>();
        services.AddSingleton<TokenService>();
        services.AddSingleton<OpaqueCredentials>();
        services.AddSingleton<RevokedFamilies>();
        services.AddSingleton<LoginThrottle>();
        services.AddSingleton<FailedCredentialThrottle>();
        services.AddSingleton<AccessMetrics>();
        services.AddSingleton<AuditTrail>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, AccessResultHandler>();
        services.AddSingleton<IAuthorizationHandler, PolicyHandler>();
        services.AddScoped<LoginService>();
        services.AddHostedService<AccessBootstrap>();
        services.AddExceptionHandler<DatabaseUnavailable>();

        services.AddDbContext<AccessDbContext>((sp, o) => o.UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>()).UseSnakeCaseNamingConvention());
        services.AddIdentityCore<Ms5User>(o =>
            {
                // The password rules are MS5's (Ms5PasswordValidator): length and the common-password list, not character classes.
                o.Password.RequireDigit = false;
                o.Password.RequireLowercase = false;
                o.Password.RequireUppercase = false;
                o.Password.RequireNonAlphanumeric = false;
                o.Password.RequiredUniqueChars = 1;
                o.Password.RequiredLength = 1;
                o.User.AllowedUserNameCharacters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._@";
                // Lockout is LoginService's (in TimeProvider time); Identity's own counter stays off.
                o.Lockout.AllowedForNewUsers = false;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<AccessDbContext>()
            .AddTokenProvider<AuthenticatorTokenProvider<Ms5User>>(TokenOptions.DefaultAuthenticatorProvider)
            .AddPasswordValidator<Ms5PasswordValidator>();

        services.AddAuthentication(Scheme)
            .AddPolicyScheme(Scheme, "MS5", o => o.ForwardDefaultSelector = SelectScheme)
            .AddScheme<AuthenticationSchemeOptions, OpaqueAuthenticationHandler>(OpaqueAuthenticationHandler.SchemeName, null)
            .AddJwtBearer(JwtScheme, o => o.MapInboundClaims = false)
            .AddJwtBearer(OidcScheme, o => o.MapInboundClaims = false);
        services.AddOptions<JwtBearerOptions>(JwtScheme).Configure<AccessOptions, SigningKey, TimeProvider>((o, access, key, time) =>
        {
            o.TokenValidationParameters = TokenService.Validation(access, key);
            o.TimeProvider = time;
            o.Events = new JwtBearerEvents { OnTokenValidated = RefuseRevokedFamily, OnAuthenticationFailed = RememberFailure };
        });
        services.AddOptions<JwtBearerOptions>(OidcScheme).Configure<AccessOptions>((o, access) =>
        {
            if (access.Oidc.Authority is not { Length: > 0 } authority)
            {
                return;
            }

            o.Authority = authority;
            o.Audience = access.Oidc.Audience;
            o.RequireHttpsMetadata = access.Oidc.RequireHttpsMetadata;
            o.TokenValidationParameters.NameClaimType = access.Oidc.NameClaim;
            o.TokenValidationParameters.RoleClaimType = access.Oidc.RoleClaim;
            o.Events = new JwtBearerEvents { OnTokenValidated = c => MapExternal(c, access.Oidc), OnAuthenticationFailed = RememberFailure };
        });

        services.AddAuthorization(o =>
        {
            foreach (var policy in AccessPolicies.All)
            {
                o.AddPolicy(policy, p => p.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser().AddRequirements(new PolicyRequirement(policy)));
            }

            // An endpoint mapped without a policy still needs an administrator (the endpoint test fails on it anyway).
            o.FallbackPolicy = new AuthorizationPolicyBuilder(Scheme).RequireAuthenticatedUser().AddRequirements(new PolicyRequirement(AccessPolicies.Admin)).Build();
        });

        services.AddRateLimiter(RateLimits.Configure);
        return builder;
    }

    /// <summary>Authentication, rate limits, authorization and the metrics of refusals, in that order (after routing).</summary>
    public static WebApplication UseMs5Access(this WebApplication app)
    {
        app.UseAuthentication();
        AccessMetrics.UseDeniedCounter(app);
        app.UseRateLimiter();
        app.UseAuthorization();
        return app;
    }

    /// <summary>Which handler reads this request's credential.</summary>
    private static string SelectScheme(HttpContext ctx)
    {
        var auth = ctx.Request.Headers.Authorization.ToString();
        if (auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var token = auth[7..].Trim();
            if (token.StartsWith(Secrets.ApiKeyPrefix, StringComparison.Ordinal))
            {
                return OpaqueAuthenticationHandler.SchemeName;
            }

            var access = ctx.RequestServices.GetRequiredService<AccessOptions>();
            return access.Oidc.Authority is { Length: > 0 } && TokenService.UnvalidatedIssuer(token) is { } iss && iss != access.Issuer ? OidcScheme : JwtScheme;
        }

        return OpaqueCredentials.Find(ctx.Request).Secret is not null ? OpaqueAuthenticationHandler.SchemeName : JwtScheme;
    }

    /// <summary>Why a bearer token was refused, in words a caller can act on (the 401 says it).</summary>
    private static Task RememberFailure(AuthenticationFailedContext c)
    {
        AuthFailure.Set(c.HttpContext, c.Exception switch
        {
            Microsoft.IdentityModel.Tokens.SecurityTokenExpiredException => "the access token has expired: get a new one with POST /api/auth/refresh",
            Microsoft.IdentityModel.Tokens.SecurityTokenNotYetValidException => "the access token is not valid yet (check the clock)",
            Microsoft.IdentityModel.Tokens.SecurityTokenSignatureKeyNotFoundException or Microsoft.IdentityModel.Tokens.SecurityTokenInvalidSignatureException => "the token's signature is not valid",
            Microsoft.IdentityModel.Tokens.SecurityTokenInvalidAudienceException => "the token is for another audience",
            Microsoft.IdentityModel.Tokens.SecurityTokenInvalidIssuerException => "the token is from an issuer MS5 does not trust",
            _ => "not a valid access token or API key",
        });
        return Task.CompletedTask;
    }

    /// <summary>After logout or a replayed refresh token, the family's access tokens stop working too (checked every few seconds per family).</summary>
    private static async Task RefuseRevokedFamily(TokenValidatedContext c)
    {
        if (c.Principal?.FindFirst(Ms5Claims.Family)?.Value is not { } f || !Guid.TryParse(f, out var family))
        {
            return;
        }

        bool revoked;
        try
        {
            revoked = await c.HttpContext.RequestServices.GetRequiredService<RevokedFamilies>().IsRevokedAsync(family, c.HttpContext.RequestAborted);
        }
        catch (Exception ex) when (ex.IsDatabaseUnavailable())
        {
            AuthFailure.SetUnavailable(c.HttpContext, "the credential cannot be checked now: the database is unreachable");
            c.Fail("the credential cannot be checked now: the database is unreachable");
            return;
        }

        if (revoked)
        {
            AuthFailure.Set(c.HttpContext, "this session has been signed out");
            c.Fail("this session has been signed out");
        }
    }

    /// <summary>An external provider's token: its role claim values that name MS5 roles become MS5 roles.</summary>
    private static Task MapExternal(TokenValidatedContext c, OidcOptions oidc)
    {
        var p = c.Principal!;
        var roles = p.FindAll(oidc.RoleClaim).SelectMany(x => x.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(AccessRoles.IsKnown).Distinct();
        var name = p.FindFirst(oidc.NameClaim)?.Value ?? p.FindFirst("sub")?.Value ?? "external";
        var claims = new List<Claim> { new(Ms5Claims.Subject, p.FindFirst("sub")?.Value ?? name), new(Ms5Claims.Name, "oidc:" + name), new(Ms5Claims.Kind, "oidc") };
        claims.AddRange(roles.Select(r => new Claim(Ms5Claims.Role, r)));
        c.Principal = new ClaimsPrincipal(new ClaimsIdentity(claims, OidcScheme, Ms5Claims.Name, Ms5Claims.Role));
        return Task.CompletedTask;
    }
}

/// <summary>Requirement: the identity passes <see cref="AccessPolicies"/> rule <paramref name="Policy"/>.</summary>
internal sealed record PolicyRequirement(string Policy) : IAuthorizationRequirement;

/// <summary>Applies <see cref="AccessPolicies"/>: roles for people, scopes for API keys; an admin still owing two-factor enrolment passes only "self".</summary>
internal sealed class PolicyHandler : AuthorizationHandler<PolicyRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, PolicyRequirement requirement)
    {
        var p = context.User;
        if (p.Identity?.IsAuthenticated != true)
        {
            return Task.CompletedTask;
        }

        if (p.HasClaim(c => c.Type == Ms5Claims.TwoFactorPending) && requirement.Policy != AccessPolicies.Self)
        {
            return Task.CompletedTask;
        }

        if (AccessPolicies.AllowsRoles(requirement.Policy, p.Roles()) || AccessPolicies.AllowsScopes(requirement.Policy, p.Scopes()))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}

/// <summary>Remembers for a few seconds whether a refresh family was revoked (one query per family, not per request).</summary>
internal sealed class RevokedFamilies(NpgsqlDataSource db, TimeProvider time)
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, (bool Revoked, DateTimeOffset Until)> _cache = new();

    public async Task<bool> IsRevokedAsync(Guid family, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (_cache.TryGetValue(family, out var hit) && hit.Until > now)
        {
            return hit.Revoked;
        }

        var revoked = await SessionStore.IsFamilyRevokedAsync(db, family, ct);
        _cache[family] = (revoked, now + OpaqueCredentials.CacheFor);
        if (_cache.Count > 50_000)
        {
            _cache.Clear();
        }

        return revoked;
    }

    public void Forget(Guid family) => _cache.TryRemove(family, out _);

    public void ForgetAll() => _cache.Clear();
}

/// <summary>MS5's password rules (<see cref="PasswordPolicy"/>) as an Identity validator: every way a password is set goes through them.</summary>
internal sealed class Ms5PasswordValidator(AccessOptions options) : IPasswordValidator<Ms5User>
{
    private readonly PasswordPolicy _policy = options.PasswordMinLength == PasswordPolicy.Default.MinLength ? PasswordPolicy.Default : PasswordPolicy.Default.WithMinLength(options.PasswordMinLength);

    public Task<IdentityResult> ValidateAsync(UserManager<Ms5User> manager, Ms5User user, string? password)
    {
        var broken = _policy.Check(password ?? "", user.UserName);
        return Task.FromResult(broken.Count == 0
            ? IdentityResult.Success
            : IdentityResult.Failed(broken.Select(r => new IdentityError { Code = r.Code, Description = r.Message }).ToArray()));
    }
}

/// <summary>Why authentication failed, kept on the request for the 401 (ASP.NET Core keeps only successful results).</summary>
internal static class AuthFailure
{
    private const string Key = "ms5.auth.failure";

    public static void Set(HttpContext ctx, string why) => ctx.Items[Key] = why;

    public static string? Get(HttpContext ctx) => ctx.Items.TryGetValue(Key, out var v) ? v as string : null;

    public static void SetUnavailable(HttpContext ctx, string why)
    {
        ctx.Items[Key] = why;
        ctx.Items[Key + ".unavailable"] = true;
    }

    public static bool Unavailable(HttpContext ctx) => ctx.Items.ContainsKey(Key + ".unavailable");
}
