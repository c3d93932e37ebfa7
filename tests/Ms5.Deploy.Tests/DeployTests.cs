using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Npgsql;

namespace Ms5.Deploy.Tests;

/// <summary>
/// Blue/green deploys of the tests' own stack (README "Deploy"): under a request loop through the proxy and an event
/// stream through the API, a deploy and a rollback fail no request and store and count every event exactly once; a
/// release that cannot start is rolled back by itself and the old one keeps serving.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class DeployTests(LocalStack stack)
{
    [Fact]
    public async Task Deploy_then_rollback_under_load_fail_no_request_and_count_every_event_once()
    {
        var first = stack.Serving();
        var next = await stack.CopyReleaseAsync("next");
        const string machine = "press-02";
        var since = DateTimeOffset.UtcNow.AddSeconds(-1);
        await using var load = Load.Start(stack, machine);

        var (exit, output) = await stack.Ms5Async(TimeSpan.FromMinutes(4), "deploy", "--release", next);
        Assert.True(exit == 0, "deploy failed:\n" + output);
        Assert.Equal((next, Other(first.Slot), first.Release), stack.Serving());
        Assert.Equal((Other(first.Slot), next), await stack.ProxyActiveAsync());

        (exit, output) = await stack.Ms5Async(TimeSpan.FromMinutes(4), "rollback");
        Assert.True(exit == 0, "rollback failed:\n" + output);
        Assert.Equal((first.Release, first.Slot, next), stack.Serving());
        Assert.Equal((first.Slot, first.Release), await stack.ProxyActiveAsync());

        var (requests, failures, sent) = await load.StopAsync();
        Assert.True(requests > 200, $"only {requests} requests ran during the deploy and rollback");
        Assert.True(failures.Count == 0, $"{failures.Count} of {requests} requests failed: {string.Join("; ", failures.Take(5))}");
        Assert.True(sent.Count > 50, $"only {sent.Count} events were sent");

        // Every accepted event is stored once by the historian and counted once by the engine.
        await using var db = NpgsqlDataSource.Create(stack.PgUri);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        long stored = 0, counted = 0, good = 0;
        while (DateTime.UtcNow < deadline)
        {
            stored = await ScalarAsync(db, "SELECT count(*) FROM raw_events WHERE machine_id = $1 AND ts >= $2", machine, since);
            counted = await ScalarAsync(db, "SELECT count(*) FROM oee_events WHERE machine_id = $1 AND ts >= $2", machine, since);
            good = await ScalarAsync(db, "SELECT coalesce(sum(good_count), 0) FROM oee_minute WHERE machine_id = $1 AND minute >= date_trunc('minute', $2::timestamptz)", machine, since);
            if (stored == sent.Count && counted == sent.Count && good == sent.Count)
            {
                break;
            }

            await Task.Delay(500);
        }

        Assert.Equal(sent.Count, stored);
        Assert.Equal(sent.Count, counted);
        Assert.Equal(sent.Count, good);
        Assert.Equal(sent.Count, await ScalarAsync(db, "SELECT count(DISTINCT event_id) FROM raw_events WHERE machine_id = $1 AND ts >= $2", machine, since));
    }

    [Fact]
    public async Task A_release_that_cannot_start_is_rolled_back_and_the_old_one_keeps_serving()
    {
        var before = stack.Serving();
        // A release whose API refuses its configuration at start-up (a bad setting, named in its log).
        var broken = await stack.CopyReleaseAsync("broken", dir =>
            File.WriteAllTextAsync(Path.Combine(dir, "api", "appsettings.Production.json"), """{ "Ms5": { "MaxIngestBatch": -5 } }"""));
        await using var load = Load.Start(stack, machine: null);

        var (exit, output) = await stack.Ms5Async(TimeSpan.FromMinutes(4), "deploy", "--release", broken);

        var (requests, failures, _) = await load.StopAsync();
        Assert.NotEqual(0, exit);
        Assert.Contains($"deploy of {broken} failed at 'start {broken} in slot {Other(before.Slot)}'", output, StringComparison.Ordinal);
        Assert.Contains($"release {before.Release} still serves", output, StringComparison.Ordinal);
        Assert.Equal(before, stack.Serving());
        Assert.Equal((before.Slot, before.Release), await stack.ProxyActiveAsync());
        Assert.True(requests > 20, $"only {requests} requests ran");
        Assert.True(failures.Count == 0, $"{failures.Count} of {requests} requests failed: {string.Join("; ", failures.Take(5))}");
        // Nothing of the broken release is left running.
        var (_, status) = await stack.Ms5Async(TimeSpan.FromMinutes(1), "status");
        Assert.DoesNotContain("the other slot", status, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_migration_that_would_break_the_serving_release_is_refused_before_anything_starts()
    {
        var before = stack.Serving();
        await using var db = NpgsqlDataSource.Create(stack.PgUri);
        // As if the new release brought 0018 (it drops a constraint the serving release's writes rely on): pending.
        await using (var cmd = db.CreateCommand("DELETE FROM schema_migrations WHERE version = '0018_anomaly_kinds'"))
        {
            await cmd.ExecuteNonQueryAsync();
        }

        try
        {
            var next = await stack.CopyReleaseAsync("contract");
            var (exit, output) = await stack.Ms5Async(TimeSpan.FromMinutes(3), "deploy", "--release", next);
            Assert.NotEqual(0, exit);
            Assert.Contains("0018_anomaly_kinds.sql line 3: drops a column or constraint the serving release may use: ALTER TABLE downtime_anomalies DROP CONSTRAINT downtime_anomalies_kind_check", output, StringComparison.Ordinal);
            Assert.Contains($"deploy refused at 'migrations", output, StringComparison.Ordinal);
            Assert.Contains($"release {before.Release} keeps serving", output, StringComparison.Ordinal);
            Assert.DoesNotContain($"start {next}", output, StringComparison.Ordinal);
            Assert.Equal(before, stack.Serving());
            Assert.Equal(0, await CountAsync(db, "SELECT count(*) FROM schema_migrations WHERE version = '0018_anomaly_kinds'"));
        }
        finally
        {
            await using var cmd = db.CreateCommand("INSERT INTO schema_migrations (version) VALUES ('0018_anomaly_kinds') ON CONFLICT DO NOTHING");
            await cmd.ExecuteNonQueryAsync();
        }
    }

    private static async Task<long> CountAsync(NpgsqlDataSource db, string sql) => await ScalarAsync(db, sql);

    private static string Other(string slot) => slot == "blue" ? "green" : "blue";

    private static async Task<long> ScalarAsync(NpgsqlDataSource db, string sql, params object[] args)
    {
        await using var cmd = db.CreateCommand(sql);
        foreach (var a in args)
        {
            cmd.Parameters.AddWithValue(a);
        }

        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    /// <summary>Readers on the main endpoints and (with a machine) a writer of count events, all through the proxy.</summary>
    private sealed class Load : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly List<Task> _workers = [];
        private readonly ConcurrentQueue<string> _failures = new();
        private readonly ConcurrentBag<Guid> _sent = [];
        private long _requests;

        public static Load Start(LocalStack stack, string? machine)
        {
            var load = new Load();
            string[] paths = ["/api/machines", "/api/oee/live", "/healthz", "/api/andon?active=true"];
            for (var i = 0; i < 4; i++)
            {
                var path = paths[i];
                load._workers.Add(Task.Run(() => load.ReadAsync(stack, path)));
            }

            if (machine is not null)
            {
                load._workers.Add(Task.Run(() => load.WriteAsync(stack, machine)));
            }

            return load;
        }

        public async Task<(long Requests, IReadOnlyCollection<string> Failures, IReadOnlyCollection<Guid> Sent)> StopAsync()
        {
            await _stop.CancelAsync();
            await Task.WhenAll(_workers);
            return (Interlocked.Read(ref _requests), _failures.ToArray(), _sent.ToArray());
        }

        public async ValueTask DisposeAsync()
        {
            if (!_stop.IsCancellationRequested)
            {
                await StopAsync();
            }

            _stop.Dispose();
        }

        private async Task ReadAsync(LocalStack stack, string path)
        {
            using var http = stack.Client();
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    using var response = await http.GetAsync(path);
                    Interlocked.Increment(ref _requests);
                    if (!response.IsSuccessStatusCode)
                    {
                        _failures.Enqueue($"GET {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                    }
                }
                catch (HttpRequestException ex)
                {
                    Interlocked.Increment(ref _requests);
                    _failures.Enqueue($"GET {path}: {ex.Message}");
                }

                // 4 readers at most ~8/s each: under the API's 50 requests/s per identity (all of them use the admin key).
                await Task.Delay(120);
            }
        }

        private async Task WriteAsync(LocalStack stack, string machine)
        {
            using var http = stack.Client();
            var ts = DateTimeOffset.UtcNow;
            while (!_stop.IsCancellationRequested)
            {
                var batch = new JsonArray();
                var ids = new List<Guid>();
                for (var i = 0; i < 3; i++)
                {
                    var id = Guid.NewGuid();
                    ids.Add(id);
                    ts = ts.AddMilliseconds(10);
                    batch.Add(new JsonObject
                    {
                        ["eventId"] = id.ToString(), ["machineId"] = machine, ["ts"] = ts.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
                        ["type"] = "count", ["good"] = 1, ["reject"] = 0,
                    });
                }

                try
                {
                    using var response = await http.PostAsJsonAsync("/api/ingest/events", batch);
                    Interlocked.Increment(ref _requests);
                    if (response.IsSuccessStatusCode)
                    {
                        ids.ForEach(_sent.Add);
                    }
                    else
                    {
                        _failures.Enqueue($"POST /api/ingest/events: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                    }
                }
                catch (HttpRequestException ex)
                {
                    Interlocked.Increment(ref _requests);
                    _failures.Enqueue($"POST /api/ingest/events: {ex.Message}");
                }

                // Under the ingest limit (20 requests/s per key).
                await Task.Delay(100);
            }
        }
    }
}
