using Microsoft.Extensions.Hosting;

namespace Ms5.ServiceDefaults;

/// <summary>
/// HTTPS for a host with a public listener (the API, the deploy proxy): Kestrel's default certificate from
/// MS5_TLS_CERT_FILE and MS5_TLS_KEY_FILE (PEM). Listeners named https:// use it; http:// ones stay plain.
/// </summary>
public static class Tls
{
    /// <summary>True when a certificate file is configured.</summary>
    public static bool AddMs5TlsCertificate(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var c = builder.Configuration;
        if (c[$"{Ms5Settings.Section}:TlsCertFile"] is not { Length: > 0 } cert)
        {
            return false;
        }

        c["Kestrel:Certificates:Default:Path"] = cert;
        if (c[$"{Ms5Settings.Section}:TlsKeyFile"] is { Length: > 0 } key)
        {
            c["Kestrel:Certificates:Default:KeyPath"] = key;
        }

        return true;
    }
}
