using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Ms5.Analytics.Access;
using Ms5.Api.Access;
using Ms5.Postgres.Access;
using Npgsql;

namespace Ms5.Api.Apis;

public sealed record TokenResponse(string AccessToken, string RefreshToken, int ExpiresIn, string TokenType = "Bearer");

public sealed record SessionResponse(string UserName, IReadOnlyList<string> Roles, DateTimeOffset ExpiresAt);

public sealed record MeResponse(string Name, string Kind, IReadOnlyList<string> Roles, IReadOnlyList<string> Scopes, bool? TwoFactorEnabled, bool TwoFactorRequired, DateTimeOffset? LastLoginAt);

public sealed record TwoFactorSetupResponse(string SharedKey, string AuthenticatorUri);

public sealed record RecoveryCodesResponse(IReadOnlyList<string> RecoveryCodes);

/// <summary>
/// Signing in and out. POST /api/auth/login {userName, password, totpCode?, recoveryCode?, session?} answers
/// {accessToken, refreshToken, expiresIn} (with "session": true, as the login page does, a browser session cookie instead);
/// POST /api/auth/refresh {refreshToken} rotates it (a spent one presented again revokes its family); POST /api/auth/logout
/// ends the session; GET /api/auth/me; two-factor: POST /api/auth/2fa/setup, /enable {code}, /disable {code},
/// /recovery-codes {code}; POST /api/auth/password {currentPassword, newPassword}.
/// </summary>
internal static class AuthApi
{
    private const string LoginExample = "{\"userName\": \"...\", \"password\": \"...\"}";

    public static void MapAuthApi(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/auth").WithTags("auth");
        auth.MapPost("/login", LoginAsync).WithName("Login").AllowAnonymous().RequireRateLimiting(AccessServices.LoginLimit)
            .WithSummary("Sign in: access token (15 min) and refresh token; with \"session\": true a browser session cookie.")
            .Accepts<JsonElement>("application/json").Produces<TokenResponse>().ProducesValidationProblem().ProducesProblem(401).ProducesProblem(429);
        auth.MapPost("/refresh", RefreshAsync).WithName("RefreshToken").AllowAnonymous().RequireRateLimiting(AccessServices.LoginLimit)
            .WithSummary("Trade a refresh token for a new access token and refresh token (the old one is spent).")
            .Accepts<JsonElement>("application/json").Produces<TokenResponse>().ProducesValidationProblem().ProducesProblem(401);
        auth.MapPost("/logout", LogoutAsync).WithName("Logout").RequireAuthorization(AccessPolicies.Self)
            .WithSummary("End this session: the refresh token family (or the browser session) is revoked.");
        auth.MapGet("/me", MeAsync).WithName("Me").RequireAuthorization(AccessPolicies.Self).WithSummary("Who the caller is: name, roles or scopes, two-factor state.");
        auth.MapPost("/2fa/setup", SetupAsync).WithName("TwoFactorSetup").RequireAuthorization(AccessPolicies.Self)
            .WithSummary("Start enrolling an authenticator app: a new shared key and its otpauth:// URI (two-factor is on after /2fa/enable).");
        auth.MapPost("/2fa/enable", (HttpContext c, UserManager<Ms5User> u, AuditTrail a, AccessOptions o, LoginThrottle t) => CodeActionAsync(c, u, a, o, t, "enable"))
            .WithName("TwoFactorEnable").RequireAuthorization(AccessPolicies.Self).WithSummary("Confirm the authenticator with a code: two-factor is on; answers 10 recovery codes.");
        auth.MapPost("/2fa/disable", (HttpContext c, UserManager<Ms5User> u, AuditTrail a, AccessOptions o, LoginThrottle t) => CodeActionAsync(c, u, a, o, t, "disable"))
            .WithName("TwoFactorDisable").RequireAuthorization(AccessPolicies.Self).WithSummary("Turn two-factor off (a current code is needed; not for admins in production).");
        auth.MapPost("/2fa/recovery-codes", (HttpContext c, UserManager<Ms5User> u, AuditTrail a, AccessOptions o, LoginThrottle t) => CodeActionAsync(c, u, a, o, t, "recovery-codes"))
            .WithName("TwoFactorRecoveryCodes").RequireAuthorization(AccessPolicies.Self).WithSummary("Replace the recovery codes (a current code is needed).");
        auth.MapPost("/password", ChangePasswordAsync).WithName("ChangePassword").RequireAuthorization(AccessPolicies.Self)
            .WithSummary("Change your own password: {currentPassword, newPassword}; other sessions are signed out.");
    }

    private static async Task<IResult> LoginAsync(HttpContext ctx, LoginService logins, LoginThrottle throttle, TokenService tokens, NpgsqlDataSource db,
        AccessOptions options, AccessMetrics metrics, AuditTrail audit, TimeProvider time, CancellationToken ct)
    {
        var (body, bodyError) = await JsonBody.ReadObjectAsync(ctx.Request, LoginExample, ct);
        if (bodyError is not null)
        {
            return bodyError;
        }

        var errors = new Dictionary<string, string[]>();
        var userName = JsonBody.Text(body, "userName", required: true, errors);
        var password = Secret(body, "password", required: true, errors);
        var totp = JsonBody.Text(body, "totpCode", required: false, errors);
        var recovery = JsonBody.Text(body, "recoveryCode", required: false, errors);
        var session = body.TryGetProperty("session", out var s) && s.ValueKind == JsonValueKind.True;
        if (totp is not null && !(totp.Replace(" ", "", StringComparison.Ordinal) is { Length: 6 } t && t.All(char.IsAsciiDigit)))
        {
            errors["totpCode"] = ["must be the 6 digits your authenticator app shows"];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid login");
        }

        if (throttle.TryAcquire(userName!) is { } wait)
        {
            metrics.Login("rate_limited");
            await audit.RecordAsync(ctx, ctx.User, "auth.login", userName!, "rate_limited", actor: userName);
            return new TooMany(wait, $"too many login attempts for '{userName}'");
        }

        var result = await logins.LoginAsync(userName!, password!, totp, recovery, ct);
        switch (result.Outcome)
        {
            case LoginOutcome.Success:
                break;
            case LoginOutcome.LockedOut:
                metrics.Login("locked_out");
                if (result.JustLocked)
                {
                    metrics.Lockout();
                    await audit.RecordAsync(ctx, ctx.User, "auth.lockout", userName!, "locked", $"locked until {result.LockedUntil:u} after {options.LockoutAttempts} failed attempts", actor: userName);
                }

                await audit.RecordAsync(ctx, ctx.User, "auth.login", userName!, "locked_out", actor: userName);
                return Unauthorized("Account locked", $"too many failed attempts: the account is locked until {result.LockedUntil:u} (an administrator can unlock it: POST /api/users/{{userName}}/unlock)");
            case LoginOutcome.TwoFactorRequired:
                metrics.Login("two_factor_required");
                return TypedResults.Problem(statusCode: 401, title: "Two-factor code required",
                    detail: "this account has two-factor authentication: send totpCode (6 digits from the authenticator app) or a recoveryCode",
                    extensions: new Dictionary<string, object?> { ["twoFactorRequired"] = true });
            default:
                var what = result.Outcome == LoginOutcome.TwoFactorInvalid ? "two_factor_invalid" : "invalid";
                metrics.Login(what);
                await audit.RecordAsync(ctx, ctx.User, "auth.login", userName!, what, actor: userName);
                return result.Outcome == LoginOutcome.TwoFactorInvalid
                    ? Unauthorized("Invalid two-factor code", "the code is wrong or expired; the failed attempt counts toward the lockout")
                    : Unauthorized("Invalid user name or password", "the user name or password is wrong");
        }

        metrics.Login("success");
        var user = result.User!;
        var pending = options.IsProduction && result.Roles.Contains(AccessRoles.Admin) && !user.TwoFactorEnabled;
        var principal = OpaqueCredentials.UserPrincipal(user, result.Roles, "user", "", pending);
        var now = time.GetUtcNow();
        if (session)
        {
            var secret = Secrets.New(Secrets.SessionPrefix);
            var expires = now + options.SessionLifetime;
            await SessionStore.CreateWebSessionAsync(db, Secrets.Hash(secret), user.Id, null, now, expires, ct);
            SetSessionCookie(ctx, secret, expires);
            await audit.RecordAsync(ctx, principal, "auth.login", user.UserName!, "success", "browser session");
            return TypedResults.Ok(new SessionResponse(user.UserName!, result.Roles, expires));
        }

        var family = Guid.NewGuid();
        var refresh = Secrets.New(Secrets.RefreshPrefix);
        await SessionStore.InsertRefreshTokenAsync(db, Secrets.Hash(refresh), family, user.Id, now, now + options.RefreshTokenLifetime, ct);
        var (access, expiresIn) = tokens.AccessToken(user, result.Roles, family, pending);
        await audit.RecordAsync(ctx, principal, "auth.login", user.UserName!, "success", pending ? "two-factor enrolment required" : null);
        return TypedResults.Ok(new TokenResponse(access, refresh, expiresIn));
    }

    private static async Task<IResult> RefreshAsync(HttpContext ctx, UserManager<Ms5User> users, TokenService tokens, NpgsqlDataSource db, AccessOptions options,
        AccessMetrics metrics, AuditTrail audit, RevokedFamilies revoked, TimeProvider time, CancellationToken ct)
    {
        var (body, bodyError) = await JsonBody.ReadObjectAsync(ctx.Request, "{\"refreshToken\": \"ms5r_...\"}", ct);
        if (bodyError is not null)
        {
            return bodyError;
        }

        var errors = new Dictionary<string, string[]>();
        var token = Secret(body, "refreshToken", required: true, errors);
        if (token is not null && !Secrets.LooksLike(token, Secrets.RefreshPrefix))
        {
            errors["refreshToken"] = ["is not an MS5 refresh token (they start with ms5r_)"];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid refresh");
        }

        var now = time.GetUtcNow();
        var next = Secrets.New(Secrets.RefreshPrefix);
        var (outcome, record) = await SessionStore.RotateRefreshTokenAsync(db, Secrets.Hash(token!), Secrets.Hash(next), now, now + options.RefreshTokenLifetime, ct);
        switch (outcome)
        {
            case SessionStore.SpendOutcome.Unknown:
                return Unauthorized("Invalid refresh token", "unknown refresh token: sign in again");
            case SessionStore.SpendOutcome.Expired:
                return Unauthorized("Refresh token expired", "sign in again");
            case SessionStore.SpendOutcome.Reused:
                metrics.Reuse();
                revoked.Forget(record!.FamilyId);
                var owner = await users.FindByIdAsync(record.UserId);
                await audit.RecordAsync(ctx, ctx.User, "auth.refresh.reuse", owner?.UserName ?? record.UserId, "family_revoked",
                    $"a spent refresh token was presented again; family {record.FamilyId} revoked", actor: owner?.UserName ?? record.UserId);
                return Unauthorized("Refresh token already used", "this refresh token was used before, so it may have been stolen: every token of this session is revoked; sign in again");
        }

        var user = await users.FindByIdAsync(record!.UserId);
        if (user is null || new LockoutPolicy(options.LockoutAttempts, options.LockoutDuration).IsLockedOut(user.LockoutEnd, now))
        {
            await SessionStore.RevokeFamilyAsync(db, record.FamilyId, now, ct);
            return Unauthorized("Account unavailable", "the account was deleted or is locked");
        }

        var roles = (await users.GetRolesAsync(user)).ToList();
        var pending = options.IsProduction && roles.Contains(AccessRoles.Admin) && !user.TwoFactorEnabled;
        var (access, expiresIn) = tokens.AccessToken(user, roles, record.FamilyId, pending);
        return TypedResults.Ok(new TokenResponse(access, next, expiresIn));
    }

    private static async Task<IResult> LogoutAsync(HttpContext ctx, NpgsqlDataSource db, AuditTrail audit, RevokedFamilies revoked, OpaqueCredentials credentials, TimeProvider time, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (ctx.Request.Cookies[OpaqueCredentials.CookieName] is { Length: > 0 } cookie)
        {
            await SessionStore.RevokeWebSessionAsync(db, Secrets.Hash(cookie), now, ct);
            credentials.ForgetSession(cookie);
            ctx.Response.Cookies.Delete(OpaqueCredentials.CookieName, new CookieOptions { Path = "/", HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = ctx.Request.IsHttps });
        }

        if (ctx.User.FindFirst(Ms5Claims.Family)?.Value is { } f && Guid.TryParse(f, out var family))
        {
            await SessionStore.RevokeFamilyAsync(db, family, now, ct);
            revoked.Forget(family);
        }

        if (ctx.Request.HasJsonContentType() && ctx.Request.ContentLength is > 0)
        {
            var (body, _) = await JsonBody.ReadObjectAsync(ctx.Request, "{}", ct);
            if (body.ValueKind == JsonValueKind.Object && body.TryGetProperty("refreshToken", out var rt) && rt.GetString() is { } token && Secrets.LooksLike(token, Secrets.RefreshPrefix))
            {
                await SessionStore.RevokeFamilyOfAsync(db, Secrets.Hash(token), now, ct);
                revoked.ForgetAll();
            }
        }

        await audit.RecordAsync(ctx, "auth.logout", ctx.User.Actor(), "success");
        return TypedResults.NoContent();
    }

    private static async Task<IResult> MeAsync(HttpContext ctx, UserManager<Ms5User> users)
    {
        var p = ctx.User;
        var user = p.UserId() is { } id ? await users.FindByIdAsync(id) : null;
        return TypedResults.Ok(new MeResponse(p.Actor(), p.Kind(), p.Roles(), p.Scopes(), user?.TwoFactorEnabled, p.HasClaim(c => c.Type == Ms5Claims.TwoFactorPending), user?.LastLoginAt));
    }

    private static async Task<IResult> SetupAsync(HttpContext ctx, UserManager<Ms5User> users, AuditTrail audit)
    {
        if (await CurrentUserAsync(ctx, users) is not { } user)
        {
            return NotAPerson();
        }

        if (user.TwoFactorEnabled)
        {
            return TypedResults.Problem(statusCode: 409, title: "Two-factor already on", detail: "disable it first (POST /api/auth/2fa/disable with a current code) to enrol another authenticator");
        }

        await users.ResetAuthenticatorKeyAsync(user);
        var key = (await users.GetAuthenticatorKeyAsync(user))!;
        await audit.RecordAsync(ctx, "auth.2fa.setup", user.UserName!, "success");
        var uri = $"otpauth://totp/MS5:{Uri.EscapeDataString(user.UserName!)}?secret={key}&issuer=MS5&digits=6&period=30";
        return TypedResults.Ok(new TwoFactorSetupResponse(key, uri));
    }

    private static async Task<IResult> CodeActionAsync(HttpContext ctx, UserManager<Ms5User> users, AuditTrail audit, AccessOptions options, LoginThrottle throttle, string action)
    {
        if (await CurrentUserAsync(ctx, users) is not { } user)
        {
            return NotAPerson();
        }

        var (body, bodyError) = await JsonBody.ReadObjectAsync(ctx.Request, "{\"code\": \"123456\"}", ctx.RequestAborted);
        if (bodyError is not null)
        {
            return bodyError;
        }

        var errors = new Dictionary<string, string[]>();
        var code = JsonBody.Text(body, "code", required: true, errors)?.Replace(" ", "", StringComparison.Ordinal);
        if (code is not null && !(code.Length == 6 && code.All(char.IsAsciiDigit)))
        {
            errors["code"] = ["must be the 6 digits your authenticator app shows"];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid two-factor request");
        }

        if (action == "enable" && user.TwoFactorEnabled)
        {
            return TypedResults.Problem(statusCode: 409, title: "Two-factor already on", detail: "two-factor authentication is already enabled");
        }

        if (action != "enable" && !user.TwoFactorEnabled)
        {
            return TypedResults.Problem(statusCode: 409, title: "Two-factor is off", detail: "enrol first: POST /api/auth/2fa/setup, then POST /api/auth/2fa/enable");
        }

        if (await users.GetAuthenticatorKeyAsync(user) is null)
        {
            return TypedResults.Problem(statusCode: 409, title: "No authenticator", detail: "start with POST /api/auth/2fa/setup");
        }

        // Codes are guessable one in a million: attempts per account are limited like logins.
        if (throttle.TryAcquire("2fa:" + user.Id) is { } wait)
        {
            return new TooMany(wait, "too many two-factor codes for this account");
        }

        if (!await Totp.VerifyOnceAsync(users, user, code!))
        {
            await audit.RecordAsync(ctx, $"auth.2fa.{action}", user.UserName!, "invalid_code");
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["code"] = ["is wrong or expired: check the authenticator app's clock"] }, title: "Invalid two-factor code");
        }

        switch (action)
        {
            case "enable":
                await users.SetTwoFactorEnabledAsync(user, true);
                break;
            case "disable":
                if (options.IsProduction && await users.IsInRoleAsync(user, AccessRoles.Admin))
                {
                    return TypedResults.Problem(statusCode: 409, title: "Two-factor required", detail: "administrators must keep two-factor authentication in the production profile");
                }

                await users.SetTwoFactorEnabledAsync(user, false);
                await users.ResetAuthenticatorKeyAsync(user);
                await audit.RecordAsync(ctx, "auth.2fa.disable", user.UserName!, "success");
                return TypedResults.NoContent();
        }

        var codes = (await users.GenerateNewTwoFactorRecoveryCodesAsync(user, 10))!.ToList();
        await audit.RecordAsync(ctx, $"auth.2fa.{action}", user.UserName!, "success");
        return TypedResults.Ok(new RecoveryCodesResponse(codes));
    }

    private static async Task<IResult> ChangePasswordAsync(HttpContext ctx, UserManager<Ms5User> users, NpgsqlDataSource db, AuditTrail audit, OpaqueCredentials credentials, TimeProvider time)
    {
        if (await CurrentUserAsync(ctx, users) is not { } user)
        {
            return NotAPerson();
        }

        var (body, bodyError) = await JsonBody.ReadObjectAsync(ctx.Request, "{\"currentPassword\": \"...\", \"newPassword\": \"...\"}", ctx.RequestAborted);
        if (bodyError is not null)
        {
            return bodyError;
        }

        var errors = new Dictionary<string, string[]>();
        var current = Secret(body, "currentPassword", required: true, errors);
        var next = Secret(body, "newPassword", required: true, errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid password change");
        }

        var changed = await users.ChangePasswordAsync(user, current!, next!);
        if (!changed.Succeeded)
        {
            await audit.RecordAsync(ctx, "auth.password", user.UserName!, "refused");
            return UsersApi.PasswordProblem(changed, "newPassword");
        }

        await SessionStore.RevokeUserAsync(db, user.Id, time.GetUtcNow(), ctx.RequestAborted);
        credentials.Forget();
        await audit.RecordAsync(ctx, "auth.password", user.UserName!, "success");
        return TypedResults.NoContent();
    }

    /// <summary>The session cookie: HttpOnly, SameSite=Strict, and Secure on HTTPS and always in production (behind a TLS proxy too).</summary>
    internal static void SetSessionCookie(HttpContext ctx, string secret, DateTimeOffset expires) =>
        ctx.Response.Cookies.Append(OpaqueCredentials.CookieName, secret, new CookieOptions
        {
            HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = ctx.Request.IsHttps || ctx.RequestServices.GetRequiredService<AccessOptions>().IsProduction,
            Path = "/", Expires = expires, IsEssential = true,
        });

    private static async Task<Ms5User?> CurrentUserAsync(HttpContext ctx, UserManager<Ms5User> users) =>
        ctx.User.UserId() is { } id ? await users.FindByIdAsync(id) : null;

    private static IResult NotAPerson() =>
        TypedResults.Problem(statusCode: 400, title: "Not a person's account", detail: "this applies to a signed-in user (an access token or a browser session), not to an API key or an external identity");

    private static IResult Unauthorized(string title, string detail) => TypedResults.Problem(statusCode: 401, title: title, detail: detail);

    /// <summary>A password-like field: any non-empty string up to 1,024 characters (spaces and symbols are legitimate), never trimmed.</summary>
    private static string? Secret(JsonElement body, string name, bool required, Dictionary<string, string[]> errors)
    {
        if (!body.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                errors[name] = ["is required"];
            }

            return null;
        }

        if (v.ValueKind != JsonValueKind.String || v.GetString() is not { Length: > 0 and <= 1024 } s)
        {
            errors[name] = ["must be a non-empty string of at most 1024 characters"];
            return null;
        }

        return s;
    }

    /// <summary>429 with Retry-After, for limits applied inside an endpoint.</summary>
    private sealed class TooMany(int retryAfter, string what) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext) => RateLimits.TooManyAsync(httpContext, retryAfter, what);
    }
}
