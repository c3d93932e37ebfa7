using Ms5.Analytics.Plant;

namespace Ms5.Stream.Tests.Support;

/// <summary>A plant that has exactly the machines given; records the ids it was asked to make sure of.</summary>
internal sealed class FakeCatalog(params string[] machines) : IMachineCatalog
{
    private readonly HashSet<string> _machines = [.. machines];

    private readonly List<string?> _requests = [];

    /// <summary>Every id asked for, in order (early chunks ask from other threads).</summary>
    public List<string?> EnsureRequests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>While set, reading the catalog fails (its database is away).</summary>
    public bool Unavailable { get; set; }

    private int _failNext;

    /// <summary>How many of the next reads fail (then it answers again).</summary>
    public int FailNext
    {
        get => Volatile.Read(ref _failNext);
        set => Volatile.Write(ref _failNext, value);
    }

    public bool IsKnown(string machineId) => _machines.Contains(machineId);

    public string? LineOf(string machineId) => IsKnown(machineId) ? "line-1" : null;

    public Task EnsureLoadedAsync(IEnumerable<string?> machineIds, CancellationToken ct)
    {
        if (Unavailable || Interlocked.Decrement(ref _failNext) >= 0)
        {
            throw new InvalidOperationException("the machine catalog cannot be read");
        }

        lock (_requests)
        {
            _requests.AddRange(machineIds);
        }

        return Task.CompletedTask;
    }
}
