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
/// retried with backoff until they succeed. While the engine drains a backlog of old events, posts wait up to
/// <see cref="CatchUpHold.MaxHold"/> so that the old stops the backlog also resolves page nobody.
/// </summary>
internal sealed class AlertmanagerNotifier(NpgsqlDataSource db, AlertmanagerClient client, AndonHub hub, TimeProvider time, Uri apiBase, ILogger<AlertmanagerNotifier> logger) : BackgroundService
{
    private static readonly Counter Posted = Metrics.CreateCounter("ms5_andon_alerts_posted_total", "Alerts posted to Alertmanager, by state.", "state");
    private static readonly Counter Failures = Metrics.CreateCounter(Telemetry.AlertmanagerFailures, "Failed posts to Alertmanager (retried).");
    private static readonly Counter Deferred = Metrics.CreateCounter(Telemetry.AlertmanagerSyncsDeferred, "Passes of the Alertmanager notifier's loop (about one a second, and one per wake-up) that did not post because the engine was draining a backlog (at most CatchUpHold.MaxHold in a row).");

    /// <summary>Longest wait between retries while Alertmanager is unreachable.</summary>
    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(15);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var retry = Retry.Forever(MaxRetryDelay, time, (ex, _, delay) =>
        {
            Failures.Inc();
            logger.LogWarning("Alertmanager unreachable or refusing ({Error}); Andon notifications wait, retrying in {Delay}", ex.Message, delay);
            return default;
        });
        while (!stoppingToken.IsCancellationRequested)
        {
            await hub.WaitAsync(TimeSpan.FromSeconds(1), stoppingToken);
            if (hub.CatchUp.Defer(time.GetUtcNow()))
            {
                // A backlog is being drained: most of its Andons are resolved by the next batches (CatchUpHold).
                Deferred.Inc();
                continue;
            }

            await retry.ExecuteAsync(SyncAsync, stoppingToken);
        }
    }

    /// <summary>
    /// Posts what Alertmanager does not know yet: the alerts of up to <see cref="AndonStore.UnsyncedLimit"/> Andons in one
    /// request (a backlog raises and resolves hundreds per batch), then marks them posted in one statement; again while
    /// the list was full. A failed post marks nothing, so the same Andons are posted again on the retry.
    /// </summary>
    internal async ValueTask SyncAsync(CancellationToken ct)
    {
        List<(AndonRecord Andon, int? PostedLevel)> unsynced;
        do
        {
            var now = time.GetUtcNow();
            unsynced = await AndonStore.UnsyncedAsync(db, now - AndonAlerts.Repost, ct);
            var alerts = unsynced.SelectMany(u => AndonAlerts.For(u.Andon, u.PostedLevel, now, apiBase)).ToList();
            await client.PostAsync(alerts, ct);
            foreach (var alert in alerts)
            {
                Posted.WithLabels(alert.EndsAt <= now ? "resolved" : "firing").Inc();
            }

            await AndonStore.MarkPostedAsync(db, [.. unsynced.Select(u => (u.Andon.Id, u.Andon.ResolvedAt is null ? u.Andon.Level : (int?)null, u.Andon.ResolvedAt is not null))], now, ct);
        }
        while (unsynced.Count >= AndonStore.UnsyncedLimit && !ct.IsCancellationRequested);
    }
}
