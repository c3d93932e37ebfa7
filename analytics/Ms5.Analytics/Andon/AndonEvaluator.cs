using Ms5.Analytics.Events;
using Ms5.Analytics.Oee;

namespace Ms5.Analytics.Andon;

/// <summary>An open condition whose threshold lies ahead: raise at <see cref="RaiseAt"/> unless new events change it.</summary>
public sealed record PendingAndon(AndonEpisode Episode, DateTimeOffset RaiseAt);

/// <summary>
/// Evaluates Andon rules in event time (no I/O). Stop and no-parts rules read a machine's events; OEE and
/// reject-rate rules read its minute buckets. The same events give the same episodes, ids included, whether
/// evaluated live, after a restart or when history is replayed.
/// </summary>
public static class AndonEvaluator
{
    /// <summary>
    /// Episodes of the machine's stop and no-parts rules found in <paramref name="events"/> (which must hold, before
    /// the span of interest, the machine's states back to its last change between running and not running, and its
    /// last event that showed parts). Raised ones (raise time at or before <paramref name="now"/>) are returned with
    /// their clear time if known; open conditions not yet at their threshold are returned as pending.
    /// </summary>
    public static (List<AndonEpisode> Raised, List<PendingAndon> Pending) FromEvents(
        IEnumerable<MachineEvent> events, string machineId, string lineId, IEnumerable<AndonRule> rules, DateTimeOffset now) =>
        Evaluate(events, machineId, lineId, rules, now) is var r ? (r.Raised, r.Pending) : default;

    /// <summary>
    /// As <see cref="FromEvents"/>, plus the conditions that ended before their threshold (<c>Short</c>): an Andon
    /// raised on time for one of them, before the event ending it had arrived, must be resolved.
    /// </summary>
    public static (List<AndonEpisode> Raised, List<PendingAndon> Pending, List<AndonEpisode> Short) Evaluate(
        IEnumerable<MachineEvent> events, string machineId, string lineId, IEnumerable<AndonRule> rules, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(rules);
        var ordered = Ordered(events);
        var raised = new List<AndonEpisode>();
        var pending = new List<PendingAndon>();
        var tooShort = new List<AndonEpisode>();
        foreach (var rule in rules.Where(r => r.AppliesTo(machineId, lineId)))
        {
            var conditions = rule.Kind switch
            {
                AndonKind.Stop => StopConditions(ordered, rule, now),
                AndonKind.NoCounts => NoPartsConditions(ordered, rule, now),
                _ => [],
            };
            foreach (var (since, end, summary) in conditions)
            {
                var raiseAt = since + rule.Threshold;
                var episode = new AndonEpisode(AndonEpisode.IdFor(rule.Id, machineId, since), rule.Id, machineId, since, raiseAt, end, summary);
                if (end is { } e && e - since < rule.Threshold)
                {
                    tooShort.Add(episode);
                    continue;
                }

                if (raiseAt <= now)
                {
                    raised.Add(episode);
                }
                else if (end is null)
                {
                    pending.Add(new PendingAndon(episode, raiseAt));
                }
            }
        }

        return (raised, pending, tooShort);
    }

    /// <summary>The events in (ts, id) order without duplicates; sorts only when they are not in order already (a tail's slice is).</summary>
    private static List<MachineEvent> Ordered(IEnumerable<MachineEvent> events)
    {
        var list = events as List<MachineEvent> ?? [.. events];
        var sorted = true;
        for (var i = 1; i < list.Count && sorted; i++)
        {
            sorted = EventOrder.Compare(list[i - 1], list[i]) < 0;
        }

        if (sorted)
        {
            return list;
        }

        var copy = new List<MachineEvent>(list);
        copy.Sort(EventOrder.Compare);
        var result = new List<MachineEvent>(copy.Count);
        foreach (var e in copy)
        {
            if (result.Count == 0 || result[^1].EventId != e.EventId || result[^1].Ts != e.Ts)
            {
                result.Add(e);
            }
        }

        return result;
    }

    /// <summary>Stretches of consecutive state events in the rule's states: [since, end), end null while it lasts.</summary>
    private static List<(DateTimeOffset Since, DateTimeOffset? End, string Summary)> StopConditions(List<MachineEvent> ordered, AndonRule rule, DateTimeOffset now)
    {
        var result = new List<(DateTimeOffset, DateTimeOffset?, string)>();
        MachineEvent? start = null;
        MachineEvent? latest = null;
        foreach (var e in ordered.Where(e => e.Type == EventType.State))
        {
            var matches = e.State is { } s && rule.States.Contains(s);
            if (matches && start is null)
            {
                start = e;
            }
            else if (!matches && start is not null)
            {
                result.Add((start.Ts, e.Ts, Describe(start, latest!)));
                start = null;
            }

            latest = matches ? e : null;
        }

        if (start is not null && start.Ts <= now)
        {
            result.Add((start.Ts, null, Describe(start, latest!)));
        }

        return result;
    }

    private static string Describe(MachineEvent start, MachineEvent latest)
    {
        var state = ContractNames.Of(latest.State!.Value);
        var reason = latest.Reason ?? start.Reason;
        return reason is null ? state : $"{state}: {reason}";
    }

    /// <summary>Within stretches of running, the gaps without parts: from the run's start or the last parts to the next parts or the run's end.</summary>
    private static List<(DateTimeOffset Since, DateTimeOffset? End, string Summary)> NoPartsConditions(List<MachineEvent> ordered, AndonRule rule, DateTimeOffset now)
    {
        var result = new List<(DateTimeOffset, DateTimeOffset?, string)>();
        DateTimeOffset? runStart = null;
        DateTimeOffset lastParts = DateTimeOffset.MinValue;
        (long Good, long Reject)? lastReading = null;
        foreach (var e in ordered)
        {
            switch (e.Type)
            {
                case EventType.State when e.State == MachineState.Running:
                    runStart ??= e.Ts;
                    break;
                case EventType.State:
                    if (runStart is { } rs)
                    {
                        Gap(rs, e.Ts);
                    }

                    runStart = null;
                    break;
                default:
                    var parts = e.Type == EventType.Count
                        ? e.Good + e.Reject > 0
                        : lastReading is not { } prev || prev.Good != e.GoodTotal || prev.Reject != e.RejectTotal;
                    if (e.Type == EventType.Counter)
                    {
                        lastReading = (e.GoodTotal!.Value, e.RejectTotal!.Value);
                    }

                    if (parts)
                    {
                        if (runStart is { } r)
                        {
                            Gap(r, e.Ts);
                        }

                        lastParts = e.Ts;
                    }

                    break;
            }
        }

        if (runStart is { } open)
        {
            var since = open > lastParts ? open : lastParts;
            if (since <= now)
            {
                result.Add((since, null, "running without parts"));
            }
        }

        return result;

        void Gap(DateTimeOffset runFrom, DateTimeOffset until)
        {
            var since = runFrom > lastParts ? runFrom : lastParts;
            if (until - since >= rule.Threshold && until > since)
            {
                result.Add((since, until, "running without parts"));
            }
        }
    }

    /// <summary>
    /// Episodes of a low-OEE or reject-rate rule from a machine's minute buckets (sorted, consecutive minutes):
    /// the ratio over the rule's window is judged at each minute's end; a run of breached minute ends is one
    /// episode, raised at its first, cleared at the first minute end that is fine again. Minute ends before a
    /// full window of buckets is available are not judged.
    /// </summary>
    public static List<AndonEpisode> FromBuckets(IReadOnlyList<KeyValuePair<DateTimeOffset, OeeComponents>> minutes, string machineId, AndonRule rule)
    {
        ArgumentNullException.ThrowIfNull(minutes);
        ArgumentNullException.ThrowIfNull(rule);
        var result = new List<AndonEpisode>();
        var window = Math.Max(1, (int)Math.Round(rule.Window.TotalMinutes));
        DateTimeOffset? since = null;
        string summary = "";
        for (var i = window - 1; i < minutes.Count; i++)
        {
            var end = minutes[i].Key.AddMinutes(1);
            if (minutes[i - window + 1].Key != end.AddMinutes(-window))
            {
                continue; // a gap in the buckets: no full window here
            }

            var sum = default(OeeComponents);
            for (var j = i - window + 1; j <= i; j++)
            {
                sum += minutes[j].Value;
            }

            var (breached, text) = Judge(rule, sum);
            if (breached && since is null)
            {
                since = end;
                summary = text;
            }
            else if (!breached && since is { } s)
            {
                result.Add(new AndonEpisode(AndonEpisode.IdFor(rule.Id, machineId, s), rule.Id, machineId, s, s, end, summary));
                since = null;
            }
        }

        if (since is { } open)
        {
            result.Add(new AndonEpisode(AndonEpisode.IdFor(rule.Id, machineId, open), rule.Id, machineId, open, open, null, summary));
        }

        return result;
    }

    private static (bool Breached, string Summary) Judge(AndonRule rule, OeeComponents c)
    {
        var minutes = Math.Round(rule.Window.TotalMinutes);
        if (rule.Kind == AndonKind.LowOee)
        {
            var oee = OeeKpis.From(c).Oee;
            return (oee is { } o && o < rule.Limit, $"OEE {oee * 100:0.0} % over {minutes} min (limit {rule.Limit * 100:0.#} %)");
        }

        if (rule.Kind == AndonKind.RejectRate && c.ProducedCount >= rule.MinProduced && c.ProducedCount > 0)
        {
            var rate = (double)c.RejectCount / c.ProducedCount;
            return (rate > rule.Limit, $"reject rate {rate * 100:0.0} % over {minutes} min (limit {rule.Limit * 100:0.#} %)");
        }

        return (false, "");
    }
}
