using Confluent.Kafka;
using Ms5.Analytics.Events;
using Ms5.Postgres;

namespace Ms5.Stream.Sinks;

/// <summary>
/// The consumer pipeline's first stages: deserialize → validate (contract) → check (plant, clock).
/// Every message comes out either as an accepted event or as a dead letter with all its problems;
/// none is dropped, and a bad one never stops the partition.
/// </summary>
internal sealed class EventClassifier(EventRules rules, TimeProvider time, string stage)
{
    public void Classify(IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> messages, HistorianBatch batch)
    {
        var now = time.GetUtcNow();
        var parsed = new EventParseResult[messages.Count];
        // Parsing is pure CPU; large batches use every core.
        if (messages.Count >= 4096)
        {
            Parallel.For(0, messages.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i => parsed[i] = EventParser.Parse(messages[i].Message.Value));
        }
        else
        {
            for (var i = 0; i < messages.Count; i++)
            {
                parsed[i] = EventParser.Parse(messages[i].Message.Value);
            }
        }

        for (var i = 0; i < messages.Count; i++)
        {
            var m = messages[i];
            batch.Advance(m.Partition.Value, m.Offset.Value);
            var result = parsed[i];
            if (result.Event is { } evt)
            {
                var problems = rules.Check(evt, now);
                if (problems.Count == 0)
                {
                    batch.Events.Add(new SourcedEvent(evt, m.Partition.Value, m.Offset.Value));
                    continue;
                }

                batch.DeadLetters.Add(Letter(m, evt.MachineId, problems));
                continue;
            }

            batch.DeadLetters.Add(Letter(m, result.MachineId ?? KeyText(m), rules.AllProblems(result, now)));
        }
    }

    private DeadLetter Letter(ConsumeResult<byte[]?, byte[]?> m, string? machineId, IReadOnlyList<EventProblem> problems) =>
        new(stage, m.Topic, m.Partition.Value, m.Offset.Value, machineId, problems, m.Message.Value);

    private static string? KeyText(ConsumeResult<byte[]?, byte[]?> m)
    {
        if (m.Message.Key is not { Length: > 0 and <= 128 } key)
        {
            return null;
        }

        var text = System.Text.Encoding.UTF8.GetString(key);
        return text.Any(char.IsControl) ? null : text;
    }
}
