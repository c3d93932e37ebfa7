using Ms5.Ops.Logs;

namespace Ms5.Ops.Checks;

/// <summary>Check 11: no error lines in the last --since (default 5 minutes) of any log in MS5_LOG_DIR.</summary>
internal static class LogCheck
{
    public static Check Create(string? logDir, TimeSpan since, TimeProvider time, string? alertmanagerConfig = null) => new("logs", async ct =>
    {
        if (logDir is null)
        {
            return CheckOutcome.Skip("MS5_LOG_DIR is not set");
        }

        if (!Directory.Exists(logDir))
        {
            return CheckOutcome.Fail($"MS5_LOG_DIR {logDir}: no such directory");
        }

        // Alertmanager's give-ups on the placeholder receivers of the configuration it runs (MS5_ALERTMANAGER_CONFIG):
        // nothing an operator must act on until they fill in real ones.
        var benign = BenignLine.Known;
        if (alertmanagerConfig is not null && File.Exists(alertmanagerConfig))
        {
            benign = [.. benign, .. BenignLine.PlaceholderReceivers(await File.ReadAllTextAsync(alertmanagerConfig, ct))];
        }

        var scans = await LogScanner.ScanFolderAsync(logDir, time.GetUtcNow(), since, benign, ct);
        return Judge(scans, since);
    });

    public static CheckOutcome Judge(IReadOnlyList<LogFileScan> scans, TimeSpan since)
    {
        ArgumentNullException.ThrowIfNull(scans);
        var window = Ms5.Analytics.Events.Durations.Describe(since);
        var bad = scans.Where(s => s.Errors > 0).ToList();
        var benign = scans.Sum(s => s.Benign);
        var benignText = benign > 0 ? $" ({benign} known-benign skipped)" : "";
        if (bad.Count == 0)
        {
            return CheckOutcome.Pass($"{scans.Count} logs, no error lines in the last {window}{benignText}");
        }

        var parts = bad.Select(s => $"{s.File}: {s.Errors} error line{(s.Errors == 1 ? "" : "s")}, first: {CheckRunner.OneLine(s.FirstError!, 200)}");
        return CheckOutcome.Fail($"error lines in the last {window}{benignText}: {string.Join(" | ", parts)}");
    }
}
