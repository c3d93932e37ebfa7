using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Ms5.Analytics.Events;
using Ms5.Analytics.Plant;

namespace Ms5.Kafka.Consuming;

/// <summary>The stages every consumer of machine events runs before its own handling.</summary>
public sealed record EventPipeline(ValidateStage Validate, IDeadLetterStage DeadLetters, IMachineCatalog Machines);

/// <summary>
/// The one consumer pipeline for <c>ms5.machine-events.v1</c>: deserialize → validate → dead-letter → handle.
/// The first two run on the consuming thread (overlapping the previous batch's write); dead-lettering and
/// <see cref="HandleAsync"/> run in the durable write, so offsets are committed only after both.
/// </summary>
public abstract class EventConsumer(KafkaOptions kafka, ConsumerSettings settings, EventPipeline pipeline, TimeProvider time, ILogger logger)
    : BatchConsumer<EventBatch>(kafka, settings, time, logger)
{
    protected EventPipeline Pipeline => pipeline;

    /// <summary>Stores or computes the batch's accepted events; throws to have the whole batch retried.</summary>
    protected abstract Task HandleAsync(EventBatch batch, CancellationToken ct);

    protected override async ValueTask<EventBatch> PrepareAsync(IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> messages, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var parsed = DeserializeStage.Run(messages);
        // A machine of a plant loaded a moment ago must not be rejected as unknown.
        await pipeline.Machines.EnsureLoadedAsync(parsed.Select(p => p.Event?.MachineId ?? p.ValidMachineId), ct);
        return pipeline.Validate.Run(Topic, messages, parsed);
    }

    protected sealed override async Task WriteAsync(EventBatch batch, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(batch);
        await pipeline.DeadLetters.RouteAsync(batch, ct);
        await HandleAsync(batch, ct);
    }

    protected override void OnBatchCompleted() => pipeline.DeadLetters.BatchCompleted();
}
