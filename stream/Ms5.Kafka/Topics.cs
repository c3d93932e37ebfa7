namespace Ms5.Kafka;

/// <summary>The fixed topic names (ARCHITECTURE.md, command surface).</summary>
public static class Topics
{
    public const string MachineEvents = "ms5.machine-events.v1";
    public const string MachineEventsDlq = "ms5.machine-events.dlq.v1";
    public const string Oee = "ms5.oee.v1";
    public const string Andon = "ms5.andon.v1";

    /// <summary>Partition counts the dev broker creates; keyed by machine, so this bounds consumer parallelism.</summary>
    public static readonly IReadOnlyDictionary<string, int> DefaultPartitions = new Dictionary<string, int>
    {
        [MachineEvents] = 12,
        [MachineEventsDlq] = 3,
        [Oee] = 12,
        [Andon] = 3,
    };
}

/// <summary>Header names on DLQ records.</summary>
public static class DlqHeaders
{
    /// <summary>Every problem, "field: message; field: message".</summary>
    public const string Reason = "ms5-dlq-reason";

    /// <summary>The same problems as a JSON array of {field, message}.</summary>
    public const string Problems = "ms5-dlq-problems";

    public const string SourceTopic = "ms5-source-topic";
    public const string SourcePartition = "ms5-source-partition";
    public const string SourceOffset = "ms5-source-offset";

    /// <summary>Which stage rejected it: historian-pg, http-ingest, replay.</summary>
    public const string Stage = "ms5-dlq-stage";
}
