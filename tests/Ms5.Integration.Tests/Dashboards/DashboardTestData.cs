using Ms5.Integration.Tests.Support;

namespace Ms5.Integration.Tests.Dashboards;

/// <summary>
/// The plant and events the dashboard queries run over: plant "dash", lines dash-l1 (3 presses) and dash-l2
/// (2 weld cells, one counting cumulatively), shifts round the clock (day 06:00–18:00 UTC with a break 08:00–08:15,
/// night); over [From, To) (06:00–10:00 of a past day) the machines run, go down with reasons (one stays down: an
/// open Andon), set up, idle and make parts with rejects every minute they run. <see cref="LiveEvents"/>: a minute of
/// production now, for the panels of live data (Prometheus counts only what the engine computes while it runs).
/// </summary>
internal static class DashboardTestData
{
    public const string Plant = "dash";
    public static readonly string[] Lines = ["dash-l1", "dash-l2"];
    public static readonly string[] Machines = ["dash-p1", "dash-p2", "dash-p3", "dash-w1", "dash-w2"];

    /// <summary>The machine that goes down at 09:40 and stays down (the stop rule raises an Andon that stays open).</summary>
    public const string DownMachine = "dash-p2";

    /// <summary>The machine counting cumulatively (counter events).</summary>
    public const string CumulativeMachine = "dash-w2";

    public const string PlantJson = """
        { "plantId": "dash", "name": "Dashboard test plant", "timeZone": "UTC",
          "oee": { "microStopSeconds": 120, "setupCountsAgainstAvailability": true },
          "reasonCodes": [
            { "code": "jam", "category": "unplanned", "description": "Material jam" },
            { "code": "electrical", "category": "unplanned", "description": "Electrical fault" },
            { "code": "changeover", "category": "setup", "description": "Product changeover" },
            { "code": "break", "category": "planned", "description": "Scheduled break" },
            { "code": "no_shift", "category": "planned", "description": "No shift scheduled" } ],
          "shifts": [ { "name": "day", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "06:00", "end": "18:00",
                        "breaks": [ { "start": "08:00", "end": "08:15" } ] },
                      { "name": "night", "days": ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], "start": "18:00", "end": "06:00" } ],
          "andon": { "escalationMinutes": [5, 10], "rules": [
            { "id": "down", "kind": "stop", "states": ["down"], "seconds": 120, "severity": "critical" },
            { "id": "manual", "kind": "manual", "severity": "warning" } ] },
          "lines": [
            { "id": "dash-l1", "name": "Dash stamping", "machines": [
              { "id": "dash-p1", "name": "Dash press 1", "idealCycleSeconds": 2.0 },
              { "id": "dash-p2", "name": "Dash press 2", "idealCycleSeconds": 2.0 },
              { "id": "dash-p3", "name": "Dash press 3", "idealCycleSeconds": 2.5 } ] },
            { "id": "dash-l2", "name": "Dash welding", "machines": [
              { "id": "dash-w1", "name": "Dash weld 1", "idealCycleSeconds": 6.0 },
              { "id": "dash-w2", "name": "Dash weld 2", "idealCycleSeconds": 6.0, "countMode": "cumulative" } ] } ] }
        """;

    /// <summary>06:00 UTC of the day before the run: a past day, so every minute of it is final.</summary>
    public static DateTimeOffset From { get; } = new(DateTime.UtcNow.Date.AddDays(-1).AddHours(6), TimeSpan.Zero);

    public static DateTimeOffset To => From.AddHours(4);

    /// <summary>State changes per machine as (minutes after From, state, reason).</summary>
    private static readonly Dictionary<string, (double Minute, string State, string? Reason)[]> States = new()
    {
        ["dash-p1"] = [(0, "running", null), (60, "down", "jam"), (80, "running", null), (120, "planned_stop", "break"), (135, "running", null), (180, "setup", "changeover"), (195, "running", null)],
        ["dash-p2"] = [(0, "running", null), (45, "idle", null), (55, "running", null), (220, "down", "electrical")],
        ["dash-p3"] = [(0, "running", null), (90, "down", "jam"), (91.5, "running", null), (150, "down", "electrical"), (170, "running", null)],
        ["dash-w1"] = [(0, "running", null), (30, "setup", "changeover"), (50, "running", null), (180, "idle", null), (190, "running", null)],
        ["dash-w2"] = [(0, "running", null), (70, "down", "jam"), (100, "running", null)],
    };

    private static readonly Dictionary<string, double> IdealCycle = new() { ["dash-p1"] = 2.0, ["dash-p2"] = 2.0, ["dash-p3"] = 2.5, ["dash-w1"] = 6.0, ["dash-w2"] = 6.0 };

    /// <summary>Every event of the four hours (keyed by machine), the running machines ending with "no_shift" at To.</summary>
    public static List<(string?, string)> Events()
    {
        var events = new List<(string?, string)>();
        foreach (var (machine, changes) in States)
        {
            long goodTotal = 1000, rejectTotal = 10;
            foreach (var (minute, state, reason) in changes)
            {
                events.Add((machine, Some.State(Guid.NewGuid(), machine, From.AddMinutes(minute), state, reason)));
            }

            for (var m = 0; m < 240; m++)
            {
                var at = m + 0.5;
                var current = changes.Last(c => c.Minute <= at);
                if (current.State != "running")
                {
                    continue;
                }

                // About 85 % of the ideal rate; a reject every few minutes.
                var total = (long)Math.Floor(60 / IdealCycle[machine] * 0.85);
                var reject = m % 4 == 0 ? 2L : m % 3 == 0 ? 1L : 0L;
                if (machine == CumulativeMachine)
                {
                    // A machine reporting running totals (countMode cumulative): InfluxDB measurement machine_counter.
                    goodTotal += total - reject;
                    rejectTotal += reject;
                    events.Add((machine, Some.Counter(Guid.NewGuid(), machine, From.AddMinutes(at), goodTotal, rejectTotal)));
                    continue;
                }

                events.Add((machine, Some.Count(Guid.NewGuid(), machine, From.AddMinutes(at), total - reject, reject)));
            }

            if (machine != DownMachine)
            {
                events.Add((machine, Some.State(Guid.NewGuid(), machine, To, "planned_stop", "no_shift")));
            }
        }

        return events;
    }

    /// <summary>Running for the last minute with parts, on both lines (one machine each), ending now.</summary>
    public static List<(string?, string)> LiveEvents(DateTimeOffset now)
    {
        var events = new List<(string?, string)>();
        foreach (var machine in new[] { "dash-p1", "dash-w1" })
        {
            events.Add((machine, Some.State(Guid.NewGuid(), machine, now.AddSeconds(-60), "running")));
            for (var s = 50; s >= 0; s -= 10)
            {
                events.Add((machine, Some.Count(Guid.NewGuid(), machine, now.AddSeconds(-s), machine == "dash-p1" ? 4 : 1, s == 20 ? 1 : 0)));
            }
        }

        return events;
    }

    /// <summary>An event arriving after the engine computed its minute (older than the grace): a late count.</summary>
    public static (string?, string) LateEvent() => ("dash-p1", Some.Count(Guid.NewGuid(), "dash-p1", From.AddMinutes(30).AddSeconds(40), 3, 1));
}
