using Confluent.Kafka;
using Ms5.Kafka.Consuming;
using Microsoft.Extensions.Time.Testing;

namespace Ms5.Stream.Tests.Support;

/// <summary>
/// A consumer session that plays a script instead of talking to a broker. Waiting is modelled on the fake clock:
/// a message that arrives after a delay longer than the consumer's timeout makes <see cref="Consume"/> advance
/// the clock by the timeout and return null, as librdkafka would after waiting that long. Rebalance steps call
/// the listener from inside <see cref="Consume"/>, on the consuming thread, as librdkafka does. Commits are journaled.
/// </summary>
internal sealed class ScriptedSession(FakeTimeProvider time, Journal journal) : IConsumerSession
{
    /// <summary>When the script has run out the consumer idles: a short real wait, then null, the fake clock untouched.</summary>
    private static readonly TimeSpan IdlePoll = TimeSpan.FromMilliseconds(20);

    private readonly object _lock = new();
    private readonly LinkedList<Step> _steps = new();
    private readonly List<IReadOnlyList<TopicPartitionOffset>> _commits = [];

    public IPartitionListener? Listener { get; set; }

    public bool Closed { get; private set; }

    public IReadOnlyList<IReadOnlyList<TopicPartitionOffset>> Commits
    {
        get
        {
            lock (_lock)
            {
                return [.. _commits];
            }
        }
    }

    /// <summary>Steps are added together, so the consumer never sees only part of them.</summary>
    public void Play(params Step[] steps)
    {
        lock (_lock)
        {
            foreach (var step in steps)
            {
                _steps.AddLast(step);
            }

            Monitor.PulseAll(_lock);
        }
    }

    /// <summary>Ends the consumer's idle wait at once (after cancelling its token).</summary>
    public void Wake()
    {
        lock (_lock)
        {
            Monitor.PulseAll(_lock);
        }
    }

    public ConsumeResult<byte[]?, byte[]?>? Consume(TimeSpan timeout)
    {
        while (true)
        {
            Step step;
            lock (_lock)
            {
                if (_steps.Count == 0)
                {
                    Monitor.Wait(_lock, timeout < IdlePoll ? timeout : IdlePoll);
                    if (_steps.Count == 0)
                    {
                        return null;
                    }
                }

                step = _steps.First!.Value;
                _steps.RemoveFirst();
                if (step is Step.Arrive arrive && arrive.After > timeout)
                {
                    _steps.AddFirst(arrive with { After = arrive.After - timeout });
                    time.Advance(timeout);
                    return null;
                }
            }

            switch (step)
            {
                case Step.Arrive arrive:
                    time.Advance(arrive.After);
                    return arrive.Message;
                case Step.Silence:
                    time.Advance(timeout);
                    return null;
                case Step.Rebalance rebalance:
                    rebalance.Run(Listener ?? throw new InvalidOperationException("no listener"));
                    continue;
                default:
                    throw new InvalidOperationException($"unknown step {step}");
            }
        }
    }

    public void Commit(IReadOnlyList<TopicPartitionOffset> offsets)
    {
        lock (_lock)
        {
            _commits.Add(offsets);
        }

        journal.Add("commit " + Journal.Positions(offsets));
    }

    public void Seek(TopicPartitionOffset offset)
    {
        ArgumentNullException.ThrowIfNull(offset);
        journal.Add($"seek {offset.Partition.Value}@{offset.Offset.Value}");
    }

    // Pausing only matters to a real broker's fetcher; the script plays on.
    public void PauseAll()
    {
    }

    public void ResumeAll()
    {
    }

    public void Close() => Closed = true;

    public void Dispose()
    {
    }
}

/// <summary>One step of a <see cref="ScriptedSession"/>'s script.</summary>
internal abstract record Step
{
    /// <summary>A message that arrives <paramref name="After"/> the consumer starts waiting.</summary>
    public sealed record Arrive(ConsumeResult<byte[]?, byte[]?> Message, TimeSpan After) : Step;

    /// <summary>Nothing arrives for as long as the consumer waits.</summary>
    public sealed record Silence : Step;

    /// <summary>A rebalance callback, run inside Consume before it goes on with the script.</summary>
    public sealed record Rebalance(Action<IPartitionListener> Run) : Step;

    public static Step At(int partition, long offset, TimeSpan after = default) => new Arrive(Messages.At(partition, offset), after);

    public static Step Of(ConsumeResult<byte[]?, byte[]?> message) => new Arrive(message, TimeSpan.Zero);

    public static Step Quiet() => new Silence();
}
