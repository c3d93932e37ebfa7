using System.Text;
using YamlDotNet.RepresentationModel;

namespace Ms5.Ops.Logs;

/// <summary>What one file holds in the window: error lines counted, the first quoted, known-benign ones counted apart.</summary>
internal sealed record LogFileScan(string File, int Errors, string? FirstError, int Benign);

/// <summary>
/// Lines a healthy deployment logs at error level that say nothing is wrong with it. Each entry is narrow: the file
/// (its name's start) and a text the line must contain.
/// </summary>
internal sealed record BenignLine(string FilePrefix, string Contains, string Why)
{
    public static readonly IReadOnlyList<BenignLine> Known =
    [
        // The shipped alertmanager.yml routes e-mail, Slack and the ops pager to placeholder hosts under the reserved
        // .invalid domain (RFC 2606) until an operator fills in real ones; delivery to them can never succeed and
        // Alertmanager logs each give-up at level=error. A real destination's failure still counts.
        new("alertmanager", ".example.invalid", "placeholder receivers of the shipped alertmanager.yml"),
        // The historian (HistorianWriter) and the engine (OeeStore) COPY a batch straight into raw_events / oee_events and
        // only when that hits a duplicate (a replayed file, a re-posted batch, a redelivery after a restart) fall back to
        // INSERT .. ON CONFLICT DO NOTHING: PostgreSQL logs the failed COPY, nothing is lost or doubled.
        new("postgres", "ERROR:  duplicate key value violates unique constraint \"raw_events_", "historian's optimistic COPY (falls back to ON CONFLICT DO NOTHING)"),
        new("postgres", "ERROR:  duplicate key value violates unique constraint \"oee_events_pkey\"", "engine's optimistic COPY (falls back to ON CONFLICT DO NOTHING)"),
        // node-exporter on a host without udev (a container, a minimal VM) says once at start that disk statistics go
        // without udev's device labels; the statistics themselves are collected. Any other diskstats error still counts.
        new("node-exporter", "msg=\"Failed to open directory, disabling udev device properties\"", "node-exporter on a host without /run/udev/data"),
    ];

    /// <summary>
    /// The receiver integrations of an Alertmanager configuration that still point at a placeholder (a host under the
    /// reserved .invalid domain, their own or the global default), as lines Alertmanager logs when it gives up on them:
    /// <c>err="RECEIVER/KIND[INDEX]: …"</c>. Alertmanager redacts the URL in those lines and names the host only when
    /// DNS answers "no such host" (a slow resolver gives "context deadline exceeded"), so the receiver names it.
    /// </summary>
    public static IReadOnlyList<BenignLine> PlaceholderReceivers(string alertmanagerYaml)
    {
        var yaml = new YamlStream();
        try
        {
            using var reader = new StringReader(alertmanagerYaml);
            yaml.Load(reader);
        }
        catch (YamlDotNet.Core.YamlException)
        {
            // Not readable: no receiver is taken for a placeholder (the alertmanager check reports the config).
            return [];
        }

        if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is not YamlMappingNode root)
        {
            return [];
        }

        static string? Scalar(YamlMappingNode map, string key) =>
            map.Children.TryGetValue(new YamlScalarNode(key), out var v) && v is YamlScalarNode s ? s.Value : null;

        // The host of a URL, a host:port or an address (user@host) ends in the reserved .invalid domain.
        static bool Placeholder(string? value)
        {
            if (value is null)
            {
                return false;
            }

            var host = Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Host.Length > 0 ? uri.Host
                : value[(value.LastIndexOf('@') + 1)..].Split(':')[0];
            return host.TrimEnd('.').EndsWith(".invalid", StringComparison.OrdinalIgnoreCase);
        }

        var global = root.Children.TryGetValue(new YamlScalarNode("global"), out var g) && g is YamlMappingNode gm ? gm : null;
        // The address each kind of integration takes from the global section when it names none of its own.
        var defaults = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["slack"] = global is null ? null : Scalar(global, "slack_api_url"),
            ["email"] = global is null ? null : Scalar(global, "smtp_smarthost"),
        };
        // Where an integration delivers to (an e-mail's recipient does not decide whether its smarthost answers).
        string[] addressKeys = ["url", "api_url", "smarthost", "webhook_url"];
        var result = new List<BenignLine>();
        if (!root.Children.TryGetValue(new YamlScalarNode("receivers"), out var receivers) || receivers is not YamlSequenceNode list)
        {
            return result;
        }

        foreach (var receiver in list.Children.OfType<YamlMappingNode>())
        {
            var name = Scalar(receiver, "name");
            foreach (var (key, value) in receiver.Children)
            {
                if (name is null || key is not YamlScalarNode { Value: { } k } || !k.EndsWith("_configs", StringComparison.Ordinal) || value is not YamlSequenceNode configs)
                {
                    continue;
                }

                var kind = k[..^"_configs".Length];
                var items = configs.Children.OfType<YamlMappingNode>().ToList();
                for (var i = 0; i < items.Count; i++)
                {
                    var own = addressKeys.Select(a => Scalar(items[i], a)).Where(a => a is not null).ToList();
                    var target = own.FirstOrDefault() ?? defaults.GetValueOrDefault(kind);
                    if (Placeholder(target))
                    {
                        result.Add(new("alertmanager", $"err=\"{name}/{kind}[{i}]: ", $"receiver {name}'s {kind} integration is a placeholder (.invalid) of the configuration"));
                    }
                }
            }
        }

        return result;
    }

    public bool Matches(string file, string line) =>
        file.StartsWith(FilePrefix, StringComparison.Ordinal) && line.Contains(Contains, StringComparison.Ordinal);
}

/// <summary>
/// Check 11's reader: the error lines of each log in a folder whose time lies in [now - since, now + 1 min)
/// (a minute's slack for clocks of other processes). Only a file's tail is read (<see cref="TailBytes"/>): a log
/// written faster than that in the window is a problem of its own.
/// </summary>
internal static class LogScanner
{
    public const int TailBytes = 16 * 1024 * 1024;

    public static LogFileScan ScanText(string file, IEnumerable<string> lines, DateTimeOffset from, DateTimeOffset to, IReadOnlyList<BenignLine> benign)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(benign);
        int errors = 0, skipped = 0;
        string? first = null;
        foreach (var line in lines)
        {
            if (LogLine.Parse(line) is not { IsError: true } e || e.Timestamp < from || e.Timestamp >= to)
            {
                continue;
            }

            if (benign.Any(b => b.Matches(file, line)))
            {
                skipped++;
                continue;
            }

            errors++;
            first ??= line;
        }

        return new LogFileScan(file, errors, first, skipped);
    }

    public static async Task<IReadOnlyList<LogFileScan>> ScanFolderAsync(string dir, DateTimeOffset now, TimeSpan since, IReadOnlyList<BenignLine> benign, CancellationToken ct)
    {
        var scans = new List<LogFileScan>();
        foreach (var path in Directory.GetFiles(dir).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(path);
            var info = new FileInfo(path);
            if (info.LastWriteTimeUtc < (now - since).UtcDateTime)
            {
                scans.Add(new LogFileScan(name, 0, null, 0));
                continue;
            }

            var text = await TailAsync(path, ct);
            scans.Add(ScanText(name, text.Split('\n'), now - since, now + TimeSpan.FromMinutes(1), benign));
        }

        return scans;
    }

    private static async Task<string> TailAsync(string path, CancellationToken ct)
    {
        await using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (f.Length > TailBytes)
        {
            f.Seek(-TailBytes, SeekOrigin.End);
        }

        using var reader = new StreamReader(f, Encoding.UTF8);
        return await reader.ReadToEndAsync(ct);
    }
}
