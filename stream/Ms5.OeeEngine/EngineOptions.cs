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

    public override int MetricsPort { get; set; } = 59466;

    public override IEnumerable<string> Validate()
    {
        if (OeeGrace < TimeSpan.Zero || OeeTickInterval < TimeSpan.FromMilliseconds(100))
        {
            yield return "Stream:OeeGrace must not be negative and Stream:OeeTickInterval must be at least 100 ms";
        }

        foreach (var problem in base.Validate())
        {
            yield return problem;
        }
    }
}
