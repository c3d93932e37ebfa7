using Ms5.Analytics.Andon;
using Ms5.Analytics.Events;
using Ms5.Analytics.Oee;
using Ms5.Analytics.Plant;
using Ms5.Postgres;
using Npgsql;

namespace Ms5.OeeEngine;

/// <summary>
/// One machine's recomputation: its minutes <see cref="Range"/> from the events of its in-memory tail
/// (<see cref="Tail"/>) or loaded from the store (<see cref="Loaded"/>). <see cref="ResetProgress"/> sets the
/// machine's progress also backwards (its current state changed); <see cref="ReachesNow"/>: the Andon
/// conditions still open are the machine's pending raises.
/// </summary>
internal sealed record RecomputeItem(MachineOeeContext Context, MinuteRange Range, bool ResetProgress, bool ReachesNow)
{
    public EventTail? Tail { get; init; }
    public IReadOnlyList<MachineEvent>? Loaded { get; init; }

    /// <summary>The newest event the computation includes (published as <c>lastEventAt</c>).</summary>
    public DateTimeOffset? NewestEvent { get; init; }
}

/// <summary>What one recomputation found and stored, handed on after the transaction commits.</summary>
internal sealed record RecomputeResult(
    IReadOnlyList<(RecomputeItem Item, IReadOnlyDictionary<DateTimeOffset, OeeComponents> Buckets)> Computed,
    List<AndonFinding> Findings,
    Dictionary<string, List<(AndonFinding, DateTimeOffset)>> Pending,
    IReadOnlyList<AndonTransition> Transitions);

/// <summary>
/// The sequence the engine's batches and the ticker share, inside the caller's transaction (machines locked):
/// compute each machine's minute buckets exactly (<see cref="BucketCalculator"/>) and evaluate its Andon rules on
/// the same events — machines in parallel, they are independent — then save the buckets and progress and
/// apply the Andon findings (<c>parallel: false</c> keeps a core free for the Andon timers, see <see cref="OeeTicker"/>). After COMMIT, <see cref="CommittedAsync"/> hands the findings to the Andon hub.
/// </summary>
internal sealed class Recomputation(AndonHub andon)
{
    public async Task<RecomputeResult> ComputeAndSaveAsync(NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyList<RecomputeItem> items, DateTimeOffset now, CancellationToken ct, Action<string>? mark = null, bool parallel = true)
    {
        var results = new (SortedDictionary<DateTimeOffset, OeeComponents> Buckets, List<AndonFinding> Found, List<(AndonFinding, DateTimeOffset)> Ahead)[items.Count];
        Parallel.For(0, items.Count, new ParallelOptions { CancellationToken = ct, MaxDegreeOfParallelism = parallel ? -1 : 1 }, i =>
        {
            var item = items[i];
            var ctx = item.Context;
            var events = item.Tail?.Slice(item.Range.From, item.Range.To) ?? item.Loaded ?? [];
            var buckets = BucketCalculator.MinuteBuckets(events, ctx.IdealCycle, ctx.Calendar, ctx.Losses, item.Range.From, item.Range.To);
            var (found, ahead) = andon.Evaluate(ctx, events, now);
            results[i] = (buckets, found, ahead);
            if (item.Tail is { } tail)
            {
                EventTails.Trim(tail);
            }
        });

        mark?.Invoke("compute");
        var computed = new List<(RecomputeItem, IReadOnlyDictionary<DateTimeOffset, OeeComponents>)>(items.Count);
        var saves = new List<(string, IReadOnlyDictionary<DateTimeOffset, OeeComponents>, DateTimeOffset, bool)>(items.Count);
        var findings = new List<AndonFinding>();
        var pending = new Dictionary<string, List<(AndonFinding, DateTimeOffset)>>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            var (buckets, found, ahead) = results[i];
            findings.AddRange(found);
            // What is still ahead is known only when the range reaches now.
            if (item.ReachesNow)
            {
                pending[item.Context.MachineId] = ahead;
            }

            saves.Add((item.Context.MachineId, buckets, BucketCalculator.Floor(item.Range.To), item.ResetProgress));
            computed.Add((item, buckets));
        }

        await OeeStore.SaveManyAsync(conn, tx, saves, ct);
        mark?.Invoke("save");
        var transitions = findings.Count > 0 ? await AndonStore.ApplyAsync(conn, tx, findings, now, ct, mark) : [];
        mark?.Invoke("andons_transitions");
        return new RecomputeResult(computed, findings, pending, transitions);
    }

    /// <summary>After COMMIT: the Andon hub remembers the findings, replaces pending raises, publishes and notifies.</summary>
    public Task CommittedAsync(RecomputeResult result, CancellationToken ct) =>
        andon.CommittedAsync(result.Findings, result.Pending, result.Transitions, ct);
}
