using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Ms5.Analytics.Contracts;
using Ms5.Analytics.Orders;
using Ms5.Postgres;
using Npgsql;
using Prometheus;

namespace Ms5.OeeEngine.Orders;

/// <summary>
/// Publishes ms5.orders.v1 (key = orderId): the order_history outbox (lifecycle changes written by the API or the automatic
/// start), marked published only after the broker acknowledged every row of the round (at-least-once; rows are sent in
/// recorded order through an idempotent producer, so an order's messages keep their order), and every
/// <see cref="OrderPublishingOptions.ProgressInterval"/> a progress message per running order. Several engine instances run
/// in one consumer group: only the one holding a session-level PostgreSQL advisory lock (on a connection it keeps open)
/// publishes, and the outbox rows are also taken FOR UPDATE SKIP LOCKED, so no row is sent by two instances at once. When
/// the leader dies its connection closes, the lock is released and another instance takes over within one interval.
/// </summary>
internal sealed class OrderPublisher(
    NpgsqlDataSource db, OrderStore store, IProducer<byte[]?, byte[]?> producer, OrderPublishingOptions options, TimeProvider time, ILogger<OrderPublisher> logger)
    : BackgroundService
{
    /// <summary>The advisory lock key of the ms5.orders.v1 publisher (any constant no other MS5 lock uses).</summary>
    internal const long LeaderLock = 0x6d73_355f_6f72_6472; // "ms5_ordr"

    private static readonly Counter Published = Metrics.CreateCounter(Telemetry.OrderMessages, "Messages published to ms5.orders.v1 and acknowledged, by kind (created, updated, released, started, completed, cancelled, progress).", "kind");
    private static readonly Counter Failures = Metrics.CreateCounter(Telemetry.OrderPublishFailures, "Failed ms5.orders.v1 publication rounds, by kind (outbox, progress): unpublished outbox rows are sent next round.", "kind");
    private static readonly Gauge Leader = Metrics.CreateGauge(Telemetry.OrderPublisherLeader, "1 while this engine instance holds the ms5.orders.v1 publisher lock.");

    private NpgsqlConnection? _leader;
    private DateTimeOffset _lastProgress = DateTimeOffset.MinValue;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.OutboxInterval, time);
        try
        {
            do
            {
                await RoundAsync(stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            await ResignAsync();
        }
    }

    /// <summary>One round: become (or stay) the leader, publish the outbox, and progress when it is due.</summary>
    internal async Task RoundAsync(CancellationToken ct)
    {
        try
        {
            if (!await LeadAsync(ct))
            {
                return;
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            logger.LogWarning("Could not take the ms5.orders.v1 publisher lock: {Reason}", ex.Message);
            await ResignAsync();
            return;
        }

        try
        {
            while (await PublishOutboxAsync(ct) == options.BatchSize)
            {
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or KafkaException or InvalidOperationException or JsonException or TimeoutException)
        {
            Failures.WithLabels("outbox").Inc();
            logger.LogWarning("Could not publish the order outbox (its rows stay unpublished and are sent next round): {Reason}", ex.Message);
        }

        var now = time.GetUtcNow();
        if (now - _lastProgress >= options.ProgressInterval)
        {
            _lastProgress = now;
            try
            {
                await PublishProgressAsync(now, ct);
            }
            catch (Exception ex) when (ex is NpgsqlException or KafkaException or InvalidOperationException or TimeoutException)
            {
                Failures.WithLabels("progress").Inc();
                logger.LogWarning("Could not publish order progress: {Reason}", ex.Message);
            }
        }
    }

    /// <summary>Locks up to a batch of unpublished rows, sends them, waits for every acknowledgement, then marks them.</summary>
    private async Task<int> PublishOutboxAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var rows = await OrderStore.LockUnpublishedAsync(conn, tx, options.BatchSize, ct);
        if (rows.Count == 0)
        {
            return 0;
        }

        var messages = rows.Select(r => r.ToMessage()).ToList();
        // Produced in recorded order on one idempotent producer: per key (order) the broker keeps that order.
        var sends = messages.Select(m => producer.ProduceAsync(options.Topic, Serialize(m), ct)).ToList();
        await Task.WhenAll(sends);
        await OrderStore.MarkPublishedAsync(conn, tx, [.. rows], ct);
        await tx.CommitAsync(ct);
        foreach (var m in messages)
        {
            Published.WithLabels(m.Kind).Inc();
        }

        return rows.Count;
    }

    private async Task PublishProgressAsync(DateTimeOffset now, CancellationToken ct)
    {
        var running = await store.RunningAsync(ct);
        if (running.Count == 0)
        {
            return;
        }

        var progress = await store.ProgressAsync(running, now, ct);
        var messages = running.Select((o, i) => OrderMessage.ForProgress(o, progress[i])).ToList();
        await Task.WhenAll(messages.Select(m => producer.ProduceAsync(options.Topic, Serialize(m), ct)));
        Published.WithLabels(OrderNames.Progress).Inc(messages.Count);
    }

    private static Message<byte[]?, byte[]?> Serialize(OrderMessage m) => new()
    {
        Key = Encoding.UTF8.GetBytes(m.OrderId),
        Value = JsonSerializer.SerializeToUtf8Bytes(m, ContractJson.Default.OrderMessage),
    };

    /// <summary>True while this instance holds the session-level leader lock (taken now if free).</summary>
    private async Task<bool> LeadAsync(CancellationToken ct)
    {
        if (_leader is { State: System.Data.ConnectionState.Open })
        {
            // Still alive? A broken connection has lost the lock.
            await using var ping = new NpgsqlCommand("SELECT 1", _leader);
            await ping.ExecuteScalarAsync(ct);
            return true;
        }

        await ResignAsync();
        var conn = await db.OpenConnectionAsync(ct);
        await using var cmd = new NpgsqlCommand("SELECT pg_try_advisory_lock($1)", conn);
        cmd.Parameters.AddWithValue(LeaderLock);
        if (await cmd.ExecuteScalarAsync(ct) is true)
        {
            _leader = conn;
            Leader.Set(1);
            logger.LogInformation("This engine instance publishes {Topic}", options.Topic);
            return true;
        }

        await conn.DisposeAsync();
        return false;
    }

    private async Task ResignAsync()
    {
        Leader.Set(0);
        if (_leader is { } conn)
        {
            _leader = null;
            // Closing the session releases its advisory lock.
            await conn.DisposeAsync();
        }
    }
}
