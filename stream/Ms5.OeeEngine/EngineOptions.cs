using Ms5.Kafka;
using Ms5.Kafka.Consuming;

namespace Ms5.OeeEngine;

/// <summary>OEE engine settings (section "Stream", shared with the historian host for the common ones; e.g. Stream__OeeGrace=00:02:00).</summary>
public sealed class EngineOptions : StreamOptions
{
    /// <summary>
    /// The engine takes bigger batches than the historian (Stream:MaxBatchSize still sets it): its per-batch work (locks,
    /// versions, bucket upserts, publication) grows with the machines and minutes a batch touches, not with its events,
    /// so a backlog drains faster in big batches; live load still goes out after Stream:MaxBatchDelay.
    /// </summary>
    public EngineOptions() => MaxBatchSize = 100_000;

    public string OeeGroup { get; set; } = "ms5.oee-engine";

    /// <summary>Where the engine publishes rolling OEE (15 min, 1 h, current shift per machine, line, plant).</summary>
    public string OeeTopic { get; set; } = Topics.Oee;

    /// <summary>Where Andon transitions are published.</summary>
    public string AndonTopic { get; set; } = Topics.Andon;

    /// <summary>Events older than now − this are late: still applied (buckets are recomputed), and counted.</summary>
    public TimeSpan OeeGrace { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often the OEE engine closes finished minutes for every machine.</summary>
    public TimeSpan OeeTickInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How many transactions at the same time a big batch (a backlog's) is written in, each with its own machines and
    /// partitions (see BatchLanes); live batches stay whole. 1 writes every batch in one transaction.
    /// </summary>
    public int WriteLanes { get; set; } = 2;

    /// <summary>Fewest events per lane: a batch smaller than twice this is written whole (tests lower it to write small batches in lanes).</summary>
    public int WriteLaneMinEvents { get; set; } = BatchLanes.MinEventsPerLane;

    /// <summary>
    /// While the engine drains a backlog (<see cref="Ms5.Analytics.Andon.CatchUpHold"/>), how long after one publication of
    /// rolling windows (ms5.oee.v1) and buckets (InfluxDB) the next starts; every batch committed meanwhile goes out in it,
    /// merged per machine. Live batches are published at once. Each publication sends every machine's windows again, all
    /// superseded by the next: fewer of them leave more of the cores to the drain. The board lags a backlog by up to this.
    /// </summary>
    public TimeSpan CatchUpPublishEvery { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Compile the batch path's code on a background thread at start (<see cref="Ms5.OeeEngine.JitWarmUp"/>) rather than inside the first
    /// batches; only when the runtime does not tier (the engine as shipped).
    /// </summary>
    public bool JitWarmUp { get; set; } = true;

    public override int MetricsPort { get; set; } = 59466;

    public override IEnumerable<string> Validate()
    {
        if (OeeGrace < TimeSpan.Zero || OeeTickInterval < TimeSpan.FromMilliseconds(100))
        {
            yield return "Stream:OeeGrace must not be negative and Stream:OeeTickInterval must be at least 100 ms";
        }

        if (WriteLanes is < 1 or > 16)
        {
            yield return $"Stream:WriteLanes must be between 1 and 16 (was {WriteLanes})";
        }

        if (CatchUpPublishEvery < TimeSpan.Zero || CatchUpPublishEvery > TimeSpan.FromMinutes(1))
        {
            yield return $"Stream:CatchUpPublishEvery must be between 00:00:00 and 00:01:00 (was {CatchUpPublishEvery})";
        }

        if (WriteLaneMinEvents < 1)
        {
            yield return $"Stream:WriteLaneMinEvents must be at least 1 (was {WriteLaneMinEvents})";
        }

        foreach (var problem in base.Validate())
        {
            yield return problem;
        }
    }
}
