using System.Security.Cryptography;
using System.Text;

namespace Ms5.Proxy;

/// <summary>
/// The secret of /proxy/state and /proxy/switch: the first line of Proxy:AdminTokenFile, sent as X-Proxy-Token. A file
/// that does not exist is created with a random token (mode 0600) so the first start needs no extra step; an empty one
/// is an error naming the setting. Compared in constant time (of SHA-256 digests, so lengths leak nothing either).
/// </summary>
internal sealed class AdminToken
{
    public const string Header = "X-Proxy-Token";

    private readonly byte[] _digest;

    private AdminToken(string token) => _digest = SHA256.HashData(Encoding.UTF8.GetBytes(token));

    public static AdminToken Load(string path, ILogger logger)
    {
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            var created = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
            using (var writer = new StreamWriter(stream))
            {
                if (!OperatingSystem.IsWindows())
                {
                    // Owner only, before the token is in it.
                    File.SetUnixFileMode(stream.SafeFileHandle, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }

                writer.WriteLine(created);
            }

            logger.LogInformation("Created the proxy admin token in {File}", path);
        }

        var token = File.ReadLines(path).FirstOrDefault()?.Trim();
        return string.IsNullOrEmpty(token)
            ? throw new InvalidDataException($"{ProxyOptions.Section}:AdminTokenFile: the first line of '{path}' is empty; it must hold the admin token")
            : new AdminToken(token);
    }

    public bool Matches(string? presented) =>
        presented is { Length: > 0 } && CryptographicOperations.FixedTimeEquals(_digest, SHA256.HashData(Encoding.UTF8.GetBytes(presented)));
}
