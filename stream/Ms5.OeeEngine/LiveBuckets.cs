using Ms5.Analytics.Oee;

namespace Ms5.OeeEngine;

/// <summary>
/// The recent minute buckets (the last <see cref="Horizon"/>) of the machines this engine instance owns,
/// kept up to date by its own writes, so rolling windows can be published right after each batch
/// without querying PostgreSQL. Cleared on every partition assignment: a machine may have been
/// written by another instance meanwhile; it is then reloaded from PostgreSQL on first use.
/// </summary>
internal sealed class LiveBuckets
{
    /// <summary>Long enough for the longest shift window.</summary>
    public static readonly TimeSpan Horizon = TimeSpan.FromHours(26);

    private readonly Dictionary<string, SortedList<DateTimeOffset, OeeComponents>> _machines = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public bool Has(string machine)
    {
        lock (_lock)
        {
            return _machines.ContainsKey(machine);
        }
    }

    /// <summary>Overwrites the given minutes of a machine; <paramref name="load"/> starts its cache from stored buckets.</summary>
    public void Put(string machine, IEnumerable<KeyValuePair<DateTimeOffset, OeeComponents>> buckets, DateTimeOffset now, bool load = false)
    {
        ArgumentNullException.ThrowIfNull(buckets);
        lock (_lock)
        {
            if (!_machines.TryGetValue(machine, out var cached))
            {
                if (!load)
                {
                    return;
                }

                _machines[machine] = cached = [];
            }

            var oldest = now - Horizon;
            foreach (var (minute, c) in buckets)
            {
                if (minute >= oldest)
                {
                    cached[minute] = c;
                }
            }

            while (cached.Count > 0 && cached.Keys[0] < oldest)
            {
                cached.RemoveAt(0);
            }
        }
    }

    /// <summary>The machine's cached minutes from <paramref name="from"/> on (complete ones only), in order.</summary>
    public List<KeyValuePair<DateTimeOffset, OeeComponents>> Minutes(string machine, DateTimeOffset from)
    {
        lock (_lock)
        {
            if (!_machines.TryGetValue(machine, out var cached))
            {
                return [];
            }

            return cached.Where(kv => kv.Key >= from && kv.Value.CalendarSeconds >= 60).ToList();
        }
    }

    /// <summary>The machine's window sums at <paramref name="now"/>.</summary>
    public IReadOnlyList<(WindowBounds Window, OeeComponents Sum)> Windows(string machine, DateTimeOffset now, DateTimeOffset? shiftStart)
    {
        lock (_lock)
        {
            var windows = RollingWindows.At(now, shiftStart);
            var sums = new OeeComponents[windows.Count];
            if (_machines.TryGetValue(machine, out var cached) && cached.Count > 0)
            {
                // One pass from the earliest window start (binary search) to the end.
                var earliest = windows.Min(w => w.From);
                var keys = cached.Keys;
                int lo = 0, hi = keys.Count;
                while (lo < hi)
                {
                    var mid = (lo + hi) / 2;
                    if (keys[mid] < earliest)
                    {
                        lo = mid + 1;
                    }
                    else
                    {
                        hi = mid;
                    }
                }

                var values = cached.Values;
                for (var i = lo; i < keys.Count; i++)
                {
                    for (var w = 0; w < windows.Count; w++)
                    {
                        if (keys[i] >= windows[w].From && keys[i] < windows[w].To)
                        {
                            sums[w] += values[i];
                        }
                    }
                }
            }

            return windows.Select((w, i) => (w, sums[i])).ToList();
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _machines.Clear();
        }
    }
}
