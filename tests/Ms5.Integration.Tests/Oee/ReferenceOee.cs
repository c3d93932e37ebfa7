using Ms5.Analytics.Events;

namespace Ms5.Integration.Tests.Oee;

/// <summary>
/// A deliberately simple OEE reference for plants without shifts (all time planned), written apart from the engine's
/// calculator: it walks every millisecond of every minute. The state at an instant is the last state event at or
/// before it (before the first: offline); running is run time, setup is setup time; a down or idle stop shorter than
/// the micro-stop threshold (its whole length, from its state event to the next state event) is a micro-stop (a speed
/// loss: run time that is also counted as micro-stop time), any
/// other stop unplanned, and an unplanned stop that starts inside the range is a failure in its minute. Parts count in
/// the minute of their count event; ideal time is the cycle time × parts. Event times must be whole milliseconds.
/// </summary>
internal static class ReferenceOee
{
    public sealed record Minute(double Planned, double Run, double Unplanned, double Setup, double MicroStop, long Good, long Reject, double Ideal, long Failures);

    public static Dictionary<DateTimeOffset, Minute> Compute(IEnumerable<MachineEvent> machineEvents, double cycleSeconds, TimeSpan microStopThreshold, DateTimeOffset from, DateTimeOffset to)
    {
        var events = machineEvents.DistinctBy(e => e.EventId).OrderBy(e => e.Ts).ThenBy(e => e.EventId).ToList();
        var states = events.Where(e => e.Type == EventType.State).ToList();
        var result = new Dictionary<DateTimeOffset, Minute>();
        var next = 0;
        for (var minute = from; minute < to; minute = minute.AddMinutes(1))
        {
            double run = 0, unplanned = 0, setup = 0, micro = 0;
            long failures = 0;
            for (var ms = 0; ms < 60_000; ms++)
            {
                var t = minute.AddMilliseconds(ms);
                while (next < states.Count && states[next].Ts <= t)
                {
                    next++;
                }

                if (next == 0)
                {
                    unplanned += 0.001; // unknown before the first state event: offline
                    continue;
                }

                var state = states[next - 1];
                switch (state.State)
                {
                    case MachineState.Running:
                        run += 0.001;
                        break;
                    case MachineState.Setup:
                        setup += 0.001;
                        break;
                    default:
                        var end = next < states.Count ? states[next].Ts : (DateTimeOffset?)null;
                        if (end is { } e && e - state.Ts < microStopThreshold)
                        {
                            // A micro-stop is a speed loss: it stays in run time and is counted apart as well.
                            micro += 0.001;
                            run += 0.001;
                        }
                        else
                        {
                            unplanned += 0.001;
                            failures += t == state.Ts ? 1 : 0;
                        }

                        break;
                }
            }

            var counts = events.Where(e => e.Type == EventType.Count && e.Ts >= minute && e.Ts < minute.AddMinutes(1)).ToList();
            var good = counts.Sum(e => e.Good ?? 0);
            var reject = counts.Sum(e => e.Reject ?? 0);
            result[minute] = new Minute(60, run, unplanned, setup, micro, good, reject, cycleSeconds * (good + reject), failures);
        }

        return result;
    }
}
