using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Ms5.Analytics.Access;

namespace Ms5.Api.Access;

internal enum LoginOutcome
{
    Success,
    Invalid,
    LockedOut,
    TwoFactorRequired,
    TwoFactorInvalid,
}

internal sealed record LoginResult(LoginOutcome Outcome, Ms5User? User, IReadOnlyList<string> Roles, DateTimeOffset? LockedUntil, bool JustLocked);

/// <summary>
/// Checks a user name and password (Identity's PBKDF2 hasher), then the TOTP or recovery code when the account has
/// two-factor on. <see cref="LockoutPolicy"/> decides lockout in the injected <see cref="TimeProvider"/>'s time: a locked
/// account fails even with the right password. Attempts on one account are taken one at a time (parallel guesses cannot
/// slip past the count), and a failure is counted with one atomic UPDATE.
/// </summary>
internal sealed class LoginService(UserManager<Ms5User> users, AccessDbContext context, AccessOptions options, TimeProvider time)
{
    /// <summary>Attempts on one name are serialised by one of a fixed set of locks (memory stays bounded whatever names are tried).</summary>
    private static readonly SemaphoreSlim[] Gates = Enumerable.Range(0, 256).Select(_ => new SemaphoreSlim(1, 1)).ToArray();

    /// <summary>A hash to verify against when the user does not exist, so that both cases take as long.</summary>
    private static readonly string DummyHash = new PasswordHasher<Ms5User>().HashPassword(new Ms5User(), Guid.NewGuid().ToString());

    private LockoutPolicy Lockout => new(options.LockoutAttempts, options.LockoutDuration);

    public async Task<LoginResult> LoginAsync(string userName, string password, string? totpCode, string? recoveryCode, CancellationToken ct)
    {
        var gate = Gates[(uint)StringComparer.Ordinal.GetHashCode(users.NormalizeName(userName) ?? userName) % (uint)Gates.Length];
        await gate.WaitAsync(ct);
        try
        {
            return await AttemptAsync(userName, password, totpCode, recoveryCode, ct);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<LoginResult> AttemptAsync(string userName, string password, string? totpCode, string? recoveryCode, CancellationToken ct)
    {
        var user = await users.FindByNameAsync(userName);
        if (user is null)
        {
            users.PasswordHasher.VerifyHashedPassword(new Ms5User(), DummyHash, password);
            return new LoginResult(LoginOutcome.Invalid, null, [], null, false);
        }

        var now = time.GetUtcNow();
        if (Lockout.IsLockedOut(user.LockoutEnd, now))
        {
            users.PasswordHasher.VerifyHashedPassword(user, DummyHash, password);
            return new LoginResult(LoginOutcome.LockedOut, user, [], user.LockoutEnd, false);
        }

        if (!await users.CheckPasswordAsync(user, password))
        {
            return await FailAsync(user, LoginOutcome.Invalid, now, ct);
        }

        if (user.TwoFactorEnabled)
        {
            if (totpCode is null && recoveryCode is null)
            {
                return new LoginResult(LoginOutcome.TwoFactorRequired, user, [], null, false);
            }

            var ok = totpCode is not null
                ? await Totp.VerifyOnceAsync(users, user, totpCode)
                : (await users.RedeemTwoFactorRecoveryCodeAsync(user, recoveryCode!.Trim())).Succeeded;
            if (!ok)
            {
                return await FailAsync(user, LoginOutcome.TwoFactorInvalid, now, ct);
            }
        }

        await context.Users.Where(u => u.Id == user.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.AccessFailedCount, 0).SetProperty(u => u.LockoutEnd, (DateTimeOffset?)null).SetProperty(u => u.LastLoginAt, now), ct);
        return new LoginResult(LoginOutcome.Success, user, (await users.GetRolesAsync(user)).ToList(), null, false);
    }

    /// <summary>Counts a failure; the one that reaches <see cref="LockoutPolicy.MaxFailedAttempts"/> locks the account for <see cref="LockoutPolicy.Duration"/>.</summary>
    private async Task<LoginResult> FailAsync(Ms5User user, LoginOutcome outcome, DateTimeOffset now, CancellationToken ct)
    {
        var current = await context.Users.Where(u => u.Id == user.Id).Select(u => u.AccessFailedCount).FirstAsync(ct);
        var next = Lockout.AfterFailure(current, now);
        await context.Users.Where(u => u.Id == user.Id && u.AccessFailedCount == current)
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.AccessFailedCount, next.FailedCount).SetProperty(u => u.LockoutEnd, u => next.LockedUntil ?? u.LockoutEnd), ct);
        return next.LockedUntil is { } until
            ? new LoginResult(LoginOutcome.LockedOut, user, [], until, true)
            : new LoginResult(outcome, user, [], null, false);
    }
}

/// <summary>
/// TOTP codes through Identity's authenticator provider, each accepted once: the last accepted code is kept with the
/// account (user_tokens), so a code seen over a shoulder or replayed from a log within its 30-second window fails.
/// </summary>
internal static class Totp
{
    private const string Provider = "[MS5]";
    private const string LastCode = "LastTotpCode";

    public static async Task<bool> VerifyOnceAsync(UserManager<Ms5User> users, Ms5User user, string code)
    {
        code = code.Replace(" ", "", StringComparison.Ordinal);
        if (!await users.VerifyTwoFactorTokenAsync(user, users.Options.Tokens.AuthenticatorTokenProvider, code)
            || await users.GetAuthenticationTokenAsync(user, Provider, LastCode) == code)
        {
            return false;
        }

        await users.SetAuthenticationTokenAsync(user, Provider, LastCode, code);
        return true;
    }
}
