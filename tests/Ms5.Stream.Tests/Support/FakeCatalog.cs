using Ms5.Analytics.Plant;

namespace Ms5.Stream.Tests.Support;

/// <summary>A plant that has exactly the machines given; records the ids it was asked to make sure of.</summary>
internal sealed class FakeCatalog(params string[] machines) : IMachineCatalog
{
    private readonly HashSet<string> _machines = [.. machines];

    public List<string?> EnsureRequests { get; } = [];

    public bool IsKnown(string machineId) => _machines.Contains(machineId);

    public string? LineOf(string machineId) => IsKnown(machineId) ? "line-1" : null;

    public Task EnsureLoadedAsync(IEnumerable<string?> machineIds, CancellationToken ct)
    {
        EnsureRequests.AddRange(machineIds);
        return Task.CompletedTask;
    }
}
