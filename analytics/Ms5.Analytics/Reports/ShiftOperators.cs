namespace Ms5.Analytics.Reports;

/// <summary>
/// One line of a shift report's "Operators" section: who was assigned to run the machine for the shift
/// (PUT /api/assignments); <see cref="UserName"/> null: nobody was assigned.
/// </summary>
public sealed record OperatorRow(string MachineId, string MachineName, string LineId, string? UserName);

public static class ShiftOperators
{
    /// <summary>Every machine of the report, by line and machine, with its assigned operator (machine → user name) or none.</summary>
    public static IReadOnlyList<OperatorRow> Rows(IReadOnlyList<ReportMachine> machines, IReadOnlyDictionary<string, string> assigned)
    {
        ArgumentNullException.ThrowIfNull(machines);
        ArgumentNullException.ThrowIfNull(assigned);
        return machines
            .OrderBy(m => m.LineId, StringComparer.Ordinal).ThenBy(m => m.MachineId, StringComparer.Ordinal)
            .Select(m => new OperatorRow(m.MachineId, m.MachineName, m.LineId, assigned.GetValueOrDefault(m.MachineId)))
            .ToList();
    }
}
