using Microsoft.Extensions.Configuration;
using Ms5.ServiceDefaults;
using Npgsql;

namespace Ms5.Postgres;

/// <summary>
/// MS5_PG is a libpq URI (what psql accepts: postgresql://user:pass@host:port/db?sslmode=require);
/// Npgsql wants key=value pairs. Plain Npgsql/libpq key=value strings pass through unchanged.
/// </summary>
public static class PgConnectionString
{
    public const string DefaultUri = "postgresql://ms5@127.0.0.1:55432/ms5";

    /// <summary>From the MS5_* variables (tools and tests outside a host).</summary>
    public static string FromEnvironment() => FromConfiguration(Ms5Settings.Current());

    /// <summary><c>Ms5:Pg</c> (MS5_PG) converted for Npgsql, else the local stack's database.</summary>
    public static string FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var value = configuration[$"{Ms5Settings.Section}:Pg"] is { Length: > 0 } v ? v : DefaultUri;
        try
        {
            return Convert(value);
        }
        catch (Exception ex) when (ex is UriFormatException or ArgumentException or FormatException)
        {
            // The value may hold a password: only the reason is named, not the value.
            throw new InvalidOperationException($"Ms5:Pg (MS5_PG) is not a PostgreSQL URI (postgresql://user@host:port/db?sslmode=require): {ex.Message}", ex);
        }
    }

    public static string Convert(string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        if (!value.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase) && !value.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase))
        {
            return value;
        }

        var uri = new Uri(value);
        var b = new NpgsqlConnectionStringBuilder
        {
            Host = string.IsNullOrEmpty(uri.Host) ? "127.0.0.1" : uri.Host,
            Port = uri.Port > 0 ? uri.Port : 5432,
            Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')) is { Length: > 0 } db ? db : "postgres",
        };
        if (uri.UserInfo.Length > 0)
        {
            var parts = uri.UserInfo.Split(':', 2);
            b.Username = Uri.UnescapeDataString(parts[0]);
            if (parts.Length == 2)
            {
                b.Password = Uri.UnescapeDataString(parts[1]);
            }
        }

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            var key = Uri.UnescapeDataString(kv[0]);
            var val = kv.Length == 2 ? Uri.UnescapeDataString(kv[1]) : "";
            switch (key)
            {
                case "sslmode": b.SslMode = Enum.Parse<SslMode>(val.Replace("-", "", StringComparison.Ordinal), ignoreCase: true); break;
                case "application_name": b.ApplicationName = val; break;
                case "connect_timeout": b.Timeout = int.Parse(val, System.Globalization.CultureInfo.InvariantCulture); break;
                case "options": b.Options = val; break;
                default: b[key] = val; break;
            }
        }

        return b.ConnectionString;
    }

    /// <summary>The same server with another database (tests use one database per run).</summary>
    public static string WithDatabase(string connectionString, string database) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Database = database }.ConnectionString;
}
