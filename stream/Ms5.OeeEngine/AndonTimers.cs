using Ms5.Analytics.Andon;
using Ms5.Postgres;
using Npgsql;

namespace Ms5.OeeEngine;

/// <summary>
/// Fires pending Andon raises on time (a machine that goes down and then says nothing has its Andon raised
/// when the threshold passes, not at the next event or tick) and escalates unacknowledged Andons when their
/// timers run out. Every 100 ms.
/// </summary>
internal sealed class AndonTimers(NpgsqlDataSource db, AndonHub hub, PlantDirectory plants, TimeProvider time, ILogger<AndonTimers> logger) : BackgroundService
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
