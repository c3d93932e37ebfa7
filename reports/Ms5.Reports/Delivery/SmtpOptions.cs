using MailKit.Security;
using MimeKit;
using Ms5.ServiceDefaults;

namespace Ms5.Reports.Delivery;

/// <summary>
/// The SMTP server reports are mailed through, configuration section <c>Reports:Smtp</c> (e.g. env
/// <c>Reports__Smtp__Host=smtp.plant.example</c>). No <see cref="Host"/>: e-mail delivery is off.
/// </summary>
public sealed class SmtpOptions : ISelfValidatingOptions
{
    public const string Section = "Reports:Smtp";

    /// <summary>Longest <see cref="Timeout"/> accepted.</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromMinutes(10);

    /// <summary>The SMTP server's name or address; empty: reports are not mailed.</summary>
    public string? Host { get; set; }

    public int Port { get; set; } = 25;

    /// <summary>
    /// <c>none</c> (plain text), <c>starttls</c> (STARTTLS required), <c>ssl</c> (TLS from the first byte, usually port 465);
    /// empty or <c>auto</c> (the default): STARTTLS when the server offers it, else plain.
    /// </summary>
    public string? Security { get; set; }

    /// <summary>Set to authenticate (AUTH); needs <see cref="Password"/> or <see cref="PasswordFile"/>.</summary>
    public string? UserName { get; set; }

    public string? Password { get; set; }

    /// <summary>A file holding the password (a mounted secret), read at each send; a trailing line break is ignored.</summary>
    public string? PasswordFile { get; set; }

    /// <summary>The sender, e.g. <c>MS5 &lt;ms5@plant.example&gt;</c>; required when <see cref="Host"/> is set.</summary>
    public string? From { get; set; }

    /// <summary>How long connecting and each SMTP exchange may take.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Whether a server is configured: without one, reports are not mailed.</summary>
    public bool IsEnabled => !string.IsNullOrWhiteSpace(Host);

    internal SecureSocketOptions SocketOptions => Security?.Trim().ToLowerInvariant() switch
    {
        null or "" or "auto" => SecureSocketOptions.StartTlsWhenAvailable,
        "none" => SecureSocketOptions.None,
        "starttls" => SecureSocketOptions.StartTls,
        "ssl" => SecureSocketOptions.SslOnConnect,
        _ => throw new InvalidOperationException($"{Section}:Security '{Security}' is not none, starttls, ssl or auto"),
    };

    internal MailboxAddress Sender => TryMailbox(From, out var m)
        ? m
        : throw new InvalidOperationException($"{Section}:From '{From}' is not an e-mail address");

    public IEnumerable<string> Validate()
    {
        if (Port is < 1 or > 65535)
        {
            yield return $"{Section}:Port must be 1-65535, got {Port}";
        }

        if (Security?.Trim().ToLowerInvariant() is not (null or "" or "auto" or "none" or "starttls" or "ssl"))
        {
            yield return $"{Section}:Security must be none, starttls, ssl or auto (STARTTLS when offered, the default), got '{Security}'";
        }

        if (Timeout <= TimeSpan.Zero || Timeout > MaxTimeout)
        {
            yield return $"{Section}:Timeout must be more than 0 and at most {MaxTimeout:c}, got {Timeout:c}";
        }

        var hasPassword = !string.IsNullOrEmpty(Password);
        var hasPasswordFile = !string.IsNullOrWhiteSpace(PasswordFile);
        if (hasPassword && hasPasswordFile)
        {
            yield return $"{Section}:Password and {Section}:PasswordFile are both set: give one";
        }

        if (string.IsNullOrWhiteSpace(UserName) && (hasPassword || hasPasswordFile))
        {
            yield return $"{Section}:UserName is required with a password";
        }

        if (!string.IsNullOrWhiteSpace(UserName) && !hasPassword && !hasPasswordFile)
        {
            yield return $"{Section}:UserName is set: give {Section}:Password or {Section}:PasswordFile too";
        }

        if (!IsEnabled)
        {
            yield break;
        }

        if (string.IsNullOrWhiteSpace(From))
        {
            yield return $"{Section}:From is required when {Section}:Host is set (the sender, e.g. ms5@plant.example)";
        }
        else if (!TryMailbox(From, out _))
        {
            yield return $"{Section}:From '{From}' is not an e-mail address";
        }
    }

    /// <summary>One mailbox with a domain: "ms5@plant.example" or "MS5 &lt;ms5@plant.example&gt;".</summary>
    internal static bool TryMailbox(string? text, out MailboxAddress mailbox)
    {
        mailbox = null!;
        if (string.IsNullOrWhiteSpace(text) || !MailboxAddress.TryParse(text, out var parsed)
            || parsed.Address.IndexOf('@', StringComparison.Ordinal) is < 1 || parsed.Address.EndsWith('@'))
        {
            return false;
        }

        mailbox = parsed;
        return true;
    }
}
