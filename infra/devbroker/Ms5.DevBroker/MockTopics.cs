using Prometheus;

namespace Ms5.DevBroker;

/// <summary>
/// The topics created through this broker with their partition counts. The mock cluster cannot list
/// them, so this keeps the list; <c>fixed</c> topics (MS5's own) are created at start and never deleted.
/// </summary>
internal sealed class MockTopics
{
    private static readonly Gauge Count = Metrics.CreateGauge("ms5_devbroker_topics", "Topics created through the dev broker.");
    private readonly MockCluster _cluster;
    private readonly IReadOnlyDictionary<string, int> _fixed;
    private readonly Dictionary<string, int> _created = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public MockTopics(MockCluster cluster, IReadOnlyDictionary<string, int> fixedTopics)
    {
        _cluster = cluster;
        _fixed = fixedTopics;
        foreach (var (name, partitions) in fixedTopics)
        {
            Create(name, partitions);
        }
    }

    public IReadOnlyList<(string Name, int Partitions)> List()
    {
        lock (_lock)
        {
            return [.. _created.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => (t.Key, t.Value))];
        }
    }

    public bool IsFixed(string name) => _fixed.ContainsKey(name);

    /// <summary>Creates the topic; when it exists, returns false and its partition count.</summary>
    public bool Create(string name, int partitions, out int existing)
    {
        lock (_lock)
        {
            if (_created.TryGetValue(name, out existing))
            {
                return false;
            }

            Create(name, partitions);
            existing = partitions;
            return true;
        }
    }

    /// <summary>Deletes a topic created through this broker; false when it was not.</summary>
    public bool Delete(string name)
    {
        lock (_lock)
        {
            if (!_created.Remove(name))
            {
                return false;
            }

            // Frees the topic's memory: tests and benchmarks create large per-run topics.
            _cluster.DeleteTopic(name);
            Count.Set(_created.Count);
            return true;
        }
    }

    private void Create(string name, int partitions)
    {
        _cluster.CreateTopic(name, partitions);
        _created[name] = partitions;
        Count.Set(_created.Count);
    }
}
