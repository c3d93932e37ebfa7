using Confluent.Kafka;
using Ms5.Analytics.Events;
using Ms5.Kafka.DeadLetters;

namespace Ms5.Kafka.Consuming;

/// <summary>Stage 3, dead-letter: what a consumer does with the batch's rejected messages before it handles the accepted ones.</summary>
public interface IDeadLetterStage
{
    Task RouteAsync(EventBatch batch, CancellationToken ct);

    /// <summary>The batch is durable and committed: forget what was routed for it.</summary>
    void BatchCompleted();
}

/// <summary>
/// Sends every dead letter to the DLQ topic (<see cref="DeadLetterMessage"/>) and waits until Kafka has them
/// (acks=all). A retried write of the same batch does not send them again.
/// </summary>
public sealed class PublishDeadLetters(IProducer<byte[]?, byte[]?> producer, string dlqTopic) : IDeadLetterStage
{
    private readonly HashSet<(int Partition, long Offset)> _sent = [];

    public async Task RouteAsync(EventBatch batch, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var unsent = batch.DeadLetters.Where(d => !_sent.Contains((d.Partition, d.Offset))).ToList();
        if (unsent.Count == 0)
        {
            return;
        }

        await Task.WhenAll(unsent.Select(d => producer.ProduceAsync(dlqTopic, DeadLetterMessage.Create(d), ct)));
        _sent.UnionWith(unsent.Select(d => (d.Partition, d.Offset)));
    }

    public void BatchCompleted() => _sent.Clear();
}

/// <summary>
/// Counts and skips rejected messages: for consumers of a topic whose dead letters another consumer group
/// (the PostgreSQL historian) publishes, so each bad message is dead-lettered once. A retried write of the
/// same batch does not count them again.
/// </summary>
public sealed class SkipDeadLetters(Action<int> skipped) : IDeadLetterStage
{
    private readonly HashSet<(int Partition, long Offset)> _counted = [];

    public Task RouteAsync(EventBatch batch, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var uncounted = batch.DeadLetters.Count(d => _counted.Add((d.Partition, d.Offset)));
        if (uncounted > 0)
        {
            skipped(uncounted);
        }

        return Task.CompletedTask;
    }

    public void BatchCompleted() => _counted.Clear();
}
