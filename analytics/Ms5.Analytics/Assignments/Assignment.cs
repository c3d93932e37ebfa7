namespace Ms5.Analytics.Assignments;

/// <summary>An operator (an account's user name) assigned to run a machine for one shift (<see cref="ShiftSlot"/>).</summary>
public sealed record Assignment(
    DateOnly Day, string Shift, string PlantId, string LineId, string MachineId, string UserName, DateTimeOffset AssignedAt, string AssignedBy)
{
    public ShiftSlot Slot => new(Day, Shift);
}

/// <summary>One change of an assignment: who was assigned before and after (null: nobody), by whom and when.</summary>
public sealed record AssignmentChange(DateOnly Day, string Shift, string MachineId, string? Before, string? After, DateTimeOffset ChangedAt, string ChangedBy)
{
    public bool Changed => !string.Equals(Before, After, StringComparison.Ordinal);
}
