using System.CommandLine;
using System.CommandLine.Parsing;
using System.Diagnostics;
using System.Globalization;
using Ms5.Kafka;

namespace Ms5.Ingest.Replay;

/// <summary>What <c>ms5-ingest replay</c> was asked to do.</summary>
internal sealed record ReplayArgs(string File, double Speed, string Topic, string DlqTopic);

/// <summary>
/// ./ms5 replay FILE [--speed X] [--topic T]: sends a file's events to Kafka. --speed 0 (default) sends
/// as fast as possible; X > 0 paces by the events' own timestamps X times faster than they happened.
/// Timestamps are never rewritten: replaying a file twice stores it once (event ids).
/// </summary>
internal static class ReplayCommand
{
    public static Command Create(Func<ReplayArgs, int> run)
    {
        var file = new Argument<string>("FILE") { Description = "JSONL (one event per line), a JSON array of events, or CSV with a header row (*.csv)" };
        file.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string>() is { } path && !File.Exists(path))
            {
                r.AddError($"file not found: {path}");
            }
        });
        var speed = new Option<double>("--speed")
        {
            Description = "0 sends as fast as possible; X > 0 paces by the events' timestamps, X times faster than they happened",
            HelpName = "X",
            DefaultValueFactory = _ => 0,
            CustomParser = ParseSpeed,
        };
        var topic = new Option<string>("--topic") { Description = "topic for the events", DefaultValueFactory = _ => Topics.MachineEvents };
        var dlqTopic = new Option<string>("--dlq-topic") { Description = "topic for records the file format cannot turn into a message", DefaultValueFactory = _ => Topics.MachineEventsDlq };
        var command = new Command("replay", "Send a file's events to Kafka; the historian validates them like live data.") { file, speed, topic, dlqTopic };
        command.SetAction(parse => run(new ReplayArgs(
            parse.GetRequiredValue(file), parse.GetValue(speed), parse.GetRequiredValue(topic), parse.GetRequiredValue(dlqTopic))));
        return command;
    }

    private static double ParseSpeed(ArgumentResult result)
    {
        var text = result.Tokens.Single().Value;
        // Invariant culture: "1.5" means one and a half whatever the machine's locale.
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var speed) || !(speed >= 0) || double.IsInfinity(speed))
        {
            result.AddError($"--speed must be a number >= 0, got '{text}'");
        }

        return speed;
    }

    public static int Run(ReplayArgs args)
    {
        var file = args.File;
        using var producer = new EventProducer(KafkaOptions.FromEnvironment(), "ms5-replay");
        int sent = 0, suspect = 0, direct = 0;
        DateTimeOffset? firstTs = null;
        var clock = Stopwatch.StartNew();
        foreach (var r in ReplayReader.Read(file))
        {
            if (args.Speed > 0 && r.Ts is { } ts)
            {
                firstTs ??= ts;
                var due = TimeSpan.FromTicks((long)((ts - firstTs.Value).Ticks / args.Speed));
                var wait = due - clock.Elapsed;
                if (wait > TimeSpan.Zero)
                {
                    Thread.Sleep(wait);
                }
            }

            if (r.DirectToDlq)
            {
                ReplayDeadLetters.Send(producer, args.DlqTopic, file, r);
                direct++;
                Console.Error.WriteLine($"{file}:{r.Line}: {string.Join("; ", r.Problems)} (sent to {args.DlqTopic})");
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

            producer.ProduceRaw(args.Topic, r.Key, r.Value);
            sent++;
        }

        producer.Flush(TimeSpan.FromMinutes(2));
        if (suspect > 20)
        {
            Console.Error.WriteLine($"... and {suspect - 20} more invalid records");
        }

        Console.WriteLine($"[ms5] replay {file}: {sent} sent to {args.Topic} ({suspect} invalid, to be dead-lettered), {direct} unreadable records sent to {args.DlqTopic}; delivered {producer.Delivered}, failed {producer.Failed} in {clock.Elapsed.TotalSeconds:0.0}s");
        if (producer.Failed > 0)
        {
            Console.Error.WriteLine($"replay: {producer.Failed} messages were not delivered: {producer.LastError}");
            return 1;
        }

        return 0;
    }
}
