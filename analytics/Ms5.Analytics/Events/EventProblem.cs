namespace Ms5.Analytics.Events;

/// <summary>One thing wrong with an event: the JSON field it concerns ("$" for the whole message) and why.</summary>
public readonly record struct EventProblem(string Field, string Message)
{
    public override string ToString() => $"{Field}: {Message}";

    /// <summary>All problems as one line, the form used in DLQ headers and logs.</summary>
    public static string Join(IEnumerable<EventProblem> problems) => string.Join("; ", problems);

    /// <summary>All problems as a JSON array of {field, message}: the DLQ header <c>ms5-dlq-problems</c> and <c>dead_letters.problems</c>.</summary>
    public static string ToJson(IEnumerable<EventProblem> problems) =>
        System.Text.Json.JsonSerializer.Serialize(problems.Select(p => new Dictionary<string, string> { ["field"] = p.Field, ["message"] = p.Message }));

    private static readonly string[] ContractOrder = ["$", "eventId", "machineId", "ts", "type", "state", "reason", "good", "reject", "goodTotal", "rejectTotal", "product"];

    /// <summary>Problems in contract field order (stable for problems of the same field).</summary>
    public static List<EventProblem> InContractOrder(IEnumerable<EventProblem> problems) =>
        problems.OrderBy(p => Array.IndexOf(ContractOrder, p.Field) is var i and >= 0 ? i : ContractOrder.Length).ToList();
}
