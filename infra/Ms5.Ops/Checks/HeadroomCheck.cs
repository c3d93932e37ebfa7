using System.Globalization;

namespace Ms5.Ops.Checks;

/// <summary>Thresholds of check 10 (options --min-free-percent, --min-free-gib, --min-mem-percent).</summary>
internal sealed record HeadroomLimits(double MinFreePercent = 10, double MinFreeGib = 1, double MinMemPercent = 10);

/// <summary>One filesystem's space as statvfs reports it to an unprivileged user.</summary>
internal sealed record DiskSpace(string Path, long AvailableBytes, long TotalBytes);

/// <summary>
/// Check 10: free space of the filesystems holding MS5_HOME and the local PostgreSQL data directory
/// ($MS5_HOME/pg/data when it exists) is at least both thresholds; MemAvailable of /proc/meminfo at least its share.
/// </summary>
internal static class HeadroomCheck
{
    private const double Gib = 1024d * 1024 * 1024;

    public static Check Create(OpsSettings settings, HeadroomLimits limits) => new("headroom", async ct =>
    {
        if (settings.Home is null)
        {
            return CheckOutcome.Skip("MS5_HOME is not set (the deployment's disks are not on this machine)");
        }

        var paths = new List<string> { settings.Home };
        if (Path.Combine(settings.Home, "pg", "data") is var pgData && Directory.Exists(pgData))
        {
            paths.Add(pgData);
        }

        var disks = new List<DiskSpace>();
        foreach (var p in paths)
        {
            if (!Directory.Exists(p))
            {
                return CheckOutcome.Fail($"{p}: no such directory");
            }

            var d = new DriveInfo(p);
            disks.Add(new DiskSpace(p, d.AvailableFreeSpace, d.TotalSize));
        }

        var meminfo = await File.ReadAllTextAsync("/proc/meminfo", ct);
        return Judge(disks, ParseMemInfo(meminfo), limits);
    });

    public static CheckOutcome Judge(IReadOnlyList<DiskSpace> disks, (long AvailableKib, long TotalKib) memory, HeadroomLimits limits)
    {
        ArgumentNullException.ThrowIfNull(disks);
        ArgumentNullException.ThrowIfNull(limits);
        var problems = new List<string>();
        var seen = new List<string>();
        foreach (var d in disks)
        {
            var percent = d.TotalBytes == 0 ? 0 : 100d * d.AvailableBytes / d.TotalBytes;
            var gib = d.AvailableBytes / Gib;
            var text = string.Create(CultureInfo.InvariantCulture, $"{d.Path} {gib:0.0} GiB free ({percent:0.#} %)");
            seen.Add(text);
            if (percent < limits.MinFreePercent || gib < limits.MinFreeGib)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"{text} < {limits.MinFreePercent:0.#} % or {limits.MinFreeGib:0.#} GiB"));
            }
        }

        var memPercent = memory.TotalKib == 0 ? 0 : 100d * memory.AvailableKib / memory.TotalKib;
        var mem = string.Create(CultureInfo.InvariantCulture, $"MemAvailable {memory.AvailableKib / 1024d / 1024:0.0} GiB ({memPercent:0.#} %)");
        if (memPercent < limits.MinMemPercent)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{mem} < {limits.MinMemPercent:0.#} %"));
        }

        return problems.Count == 0 ? CheckOutcome.Pass(string.Join(", ", seen.Append(mem))) : CheckOutcome.Fail(string.Join("; ", problems));
    }

    /// <summary>MemAvailable and MemTotal (kB) of a /proc/meminfo text.</summary>
    public static (long AvailableKib, long TotalKib) ParseMemInfo(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        long? available = null, total = null;
        foreach (var line in text.Split('\n'))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 2 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var kib))
            {
                switch (parts[0])
                {
                    case "MemAvailable:": available = kib; break;
                    case "MemTotal:": total = kib; break;
                }
            }
        }

        return (available ?? throw new FormatException("/proc/meminfo has no MemAvailable line"),
                total ?? throw new FormatException("/proc/meminfo has no MemTotal line"));
    }
}
