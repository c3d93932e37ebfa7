namespace Ms5.Kafka;

/// <summary>The fixed topic names (ARCHITECTURE.md, command surface).</summary>
public static class Topics
{
    public const string MachineEvents = "ms5.machine-events.v1";
    public const string MachineEventsDlq = "ms5.machine-events.dlq.v1";
    public const string Oee = "ms5.oee.v1";
    public const string Andon = "ms5.andon.v1";
    public const string Anomaly = "ms5.anomaly.v1";
    public const string Orders = "ms5.orders.v1";

    /// <summary>Partitions of a topic not named here (per-run test and benchmark topics are keyed by machine like the events topic).</summary>
    public const int PartitionsOfOtherTopics = 12;

    /// <summary>Partition counts the dev broker creates; keyed by machine, so this bounds consumer parallelism.</summary>
    public static readonly IReadOnlyDictionary<string, int> DefaultPartitions = new Dictionary<string, int>
    {
        [MachineEvents] = 12,
        [MachineEventsDlq] = 3,
        [Oee] = 12,
        [Andon] = 3,
        [Anomaly] = 3,
        [Orders] = 3,
    };
}
