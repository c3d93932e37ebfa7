using Microsoft.AspNetCore.Identity;
using Ms5.Analytics.Access;
using Ms5.Postgres.Access;
using Npgsql;

namespace Ms5.Api.Access;

/// <summary>
/// At start: with no account at all and <see cref="AccessOptions.BootstrapAdminPasswordFile"/> set, creates "admin" with
/// that password; with <see cref="AccessOptions.BootstrapApiKeyFile"/> set, makes sure that key exists (scope admin,
/// named "bootstrap-admin"). There is no built-in account or key: without these files MS5 starts with none, and says so.
/// It runs beside start-up and retries while PostgreSQL is away: the API still starts (and /readyz says what is down).
/// </summary>
internal sealed class AccessBootstrap(IServiceScopeFactory scopes, AccessOptions options, SigningKey key, NpgsqlDataSource db, TimeProvider time, ILogger<AccessBootstrap> logger) : BackgroundService
{
    public const string AdminName = "admin";
    public const string KeyName = "bootstrap-admin";

    private bool _done;

    /// <summary>The first attempt runs before the API serves (so the bootstrap key works from the first request); when PostgreSQL is away, the rest retries in the background.</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (key.Ephemeral)
        {
            logger.LogWarning("No token signing key configured (Ms5:Auth:SigningKeyFile / MS5_AUTH_SIGNING_KEY_FILE): using one made at start; access tokens stop working when this process restarts");
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(15));
            await BootstrapAsync(timeout.Token);
            _done = true;
        }
        catch (Exception ex) when (ex.IsDatabaseUnavailable() || ex is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Access bootstrap deferred (PostgreSQL not reachable): {Error}", ex.Message);
        }

        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_done)
        {
            return;
        }

        await Ms5.ServiceDefaults.Retry.Forever(TimeSpan.FromSeconds(30), time,
                (ex, attempt, delay) =>
                {
                    logger.LogWarning("Access bootstrap failed (attempt {Attempt}), retrying in {Delay}: {Error}", attempt, delay, ex.Message);
                    return ValueTask.CompletedTask;
                },
                ex => ex.IsDatabaseUnavailable())
            .ExecuteAsync(async ct => await BootstrapAsync(ct), stoppingToken);
    }

    private async Task BootstrapAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<Ms5User>>();
        if (options.BootstrapAdminPasswordFile is { Length: > 0 } pwFile && !users.Users.Any())
        {
            var password = (await File.ReadAllTextAsync(pwFile, cancellationToken)).Trim();
            var admin = new Ms5User { UserName = AdminName, CreatedAt = time.GetUtcNow(), SecurityStamp = Guid.NewGuid().ToString("N") };
            var created = await users.CreateAsync(admin, password);
            if (!created.Succeeded)
            {
                throw new InvalidOperationException($"could not create the bootstrap admin from {pwFile}: {string.Join("; ", created.Errors.Select(e => e.Description))}");
            }

            await users.AddToRoleAsync(admin, AccessRoles.Admin);
            await AuditStore.AppendAsync(db, "bootstrap", "none", "user.create", AdminName, "success", null, $"roles admin; password from {pwFile}", cancellationToken);
            logger.LogInformation("Created account {User} (role admin) from {File}", AdminName, pwFile);
        }
        else if (!users.Users.Any())
        {
            logger.LogWarning("No accounts yet: create the first with the bootstrap admin key (POST /api/users) or set Ms5:Auth:BootstrapAdminPasswordFile");
        }

        if (options.BootstrapApiKeyFile is { Length: > 0 } keyFile)
        {
            var secret = (await File.ReadAllTextAsync(keyFile, cancellationToken)).Trim();
            if (!Secrets.LooksLike(secret, Secrets.ApiKeyPrefix))
            {
                throw new InvalidOperationException($"{keyFile} does not hold an MS5 API key (ms5k_ followed by 43 base64url characters)");
            }

            var record = new ApiKeyRecord(Guid.NewGuid(), KeyName, secret[..12], [ApiScopes.Admin], "bootstrap", time.GetUtcNow(), null, null, null);
            if (await ApiKeyStore.EnsureBootstrapAsync(db, record, Secrets.Hash(secret), cancellationToken))
            {
                logger.LogInformation("Registered the admin API key from {File}", keyFile);
                await AuditStore.AppendAsync(db, "bootstrap", "none", "apikey.create", $"{record.Id} ({KeyName})", "success", null, $"scopes admin; key from {keyFile}", cancellationToken);
            }
        }
    }
}
