using System.Diagnostics;
using System.Globalization;
using Ms5.Kafka;
using Ms5.Kafka.DeadLetters;

namespace Ms5.Ingest;

/// <summary>
/// ./ms5 replay FILE [--speed X] [--topic T]: sends a file's events to Kafka. --speed 0 (default) sends
/// as fast as possible; X > 0 paces by the events' own timestamps X times faster than they happened.
/// Timestamps are never rewritten: replaying a file twice stores it once (event ids).
/// </summary>
internal static class ReplayCommand
{
    /// <summary>The DLQ stage of records the file format itself could not turn into a message.</summary>
    public const string Stage = "replay";

    public static int Run(string[] args)
    {
        if (args.Length == 0 || args[0].StartsWith("--", StringComparison.Ordinal))
        {
            Console.Error.WriteLine("usage: ms5 replay FILE [--speed X] [--topic TOPIC]");
            return 2;
        }

        var file = args[0];
        if (!File.Exists(file))
        {
            Console.Error.WriteLine($"replay: file not found: {file}");
            return 2;
        }

        var speed = 0.0;
        var speedText = Args.Value(args, "--speed");
        if (speedText is not null && (!double.TryParse(speedText, NumberStyles.Float, CultureInfo.InvariantCulture, out speed) || speed < 0))
        {
            Console.Error.WriteLine($"replay: --speed must be a number >= 0, got '{speedText}'");
            return 2;
        }

        var topic = Args.Value(args, "--topic") ?? Topics.MachineEvents;
        var dlqTopic = Args.Value(args, "--dlq-topic") ?? Topics.MachineEventsDlq;
        using var producer = new EventProducer(KafkaOptions.FromEnvironment(), "ms5-replay");
        int sent = 0, suspect = 0, direct = 0;
        DateTimeOffset? firstTs = null;
        var clock = Stopwatch.StartNew();
        foreach (var r in ReplayReader.Read(file))
        {
            if (speed > 0 && r.Ts is { } ts)
            {
                firstTs ??= ts;
                var due = TimeSpan.FromTicks((long)((ts - firstTs.Value).Ticks / speed));
                var wait = due - clock.Elapsed;
                if (wait > TimeSpan.Zero)
                {
                    Thread.Sleep(wait);
                }
            }

            if (r.DirectToDlq)
            {
                var letter = DeadLetterMessage.FromOutsideKafka(Stage, "file:" + Path.GetFileName(file), r.Line, null, r.Problems, r.Value, null);
                var message = DeadLetterMessage.Create(letter);
                producer.ProduceRaw(dlqTopic, message.Key, message.Value!, message.Headers);
                direct++;
                Console.Error.WriteLine($"{file}:{r.Line}: {string.Join("; ", r.Problems)} (sent to {dlqTopic})");
                continue;
            }

            if (r.Problems.Count > 0)
            {
                suspect++;
                if (suspect <= 20)
                {
                    Console.Error.WriteLine($"{file}:{r.Line}: {string.Join("; ", r.Problems)} (the historian will dead-letter it)");
                }
            }

            producer.ProduceRaw(topic, r.Key, r.Value);
            sent++;
        }

        producer.Flush(TimeSpan.FromMinutes(2));
        if (suspect > 20)
        {
            Console.Error.WriteLine($"... and {suspect - 20} more invalid records");
        }

        Console.WriteLine($"[ms5] replay {file}: {sent} sent to {topic} ({suspect} invalid, to be dead-lettered), {direct} unreadable records sent to {dlqTopic}; delivered {producer.Delivered}, failed {producer.Failed} in {clock.Elapsed.TotalSeconds:0.0}s");
        if (producer.Failed > 0)
        {
            Console.Error.WriteLine($"replay: {producer.Failed} messages were not delivered: {producer.LastError}");
            return 1;
        }

        return 0;
    }
}

internal static class Args
{
    public static string? Value(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    public static IEnumerable<string> Values(string[] args, string name)
    {
        for (var i = 0; i < args.Length - 1; i++)
        {
            if (args[i] == name)
            {
                yield return args[i + 1];
            }
        }
    }
}
