using System.Collections.Concurrent;
using Ms5.Analytics.Oee;

namespace Ms5.OeeEngine;

/// <summary>
/// The recent events of the machines this engine instance computes (<see cref="EventTail"/>), so that a batch
/// of live events needs no reads from oee_events. A tail is trusted only while its version equals the
/// machine's event version in PostgreSQL (bumped by every engine batch under the machine's lock): the
/// version is set after the batch commits and cleared while a batch changes the tail, so another instance's
/// writes or a rolled-back batch make the engine reload the machine from the store.
/// </summary>
internal sealed class EventTails
{
    /// <summary>Events older than this (behind the newest event's minute) are forgotten, context excepted.</summary>
    public static readonly TimeSpan Keep = TimeSpan.FromMinutes(2);

    /// <summary>No trim for fewer events before the trim point than this: trimming is a copy.</summary>
    private const int TrimAtLeast = 64;

    private readonly ConcurrentDictionary<string, Entry> _tails = new(StringComparer.Ordinal);

    private sealed class Entry(EventTail tail)
    {
        public EventTail Tail { get; } = tail;

        /// <summary>The machine's event version the tail matches; -1 while a batch changes it.</summary>
        public long Version = -1;
    }

    /// <summary>The machine's tail if it matches <paramref name="version"/>; marked as being changed (untrusted) until <see cref="Committed"/>.</summary>
    public EventTail? Take(string machine, long version)
    {
        if (_tails.TryGetValue(machine, out var e) && Interlocked.Read(ref e.Version) == version)
        {
            Interlocked.Exchange(ref e.Version, -1);
            return e.Tail;
        }

        _tails.TryRemove(machine, out _);
        return null;
    }

    /// <summary>The machine's tail if it matches <paramref name="version"/>, for reading only.</summary>
    public EventTail? Peek(string machine, long version) =>
        _tails.TryGetValue(machine, out var e) && Interlocked.Read(ref e.Version) == version ? e.Tail : null;

    /// <summary>A tail just loaded from the store, untrusted until <see cref="Committed"/>.</summary>
    public void Put(string machine, EventTail tail) => _tails[machine] = new Entry(tail);

    /// <summary>After COMMIT: the tails of these machines match the versions the batch wrote.</summary>
    public void Committed(IReadOnlyDictionary<string, long> versions)
    {
        foreach (var (machine, version) in versions)
        {
            if (_tails.TryGetValue(machine, out var e))
            {
                Interlocked.Exchange(ref e.Version, version);
            }
        }
    }

    /// <summary>
    /// Forgets old events of a tail the caller holds (under the machine's lock): those more than <see cref="Keep"/>
    /// before the minute of its newest event, so that a backlog being caught up keeps its tail too.
    /// </summary>
    public static void Trim(EventTail tail)
    {
        if (tail.Newest is not { } newest)
        {
            return;
        }

        var before = BucketCalculator.Floor(newest) - Keep;
        if (tail.CountBefore(before) >= TrimAtLeast)
        {
            tail.Trim(before);
        }
    }

    /// <summary>Drops a machine's tail: the batch stores events of it the tail does not get.</summary>
    public void Forget(string machine) => _tails.TryRemove(machine, out _);

    public void Clear() => _tails.Clear();

    public int Count => _tails.Count;
}
