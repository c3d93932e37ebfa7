using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Ms5.Api.Access;

/// <summary>The key that signs MS5's access tokens (HMAC-SHA256), from a file or the environment; in development without one, a key made at start (tokens then die with the process).</summary>
internal sealed class SigningKey
{
    public SymmetricSecurityKey Key { get; }
    public bool Ephemeral { get; }

    public SigningKey(AccessOptions options)
    {
        var text = options.SigningKeyFile is { Length: > 0 } f ? File.ReadAllText(f).Trim() : options.SigningKey?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            Key = new SymmetricSecurityKey(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) { KeyId = "ephemeral" };
            Ephemeral = true;
            return;
        }

        if (text.Length < 32)
        {
            throw new InvalidOperationException("Ms5:Auth signing key must be at least 32 characters");
        }

        Key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(text)) { KeyId = "ms5" };
    }
}

/// <summary>Issues MS5's access tokens: JWTs of <see cref="AccessOptions.AccessTokenLifetime"/> with the user's name, roles and refresh family.</summary>
internal sealed class TokenService(AccessOptions options, SigningKey key, TimeProvider time)
{
    private readonly JsonWebTokenHandler _handler = new();

    public (string Token, int ExpiresIn) AccessToken(Ms5User user, IEnumerable<string> roles, Guid family, bool twoFactorPending)
    {
        var now = time.GetUtcNow();
        var claims = new Dictionary<string, object>
        {
            [Ms5Claims.Subject] = user.Id,
            [Ms5Claims.Name] = user.UserName!,
            [Ms5Claims.Role] = roles.ToArray(),
            [Ms5Claims.Family] = family.ToString(),
            [Ms5Claims.Kind] = "user",
            [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString("N"),
        };
        if (twoFactorPending)
        {
            claims[Ms5Claims.TwoFactorPending] = "required";
        }

        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = options.Issuer,
            Audience = options.Audience,
            Claims = claims,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + options.AccessTokenLifetime).UtcDateTime,
            SigningCredentials = new SigningCredentials(key.Key, SecurityAlgorithms.HmacSha256),
        });
        return (token, (int)options.AccessTokenLifetime.TotalSeconds);
    }

    /// <summary>Parameters that validate MS5's own tokens.</summary>
    public static TokenValidationParameters Validation(AccessOptions options, SigningKey key) => new()
    {
        ValidIssuer = options.Issuer,
        ValidAudience = options.Audience,
        IssuerSigningKey = key.Key,
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        NameClaimType = Ms5Claims.Name,
        RoleClaimType = Ms5Claims.Role,
        ClockSkew = TimeSpan.FromSeconds(30),
    };

    /// <summary>The issuer of a JWT without validating it (to send tokens from an external provider to the right scheme).</summary>
    public static string? UnvalidatedIssuer(string token)
    {
        try
        {
            return new JsonWebToken(token).Issuer;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
