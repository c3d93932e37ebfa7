namespace Ms5.Stream.Tests.Support;

/// <summary>
/// What the fakes saw, in order, as short entries the tests write themselves ("write 0@5,0@6", "commit 0@7"):
/// one sequence across the consuming thread and the write, so an assertion can state the order.
/// </summary>
internal sealed class Journal
{
    /// <summary>Guards against a hang only; no test asserts how long anything took.</summary>
    public static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(10);

    private readonly Lock _lock = new();
    private readonly List<string> _entries = [];
    private readonly List<(string Entry, TaskCompletionSource Seen)> _waiters = [];

    public void Add(string entry)
    {
        lock (_lock)
        {
            _entries.Add(entry);
            foreach (var waiter in _waiters.Where(w => w.Entry == entry).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Seen.TrySetResult();
            }
        }
    }

    public IReadOnlyList<string> Entries
    {
        get
        {
            lock (_lock)
            {
                return [.. _entries];
            }
        }
    }

    /// <summary>Completes once <paramref name="entry"/> has been added.</summary>
    public Task Until(string entry)
    {
        lock (_lock)
        {
            if (_entries.Contains(entry))
            {
                return Task.CompletedTask;
            }

            var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((entry, seen));
            return seen.Task.WaitAsync(HangGuard);
        }
    }

    public static string Positions(IEnumerable<Confluent.Kafka.ConsumeResult<byte[]?, byte[]?>> messages) =>
        string.Join(",", messages.Select(m => $"{m.Partition.Value}@{m.Offset.Value}"));

    public static string Positions(IEnumerable<Confluent.Kafka.TopicPartitionOffset> offsets) =>
        string.Join(",", offsets.Select(o => $"{o.Partition.Value}@{o.Offset.Value}"));
}
