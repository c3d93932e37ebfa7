namespace Ms5.Integration.Tests.Support;

/// <summary>
/// The textbook shift, as events for one machine: 480 minutes from <c>start</c> with breaks 03:00–03:30 and 06:00–06:30
/// after start (60 min planned stops), down 01:00–01:47 (47 min), ideal 1.0 s, 19,271 parts of which 423 rejects
/// → availability 88.8 %, performance 86.1 %, quality 97.8 %, OEE 74.8 %. The plant needs reason codes jam
/// (unplanned), break and no_shift (planned).
/// </summary>
internal static class WorkedExample
{
    public static List<(string?, string)> Events(string machine, DateTimeOffset start)
    {
        var t = start;
        var events = new List<(string?, string)>
        {
            (machine, Some.State(Guid.NewGuid(), machine, t, "running")),
            (machine, Some.State(Guid.NewGuid(), machine, t.AddHours(1), "down", "jam")),
            (machine, Some.State(Guid.NewGuid(), machine, t.AddMinutes(107), "running")),
            (machine, Some.State(Guid.NewGuid(), machine, t.AddHours(3), "planned_stop", "break")),
            (machine, Some.State(Guid.NewGuid(), machine, t.AddMinutes(210), "running")),
            (machine, Some.State(Guid.NewGuid(), machine, t.AddHours(6), "planned_stop", "break")),
            (machine, Some.State(Guid.NewGuid(), machine, t.AddMinutes(390), "running")),
            (machine, Some.State(Guid.NewGuid(), machine, t.AddHours(8), "planned_stop", "no_shift")),
        };
        var running = Enumerable.Range(0, 480).Select(m => t.AddMinutes(m))
            .Where(m => !(m >= t.AddHours(1) && m < t.AddMinutes(107)) && !(m >= t.AddHours(3) && m < t.AddMinutes(210)) && !(m >= t.AddHours(6) && m < t.AddMinutes(390)))
            .ToList();
        for (var i = 0; i < running.Count; i++)
        {
            var total = 51 + (i < 248 ? 1 : 0);
            var reject = 1 + (i < 50 ? 1 : 0);
            events.Add((machine, Some.Count(Guid.NewGuid(), machine, running[i].AddSeconds(30), total - reject, reject)));
        }

        return events;
    }
}
