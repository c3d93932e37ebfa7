using Ms5.Alertmanager;
using Ms5.Analytics.Andon;
using Ms5.Postgres;
using Ms5.ServiceDefaults;
using Npgsql;
using Prometheus;

namespace Ms5.OeeEngine;

/// <summary>
/// Tells Alertmanager what the stored Andons say: every open Andon is a firing alert (labels alertname,
/// plant, line, machine, rule, severity, level), re-posted before it expires; an escalation resolves the
/// previous level's alert and fires the new one; a resolved Andon resolves its alert. The state to send
/// always comes from PostgreSQL, so an Alertmanager outage only delays notifications: failed posts are
/// retried with backoff until they succeed.
/// </summary>
internal sealed class AlertmanagerNotifier(NpgsqlDataSource db, AlertmanagerClient client, AndonHub hub, TimeProvider time, Uri apiBase, ILogger<AlertmanagerNotifier> logger) : BackgroundService
{
    /// <summary>How long a posted alert lives in Alertmanager without being re-posted.</summary>
    public static readonly TimeSpan AlertLifetime = TimeSpan.FromMinutes(5);

    private static readonly TimeSpan Repost = TimeSpan.FromMinutes(1);
    private static readonly Counter Posted = Metrics.CreateCounter("ms5_andon_alerts_posted_total", "Alerts posted to Alertmanager, by state.", "state");
    private static readonly Counter Failures = Metrics.CreateCounter("ms5_andon_alertmanager_failures_total", "Failed posts to Alertmanager (retried).");

    /// <summary>Longest wait between retries while Alertmanager is unreachable.</summary>
    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(15);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var retry = Retry.Forever(MaxRetryDelay, time, (ex, _, delay) =>
        {
            Failures.Inc();
            logger.LogWarning("Alertmanager unreachable or refusing ({Error}); Andon notifications wait, retrying in {Delay}", ex.Message, delay);
            return default;
        }, ex => ex is HttpRequestException or TaskCanceledException);
        while (!stoppingToken.IsCancellationRequested)
        {
            await hub.WaitAsync(TimeSpan.FromSeconds(1), stoppingToken);
            await retry.ExecuteAsync(SyncAsync, stoppingToken);
        }
    }

    internal async ValueTask SyncAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        foreach (var (a, postedLevel) in await AndonStore.UnsyncedAsync(db, now - Repost, ct))
        {
            var alerts = new List<Alert>();
            if (a.ResolvedAt is { } resolved)
            {
                if (postedLevel is { } l)
                {
                    alerts.Add(ToAlert(a, l, resolved < a.RaisedAt ? a.RaisedAt : resolved));
                }
            }
            else
            {
                if (postedLevel is { } old && old != a.Level)
                {
                    alerts.Add(ToAlert(a, old, now));
                }

                alerts.Add(ToAlert(a, a.Level, now + AlertLifetime));
            }

            await client.PostAsync(alerts, ct);
            foreach (var alert in alerts)
            {
                Posted.WithLabels(alert.EndsAt <= now ? "resolved" : "firing").Inc();
            }

            await AndonStore.MarkPostedAsync(db, a.Id, a.ResolvedAt is null ? a.Level : null, a.ResolvedAt is not null, now, ct);
        }
    }

    private Alert ToAlert(AndonRecord a, int level, DateTimeOffset endsAt)
    {
        var link = new Uri(apiBase, $"api/andon/{a.Id}").ToString();
        var annotations = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["summary"] = $"{a.MachineId}: {a.Summary}",
            ["description"] = $"Andon '{a.RuleId}' ({a.Severity}) on {a.MachineId}, line {a.LineId}: {a.Summary}; condition since {a.Since:O}, raised {a.RaisedAt:O}",
            ["since"] = a.Since.ToString("O"),
            ["raised_at"] = a.RaisedAt.ToString("O"),
            ["andon_id"] = a.Id.ToString(),
            ["status"] = a.Status,
            ["link"] = link,
        };
        if (a.AckedBy is not null)
        {
            annotations["acknowledged_by"] = a.AckedBy;
        }

        return new Alert(
            new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["alertname"] = "MS5Andon",
                ["plant"] = a.PlantId,
                ["line"] = a.LineId,
                ["machine"] = a.MachineId,
                ["rule"] = a.RuleId,
                ["severity"] = a.Severity,
                ["level"] = level.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["scope"] = a.MachineId.Length == 0 ? "line" : "machine",
            },
            annotations,
            a.RaisedAt,
            endsAt,
            link);
    }
}
