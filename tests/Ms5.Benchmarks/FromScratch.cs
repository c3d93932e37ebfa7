using Ms5.Analytics.Events;
using Ms5.Analytics.Oee;
using Ms5.Analytics.Plant;
using Ms5.Postgres;
using Npgsql;

namespace Ms5.Benchmarks;

/// <summary>The engine's stored minute buckets against the calculator run over all of a machine's events at once (the test oracle).</summary>
internal static class FromScratch
{
    /// <summary>
    /// Every machine's stored buckets (read through <see cref="OeeStore.LoadBucketsAsync"/>) over [<paramref name="from"/>,
    /// <paramref name="to"/>) against <see cref="BucketCalculator.MinuteBuckets"/> over its events; with
    /// <paramref name="untilOwnNewest"/> a machine is compared only up to the minute of its own newest event (after it the
    /// engine carries the last state on to the time it computed, which the events alone cannot tell). Prints the first
    /// few differences; returns how many minutes were compared and how many differ.
    /// </summary>
    public static async Task<(long Compared, long Differing)> CompareAsync(
        string cs, PlantConfig plant, IReadOnlyList<MachineEvent> events, DateTimeOffset from, DateTimeOffset to, bool untilOwnNewest, string tag)
    {
        var losses = LossClassifier.For(plant);
        var byMachine = events.GroupBy(e => e.MachineId).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        long compared = 0, differing = 0;
        await using var db = NpgsqlDataSource.Create(cs);
        await using var conn = await db.OpenConnectionAsync();
        foreach (var m in plant.Machines)
        {
            var own = byMachine.GetValueOrDefault(m.Id) ?? [];
            var until = untilOwnNewest ? (own.Count == 0 ? from : BucketCalculator.Floor(own.Max(e => e.Ts))) : to;
            var stored = ((await OeeStore.LoadBucketsAsync(conn, [m.Id], from, CancellationToken.None)).GetValueOrDefault(m.Id) ?? [])
                .ToDictionary(b => b.Key, b => b.Value);
            foreach (var (minute, c) in BucketCalculator.MinuteBuckets(own, m.IdealCycle, plant.Calendar, losses, from, until < to ? until : to))
            {
                compared++;
                // A minute the engine did not store is an all-zero one.
                var found = stored.TryGetValue(minute, out var s);
                if (s != c)
                {
                    if (++differing <= 5)
                    {
                        Console.WriteLine($"[bench {tag}]   differs: {m.Id} {minute:HH:mm} stored {(found ? s.ToString() : "none")}, from scratch {c}");
                    }
                }
            }
        }

        return (compared, differing);
    }
}
