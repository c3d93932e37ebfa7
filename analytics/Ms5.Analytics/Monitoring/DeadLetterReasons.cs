using Ms5.Analytics.Events;

namespace Ms5.Analytics.Monitoring;

/// <summary>
/// The small set of reason classes dead letters are counted by in metrics (label <c>reason</c>): the full
/// problems stay in the dead letter itself; a metric label must not carry free text.
/// </summary>
public static class DeadLetterReasons
{
    public const string Malformed = "malformed";
    public const string TooLarge = "too_large";
    public const string UnknownMachine = "unknown_machine";
    public const string ClockSkew = "clock_skew";
    public const string Invalid = "invalid";

    public static IReadOnlyList<string> All { get; } = [Malformed, TooLarge, UnknownMachine, ClockSkew, Invalid];

    /// <summary>The class of a dead letter from its problems: the first that applies of too large, malformed (not a JSON object), clock skew, unknown machine, else invalid.</summary>
    public static string Classify(IReadOnlyList<EventProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        if (problems.Any(p => p.Field == "$" && p.Message.Contains("more than the", StringComparison.Ordinal)))
        {
            return TooLarge;
        }

        if (problems.Any(p => p.Field == "$"))
        {
            return Malformed;
        }

        if (problems.Any(p => p.Field == "ts" && (p.Message.Contains("in the future", StringComparison.Ordinal) || p.Message.Contains("clock is not set", StringComparison.Ordinal))))
        {
            return ClockSkew;
        }

        if (problems.Any(p => p.Field == "machineId" && p.Message.StartsWith("unknown machine", StringComparison.Ordinal)))
        {
            return UnknownMachine;
        }

        return Invalid;
    }
}
