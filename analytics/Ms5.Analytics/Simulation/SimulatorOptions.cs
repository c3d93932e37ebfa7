namespace Ms5.Analytics.Simulation;

/// <summary>Knobs of the plant simulator. Defaults: one count per machine every 5 s.</summary>
public sealed record SimulatorOptions
{
    /// <summary>Same seed, plant, start and incidents give the same events, event ids included.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Running machines report parts this often.</summary>
    public TimeSpan CountInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Resolution of the simulation clock.</summary>
    public TimeSpan Tick { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Mean running time between micro-stops (short idle periods, reason micro_stop).</summary>
    public TimeSpan MeanTimeBetweenMicroStops { get; init; } = TimeSpan.FromMinutes(12);

    /// <summary>Mean running time between changeovers (setup state).</summary>
    public TimeSpan MeanTimeBetweenSetups { get; init; } = TimeSpan.FromHours(5);

    /// <summary>Chance per hour that a cumulative-counter PLC resets its counters (power cycle).</summary>
    public double CounterResetsPerHour { get; init; } = 0.02;

    /// <summary>Per-machine settings by machine id (<see cref="SimulationProfiles.Parse"/>); machines not listed use <see cref="SimulationProfile.Default"/>.</summary>
    public IReadOnlyDictionary<string, SimulationProfile> Profiles { get; init; } = new Dictionary<string, SimulationProfile>();

    /// <summary>Forced stops to inject, e.g. for Andon demos.</summary>
    public IReadOnlyList<Incident> Incidents { get; init; } = [];

    /// <summary>Labelled anomalies to inject (<see cref="PlantSimulator.InjectedAnomalies"/>); null (the default): none, the simulator behaves as without the option.</summary>
    public AnomalyInjection? Anomalies { get; init; }
}

/// <summary>Forces <see cref="MachineId"/> down with <see cref="Reason"/> during [<see cref="Start"/>, Start + Duration).</summary>
public sealed record Incident(string MachineId, DateTimeOffset Start, TimeSpan Duration, string Reason);
