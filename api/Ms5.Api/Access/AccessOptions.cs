using Ms5.ServiceDefaults;

namespace Ms5.Api.Access;

/// <summary>
/// Access control, configuration section "Ms5:Auth" (environment Ms5__Auth__*, plus MS5_AUTH_SIGNING_KEY_FILE,
/// MS5_ADMIN_PASSWORD_FILE and MS5_ADMIN_APIKEY_FILE). Secrets come from files or the environment, never from the repo.
/// </summary>
public sealed class AccessOptions : ISelfValidatingOptions
{
    public const string Section = Ms5Settings.Section + ":Auth";

    /// <summary>"development" (the local stack) or "production" (2FA required for admins, HTTPS/HSTS, a signing key required). Ms5:Profile / MS5_PROFILE.</summary>
    public string Profile { get; set; } = "development";

    /// <summary>A file holding the key that signs MS5's access tokens (at least 32 characters; ./ms5 up makes .ms5/secrets/jwt-signing.key).</summary>
    public string? SigningKeyFile { get; set; }

    /// <summary>The signing key itself, from the environment (Ms5__Auth__SigningKey), when no file is given.</summary>
    public string? SigningKey { get; set; }

    public string Issuer { get; set; } = "ms5";
    public string Audience { get; set; } = "ms5";
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>How long a person's browser session lasts after signing in on the login page (a shift and a half).</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>How long a TV's board session lasts (it also ends when its key is revoked or expires).</summary>
    public TimeSpan BoardSessionLifetime { get; set; } = TimeSpan.FromDays(365);

    public int LockoutAttempts { get; set; } = 5;
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);
    public int PasswordMinLength { get; set; } = 12;

    /// <summary>On first start with no account: create "admin" with the password in this file (./ms5 up writes .ms5/secrets/admin.password).</summary>
    public string? BootstrapAdminPasswordFile { get; set; }

    /// <summary>On start: make sure the API key in this file exists with scope admin (./ms5 up writes .ms5/secrets/admin.apikey).</summary>
    public string? BootstrapApiKeyFile { get; set; }

    /// <summary>Tokens from an external OpenID Connect provider (Entra ID, Keycloak): off unless Authority is set.</summary>
    public OidcOptions Oidc { get; set; } = new();

    public RateLimitOptions RateLimits { get; set; } = new();

    /// <summary>
    /// Addresses of reverse proxies in front of the API (comma-separated IPs, e.g. a TLS-terminating proxy): from these
    /// only, X-Forwarded-For and X-Forwarded-Proto are believed (client address for limits and the audit, HTTPS for cookies).
    /// </summary>
    public string? TrustedProxies { get; set; }

    public bool IsProduction => string.Equals(Profile, "production", StringComparison.OrdinalIgnoreCase);

    public IEnumerable<string> Validate()
    {
        if (Profile is not ("development" or "production"))
        {
            yield return $"Ms5:Profile (MS5_PROFILE) must be development or production, got '{Profile}'";
        }

        if (IsProduction && string.IsNullOrEmpty(SigningKeyFile) && string.IsNullOrEmpty(SigningKey))
        {
            yield return "Ms5:Auth:SigningKeyFile (MS5_AUTH_SIGNING_KEY_FILE) is required in production: a file with at least 32 random characters";
        }

        if (!string.IsNullOrEmpty(SigningKeyFile) && !File.Exists(SigningKeyFile))
        {
            yield return $"Ms5:Auth:SigningKeyFile: no file '{SigningKeyFile}'";
        }

        if (AccessTokenLifetime < TimeSpan.FromMinutes(1) || AccessTokenLifetime > TimeSpan.FromHours(1))
        {
            yield return "Ms5:Auth:AccessTokenLifetime must be 1-60 minutes";
        }

        if (RefreshTokenLifetime < AccessTokenLifetime || SessionLifetime < TimeSpan.FromMinutes(5) || BoardSessionLifetime < TimeSpan.FromHours(1))
        {
            yield return "Ms5:Auth: RefreshTokenLifetime must be at least AccessTokenLifetime, SessionLifetime at least 5 minutes, BoardSessionLifetime at least an hour";
        }

        if (LockoutAttempts is < 1 or > 100 || LockoutDuration < TimeSpan.FromSeconds(1))
        {
            yield return "Ms5:Auth:LockoutAttempts must be 1-100 and LockoutDuration positive";
        }

        if (PasswordMinLength is < 8 or > 128)
        {
            yield return "Ms5:Auth:PasswordMinLength must be 8-128";
        }

        if (Oidc.Authority is { Length: > 0 } a && !Uri.TryCreate(a, UriKind.Absolute, out _))
        {
            yield return $"Ms5:Auth:Oidc:Authority must be an absolute URL, got '{a}'";
        }

        if (Oidc.Authority is { Length: > 0 } && string.IsNullOrEmpty(Oidc.Audience))
        {
            yield return "Ms5:Auth:Oidc:Audience is required when Oidc:Authority is set";
        }

        foreach (var proxy in (TrustedProxies ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!System.Net.IPAddress.TryParse(proxy, out _))
            {
                yield return $"Ms5:Auth:TrustedProxies: '{proxy}' is not an IP address";
            }
        }

        foreach (var p in RateLimits.Validate())
        {
            yield return p;
        }
    }
}

/// <summary>An external OpenID Connect provider whose access tokens MS5 accepts (roles from <see cref="RoleClaim"/>, values viewer..admin).</summary>
public sealed class OidcOptions
{
    public string? Authority { get; set; }
    public string? Audience { get; set; }
    public string RoleClaim { get; set; } = "roles";
    public string NameClaim { get; set; } = "preferred_username";

    /// <summary>Only for a test or a lab provider on plain HTTP; production providers publish their keys over HTTPS.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;
}

/// <summary>Limits (ASP.NET Core's rate limiter); a request over a limit is answered 429 with Retry-After.</summary>
public sealed class RateLimitOptions
{
    /// <summary>Login attempts per client address per minute.</summary>
    public int LoginPerAddressPerMinute { get; set; } = 20;

    /// <summary>Login attempts per user name per minute, from anywhere.</summary>
    public int LoginPerUserPerMinute { get; set; } = 10;

    /// <summary>Requests per identity (user, API key, or client address before authentication) per second, sustained.</summary>
    public int ApiPerIdentityPerSecond { get; set; } = 50;

    /// <summary>How many requests an identity may make at once above the sustained rate.</summary>
    public int ApiBurst { get; set; } = 200;

    /// <summary>POST /api/ingest/events requests per API key per second (each may carry thousands of events).</summary>
    public int IngestPerKeyPerSecond { get; set; } = 20;

    public IEnumerable<string> Validate()
    {
        if (LoginPerAddressPerMinute < 1 || LoginPerUserPerMinute < 1 || ApiPerIdentityPerSecond < 1 || ApiBurst < 1 || IngestPerKeyPerSecond < 1)
        {
            yield return "Ms5:Auth:RateLimits: every limit must be at least 1";
        }
    }
}
