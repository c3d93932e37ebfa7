namespace Ms5.Analytics.Events;

/// <summary>Wire names of contract v1 (see analytics/contract/machine-event.v1.schema.json).</summary>
public static class ContractNames
{
    public static string Of(EventType type) => type switch
    {
        EventType.State => "state",
        EventType.Count => "count",
        EventType.Counter => "counter",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    public static string Of(MachineState state) => state switch
    {
        MachineState.Running => "running",
        MachineState.Idle => "idle",
        MachineState.Down => "down",
        MachineState.Setup => "setup",
        MachineState.PlannedStop => "planned_stop",
        MachineState.Offline => "offline",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    public static bool TryParseType(string value, out EventType type)
    {
        switch (value)
        {
            case "state": type = EventType.State; return true;
            case "count": type = EventType.Count; return true;
            case "counter": type = EventType.Counter; return true;
            default: type = default; return false;
        }
    }

    public static bool TryParseState(string value, out MachineState state)
    {
        switch (value)
        {
            case "running": state = MachineState.Running; return true;
            case "idle": state = MachineState.Idle; return true;
            case "down": state = MachineState.Down; return true;
            case "setup": state = MachineState.Setup; return true;
            case "planned_stop": state = MachineState.PlannedStop; return true;
            case "offline": state = MachineState.Offline; return true;
            default: state = default; return false;
        }
    }

    public const string AllStates = "running, idle, down, setup, planned_stop, offline";
    public const string AllTypes = "state, count, counter";
}
