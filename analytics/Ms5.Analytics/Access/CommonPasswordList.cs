using System.Text;

namespace Ms5.Analytics.Access;

/// <summary>
/// The shipped list of common passwords (<c>Access/common-passwords.txt</c>, embedded): one per line,
/// lower case, UTF-8; blank lines and lines starting with '#' (source, licence, section notes) are skipped.
/// </summary>
internal static class CommonPasswordList
{
    internal const string ResourceName = "Ms5.Analytics.Access.common-passwords.txt";

    internal static IReadOnlyList<string> Load()
    {
        using var stream = typeof(CommonPasswordList).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded resource '{ResourceName}' is missing from {typeof(CommonPasswordList).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var passwords = new List<string>(capacity: 50_000);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0 && !line.StartsWith('#'))
            {
                passwords.Add(line);
            }
        }
        return passwords;
    }
}
