using Ms5.Analytics.Events;

namespace Ms5.Kafka.Consuming;

/// <summary>Stage 3, dead-letter: what a consumer does with the batch's rejected messages before it handles the accepted ones.</summary>
public interface IDeadLetterStage
{
    Task RouteAsync(EventBatch batch, CancellationToken ct);

    /// <summary>The batch is durable and committed: forget what was routed for it.</summary>
    void BatchCompleted();

    /// <summary>
    /// Whether dead letters keep their message's key, bytes and headers (a DLQ record carries them). A stage that only
    /// counts them lets the consumer skip reading keys and headers from the Kafka client (two fewer allocations per
    /// message) and let go of each message's bytes once they are parsed (<see cref="DeserializeStage.LetGo"/>); its dead
    /// letters may then have no payload.
    /// </summary>
    bool KeepsSources => true;
}

/// <summary>
/// Leaves the dead letters in the batch for the handler to store with the accepted events in one transaction:
/// the PostgreSQL historian, whose outbox then publishes them to the DLQ topic. A DLQ topic that cannot be
/// written therefore never holds back valid events.
/// </summary>
public sealed class KeepDeadLettersWithBatch : IDeadLetterStage
{
    public Task RouteAsync(EventBatch batch, CancellationToken ct) => Task.CompletedTask;

    public void BatchCompleted()
    {
    }
}

/// <summary>
/// Counts and skips rejected messages: for consumers of a topic whose dead letters another consumer group
/// (the PostgreSQL historian) publishes, so each bad message is dead-lettered once. A retried write of the
/// same batch does not count them again.
/// </summary>
public sealed class SkipDeadLetters(Action<int> skipped) : IDeadLetterStage
{
    private readonly HashSet<(int Partition, long Offset)> _counted = [];

    public bool KeepsSources => false;

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
