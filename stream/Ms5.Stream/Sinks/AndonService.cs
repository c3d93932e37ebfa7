using Ms5.Alertmanager;
using Ms5.Analytics.Andon;
using Ms5.Postgres;
using Npgsql;
using Prometheus;

namespace Ms5.Stream.Sinks;

/// <summary>
/// Fires pending Andon raises on time (a machine that goes down and then says nothing has its Andon raised
/// when the threshold passes, not at the next event or tick) and escalates unacknowledged Andons when their
/// timers run out. Every 100 ms.
/// </summary>
internal sealed class AndonService(NpgsqlDataSource db, AndonHub hub, PlantDirectory plants, TimeProvider time, ILogger<AndonService> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan EscalationCheck = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        var lastEscalation = DateTimeOffset.MinValue;
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var now = time.GetUtcNow();
                var due = hub.TakeDue(now);
                var transitions = new List<AndonTransition>();
                if (due.Count > 0)
                {
                    await using var conn = await db.OpenConnectionAsync(stoppingToken);
                    transitions.AddRange(await AndonStore.ApplyAsync(conn, null, due, now, stoppingToken));
                    await hub.CommittedAsync(due, new Dictionary<string, List<(AndonFinding, DateTimeOffset)>>(), [], stoppingToken);
                }

                if (now - lastEscalation >= EscalationCheck)
                {
                    lastEscalation = now;
                    await using var conn = await db.OpenConnectionAsync(stoppingToken);
                    var configs = plants.All.GroupBy(m => m.PlantId).ToDictionary(g => g.Key, g => g.First().Andon, StringComparer.Ordinal);
                    transitions.AddRange(await AndonStore.EscalateDueAsync(conn, p => configs.GetValueOrDefault(p), now, stoppingToken));
                }

                await hub.PublishAsync(transitions, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Andon timer failed; retrying");
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }
}

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

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = new Backoff(TimeSpan.FromSeconds(15));
        while (!stoppingToken.IsCancellationRequested)
        {
            await hub.WaitAsync(TimeSpan.FromSeconds(1), stoppingToken);
            try
            {
                await SyncAsync(stoppingToken);
                backoff.Reset();
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !stoppingToken.IsCancellationRequested)
            {
                Failures.Inc();
                var delay = backoff.NextDelay();
                logger.LogWarning("Alertmanager unreachable or refusing ({Error}); Andon notifications wait, retrying in {Delay}", ex.Message, delay);
                await Task.Delay(delay, stoppingToken);
            }
        }
    }

    internal async Task SyncAsync(CancellationToken ct)
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
