using Ms5.Kafka;
using Ms5.Kafka.Consuming;

namespace Ms5.Historian;

/// <summary>Historian settings (section "Stream", shared with the OEE engine host for the common ones).</summary>
public sealed class HistorianOptions : StreamOptions
{
    /// <summary>Which consumers this process runs: "pg" and/or "influx", comma-separated.</summary>
    public string Sinks { get; set; } = "pg,influx";

    public string DlqTopic { get; set; } = Topics.MachineEventsDlq;
    public string PgGroup { get; set; } = "ms5.historian-pg";
    public string InfluxGroup { get; set; } = "ms5.historian-influx";

    /// <summary>The group that stores every DLQ record in dead_letters (with the "pg" sink).</summary>
    public string DlqGroup { get; set; } = "ms5.historian-dlq";

    public override int MetricsPort { get; set; } = 59464;

    public IReadOnlyList<string> SinkList() => Sinks.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public override IEnumerable<string> Validate()
    {
        var sinks = SinkList();
        if (sinks.Count == 0 || sinks.Any(s => s is not ("pg" or "influx")))
        {
            yield return $"Stream:Sinks must list pg and/or influx (the OEE engine is its own host), got '{Sinks}'";
        }

        foreach (var problem in base.Validate())
        {
            yield return problem;
        }
    }
}
