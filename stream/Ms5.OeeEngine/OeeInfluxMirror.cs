using System.Globalization;
using System.Text;
using Ms5.Analytics.Plant;
using Ms5.Analytics.Oee;
using Ms5.Influx;
using Prometheus;

namespace Ms5.OeeEngine;

/// <summary>
/// Mirrors recomputed minute buckets into InfluxDB (measurement oee_minute, tags line and machine) for
/// dashboards. PostgreSQL stays the source of truth: a point has the same series and time as the bucket,
/// so a rewrite replaces it, and a failed write is counted and logged, not retried forever (the next
/// recomputation of that minute writes it again).
/// </summary>
internal sealed class OeeInfluxMirror(InfluxWriter influx, ILogger<OeeInfluxMirror> logger)
{
    private static readonly Counter Failures = Metrics.CreateCounter("ms5_oee_influx_failures_total", "Failed writes of OEE buckets to InfluxDB.");

    public async Task WriteAsync(IReadOnlyList<(MachineOeeContext Machine, IReadOnlyDictionary<DateTimeOffset, OeeComponents> Buckets)> changes, CancellationToken ct)
    {
        if (changes.Count == 0)
        {
            return;
        }

        var sb = new StringBuilder();
        foreach (var (m, buckets) in changes)
        {
            foreach (var (minute, c) in buckets)
            {
                sb.Append("oee_minute,line=").Append(LineProtocol.EscapeTag(m.LineId)).Append(",machine=").Append(LineProtocol.EscapeTag(m.MachineId))
                  .Append(" planned_seconds=").Append(F(c.PlannedSeconds))
                  .Append(",run_seconds=").Append(F(c.RunSeconds))
                  .Append(",unplanned_stop_seconds=").Append(F(c.UnplannedStopSeconds))
                  .Append(",setup_seconds=").Append(F(c.SetupSeconds))
                  .Append(",micro_stop_seconds=").Append(F(c.MicroStopSeconds))
                  .Append(",planned_stop_seconds=").Append(F(c.PlannedStopSeconds))
                  .Append(",good_count=").Append(c.GoodCount.ToString(CultureInfo.InvariantCulture)).Append('i')
                  .Append(",reject_count=").Append(c.RejectCount.ToString(CultureInfo.InvariantCulture)).Append('i')
                  .Append(",startup_reject_count=").Append(c.StartupRejectCount.ToString(CultureInfo.InvariantCulture)).Append('i')
                  .Append(",ideal_seconds=").Append(F(c.IdealSeconds))
                  .Append(' ').Append(((minute.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100).ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
        }

        try
        {
            await influx.WriteAsync(sb.ToString(), ct);
        }
        catch (Exception ex) when (ex is InfluxWriteException or HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            Failures.Inc();
            logger.LogWarning("Could not mirror OEE buckets to InfluxDB: {Reason}", ex.Message);
        }
    }

    private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
