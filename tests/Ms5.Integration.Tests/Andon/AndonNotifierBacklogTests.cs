extern alias engine;

using Microsoft.Extensions.Logging.Abstractions;
using Ms5.Alertmanager;
using Ms5.Integration.Tests.Support;
using Ms5.Postgres;
using AlertmanagerNotifier = engine::Ms5.OeeEngine.AlertmanagerNotifier;

namespace Ms5.Integration.Tests.Andon;

/// <summary>
/// A backlog's Andons reach a real Alertmanager (the Debian binary) through the engine's notifier, which posts up to
/// <see cref="AndonStore.UnsyncedLimit"/> Andons per request: 1,000 open Andons at levels 1-3 and 203 resolved ones, more
/// than two requests' worth. While Alertmanager is down the post fails and nothing is marked posted; once it is back,
/// every open Andon fires at its level, no resolved one does, and nothing is left to post. Its own database (a sync
/// posts every unsynced Andon of the database).
/// </summary>
public sealed class AndonNotifierBacklogTests(StackFixture stack) : IClassFixture<StackFixture>
{
    private const int Open = 1000;
    private const int Resolved = 203;

    private async Task<long> CountAsync(string sql)
    {
        await using var cmd = stack.Db.CreateCommand(sql);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task MoreThanOneRequestOfAndons_AllPosted_NoneMarkedWhileAlertmanagerIsDown()
    {
        await using (var insert = stack.Db.CreateCommand($"""
            INSERT INTO andons (andon_id, plant_id, line_id, machine_id, rule_id, kind, severity, summary, since, raised_at, raised_by, level,
                                resolved_at, resolved_by, resolution, updated_at, am_level)
            SELECT gen_random_uuid(), 'nb', 'nb-line', 'nb-m' || i, 'down-fast', 'stop', 'critical', 'down for a while',
                   now() - interval '10 minutes', now() - interval '9 minutes', 'engine', 1 + i % 3,
                   CASE WHEN i > {Open} THEN now() - interval '1 minute' END, CASE WHEN i > {Open} THEN 'engine' END,
                   CASE WHEN i > {Open} THEN 'cleared' END, now() - interval '1 minute' + i * interval '1 millisecond',
                   CASE WHEN i > {Open} THEN 1 END
            FROM generate_series(1, {Open + Resolved}) i
            """))
        {
            Assert.Equal(Open + Resolved, await insert.ExecuteNonQueryAsync());
        }

        using var am = await TestAlertmanager.StartAsync("""
            route:
              receiver: none
            receivers:
              - name: none
            """);
        using var http = new HttpClient { BaseAddress = am.Url };
        var client = new AlertmanagerClient(http);
        var notifier = new AlertmanagerNotifier(stack.Db, client, hub: null!, TimeProvider.System, new Uri("http://ms5.example/"), NullLogger<AlertmanagerNotifier>.Instance);

        am.Kill();
        await Assert.ThrowsAsync<HttpRequestException>(() => notifier.SyncAsync(CancellationToken.None).AsTask());
        Assert.Equal(Open + Resolved, await CountAsync("SELECT count(*) FROM andons WHERE am_posted_at IS NULL"));

        await am.StartAsync();
        await notifier.SyncAsync(CancellationToken.None);
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM andons WHERE am_posted_at IS NULL"));
        Assert.Empty(await AndonStore.UnsyncedAsync(stack.Db, DateTimeOffset.UtcNow - AndonAlerts.Repost, CancellationToken.None));
        Assert.Equal(Open, await CountAsync($"SELECT count(*) FROM andons WHERE am_level = level AND NOT am_resolved AND resolved_at IS NULL"));
        Assert.Equal(Resolved, await CountAsync("SELECT count(*) FROM andons WHERE am_resolved AND am_level IS NULL AND resolved_at IS NOT NULL"));

        var firing = (await client.GetAsync(["alertname=\"MS5Andon\"", "plant=\"nb\""])).Where(a => a.State == "active").ToList();
        var expected = Enumerable.Range(1, Open).ToDictionary(i => "nb-m" + i, i => (1 + (i % 3)).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(Open, firing.Count);
        Assert.Equal(expected, firing.ToDictionary(a => a.Labels["machine"], a => a.Labels["level"]));
    }
}
