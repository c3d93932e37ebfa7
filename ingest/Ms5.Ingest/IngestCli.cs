using System.CommandLine;
using Ms5.Ingest.Replay;
using Ms5.Ingest.Simulate;

namespace Ms5.Ingest;

/// <summary>
/// The ms5-ingest command line: <c>simulate</c> and <c>replay</c>, parsed by System.CommandLine (help,
/// and errors that name the option). The actions are parameters so tests can parse without Kafka.
/// </summary>
internal static class IngestCli
{
    /// <summary>Exit code of a usage error (bad or missing arguments), as the ms5 script has always seen it.</summary>
    public const int UsageError = 2;

    public static RootCommand Create(
        Func<ReplayArgs, int>? replay = null,
        Func<SimulateArgs, CancellationToken, Task<int>>? simulate = null)
    {
        var root = new RootCommand("MS5 ingest: the plant simulator and file replay, both producing contract events to Kafka.")
        {
            SimulateCommand.Create(simulate ?? SimulateCommand.RunAsync),
            ReplayCommand.Create(replay ?? ReplayCommand.Run),
        };
        // The name in usage lines; the assembly name (Ms5.Ingest) would otherwise show.
        root.HelpName = "ms5-ingest";
        return root;
    }

    public static async Task<int> InvokeAsync(string[] args, RootCommand? root = null, TextWriter? output = null, TextWriter? error = null)
    {
        var parsed = (root ?? Create()).Parse(args);
        var config = new InvocationConfiguration
        {
            // Unhandled exceptions crash the process as before instead of becoming exit code 1.
            EnableDefaultExceptionHandler = false,
            // The simulator handles SIGTERM/SIGINT itself: it flushes its producer for up to 30 s,
            // longer than System.CommandLine's default grace period.
            ProcessTerminationTimeout = null,
        };
        if (output is not null)
        {
            config.Output = output;
        }

        if (error is not null)
        {
            config.Error = error;
        }

        var code = await parsed.InvokeAsync(config);
        // System.CommandLine reports parse errors with exit code 1; MS5's usage errors have always been 2.
        return parsed.Errors.Count > 0 ? UsageError : code;
    }
}
