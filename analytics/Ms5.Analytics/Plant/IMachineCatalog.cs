namespace Ms5.Analytics.Plant;

/// <summary>Which machines the plant has and their lines, as a cache the consumer pipeline asks before validating a batch.</summary>
public interface IMachineCatalog
{
    /// <summary>From the cache only (no I/O).</summary>
    bool IsKnown(string machineId);

    /// <summary>The machine's line from the cache only; null when unknown.</summary>
    string? LineOf(string machineId);

    /// <summary>Reloads (rate-limited) when one of these ids is not known yet, so a freshly loaded plant is seen at once.</summary>
    Task EnsureLoadedAsync(IEnumerable<string?> machineIds, CancellationToken ct);
}
