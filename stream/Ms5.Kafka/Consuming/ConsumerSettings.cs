namespace Ms5.Kafka.Consuming;

/// <summary>
/// One consumer group's loop: which topic, which group, and how batches are cut and retried. A batch is
/// written when it has <see cref="MaxBatch"/> messages or its first message is <see cref="MaxDelay"/> old;
/// a failed write is retried after 200 ms, doubling up to <see cref="MaxRetryDelay"/>, until it succeeds.
/// </summary>
public sealed record ConsumerSettings(string Topic, string GroupId, int MaxBatch, TimeSpan MaxDelay, TimeSpan MaxRetryDelay)
{
    /// <summary>
    /// How long a revocation waits for the batch being written. A write that cannot finish (its database is down)
    /// must not hold up the group's rebalance: it is abandoned uncommitted and its messages are read again.
    /// </summary>
    public TimeSpan RevocationWait { get; init; } = TimeSpan.FromSeconds(10);
}
