using Microsoft.AspNetCore.Identity;
using Ms5.Analytics.Access;
using Ms5.Postgres.Access;
using Npgsql;

namespace Ms5.Api.Access;

/// <summary>
/// At start: with no account at all and <see cref="AccessOptions.BootstrapAdminPasswordFile"/> set, creates "admin" with
/// that password; with <see cref="AccessOptions.BootstrapApiKeyFile"/> set, makes sure that key exists (scope admin,
/// named "bootstrap-admin"). There is no built-in account or key: without these files MS5 starts with none, and says so.
/// </summary>
internal sealed class AccessBootstrap(IServiceScopeFactory scopes, AccessOptions options, SigningKey key, NpgsqlDataSource db, TimeProvider time, ILogger<AccessBootstrap> logger) : IHostedService, IDisposable
{
    public const string AdminName = "admin";
    public const string KeyName = "bootstrap-admin";

    private readonly CancellationTokenSource _stopping = new();
    private Task _retry = Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (key.Ephemeral)
        {
            logger.LogWarning("No token signing key configured (Ms5:Auth:SigningKeyFile / MS5_AUTH_SIGNING_KEY_FILE): using one made at start; access tokens stop working when this process restarts");
        }

        try
        {
            await BootstrapAsync(cancellationToken);
        }
        catch (Exception ex) when (Unreachable(ex))
        {
            // The API still starts (/readyz says postgres is down); the account and key are set up once PostgreSQL answers.
            logger.LogError("PostgreSQL is unreachable ({Error}): the bootstrap account and API key are set up once it answers", ex.Message);
            _retry = RetryAsync(_stopping.Token);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        try
        {
            await _retry;
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>A connection failure (directly, or wrapped by EF Core's execution strategy), not a problem with the data.</summary>
    private static bool Unreachable(Exception ex) => ex is NpgsqlException { IsTransient: true } || ex.InnerException is NpgsqlException { IsTransient: true };

    private async Task RetryAsync(CancellationToken ct)
    {
        while (true)
        {
            await Task.Delay(TimeSpan.FromSeconds(5), time, ct);
            try
            {
                await BootstrapAsync(ct);
                logger.LogInformation("PostgreSQL answers again: access bootstrap done");
                return;
            }
            catch (Exception ex) when (Unreachable(ex))
            {
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Access bootstrap failed");
                return;
            }
        }
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
            }
        }
    }

    public void Dispose() => _stopping.Dispose();
}
