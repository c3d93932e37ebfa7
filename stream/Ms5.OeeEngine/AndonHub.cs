using System.Text;
using Confluent.Kafka;
using Ms5.Analytics.Plant;
using Ms5.Analytics.Andon;
using Ms5.Analytics.Events;
using Ms5.Analytics.Oee;
using Ms5.Postgres;
using Npgsql;
using Prometheus;

namespace Ms5.OeeEngine;

/// <summary>
/// The OEE engine's Andon side. The engine and the ticker evaluate each machine's rules on the same events
/// they compute OEE from (<see cref="Evaluate"/>) and store what they find in their own transaction; open
/// conditions whose threshold lies ahead wait here as pending raises, which <see cref="AndonTimers"/> fires
/// on time when no new event comes. Transitions are published to ms5.andon.v1 and wake the Alertmanager
/// notifier. Which episodes are already stored is remembered, so a condition re-found by every batch is
/// written once.
/// </summary>
internal sealed class AndonHub(IProducer<byte[]?, byte[]?> producer, string topic, NpgsqlDataSource db, ILogger<AndonHub> logger)
{
    private static readonly Counter Transitions = Metrics.CreateCounter(Telemetry.AndonTransitions, "Andon transitions stored, by transition.", "transition");

    private readonly Lock _lock = new();
    private readonly Dictionary<Guid, bool> _known = [];
    private readonly Dictionary<string, List<(AndonFinding Finding, DateTimeOffset RaiseAt)>> _pending = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _notify = new(0, 1);
    private readonly Dictionary<string, int> _held = new(StringComparer.Ordinal);

    /// <summary>Whether the Alertmanager notifier waits while the engine catches up on a backlog (<see cref="CatchUpHold"/>).</summary>
    public CatchUpHold CatchUp { get; } = new();

    /// <summary>A batch with events of these machines is being computed: their pending raises wait for its verdict.</summary>
    public void Hold(IEnumerable<string> machines)
    {
        lock (_lock)
        {
            foreach (var m in machines)
            {
                _held[m] = _held.GetValueOrDefault(m) + 1;
            }
        }
    }

    public void Release(IEnumerable<string> machines)
    {
        lock (_lock)
        {
            foreach (var m in machines)
            {
                if (_held.TryGetValue(m, out var n) && n > 1)
                {
                    _held[m] = n - 1;
                }
                else
                {
                    _held.Remove(m);
                }
            }
        }
    }

    /// <summary>Raised, cleared and pending episodes of one machine from events holding its context (see <see cref="EventTail.Slice"/>).</summary>
    public (List<AndonFinding> Findings, List<(AndonFinding, DateTimeOffset)> Pending) Evaluate(MachineOeeContext ctx, IEnumerable<MachineEvent> events, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        var (raised, pending, tooShort) = AndonEvaluator.Evaluate(events, ctx.MachineId, ctx.LineId, ctx.Andon.Rules, now);
        List<AndonFinding> resolve;
        lock (_lock)
        {
            // Raised on time by the timer, but the event ending the condition before its threshold came later.
            resolve = tooShort.Where(e => _known.TryGetValue(e.Id, out var resolved) && !resolved)
                .Select(e => new AndonFinding(e, ctx.PlantId, ctx.LineId, ctx.Andon.Find(e.RuleId)!, ctx.Andon, ResolveOnly: true) { Calendar = ctx.Calendar }).ToList();
        }

        return (
            [.. Fresh(raised.Select(e => new AndonFinding(e, ctx.PlantId, ctx.LineId, ctx.Andon.Find(e.RuleId)!, ctx.Andon) { Calendar = ctx.Calendar })), .. resolve],
            pending.Select(p => (new AndonFinding(p.Episode, ctx.PlantId, ctx.LineId, ctx.Andon.Find(p.Episode.RuleId)!, ctx.Andon) { Calendar = ctx.Calendar }, p.RaiseAt)).ToList());
    }

    /// <summary>Low-OEE and reject-rate episodes of one machine from its recent minute buckets.</summary>
    public List<AndonFinding> EvaluateBuckets(MachineOeeContext ctx, IReadOnlyList<KeyValuePair<DateTimeOffset, OeeComponents>> minutes)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        var found = new List<AndonFinding>();
        foreach (var rule in ctx.Andon.Rules.Where(r => r.Kind is AndonKind.LowOee or AndonKind.RejectRate && r.AppliesTo(ctx.MachineId, ctx.LineId)))
        {
            found.AddRange(AndonEvaluator.FromBuckets(minutes, ctx.MachineId, rule).Select(e => new AndonFinding(e, ctx.PlantId, ctx.LineId, rule, ctx.Andon) { Calendar = ctx.Calendar }));
        }

        return Fresh(found);
    }

    /// <summary>Only findings that would change something: not stored yet, or stored open and now cleared.</summary>
    private List<AndonFinding> Fresh(IEnumerable<AndonFinding> findings)
    {
        lock (_lock)
        {
            return findings.Where(f => !_known.TryGetValue(f.Episode.Id, out var resolved) || (!resolved && f.Episode.ClearedAt is not null)).ToList();
        }
    }

    /// <summary>After the findings' transaction committed: remember them, replace the machines' pending raises, publish and notify.</summary>
    public async Task CommittedAsync(IReadOnlyList<AndonFinding> stored, IReadOnlyDictionary<string, List<(AndonFinding, DateTimeOffset)>> pendingByMachine, IReadOnlyList<AndonTransition> transitions, CancellationToken ct)
    {
        lock (_lock)
        {
            foreach (var f in stored)
            {
                _known[f.Episode.Id] = f.Episode.ClearedAt is not null;
            }

            // Resolved ones found again only cost an idempotent write: forget them when the memory grows (a replay).
            if (_known.Count > 50_000)
            {
                foreach (var id in _known.Where(k => k.Value).Select(k => k.Key).ToList())
                {
                    _known.Remove(id);
                }
            }

            foreach (var (machine, pending) in pendingByMachine)
            {
                _pending[machine] = pending;
            }
        }

        await PublishAsync(transitions, ct);
    }

    /// <summary>Pending raises due at <paramref name="now"/>, taken out of the waiting list.</summary>
    public List<AndonFinding> TakeDue(DateTimeOffset now)
    {
        lock (_lock)
        {
            var due = new List<AndonFinding>();
            foreach (var (machine, list) in _pending)
            {
                if (_held.ContainsKey(machine))
                {
                    continue;
                }

                for (var i = list.Count - 1; i >= 0; i--)
                {
                    if (list[i].RaiseAt <= now)
                    {
                        if (!_known.ContainsKey(list[i].Finding.Episode.Id))
                        {
                            due.Add(list[i].Finding);
                        }

                        list.RemoveAt(i);
                    }
                }
            }

            return due;
        }
    }

    /// <summary>Forgets what was stored: after a rebalance another instance may have changed those Andons.</summary>
    public void Forget()
    {
        lock (_lock)
        {
            _known.Clear();
            _pending.Clear();
        }
    }

    /// <summary>Publishes transitions to ms5.andon.v1 (key = machine) and wakes the Alertmanager notifier.</summary>
    public async Task PublishAsync(IReadOnlyList<AndonTransition> transitions, CancellationToken ct)
    {
        if (transitions.Count == 0)
        {
            return;
        }

        Wake();
        var andons = await AndonStore.GetManyAsync(db, transitions.Select(t => t.AndonId).Distinct().ToList(), ct);
        var sends = new List<Task>(transitions.Count);
        foreach (var t in transitions)
        {
            Transitions.WithLabels(t.Transition).Inc();
            if (andons.TryGetValue(t.AndonId, out var a))
            {
                sends.Add(producer.ProduceAsync(topic, new Message<byte[]?, byte[]?> { Key = Encoding.UTF8.GetBytes(a.MachineId), Value = AndonJson.Message(a, t) }, ct));
            }
        }

        try
        {
            await Task.WhenAll(sends);
        }
        catch (ProduceException<byte[]?, byte[]?> ex)
        {
            // The transitions are stored; the topic is a notification channel.
            logger.LogWarning("Could not publish {Count} Andon transition(s) to {Topic}: {Reason}", transitions.Count, topic, ex.Error.Reason);
        }
    }

    public void Wake()
    {
        if (_notify.CurrentCount == 0)
        {
            try
            {
                _notify.Release();
            }
            catch (SemaphoreFullException)
            {
            }
        }
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct) => _notify.WaitAsync(timeout, ct);
}
